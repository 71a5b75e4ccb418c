"""The project-wide API tests use the orders chain: a routed job across four workshops."""

from tests.orders.conftest import chain, routed_job  # noqa: F401
