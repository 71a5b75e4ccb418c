"""shopnet settings: one module, read from the environment.

Nothing set → SQLite file + in-memory channel layer, DEBUG off. `make run` turns DEBUG on.
DATABASE_URL=postgres://… → PostgreSQL; REDIS_URL=redis://… → channels_redis and the cache.
Bad values fail loudly at import time rather than half-working.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from shopnet import api_docs

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean from the environment; anything but a clear yes or no is an error."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


DEBUG = env_bool("DEBUG", default=False)

_INSECURE_DEV_KEY = "django-insecure-shopnet-development-only-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_DEV_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
if not DEBUG and SECRET_KEY == _INSECURE_DEV_KEY:
    raise ImproperlyConfigured("The development SECRET_KEY cannot be used with DEBUG off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # daphne first: its runserver replaces Django's, serving HTTP and WebSocket alike.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "core",
    "workshops",
    "orders",
    "board",
    "districts",
    "drawings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shopnet.middleware.LanguageSwitchMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out sign-in into the lockout page (workshops/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shopnet.urls"
ASGI_APPLICATION = "shopnet.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "workshops.context_processors.memberships",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_POOL", default=True
):
    # A pool per process (psycopg's): under ASGI every request runs on a thread of its own, so a
    # persistent connection (CONN_MAX_AGE) is never reused; without a pool each request and
    # each socket's database call would open a new PostgreSQL connection.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "pool",
        {
            "min_size": env.int("DATABASE_POOL_MIN", default=2),
            "max_size": env.int("DATABASE_POOL_MAX", default=20),
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        },
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait on the write lock instead of failing at once when two requests write together.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# daphne's --websocket_timeout; a group must outlive the longest socket in it.
WEBSOCKET_TIMEOUT = env.int("WEBSOCKET_TIMEOUT", default=86400)
# Seconds between heartbeats on every stream; clients treat ~3 missed beats as a dead stream.
WEBSOCKET_HEARTBEAT = env.float("WEBSOCKET_HEARTBEAT", default=5.0)
# Every this many heartbeats a stream re-checks access and repairs lost events from the log.
WEBSOCKET_RECONCILE_EVERY = env.int("WEBSOCKET_RECONCILE_EVERY", default=6)
# /healthz answers 503 when the streams' database thread has not run a no-op within this many
# seconds (new sockets would wait at least that long for their first answer).
WEBSOCKET_STALL_SECONDS = env.float("WEBSOCKET_STALL_SECONDS", default=5.0)
# Sockets one user may hold open on one server process (a hub's tablets, tabs and integrations
# together); the next is closed with 4429.
WEBSOCKET_MAX_PER_USER = env.int("WEBSOCKET_MAX_PER_USER", default=50)
# How long the district dashboard's computed figures count as current (districts/cached.py):
# after that, or after a change to the rollups, they are served while recomputed in the
# background. 0: computed on every request.
DISTRICT_STATS_CACHE_SECONDS = env.int("DISTRICT_STATS_CACHE_SECONDS", default=300)
# Recompute them on a thread of the serving process (off in the tests, which stay inside one
# transaction and run the refresh inline instead).
DISTRICT_STATS_REFRESH_IN_BACKGROUND = True
# How long the page waits for figures nobody has computed before it shows their progress instead.
DISTRICT_STATS_WAIT_SECONDS = 1.0
if (
    WEBSOCKET_HEARTBEAT <= 0
    or WEBSOCKET_STALL_SECONDS <= 0
    or WEBSOCKET_RECONCILE_EVERY < 1
    or WEBSOCKET_MAX_PER_USER < 1
):
    raise ImproperlyConfigured(
        "WEBSOCKET_HEARTBEAT and WEBSOCKET_STALL_SECONDS must be positive, "
        "WEBSOCKET_RECONCILE_EVERY and WEBSOCKET_MAX_PER_USER at least 1."
    )
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL must be a redis://, rediss:// or unix:// URL.")
    # redis-py 8 caps an asyncio pool at 100 connections unless told otherwise, and its pool
    # does not wait: size it for a burst (docs/DEPLOY.md). Its default read timeout (5 s) races
    # channels_redis's 5 s BZPOPMIN and drops quiet sockets: reads must be allowed longer.
    redis_host = {
        "address": REDIS_URL,
        "max_connections": env.int("REDIS_MAX_CONNECTIONS", default=600),
        "socket_timeout": 10,
    }
    CHANNEL_LAYER = env.str("CHANNEL_LAYER", default="pubsub")
    if CHANNEL_LAYER == "pubsub":
        # One Redis subscription per group per process, fanned out to that process's sockets in
        # memory: a change to a job reaches Redis once per process, not once per socket, and a
        # process that dies leaves no member behind. Delivery is at-most-once, as on any layer:
        # clients repair gaps from the event log. A consumer's own channel stays in process
        # (core/layers.py): no Redis round trip per socket.
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "core.layers.PubSubChannelLayer",
                "CONFIG": {
                    "hosts": [redis_host],
                    "prefix": env.str("CHANNEL_PREFIX", default="shopnet"),
                },
            }
        }
    elif CHANNEL_LAYER == "lists":
        # channels_redis's list layer: a copy of each message per member socket, groups as
        # sorted sets that outlive their processes until `group_expiry`.
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [redis_host],
                    "capacity": env.int("CHANNEL_CAPACITY", default=1000),
                    "expiry": 60,
                    "group_expiry": WEBSOCKET_TIMEOUT,
                    "prefix": env.str("CHANNEL_PREFIX", default="shopnet"),
                },
            }
        }
    else:
        raise ImproperlyConfigured("CHANNEL_LAYER must be 'pubsub' or 'lists'.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "shopnet",
        }
    }
else:
    CHANNEL_LAYER = "memory"
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "workshops.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins allowed per (username, client address) within the window. Keyed on both so
# that one careless colleague cannot lock the whole shop out behind its shared NAT address.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)
# django-axes enforces it on every login path (the site's form and the admin's): its backend
# refuses a locked (username, address) before any password is checked, and it counts failures
# in the database under a row lock, so parallel guesses cannot slip past the limit.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_FAILURE_WINDOW)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "workshops.throttling.client_address"
AXES_USERNAME_CALLABLE = "workshops.throttling.login_username"
AXES_LOCKOUT_CALLABLE = "workshops.lockout.locked_out"
# Successful sign-ins are not recorded; the admin lists failures and unlocks (workshops/admin.py).
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)

# --- I18N ----------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Tokyo"
LANGUAGE_COOKIE_NAME = "shopnet_language"
# One short (the day) and one long (the day and time) date format per language.
FORMAT_MODULE_PATH = ["shopnet.formats"]
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and media ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# No MEDIA_URL on purpose: every file is served by a view that checks access.
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("TESTING", default=False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# A protected file is handed to the proxy with this internal prefix when set (X-Accel-Redirect).
PROTECTED_MEDIA_REDIRECT_PREFIX = env.str("PROTECTED_MEDIA_REDIRECT_PREFIX", default="")
LOGO_MAX_UPLOAD_BYTES = env.int("LOGO_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
LOGO_MAX_PIXELS = env.int("LOGO_MAX_PIXELS", default=40_000_000)
LOGO_SIZE = 512
# Drawings (docs/DRAWINGS.md): per-file size limit, files per upload request, the pixel ceiling
# per page (Pillow's own limit is raised to it on purpose: an A0 scan at 400 dpi is ~250 MP),
# and the limits of the preview worker process.
DRAWINGS_MAX_UPLOAD_BYTES = env.int("DRAWINGS_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
DRAWINGS_MAX_FILES_PER_REQUEST = env.int("DRAWINGS_MAX_FILES_PER_REQUEST", default=20)
DRAWINGS_MAX_PIXELS = env.int("DRAWINGS_MAX_PIXELS", default=300_000_000)
DRAWINGS_PREVIEW_TIMEOUT = env.int("DRAWINGS_PREVIEW_TIMEOUT", default=60)
DRAWINGS_PREVIEW_MEMORY_MB = env.int("DRAWINGS_PREVIEW_MEMORY_MB", default=2048)
DRAWINGS_PREVIEW_MAX_PAGES = env.int("DRAWINGS_PREVIEW_MAX_PAGES", default=50)
DRAWINGS_PREVIEW_ISOLATED = env_bool("DRAWINGS_PREVIEW_ISOLATED", default=True)
if DRAWINGS_MAX_UPLOAD_BYTES < 1 or DRAWINGS_MAX_FILES_PER_REQUEST < 1:
    raise ImproperlyConfigured(
        "DRAWINGS_MAX_UPLOAD_BYTES and DRAWINGS_MAX_FILES_PER_REQUEST must be positive."
    )
# Request bodies refused by the server process (shopnet/serve.py) from their headers, before a
# byte is kept: with a session cookie or an Authorization header, and without either.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=60_000_000)
ANONYMOUS_REQUEST_BODY_MAX_BYTES = env.int("ANONYMOUS_REQUEST_BODY_MAX_BYTES", default=1_048_576)
# The server process's listen queue (shopnet/serve.py): connections the kernel holds while the
# process is busy. Twisted's default of 50 overflows under a reconnect storm, and a dropped SYN
# costs its client a second (then three) before it tries again. Capped by net.core.somaxconn.
LISTEN_BACKLOG = env.int("LISTEN_BACKLOG", default=1024)
if LISTEN_BACKLOG < 1:
    raise ImproperlyConfigured("LISTEN_BACKLOG must be positive.")
# Anything bigger than this is refused before the body is parsed (the drawings upload
# view raises it for its own route).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security ---------------------------------------------------------------------
BEHIND_PROXY = env_bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30  # a month: floor tablets stay signed in
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp): scripts, styles, images, fonts and
# fetches from this origin only (WebSockets to it included), nothing inline: templates carry no
# <script> body, style="" or on*= handler (tests/browser/test_csp.py checks pages in Chromium).
# data: images for generated thumbnails.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_NONE],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    }
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shopnet <noreply@shopnet.invalid>")

# --- API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "workshops.tokens.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "workshops.tokens.TokenScopes",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["shopnet.throttles.APIScopeThrottle"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
# Requests per user (per address when anonymous) and scope, counted in the cache
# (shopnet/throttles.py); an empty value turns that scope's throttle off.
API_THROTTLE_RATES = {
    scope: env.str(f"API_THROTTLE_{scope.upper()}", default=default) or None
    for scope, default in {
        "search": "60/min",
        "uploads": "120/hour",
        "stats": "60/min",
        "writes": "120/min",
    }.items()
}
for _scope, _rate in API_THROTTLE_RATES.items():
    if _rate is not None and not re.fullmatch(r"\d+/(s|sec|m|min|h|hour|d|day)", _rate):
        raise ImproperlyConfigured(
            f"API_THROTTLE_{_scope.upper()} must look like 60/min (s, min, hour or day), "
            f"not {_rate!r}."
        )
SPECTACULAR_SETTINGS = {
    "TITLE": "shopnet API",
    "DESCRIPTION": api_docs.DESCRIPTION,
    # The docs page's Swagger UI comes from our own static files (drf-spectacular-sidecar).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One enum name for each choice set the API reads and writes (a hold reason, whether a
    # field allows it blank or not; a decline reason, in the decline input and on the order).
    "ENUM_NAME_OVERRIDES": {
        "HoldReasonEnum": "orders.models.HoldReason",
        "DeclineReasonEnum": "orders.models.DeclineReason",
        "DefectCauseEnum": "orders.models.DefectCause",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Background work (docs/DEPLOY.md) --------------------------------------------
# django-tasks with its database backend: tasks are rows in the one database, run by
# `manage.py worker` (as many as you like, on any host).
INSTALLED_APPS += ["django_tasks", "django_tasks_db", "worker"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Seconds an idle worker waits before looking for tasks again.
WORKER_INTERVAL = env.float("WORKER_INTERVAL", default=0.5)
# Seconds between two looks at the schedule (and for abandoned tasks).
WORKER_TICK = env.int("WORKER_TICK", default=10)
# A task RUNNING longer than this is taken to have lost its worker and is run again.
WORKER_TASK_LEASE = env.int("WORKER_TASK_LEASE", default=30 * 60)
# Successful task results are kept this long for the admin's list.
WORKER_KEEP_DAYS = env.int("WORKER_KEEP_DAYS", default=7)
IDEMPOTENCY_KEY_DAYS = env.int("IDEMPOTENCY_KEY_DAYS", default=30)
_COMMAND = "worker.tasks.run_command"
# name -> the task (dotted path), its arguments, and its period in seconds (0 turns it off).
WORKER_SCHEDULE = {
    "make_previews": {
        "task": _COMMAND,
        "args": ["make_previews"],
        "every": env.int("SCHEDULE_MAKE_PREVIEWS", default=60),
    },
    "close_postings": {
        "task": _COMMAND,
        "args": ["close_postings"],
        "every": env.int("SCHEDULE_CLOSE_POSTINGS", default=300),
    },
    "warm_dashboards": {
        "task": _COMMAND,
        "args": ["warm_dashboards"],
        "every": env.int("SCHEDULE_WARM_DASHBOARDS", default=300),
    },
    "purge_idempotency_keys": {
        "task": _COMMAND,
        "args": ["purge_idempotency_keys"],
        "every": env.int("SCHEDULE_PURGE_IDEMPOTENCY_KEYS", default=86400),
    },
    "purge_task_results": {
        "task": "worker.tasks.purge_task_results",
        "every": env.int("SCHEDULE_PURGE_TASK_RESULTS", default=86400),
    },
}

# --- Notifications (docs/NOTIFICATIONS.md) ------------------------------------------
INSTALLED_APPS += ["notifications"]
# Off: nothing is decided or sent (the benchmark's baseline).
NOTIFICATIONS_ENABLED = env_bool("NOTIFICATIONS_ENABLED", default=True)
# Seconds after which the repair sweep fans out an event whose own task has not.
NOTIFICATIONS_CATCH_UP_AFTER = env.int("NOTIFICATIONS_CATCH_UP_AFTER", default=120)
WORKER_SCHEDULE["notifications_catch_up"] = {
    "task": "notifications.tasks.catch_up",
    "every": env.int("SCHEDULE_NOTIFICATIONS_CATCH_UP", default=60),
}
WORKER_SCHEDULE["postings_closing"] = {
    "task": "notifications.tasks.postings_closing",
    "every": env.int("SCHEDULE_POSTINGS_CLOSING", default=900),
}
WORKER_SCHEDULE["notifications_send_due"] = {
    "task": "notifications.tasks.send_due",
    "every": env.int("SCHEDULE_NOTIFICATIONS_SEND_DUE", default=60),
}
# --- Webhooks (docs/WEBHOOKS.md) ----------------------------------------------------
INSTALLED_APPS += ["integrations"]
WEBHOOKS_ENABLED = env_bool("WEBHOOKS_ENABLED", default=True)
# Seconds to connect and to wait for an answer: a slow receiver must not hold a worker.
WEBHOOKS_TIMEOUT = env.float("WEBHOOKS_TIMEOUT", default=5.0)
# Attempts per delivery, the first retry's wait in seconds (doubling after each failure), and
# the failures in a row after which an endpoint is turned off and its shop told.
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=8)
WEBHOOKS_BACKOFF = env.float("WEBHOOKS_BACKOFF", default=30.0)
WEBHOOKS_DISABLE_AFTER = env.int("WEBHOOKS_DISABLE_AFTER", default=20)
WEBHOOKS_MAX_PER_WORKSHOP = env.int("WEBHOOKS_MAX_PER_WORKSHOP", default=10)
# Development and tests only: also allow http:// and loopback receivers (never in production).
WEBHOOKS_ALLOW_LOCAL = env_bool("WEBHOOKS_ALLOW_LOCAL", default=False)
if WEBHOOKS_ALLOW_LOCAL and not DEBUG:
    raise ImproperlyConfigured("WEBHOOKS_ALLOW_LOCAL is for development: set DEBUG too.")
WORKER_SCHEDULE["webhooks_sweep"] = {
    "task": "integrations.tasks.sweep",
    "every": env.int("SCHEDULE_WEBHOOKS_SWEEP", default=300),
}
# Links in mail and push point here (no request to take the host from).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# The digest's hour (Japan time) for people who have not chosen one.
NOTIFICATIONS_DIGEST_HOUR = env.int("NOTIFICATIONS_DIGEST_HOUR", default=8)
# Seconds a worker holds a delivery it is sending; a worker that dies lets it go after this.
NOTIFICATIONS_SEND_LEASE = env.int("NOTIFICATIONS_SEND_LEASE", default=300)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=8)
# The first retry's wait; each next one doubles (1, 2, 4 … minutes, up to a day).
NOTIFICATIONS_RETRY_SECONDS = env.int("NOTIFICATIONS_RETRY_SECONDS", default=60)
NOTIFICATIONS_SMTP_TIMEOUT = env.int("NOTIFICATIONS_SMTP_TIMEOUT", default=20)
# Web Push: the site's VAPID key pair (`python manage.py vapid_keys` makes one) and contact.
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:admin@shopnet.invalid")
NOTIFICATIONS_PUSH_TTL = env.int("NOTIFICATIONS_PUSH_TTL", default=24 * 3600)
NOTIFICATIONS_PUSH_TIMEOUT = env.int("NOTIFICATIONS_PUSH_TIMEOUT", default=10)
# Tests and local setups only: accept push endpoints on http:// (a push service is https://).
PUSH_ALLOW_HTTP = env_bool("PUSH_ALLOW_HTTP", default=False)

# --- Shops outside shopnet (docs/OUTSIDE_SHOPS.md) -----------------------------------
INSTALLED_APPS += ["outside"]
# A capability link's life when the hub does not choose: this many days after the order's
# delivery date (and never less than OUTSIDE_LINK_MIN_DAYS from today).
OUTSIDE_LINK_DAYS_AFTER_DUE = env.int("OUTSIDE_LINK_DAYS_AFTER_DUE", default=30)
OUTSIDE_LINK_MIN_DAYS = env.int("OUTSIDE_LINK_MIN_DAYS", default=60)
# Requests a minute: per link, and per client address over every link route (guesses too).
OUTSIDE_LINK_RATE_PER_LINK = env.int("OUTSIDE_LINK_RATE_PER_LINK", default=60)
OUTSIDE_LINK_RATE_PER_ADDRESS = env.int("OUTSIDE_LINK_RATE_PER_ADDRESS", default=120)
