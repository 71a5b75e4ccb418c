"""Two (or more) real daphne processes on loopback, sharing one throwaway PostgreSQL database
and a private redis-server: the harness of tests/integration and bench/ws_fanout.py.

Nothing here uses pytest-django's test database or the machine's shared Redis. The database
is created on the server DATABASE_URL names (through its `postgres` maintenance database) and
dropped at the end; redis-server runs as a child process on a free port, so a test may stop
and restart it. Every child process is killed and the database dropped in `Cluster.close()`,
which `with Cluster(...)` always calls.

Only the standard library and psycopg (already a runtime dependency) are used here, so the
bench can import it without Django.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The demo hub's owner: a party to every demo job, and a member of the shop whose step the
# demo leaves in progress.
# A hub whose demo job has a step in progress at the hub itself (it may hold and resume it).
DEMO_USER = "kamata_owner"
STARTUP_TIMEOUT = 30.0
# The demo step goes back and forth between these, one event each time.
TOGGLE = {"in_progress": "hold", "on_hold": "resume"}
EVENT_KIND = {"hold": "step.held", "resume": "step.resumed"}

# URLs of loopback servers must never go through a proxy named in the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _tool(name: str) -> str | None:
    candidate = BIN / name
    return str(candidate) if candidate.exists() else shutil.which(name)


def missing_services() -> str | None:
    """Why a cluster cannot be built here, or None when it can."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return "DATABASE_URL does not name a PostgreSQL server"
    if _tool("redis-server") is None:
        return "redis-server is not installed"
    if _tool("daphne") is None:
        return "daphne is not installed in the virtualenv"
    try:
        import psycopg  # noqa: F401
        import websockets  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -r requirements-dev.txt)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f}s")


