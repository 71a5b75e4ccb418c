"""The browser bench (bench/test_tap_to_screen.py) uses the suite's fixtures: the chain of
shops, the tablets, daphne serving HTTP and WebSockets from a thread."""

from tests.browser.conftest import asgi_live_server, browser, chain, routed_job  # noqa: F401
from tests.conftest import (  # noqa: F401
    _clear_cache,
    _close_stream_connections,
    _media_root,
    _reference_data,
    district,
    staff,
)
