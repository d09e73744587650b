"""A bounded HTTP/1.1 load generator for the figures over HTTP, run as its own process:

    python -m bench.load --url http://127.0.0.1:PORT --requests FILE --connections 32 \\
        --seconds 10 [--max-requests N] [--cycle] [--responses OUT]

``FILE`` is a JSON list of requests ``{"method", "path", "headers": {...}, "body": "..."}``;
request ``i`` (a global sequence over all connections) is ``requests[i % len]`` with ``--cycle``,
else the run stops when the list is used up. The run is bounded in time (``--seconds``) and in
count (``--max-requests``, and the list without ``--cycle``). Only loopback addresses are
accepted: this tool never sends anything off the machine.

It keeps ``--connections`` keep-alive connections, each sending its next request as soon as the
previous answer is complete (a closed loop, like wrk), on uvloop with httptools parsing the
answers (both come with ``uvicorn[standard]``); every request is pre-encoded, so that the client
spends little CPU per request: it reports its own CPU time per request (on a shared 2-core
machine that is CPU the server did not have).

It prints one JSON object: requests, seconds, rps, p50/p90/p99/max latency in ms, status counts,
transport errors, a few bodies of non-2xx answers (for diagnosis), and client CPU µs per
request. ``--responses OUT`` also writes ``[index, status, body]`` JSON lines for every answer
(for checks after the run, e.g. that every 201 clearance is stored)."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import httptools

MAX_ERROR_SAMPLES = 5
CONNECT_TIMEOUT_S = 10.0
LOOPBACK_NAMES = {"localhost"}


class NotLoopbackError(ValueError):
    """The load generator only talks to this machine."""


def loopback_target(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or not parts.port:
        raise NotLoopbackError(f"{url!r}: give http://127.0.0.1:PORT")
    host = parts.hostname
    if host not in LOOPBACK_NAMES:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise NotLoopbackError(f"{host!r} is not a loopback address: refused")
    return ("127.0.0.1" if host == "localhost" else host), parts.port


def encode(request: dict[str, Any], host: str, port: int) -> bytes:
    body = (request.get("body") or "").encode()
    lines = [f"{request.get('method', 'GET')} {request['path']} HTTP/1.1", f"Host: {host}:{port}"]
    headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
    if body and "content-type" not in headers:
        headers["content-type"] = "application/json"
    headers["content-length"] = str(len(body))
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Run:
    requests: list[bytes]
    cycle: bool
    max_requests: int
    deadline: float
    keep_bodies: bool
    next_index: int = 0
    latencies_ns: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    responses: list[tuple[int, int, str]] = field(default_factory=list)

    def take(self) -> int | None:
        i = self.next_index
        if i >= self.max_requests or time.monotonic() >= self.deadline:
            return None
        if not self.cycle and i >= len(self.requests):
            return None
        self.next_index = i + 1
        return i


class Connection(asyncio.Protocol):
    """One keep-alive connection: send, wait for the whole answer, record, send the next."""

    def __init__(self, run: Run, done: asyncio.Future[None]) -> None:
        self.run = run
        self.done = done
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.index = -1
        self.sent_ns = 0
        self.body: list[bytes] = []

    # --- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.send_next()

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.fail("upgrade")
        except httptools.HttpParserError as error:
            self.fail(f"parse: {error}")

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            if self.index >= 0:
                self.run.errors["closed"] = self.run.errors.get("closed", 0) + 1
            self.done.set_result(None)

    # --- httptools callbacks
    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        elapsed = time.perf_counter_ns() - self.sent_ns
        run = self.run
        status = self.parser.get_status_code()
        run.latencies_ns.append(elapsed)
        run.statuses[status] = run.statuses.get(status, 0) + 1
        if run.keep_bodies or (status >= 300 and len(run.error_samples) < MAX_ERROR_SAMPLES):
            text = b"".join(self.body).decode(errors="replace")
            if run.keep_bodies:
                run.responses.append((self.index, status, text))
            if status >= 300 and len(run.error_samples) < MAX_ERROR_SAMPLES:
                run.error_samples.append(f"{status} {text[:300]}")
        self.body = []
        self.index = -1
        if not self.parser.should_keep_alive():
            self.finish()
            return
        self.send_next()

    # --- sending
    def send_next(self) -> None:
        index = self.run.take()
        if index is None:
            self.finish()
            return
        assert self.transport is not None
        self.index = index
        self.sent_ns = time.perf_counter_ns()
        self.transport.write(self.run.requests[index % len(self.run.requests)])

    def fail(self, reason: str) -> None:
        self.run.errors[reason] = self.run.errors.get(reason, 0) + 1
        self.finish()

    def finish(self) -> None:
        if self.transport is not None:
            self.transport.close()
        if not self.done.done():
            self.done.set_result(None)


async def _connection(run: Run, host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    try:
        await asyncio.wait_for(
            loop.create_connection(lambda: Connection(run, done), host, port), CONNECT_TIMEOUT_S
        )
    except (OSError, TimeoutError) as error:
        run.errors[f"connect: {type(error).__name__}"] = (
            run.errors.get(f"connect: {type(error).__name__}", 0) + 1
        )
        return
    # A server that stops answering must not hold the run past its bound.
    remaining = max(run.deadline - time.monotonic(), 0) + 30
    try:
        await asyncio.wait_for(done, remaining)
    except TimeoutError:
        run.errors["timeout"] = run.errors.get("timeout", 0) + 1


def percentile(sorted_values: list[int], q: float) -> float:
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values)) - 1))
    return sorted_values[rank] / 1e6


async def _main(run: Run, host: str, port: int, connections: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(_connection(run, host, port) for _ in range(connections)))
    return time.perf_counter() - started


def load(
    url: str,
    requests: list[dict[str, Any]],
    *,
    connections: int,
    seconds: float,
    max_requests: int | None = None,
    cycle: bool = False,
    keep_bodies: bool = False,
) -> dict[str, Any]:
    host, port = loopback_target(url)
    if not requests:
        raise ValueError("no requests to send")
    run = Run(
        [encode(r, host, port) for r in requests],
        cycle,
        max_requests if max_requests is not None else sys.maxsize,
        time.monotonic() + seconds,
        keep_bodies,
    )
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    try:
        import uvloop

        elapsed = uvloop.run(_main(run, host, port, connections))
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        elapsed = asyncio.run(_main(run, host, port, connections))
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    latencies = sorted(run.latencies_ns)
    count = len(latencies)
    return {
        "requests": count,
        "seconds": elapsed,
        "rps": count / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 0.50),
        "p90_ms": percentile(latencies, 0.90),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": latencies[-1] / 1e6 if latencies else 0.0,
        "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
        "errors": run.errors,
        "error_samples": run.error_samples,
        "client_cpu_us_per_request": cpu / count * 1e6 if count else 0.0,
        "responses": run.responses if keep_bodies else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="http://127.0.0.1:PORT (loopback only)")
    parser.add_argument("--requests", required=True, type=Path, help="JSON list of requests")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0, help="time bound")
    parser.add_argument("--max-requests", type=int, default=None, help="count bound")
    parser.add_argument("--cycle", action="store_true", help="reuse the request list in a loop")
    parser.add_argument("--responses", type=Path, default=None, help="write every answer here")
    args = parser.parse_args(argv)
    if args.connections < 1 or args.seconds <= 0:
        parser.error("--connections must be ≥ 1 and --seconds > 0")
    try:
        result = load(
            args.url,
            json.loads(args.requests.read_text(encoding="utf-8")),
            connections=args.connections,
            seconds=args.seconds,
            max_requests=args.max_requests,
            cycle=args.cycle,
            keep_bodies=args.responses is not None,
        )
    except NotLoopbackError as error:
        parser.error(str(error))
    responses = result.pop("responses")
    if args.responses is not None:
        with args.responses.open("w", encoding="utf-8") as out:
            for row in responses:
                out.write(json.dumps(row) + "\n")
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