def _stop(process: subprocess.Popen | None, grace: float = 5.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(grace)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- PostgreSQL ------------------------------------------------------------------------------


def _connect_maintenance(url: str):
    """An autocommit connection to the server's `postgres` database (CREATE/DROP DATABASE
    cannot run in the database it names, nor inside a transaction)."""
    import psycopg

    parts = urlsplit(url)
    params = {
        "host": parts.hostname or "localhost",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password,
        "connect_timeout": 5,
    }
    try:
        connection = psycopg.connect(dbname="postgres", **params)
    except psycopg.OperationalError:
        # No `postgres` database on this server: fall back to the one the URL names.
        connection = psycopg.connect(dbname=parts.path.lstrip("/") or "postgres", **params)
    connection.autocommit = True
    return connection


@dataclass
class ThrowawayDatabase:
    server_url: str
    name: str = ""

    def create(self) -> str:
        """Create the database; returns its URL."""
        self.name = f"shopnet_it_{secrets.token_hex(6)}"
        connection = _connect_maintenance(self.server_url)
        try:
            with connection.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            connection.close()
        parts = urlsplit(self.server_url)
        return urlunsplit(parts._replace(path="/" + self.name))

    def drop(self) -> None:
        if not self.name:
            return
        connection = _connect_maintenance(self.server_url)
        try:
            with connection.cursor() as cur:
                # FORCE: a daphne that would not die must not leave the database behind.
                cur.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            connection.close()
        self.name = ""


# --- Redis -----------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of our own, without persistence, that can be stopped and restarted on
    the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                _tool("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.workdir),
                # The bench opens thousands of connections; keep the server from refusing them.
                "--maxclients",
                "20000",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )
        log.close()
        _wait_for_port(self.port, 10, self.process)

    def stop(self) -> None:
        _stop(self.process)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


# --- daphne ----------------------------------------------------------------------------------


@dataclass
class Daphne:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


class HTTPResult:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status = status
        self.headers = {key.lower(): value for key, value in headers.items()}  # lower-case names
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def __repr__(self) -> str:
        return f"<HTTP {self.status} {self.body[:200]!r}>"


class Cluster:
    """PostgreSQL database + private Redis + N daphnes, seeded with the demo district.

    `token` is the API token of DEMO_USER; `job` and `step` name a demo job and its
    step that the demo leaves in progress at the hub (so the hub owner may hold and resume it).
    """

    def __init__(
        self,
        daphnes: int = 2,
        *,
        heartbeat: float = 5.0,
        log_level: str = "WARNING",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.count = daphnes
        self.heartbeat = heartbeat
        self.log_level = log_level
        self.extra_env = extra_env or {}
        # One key for every process, as in production: what one daphne signs, another accepts.
        self.secret_key = "integration-only-" + secrets.token_urlsafe(40)
        self.workdir = Path(tempfile.mkdtemp(prefix="shopnet-cluster-"))
        self.database = ThrowawayDatabase(os.environ.get("DATABASE_URL", ""))
        self.redis = PrivateRedis(self.workdir)
        self.daphnes: list[Daphne] = []
        self.database_url = ""
        self.token = ""
        self.job = ""
        self.step = ""

    # --- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> Cluster:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def start(self) -> None:
        self.prepare()
        self.launch()
        for daphne in self.daphnes:
            self._wait_healthy(daphne)
        self._find_demo_step()

    def prepare(self) -> None:
        """The database with the demo district, and Redis."""
        reason = missing_services()
        if reason:
            raise RuntimeError(reason)
        self.database_url = self.database.create()
        self.redis.start()
        self.manage("migrate", "--noinput")
        self.token = self.manage(
            "shell",
            "-c",
            "from django.core.management import call_command\n"
            "call_command('seed_demo', quiet=True)\n"
            f"call_command('issue_token', {DEMO_USER!r})",
        ).split()[-1]

    def launch(self) -> None:
        """The daphnes."""
        for index in range(self.count):
            self.daphnes.append(self._start_daphne(chr(ord("A") + index)))

    def close(self) -> None:
        for daphne in self.daphnes:
            _stop(daphne.process)
        self.redis.stop()
        try:
            self.database.drop()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            # What a test run sets for its own process must not leak into the servers.
            if not key.startswith(("DJANGO_", "PYTEST_", "TESTING", "WEBSOCKET_", "CHANNEL_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="shopnet.settings",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis.url,
            SECRET_KEY=self.secret_key,
            DEBUG="0",
            # Static files are not collected for these throwaway servers: plain storage, not
            # the manifest one production uses (an error page would otherwise fail to render).
            TESTING="1",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="false",
            WEBSOCKET_HEARTBEAT=str(self.heartbeat),
            LOG_LEVEL=self.log_level,
            MEDIA_ROOT=str(self.workdir / "media"),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"manage.py {args[0]} failed ({result.returncode}):\n{result.stderr[-3000:]}"
            )
        return result.stdout

    def _start_daphne(self, name: str) -> Daphne:
        port = free_port()
        log = self.workdir / f"daphne-{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                [
                    # What production runs (Dockerfile, compose): daphne with body limits and
                    # a deep listen queue.
                    *(_tool("python") or sys.executable, "-m", "shopnet.serve"),
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "shopnet.asgi:application",
                ],
                cwd=REPO,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl-C in the terminal reaches only the test run, whose
                # teardown then stops daphne in order (and drops the database after it).
                start_new_session=True,
            )
        return Daphne(name, port, process, log)

    def _wait_healthy(self, daphne: Daphne) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if daphne.process.poll() is not None:
                raise RuntimeError(f"daphne {daphne.name} exited:\n{_tail(daphne.log)}")
            try:
                if self.request("GET", "/healthz", daphne=daphne, token=None).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"daphne {daphne.name} not healthy:\n{_tail(daphne.log)}")

    def _find_demo_step(self) -> None:
        # Only live jobs: the demo's year of history fills the first pages with finished ones.
        jobs = self.request("GET", "/api/v1/jobs/?status=in_progress").json()["results"]
        for job in jobs:
            steps = self.request("GET", f"/api/v1/jobs/{job['id']}/steps/").json()
            for step in steps:
                if step["status"] == "in_progress" and step["workshop"]["id"] == job["owner"]["id"]:
                    self.job, self.step = job["id"], step["id"]
                    return
        raise RuntimeError("the demo data has no step in progress")

    def logs(self) -> str:
        """The tail of every daphne's log, for a failure message."""
        return "\n".join(f"--- daphne {d.name}\n{_tail(d.log)}" for d in self.daphnes)

    def save_logs(self, destination: Path) -> None:
        """Copy the servers' logs out of the work directory, which close() removes."""
        destination.mkdir(parents=True, exist_ok=True)
        for log in self.workdir.glob("*.log"):
            shutil.copy(log, destination / log.name)

    # --- HTTP -------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        daphne: Daphne | None = None,
        token: str | bool | None = True,
        headers: dict[str, str] | None = None,
        timeout: float = 15,
    ) -> HTTPResult:
        """One HTTP request to a daphne (the first by default), with the token unless told."""
        daphne = daphne or self.daphnes[0]
        sent = {"Accept": "application/json", **(headers or {})}
        if token is True:
            token = self.token
        if token:
            sent["Authorization"] = f"Token {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(daphne.http + path, data=data, method=method, headers=sent)
        try:
            with _opener.open(request, timeout=timeout) as response:
                return HTTPResult(response.status, response.headers, response.read())
        except urllib.error.HTTPError as exc:
            return HTTPResult(exc.code, exc.headers, exc.read())

    def transition(
        self, action: str, *, daphne: Daphne | None = None, key: str | None = None
    ) -> HTTPResult:
        """POST /api/v1/steps/<demo step>/<action>/ (hold carries a reason)."""
        body = {"reason": "other", "note": "integration"} if action == "hold" else {}
        headers = {"Idempotency-Key": key} if key else None
        return self.request(
            "POST", f"/api/v1/steps/{self.step}/{action}/", body, daphne=daphne, headers=headers
        )

    def step_status(self) -> str:
        steps = self.request("GET", f"/api/v1/jobs/{self.job}/steps/").json()
        return next(step["status"] for step in steps if step["id"] == self.step)

    def last_seq(self) -> int:
        return self.request("GET", f"/api/v1/jobs/{self.job}/").json()["job"]["last_seq"]

    def events(self, after: int = 0) -> list[dict[str, Any]]:
        """The job's event log after `after`, every page."""
        found: list[dict[str, Any]] = []
        cursor: int | None = after
        while cursor is not None:
            page = self.request("GET", f"/api/v1/jobs/{self.job}/events?after={cursor}").json()
            found.extend(page["results"])
            cursor = page["next_after"]
        return found

    def job_stream(self, daphne: Daphne, after: int | None = None) -> str:
        """The URL of the job's WebSocket on a daphne."""
        query = "" if after is None else f"?after={after}"
        return f"{daphne.ws}/ws/jobs/{self.job}/{query}"

    def ws_headers(self) -> dict[str, str]:
        # An integration: a token and no Origin (ws_auth.py).
        return {"Authorization": f"Token {self.token}"}
