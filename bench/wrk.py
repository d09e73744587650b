"""``wrk`` as the load of the figures over HTTP that need no per-response check (issue 16:
"benchmarks that measure the server, not the client"; docs/performance.md "How HTTP figures are
measured").

``wrk`` (Debian's package, installed by ``scripts/ensure-wrk``) is a C load generator: its CPU
per request is a small fraction of the Python ``bench.load``'s, so on 2 cores the figure is the
server's. It runs with one thread, ``CONNECTIONS`` keep-alive connections, optionally pinned to
a core (``taskset -c 1``) while the server is pinned to the other.

The requests (method, path, headers, body) are written into a Lua script that cycles through
them (request ``i`` is ``requests[i % len]``, in order: one thread); its ``done()`` prints one
line ``WRK_JSON {...}`` with the totals and the latency percentiles, which ``parse`` reads. When
that line is missing (a wrk without Lua ``done``), ``parse`` falls back to wrk's own text
output (``--latency``)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.load import loopback_target

CONNECTIONS = 8
MARKER = "WRK_JSON "
# The Lua ``done()`` hook: one JSON line (wrk reports durations and latencies in µs).
_DONE = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


class WrkMissingError(RuntimeError):
    """``wrk`` is not installed: run ``scripts/ensure-wrk`` (``make bench`` does)."""


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(text: str) -> str:
    """A Lua long string can hold anything but its closing bracket: pick a level not in it."""
    level = 0
    while "]" + "=" * level + "]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


def script(requests: list[dict[str, Any]]) -> str:
    """A wrk Lua script sending ``requests`` in order, cycling, and printing ``WRK_JSON``."""
    if not requests:
        raise ValueError("wrk needs at least one request")
    entries = []
    for r in requests:
        headers = {k.lower(): v for k, v in (r.get("headers") or {}).items()}
        body = r.get("body")
        if body and "content-type" not in headers:
            headers["content-type"] = "application/json"
        pairs = ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items())
        entries.append(
            f"{{{_lua_string(r.get('method', 'GET'))}, {_lua_string(r['path'])}, "
            f"{{{pairs}}}, {_lua_string(body) if body else 'nil'}}}"
        )
    return (
        "local specs = {\n" + ",\n".join(entries) + "\n}\n"
        "local built = {}\n"
        "local n = 0\n"
        "function init(args)\n"
        "  for i, s in ipairs(specs) do built[i] = wrk.format(s[1], s[2], s[3], s[4]) end\n"
        "end\n"
        "function request()\n"
        "  n = n + 1\n"
        "  return built[((n - 1) % #built) + 1]\n"
        "end\n" + _DONE
    )


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse(output: str) -> dict[str, Any]:
    """wrk's stdout as ``{"requests", "seconds", "rps", "p50_ms", "p90_ms", "p99_ms",
    "max_ms", "errors": {...}, "non_2xx"}``: from the ``WRK_JSON`` line when there is one,
    else from the text of ``wrk --latency``."""
    for line in output.splitlines():
        if line.startswith(MARKER):
            raw = json.loads(line[len(MARKER) :])
            seconds = raw["duration_us"] / 1e6
            latency = raw["latency_us"]
            return {
                "requests": raw["requests"],
                "seconds": seconds,
                "rps": raw["requests"] / seconds if seconds else 0.0,
                "p50_ms": latency["p50"] / 1000,
                "p90_ms": latency["p90"] / 1000,
                "p99_ms": latency["p99"] / 1000,
                "max_ms": latency["max"] / 1000,
                "errors": raw["errors"],
                "non_2xx": raw["errors"]["status"],
            }
    return _parse_text(output)


def _parse_text(output: str) -> dict[str, Any]:
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if done is None or rps is None:
        raise ValueError(f"not wrk output: {output[-500:]!r}")
    percentiles = {
        int(p): _ms(v) for p, v in re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.MULTILINE)
    }
    if not {50, 90, 99} <= percentiles.keys():
        raise ValueError("wrk output without its latency distribution (run it with --latency)")
    maximum = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", output, re.MULTILINE)
    errors = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket:
        for name, value in zip(
            ("connect", "read", "write", "timeout"), socket.groups(), strict=True
        ):
            errors[name] = int(value)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors["status"] = int(non_2xx.group(1)) if non_2xx else 0
    return {
        "requests": int(done.group(1)),
        "seconds": _ms(done.group(2) + done.group(3)) / 1000,
        "rps": float(rps.group(1)),
        "p50_ms": percentiles[50],
        "p90_ms": percentiles[90],
        "p99_ms": percentiles[99],
        "max_ms": _ms(maximum.group(1)) if maximum else percentiles[99],
        "errors": errors,
        "non_2xx": errors["status"],
    }


def run(
    base: str,
    requests: list[dict[str, Any]],
    *,
    seconds: float,
    connections: int = CONNECTIONS,
    cpu: int | None = None,
) -> dict[str, Any]:
    """``wrk`` against ``base`` (loopback only) for ``seconds``, one thread, ``connections``
    connections, pinned to ``cpu`` when given; the parsed result (``parse``). Any transport
    error or non-2xx answer fails the run: a figure counts answered requests only."""
    loopback_target(base)  # refuses anything but this machine
    wrk = shutil.which("wrk")
    if wrk is None:
        raise WrkMissingError("wrk is not installed: run scripts/ensure-wrk (make bench does)")
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "requests.lua"
        lua.write_text(script(requests), encoding="utf-8")
        cmd = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
        cmd += ["--timeout", "10s", "-s", str(lua), base]
        if cpu is not None:
            cmd = ["taskset", "-c", str(cpu), *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=seconds + 60)
    if out.returncode != 0 or MARKER not in out.stdout:  # a Lua error does not fail wrk
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr[-2000:]}")
    result = parse(out.stdout)
    if result["non_2xx"] or any(result["errors"].values()):
        raise RuntimeError(f"wrk against {base}: errors {result['errors']}\n{out.stdout[-1500:]}")
    return result
