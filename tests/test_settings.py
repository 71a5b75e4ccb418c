"""The settings module reads the environment and fails loudly on bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "SECRET_KEY": "k" * 20 + "-production-like-secret-0123456789-abcdefghij",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "shopnet.example.jp",
    "BEHIND_PROXY": "true",
    "DATABASE_URL": "sqlite:////tmp/shopnet-deploy-check.sqlite3",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "ALLOWED_HOSTS",
            "BEHIND_PROXY",
            "DATABASE_URL",
            "REDIS_URL",
            "TESTING",
            "SECURE_SSL_REDIRECT",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # callers assert the return code themselves
    )


def test_it_passes_check_deploy_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_warns_in_check_deploy_when_debug_is_on():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION_ENV, "DEBUG": "true"}
    )
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must be"),
        ({"REDIS_MAX_CONNECTIONS": "many", "REDIS_URL": "redis://127.0.0.1:6379/0"}, "many"),
    ],
)
def test_it_refuses_to_start_on_bad_values(env, message):
    result = run_manage("check", env={**PRODUCTION_ENV, **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_debug_is_off_unless_asked_for():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        env={k: v for k, v in PRODUCTION_ENV.items() if k != "DEBUG"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_redis_url_switches_the_channel_layer_and_cache_with_a_bounded_pool():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s;"
        "c = s.CHANNEL_LAYERS['default'];"
        "print(c['BACKEND'], c['CONFIG']['hosts'][0]['max_connections'],"
        " s.CACHES['default']['BACKEND'])",
        env={**PRODUCTION_ENV, "REDIS_URL": "redis://127.0.0.1:6379/0"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == [
        "core.layers.PubSubChannelLayer",
        "600",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_the_list_layer_can_be_chosen_and_keeps_groups_as_long_as_sockets():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s;"
        "c = s.CHANNEL_LAYERS['default'];"
        "print(c['BACKEND'], c['CONFIG']['group_expiry'])",
        env={
            **PRODUCTION_ENV,
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "CHANNEL_LAYER": "lists",
            "WEBSOCKET_TIMEOUT": "7200",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["channels_redis.core.RedisChannelLayer", "7200"]


def test_an_unknown_channel_layer_is_refused():
    result = run_manage(
        "check",
        env={**PRODUCTION_ENV, "REDIS_URL": "redis://127.0.0.1:6379/0", "CHANNEL_LAYER": "kafka"},
    )
    assert result.returncode != 0
    assert "CHANNEL_LAYER must be 'pubsub' or 'lists'" in result.stderr


def test_daphne_is_the_first_app_and_asgi_guards_origins():
    from django.conf import settings

    from shopnet.asgi import application

    assert settings.INSTALLED_APPS[0] == "daphne"
    from shopnet.ws_auth import WebsocketAuth

    # Origins are matched against ALLOWED_HOSTS before any auth (tests/orders/test_consumers.py
    # proves a foreign Origin is refused at the handshake).
    websocket = application.application_mapping["websocket"]
    assert isinstance(websocket, WebsocketAuth)
    assert type(websocket.origins).__name__ == "OriginValidator"


def test_commands_that_need_no_secret_run_without_one():
    """A fresh checkout can check its migrations without inventing a SECRET_KEY."""
    result = run_manage(
        "makemigrations",
        "--check",
        "--dry-run",
        env={"DATABASE_URL": PRODUCTION_ENV["DATABASE_URL"]},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_a_missing_secret_is_reported_in_one_clear_line():
    result = run_manage("check", env={"DATABASE_URL": PRODUCTION_ENV["DATABASE_URL"]})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "shopnet: configuration error: SECRET_KEY must be set when DEBUG is off."
    )
