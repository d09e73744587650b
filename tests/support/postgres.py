"""A throw-away PostgreSQL server for the test suite.

`postgres_server()` yields the SQLAlchemy URL of a server the tests may create databases on:

- if ``SPENDDOWN_TEST_POSTGRES_URL`` is set, that server is used as it is;
- otherwise a new cluster is made with ``initdb`` in a temporary directory, started with
  ``pg_ctl`` (listening only on 127.0.0.1, on a free port, with its unix socket inside the
  temporary directory and durability turned off for speed), and stopped and deleted at the end.

``initdb`` refuses to run as root, so as root the cluster is made and run by the ``postgres``
OS user. Without server binaries and without the variable this raises `PostgresUnavailableError`:
PostgreSQL is part of the test suite, a missing one is a failure, never a skip.

Under pytest-xdist every worker starts its own cluster (the fixture is session scoped, and each
worker is its own session); database names are unique across workers in any case.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

ENV_URL = "SPENDDOWN_TEST_POSTGRES_URL"
OS_USER = "postgres"
SUPERUSER = "postgres"
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"

SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}

START_ATTEMPTS = 5
START_TIMEOUT_S = 60
READY_TIMEOUT_S = 30


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server for the tests: neither binaries nor ``SPENDDOWN_TEST_POSTGRES_URL``."""


class PostgresStartError(RuntimeError):
    """The throw-away cluster could not be created or started."""


@dataclass(frozen=True)
class Binaries:
    initdb: Path
    pg_ctl: Path


# --- finding the server binaries ---------------------------------------------------------------


def _version_key(bin_dir: str) -> tuple[int, ...]:
    version = Path(bin_dir).parent.name  # /usr/lib/postgresql/<version>/bin
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (-1,)


