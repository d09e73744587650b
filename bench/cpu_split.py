"""Where figure 2's CPU goes, per verification: the server's processes, PostgreSQL's (the
postmaster and its backends) and ``wrk``'s, for one worker pinned (as figure 2) and two workers
unpinned (docs/performance.md "What limits each target").

    python -m bench.cpu_split [--members N] [--seconds S]

Each process's CPU time (user + system) is read from ``/proc/<pid>/stat`` before and after a
``wrk`` run, ``wrk``'s own from this process's children; a process started during the run
counts whole. Linux only. Not part of ``make bench``: it explains a figure, it is not one."""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench import serving, wrk
from bench import verification_http as figure2
from bench.common import postgres, today_ca

TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, float]]:
    """Every process: pid -> (parent pid, CPU seconds so far)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        out[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)
    return out


def _tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds of ``root`` and every descendant, by pid."""
    processes = _processes()
    out, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in processes:
            out[pid] = processes[pid][1]
            todo += [child for child, (parent, _) in processes.items() if parent == pid]
    return out


def _postmaster(port: int) -> int:
    """The pid of the PostgreSQL server listening on ``port`` (the bench's throw-away one)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"postgres") and str(port).encode() in b" ".join(argv):
            return int(entry.name)
    raise RuntimeError(f"no postgres process for port {port}")


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def split(
    label: str,
    base: str,
    server: int,
    postmaster: int,
    requests: list[dict[str, Any]],
    *,
    cpu: int | None,
    seconds: float,
) -> str:
    """One ``wrk`` run (on core ``cpu`` when given) and the CPU per answer of each party."""
    wrk.run(base, requests, seconds=2, cpu=cpu)  # warm: connections open, caches filled
    server0, database0 = _tree_cpu(server), _tree_cpu(postmaster)
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    result = wrk.run(base, requests, seconds=seconds, cpu=cpu)
    wall = time.monotonic() - start
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    served = _spent(server0, _tree_cpu(server))
    database = _spent(database0, _tree_cpu(postmaster))
    load = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    n = result["requests"]

    def ms(x: float) -> str:
        return f"{1000 * x / n:.2f} ms"

    return (
        f"{label}: {result['rps']:.0f} req/s, p99 {result['p99_ms']:.1f} ms; CPU per answer: "
        f"server {ms(served)}, PostgreSQL {ms(database)}, wrk {ms(load)}, in all "
        f"{ms(served + database + load)}; cores busy {(served + database + load) / wall:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=4_000)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    providers, day = 8, today_ca()
    with postgres.postgres_server() as cluster:
        url = postgres.create_database(cluster, "spenddown_cpu_split")
        postmaster = _postmaster(make_url(url).port or 5432)
        data = figure2.dataset(args.members, providers, day.strftime("%Y-%m"))
        serving.seed_dataset(url, data, production_pins=True)
        requests = figure2.verifications(args.members, providers, day)
        with serving.serve(url, cpu=figure2.SERVER_CPU) as one:
            serving.load(one.base, requests[:providers], connections=1, seconds=60)  # Argon2
            for _ in range(2):
                print(
                    split(
                        "one worker pinned",
                        one.base,
                        one.pid,
                        postmaster,
                        requests,
                        cpu=figure2.WRK_CPU,
                        seconds=args.seconds,
                    ),
                    flush=True,
                )
        with serving.serve(url, workers=2) as two:
            wrk.run(two.base, requests, seconds=5)  # each process verifies each PIN once
            for _ in range(2):
                print(
                    split(
                        "two workers unpinned",
                        two.base,
                        two.pid,
                        postmaster,
                        requests,
                        cpu=None,
                        seconds=args.seconds,
                    ),
                    flush=True,
                )


if __name__ == "__main__":
    main()
