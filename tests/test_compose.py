"""docker-compose.yml gives the containers the same defaults as the settings module."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings_defaults() -> dict[str, str]:
    """NAME -> default of every `env.int/float/str("NAME", default=<number>)` in the settings."""
    source = (ROOT / "shopnet" / "settings.py").read_text()
    found = {}
    for name, expression in re.findall(
        r'env\.(?:int|float)\("(\w+)", default=([0-9_ .*]+)\)', source
    ):
        found[name] = str(eval(expression, {"__builtins__": {}}))  # digits, _ and * only
    return found


def compose_defaults() -> dict[str, str]:
    text = (ROOT / "docker-compose.yml").read_text()
    return dict(re.findall(r"^\s+(\w+): \$\{\1:-([^}]+)\}\s*$", text, flags=re.MULTILINE))


def test_it_gives_redis_max_connections_the_settings_default():
    assert (
        compose_defaults()["REDIS_MAX_CONNECTIONS"] == settings_defaults()["REDIS_MAX_CONNECTIONS"]
    )


def test_every_numeric_default_in_compose_is_the_settings_default():
    settings, compose = settings_defaults(), compose_defaults()
    shared = settings.keys() & compose.keys()
    assert {"REDIS_MAX_CONNECTIONS", "CHANNEL_CAPACITY", "WEBSOCKET_TIMEOUT"} <= shared
    for name in shared:
        assert float(compose[name]) == float(settings[name]), name
