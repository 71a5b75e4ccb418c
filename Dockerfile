# syntax=docker/dockerfile:1
#
# shopnet application image: Django + Channels served by daphne.
# One image runs every Python role in docker-compose.yml (web, migrate, seed).
# See docs/DEPLOY.md.

FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANG=C.UTF-8 \
    DJANGO_SETTINGS_MODULE=shopnet.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    WEBSOCKET_TIMEOUT=86400

# Unprivileged runtime user. The code and the collected static files stay
# owned by root, so the running process cannot rewrite them; only MEDIA_ROOT
# is writable. The fixed uid/gid lets a fresh named volume mounted on
# /app/media inherit this ownership from the image.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so editing the code does not reinstall them.
# psycopg[binary] and Pillow ship manylinux wheels: no compiler or -dev packages.
# The hashed lock file (`make lock` refreshes it): pip refuses anything else.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY . .

# Collect static files into the image (whitenoise serves them). The settings
# refuse to start without SECRET_KEY when DEBUG is off, so this step gets a
# throwaway key in its own environment only: it is not an ARG or ENV, so it is
# not kept in the image configuration, and it never signs anything.
RUN SECRET_KEY=collectstatic-only-build-time-placeholder-not-used-at-runtime-0123456789 \
    DEBUG=false \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/media \
 && chown app:app /app/media

USER app

EXPOSE 8000

# /healthz answers 200 when the database (and Redis, when configured) answer,
# 503 otherwise; urlopen raises on 503, so the check fails. The Host header
# must be in ALLOWED_HOSTS; /healthz is exempt from the HTTPS redirect.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': 'localhost'}), timeout=4); sys.exit(0 if r.status == 200 else 1)"]

# daphne with request-body limits (shopnet/serve.py; daphne's own arguments).
# Shell form only to expand WEBSOCKET_TIMEOUT; exec hands PID 1 to the server so
# it receives SIGTERM directly.
CMD ["sh", "-c", "exec python -m shopnet.serve -b 0.0.0.0 -p 8000 --proxy-headers --websocket_timeout \"${WEBSOCKET_TIMEOUT:-86400}\" shopnet.asgi:application"]
