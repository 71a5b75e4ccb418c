# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint install lock migrate seed messages check-deploy bench bench-dashboard clean

# Everything, pip included, from the hashed lock file: the same versions on every machine,
# and pip refuses a file whose hash differs from the one recorded.
$(STAMP): requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP)

install: $(STAMP)

# Refresh the lock files after editing requirements*.txt: keeps every pin that still satisfies
# them; `make lock LOCK_ARGS=--upgrade` moves everything to the newest allowed release. The
# hashes are the index's own (a local pip configuration's wheel folders are not consulted).
LOCK_FLAGS := --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links --quiet $(LOCK_ARGS)
lock: install
	PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= $(VENV)/bin/pip-compile $(LOCK_FLAGS) \
		-o requirements.lock requirements.txt
	PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= $(VENV)/bin/pip-compile $(LOCK_FLAGS) \
		-c requirements.lock -o requirements-dev.lock requirements-dev.txt

# SQLite and the in-memory channel layer, whatever the shell has set; the background worker
# (mail, push, the schedule) runs beside the server and stops with it.
run: install
	env -u DATABASE_URL -u REDIS_URL DEBUG=1 $(PY) manage.py migrate --noinput
	env -u DATABASE_URL -u REDIS_URL DEBUG=1 $(PY) manage.py seed_demo
	env -u DATABASE_URL -u REDIS_URL DEBUG=1 $(PY) manage.py worker & worker=$$!; \
		trap 'kill $$worker' EXIT; \
		env -u DATABASE_URL -u REDIS_URL DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# DATABASE_URL / REDIS_URL, when set, run the suite against PostgreSQL and Redis.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# The project's ruff rules (pyproject.toml): lint and formatting.
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Regenerate the catalogue after changing strings; the .mo is committed so no gettext is
# needed to run shopnet.
messages: install
	DEBUG=1 $(PY) manage.py makemessages -l ja -l en --no-obsolete --ignore=.venv --ignore=bench
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

# Live events over two daphnes against a bare Redis PUBLISH (docs/BENCHMARKS.md). Needs a
# PostgreSQL DATABASE_URL (it makes and drops its own database there) and redis-server.
bench: install
	$(PY) bench/ws_fanout.py --sockets 100 1000

# The district dashboard over a year of a 4,000-workshop district against plain SQL
# (docs/BENCHMARKS.md). Needs a PostgreSQL DATABASE_URL; keeps its own database between runs.
bench-dashboard: install
	$(PY) bench/dashboard.py --workshops 4000 --jobs 100000

check-deploy: install
	env SECRET_KEY=$$(head -c 48 /dev/urandom | base64) DEBUG=0 ALLOWED_HOSTS=shopnet.example.jp \
		BEHIND_PROXY=1 $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
