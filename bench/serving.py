"""Servers and load for the figures over HTTP: ``spenddown serve`` and the bare baseline app
started as subprocesses on free loopback ports, the population they serve, and
``bench.load`` run as a separate process against them (issue 7: "load comes from a separate
process on loopback only, bounded in time and count")."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher

from bench.common import ROOT
from spenddown import bootstrap
from spenddown.adapters.dataset import parse_dataset
from spenddown.adapters.system import Argon2PinHasher
from spenddown.services.imports import import_dataset

SECRET = "bench-http-secret-bench-http-secret-0123456789"  # noqa: S105 - a throw-away server
SPENDDOWN = Path(sys.executable).with_name("spenddown")
READY_TIMEOUT_S = 180  # a server pinned to one core of a loaded 2-core machine starts slowly


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _OneHashPerPin(Argon2PinHasher):
    """The server's Argon2 and pepper, but one hash per distinct PIN, shared by every provider
    who has it: seeding costs one Argon2 hash, and the server's first request one Argon2
    verification for all of them (the verified-PIN cache is keyed by hash and PIN)."""

    def __init__(self) -> None:
        super().__init__(PasswordHasher(), pepper=SECRET)
        self._made: dict[str, str] = {}

    def hash(self, pin: str) -> str:
        if pin not in self._made:
            self._made[pin] = super().hash(pin)
        return self._made[pin]


def seed_dataset(url: str, data: dict[str, Any], *, production_pins: bool) -> None:
    """Migrate the database and import ``data`` (e.g. ``bench.common.population``), its PINs
    hashed as the server stores them: its Argon2 parameters, peppered with its secret key. A
    hash made otherwise would be replaced on its first right PIN (``needs_rehash``, a second
    Argon2), and the replaced hash misses the verified-PIN cache: each provider would pay
    Argon2 twice, or more under load. With ``production_pins`` each provider's hash has its own
    salt (a first request pays what it pays in production); else every provider shares one
    hash (when first requests are not measured: one Argon2 in all)."""
    pins = Argon2PinHasher(PasswordHasher(), pepper=SECRET) if production_pins else _OneHashPerPin()
    app = bootstrap.build(url, pins=pins)
    try:
        import_dataset(parse_dataset(data), app.uow(), app.env)
    finally:
        app.close()


def _server_env(database_url: str, pool_size: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPENDDOWN_")}
    env.update(
        SPENDDOWN_DATABASE_URL=database_url,
        SPENDDOWN_SECRET_KEY=SECRET,
        SPENDDOWN_POOL_SIZE=str(pool_size),
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
    )
    return env


@dataclass(frozen=True)
class Served:
    base: str  # http://127.0.0.1:PORT
    pid: int  # for a profiler to attach to


def _wait_ready(
    server: subprocess.Popen[bytes], base: str, log: Any, seconds: float = READY_TIMEOUT_S
) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if server.poll() is not None:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{server.args!r} exited with {server.returncode}:\n{tail}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.args!r} did not answer /healthz in {seconds:g}s")
        time.sleep(0.05)


@contextlib.contextmanager
def _serving(
    commands: list[list[str]], env: dict[str, str], ready_s: float = READY_TIMEOUT_S
) -> Iterator[list[Served]]:
    """Start the servers together (each command ends with ``--port PORT``), wait until each
    answers ``/healthz`` (``ready_s`` each); stop them all at the end."""
    with contextlib.ExitStack() as stack:
        started = []
        for cmd in commands:
            log = stack.enter_context(tempfile.TemporaryFile())
            server = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            stack.callback(_stop, server)
            started.append((server, f"http://127.0.0.1:{cmd[-1]}", log))
        for server, base, log in started:
            _wait_ready(server, base, log, ready_s)
        yield [Served(base, server.pid) for server, base, _ in started]


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=15)


def _pinned(cmd: list[str], cpu: int | None) -> list[str]:
    """``cmd`` run on core ``cpu`` only (``taskset`` execs it: the pid stays the server's)."""
    return cmd if cpu is None else ["taskset", "-c", str(cpu), *cmd]


@functools.cache
def workers_option() -> bool:
    """Whether this ``spenddown serve`` takes ``--workers N`` (issue 16's several processes)."""
    out = subprocess.run(
        [str(SPENDDOWN), "serve", "--help"], capture_output=True, text=True, check=False
    )
    return "--workers" in out.stdout


@contextlib.contextmanager
def servers(
    database_url: str, pool_size: int = 10, *, cpu: int | None = None
) -> Iterator[tuple[Served, Served]]:
    """The bare baseline app and ``spenddown serve`` (production settings: Argon2 PINs behind
    the verified-PIN cache) on the same database, with the same pool size: ``(bare, app)``;
    both pinned to core ``cpu`` when given."""
    bare = [sys.executable, "-m", "bench.bare_app", "--url", database_url]
    bare += ["--pool-size", str(pool_size), "--port", str(free_port())]
    app = [str(SPENDDOWN), "serve", "--port", str(free_port())]
    commands = [_pinned(bare, cpu), _pinned(app, cpu)]
    with _serving(commands, _server_env(database_url, pool_size)) as (bare_served, served):
        yield bare_served, served


@contextlib.contextmanager
def serve(
    database_url: str, pool_size: int = 10, *, workers: int | None = None, cpu: int | None = None
) -> Iterator[Served]:
    """``spenddown serve`` alone (production settings) on the database; with ``workers``, as
    ``spenddown serve --workers N`` (check ``workers_option()`` first)."""
    app = [str(SPENDDOWN), "serve"]
    if workers is not None:
        app += ["--workers", str(workers)]
    app += ["--port", str(free_port())]
    # N workers start together on the same cores, each importing the application: allow each
    # its start-up time (and the first answer comes from whichever is ready first).
    ready_s = READY_TIMEOUT_S * max(1, workers or 1)
    env = _server_env(database_url, pool_size)
    with _serving([_pinned(app, cpu)], env, ready_s) as (served,):
        yield served


def load(
    base: str,
    requests: list[dict[str, Any]],
    *,
    connections: int,
    seconds: float,
    max_requests: int | None = None,
    cycle: bool = False,
    responses: bool = False,
    cpu: int | None = None,
) -> dict[str, Any]:
    """Run ``python -m bench.load`` in its own process (pinned to core ``cpu`` when given); its
    JSON result (with ``responses``: every answer as ``[index, status, body]``)."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "requests.json"
        spec.write_text(json.dumps(requests), encoding="utf-8")
        cmd = [sys.executable, "-m", "bench.load", "--url", base, "--requests", str(spec)]
        cmd += ["--connections", str(connections), "--seconds", str(seconds)]
        if max_requests is not None:
            cmd += ["--max-requests", str(max_requests)]
        if cycle:
            cmd.append("--cycle")
        answers = Path(tmp) / "responses.jsonl"
        if responses:
            cmd += ["--responses", str(answers)]
        out = subprocess.run(
            _pinned(cmd, cpu),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=seconds + 120,
        )
        if out.returncode != 0:
            raise RuntimeError(f"bench.load failed ({out.returncode}): {out.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(out.stdout)
        if responses:
            with answers.open(encoding="utf-8") as lines:
                result["responses"] = [json.loads(line) for line in lines]
    return result


def summary(result: dict[str, Any]) -> str:
    """One line for notes: rate, latency, statuses."""
    statuses = ", ".join(f"{k}×{v}" for k, v in result["statuses"].items())
    return (
        f"{result['rps']:,.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
        f"p99 {result['p99_ms']:.1f} ms ({statuses})"
    )
