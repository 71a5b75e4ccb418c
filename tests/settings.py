"""The suite's settings: the one shopnet settings module, with the environment a test run needs.

DATABASE_URL / REDIS_URL pass through, so the same suite runs on SQLite and the in-memory
layer, or on PostgreSQL and Redis.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("TESTING", "1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Streams stay quiet unless a test asks for heartbeats (tests/orders/test_consumers.py).
os.environ.setdefault("WEBSOCKET_HEARTBEAT", "3600")

from shopnet.settings import *  # noqa: F403

# Hashing passwords properly is slow on purpose; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT", "/tmp/shopnet-test-media"))  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The dashboard's figures are refreshed inline, inside the test's transaction
# (tests/districts/test_cached.py runs the background thread on committed data).
DISTRICT_STATS_REFRESH_IN_BACKGROUND = False