def find_binaries() -> Binaries | None:
    """``initdb`` and ``pg_ctl`` from PATH, else from the newest ``/usr/lib/postgresql/*/bin``."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        # Resolve symlinks (e.g. /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb) so
        # that pg_ctl is taken from the same installation.
        candidates.append(Path(os.path.realpath(on_path)).parent)
        candidates.append(Path(on_path).parent)
    candidates.extend(
        Path(d) for d in sorted(glob.glob(DEBIAN_BIN_GLOB), key=_version_key, reverse=True)
    )
    for bin_dir in candidates:
        initdb, pg_ctl = bin_dir / "initdb", bin_dir / "pg_ctl"
        if all(os.access(exe, os.X_OK) for exe in (initdb, pg_ctl)):
            return Binaries(initdb=initdb, pg_ctl=pg_ctl)
    return None


# --- running the binaries (as the postgres OS user when we are root) ------------------------


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        raise PostgresStartError(
            f"running as root, and initdb refuses root, but there is no {OS_USER!r} OS user to "
            "run PostgreSQL as (Debian's postgresql package creates it: run `make postgres`)"
        ) from None
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", OS_USER, "--", *cmd]
    su = shutil.which("su")
    if su:
        return [su, OS_USER, "-s", "/bin/sh", "-c", shlex.join(cmd)]
    raise PostgresStartError("running as root, and neither `runuser` nor `su` is available")


def _server_env() -> dict[str, str]:
    # Keep the caller's PG* settings (PGDATA, PGPORT, PGHOST, ...) away from our own cluster.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    return env


def _run(cmd: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _as_server_user(cmd),
        cwd=cwd,  # the postgres user may not be able to enter the caller's cwd
        env=_server_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _describe(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit status {proc.returncode}\n{proc.stdout}{proc.stderr}".rstrip()


# --- the cluster ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def server_url(port: int, database: str = "postgres") -> str:
    return URL.create(
        "postgresql+psycopg", username=SUPERUSER, host="127.0.0.1", port=port, database=database
    ).render_as_string(hide_password=False)


def _wait_until_ready(url: str, log: Path) -> None:
    engine = sa.create_engine(url, poolclass=NullPool)
    deadline = time.monotonic() + READY_TIMEOUT_S
    try:
        while True:
            try:
                with engine.connect() as conn:
                    conn.execute(sa.text("SELECT 1"))
                return
            except sa.exc.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PostgresStartError(
                        f"PostgreSQL did not accept connections at {url} within "
                        f"{READY_TIMEOUT_S}s: {exc}\n--- server log ---\n{_tail(log)}"
                    ) from exc
                time.sleep(0.1)
    finally:
        engine.dispose()


@contextlib.contextmanager
def temporary_cluster(binaries: Binaries) -> Iterator[str]:
    """Create, start and yield the URL of a new cluster; stop and delete it afterwards."""
    base = Path(tempfile.mkdtemp(prefix="spenddown-pg-"))
    data, log = base / "data", base / "server.log"
    started = False
    try:
        if os.geteuid() == 0:
            _as_server_user([])  # raises a clear error when there is no postgres OS user
            entry = pwd.getpwnam(OS_USER)
            os.chown(base, entry.pw_uid, entry.pw_gid)
        proc = _run(
            [
                str(binaries.initdb),
                "--pgdata",
                str(data),
                "--username",
                SUPERUSER,
                "--auth",
                "trust",  # local and host (127.0.0.1) connections
                "--encoding",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            cwd=base,
        )
        if proc.returncode != 0:
            raise PostgresStartError(f"initdb failed in {data}: {_describe(proc)}")

        settings = {**SERVER_SETTINGS, "unix_socket_directories": f"'{base}'"}
        with (data / "postgresql.conf").open("a") as conf:
            conf.write("\n# spenddown test settings\n")
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

        for attempt in range(1, START_ATTEMPTS + 1):
            port = _free_port()
            cmd = [str(binaries.pg_ctl), "start", "--pgdata", str(data), "--log", str(log)]
            cmd += ["--wait", "--timeout", str(START_TIMEOUT_S), "--options", f"-p {port}"]
            proc = _run(cmd, cwd=base, timeout=START_TIMEOUT_S + 30)
            if proc.returncode == 0:
                started = True
                break
            # Another process (e.g. another xdist worker) may have taken the port meanwhile.
            port_taken = "already in use" in _tail(log, 200)
            if not port_taken or attempt == START_ATTEMPTS:
                raise PostgresStartError(
                    f"pg_ctl start failed (port {port}): {_describe(proc)}\n"
                    f"--- server log ---\n{_tail(log)}"
                )
            log.unlink(missing_ok=True)

        url = server_url(port)
        _wait_until_ready(url, log)
        _RUNNING[url] = (binaries, data, base, log, port)
        yield url
    finally:
        _RUNNING.pop(url if started else "", None)
        if started:
            _run([str(binaries.pg_ctl), "stop", "--pgdata", str(data), "-m", "immediate"], cwd=base)
        shutil.rmtree(base, ignore_errors=True)


# The clusters of ``temporary_cluster`` by URL, for the tests that stop and restart their own.
_RUNNING: dict[str, tuple[Binaries, Path, Path, Path, int]] = {}


def stop_cluster(url: str) -> None:
    """Stop a cluster of ``temporary_cluster`` (``-m fast``: sessions are ended, as at a
    database outage); ``start_cluster`` starts it again on the same port."""
    binaries, data, base, _, _ = _RUNNING[url]
    proc = _run([str(binaries.pg_ctl), "stop", "--pgdata", str(data), "-m", "fast"], cwd=base)
    if proc.returncode != 0:
        raise PostgresStartError(f"pg_ctl stop failed: {_describe(proc)}")


def start_cluster(url: str) -> None:
    binaries, data, base, log, port = _RUNNING[url]
    cmd = [str(binaries.pg_ctl), "start", "--pgdata", str(data), "--log", str(log)]
    cmd += ["--wait", "--timeout", str(START_TIMEOUT_S), "--options", f"-p {port}"]
    proc = _run(cmd, cwd=base, timeout=START_TIMEOUT_S + 30)
    if proc.returncode != 0:
        raise PostgresStartError(f"pg_ctl start failed: {_describe(proc)}\n{_tail(log)}")
    _wait_until_ready(url, log)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """The URL of the server for this test session (see the module docstring)."""
    external = os.environ.get(ENV_URL, "").strip()
    if external:
        given = make_url(external).set(drivername="postgresql+psycopg")
        yield given.render_as_string(hide_password=False)
        return
    binaries = find_binaries()
    if binaries is None:
        raise PostgresUnavailableError(
            "PostgreSQL is part of the test suite, but no server binaries (initdb, pg_ctl) were "
            f"found on PATH or in {DEBIAN_BIN_GLOB}, and {ENV_URL} is not set. Run `make postgres` "
            "(installs Debian's `postgresql` package), or set "
            f"{ENV_URL}=postgresql+psycopg://USER@HOST:PORT/postgres to use a running server."
        )
    with temporary_cluster(binaries) as url:
        yield url


# --- databases on the server ------------------------------------------------------------------


def _execute_autocommit(server: str, statement: str) -> None:
    engine = sa.create_engine(server, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_database(server: str, prefix: str = "spenddown_test") -> str:
    """Create a new, empty, uniquely named database on ``server`` and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    _execute_autocommit(server, f"CREATE DATABASE {_quote_ident(name)}")
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(server: str, database_url: str) -> None:
    """Drop the database ``database_url`` names, disconnecting whoever is still connected."""
    name = make_url(database_url).database
    assert name, database_url
    _execute_autocommit(server, f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")
