"""The 仲間まわし chain of tests/orders, for the tests that drive the job flow and watch the
dashboard follow."""

from tests.orders.conftest import chain, routed_job  # noqa: F401
