"""The suite runs against what the environment names: PostgreSQL and Redis in CI."""

import os

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_it_uses_the_database_named_by_database_url():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        assert connection.vendor == "postgresql"
    else:
        assert connection.vendor == "sqlite"


def test_it_uses_the_channel_layer_named_by_redis_url():
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if os.environ.get("REDIS_URL"):
        host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
        # Set explicitly (redis-py 8 would otherwise cap the pool at 100), and reads wait
        # longer than channels_redis's 5 s blocking pop.
        assert host["max_connections"] >= 100
        assert host["socket_timeout"] > 5
        if settings.CHANNEL_LAYER == "lists":
            assert backend == "channels_redis.core.RedisChannelLayer"
            assert (
                settings.CHANNEL_LAYERS["default"]["CONFIG"]["group_expiry"]
                >= settings.WEBSOCKET_TIMEOUT
            )
        else:
            assert backend == "core.layers.PubSubChannelLayer"
    else:
        assert backend == "channels.layers.InMemoryChannelLayer"


def test_ci_requires_postgres_and_redis_when_asked():
    # .ci/run sets SHOPNET_REQUIRE_SERVICES so that a misconfigured CI cannot silently
    # fall back to SQLite and call that a pass.
    if os.environ.get("SHOPNET_REQUIRE_SERVICES"):
        assert os.environ.get("DATABASE_URL", "").startswith("postgres")
        assert os.environ.get("REDIS_URL", "").startswith("redis")
