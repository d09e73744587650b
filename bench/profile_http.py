"""Profile the API under load with pyinstrument: where a request's CPU goes, from uvicorn's
parsing to the commit (the evidence behind figures 2 and 3).

    python -m bench.profile_http verification|clearance sqlite|postgresql OUT.txt [SECONDS]

The server runs in this process under pyinstrument, with FastAPI's thread pool replaced by a
direct call (pyinstrument samples one thread): requests are then served one at a time, so the
profile shows the CPU cost of each part of a request, not the waiting of a loaded server. The
load comes from ``bench.load`` in another process, as in the figures (after a warm-up that fills
the PIN cache)."""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import uvicorn
from pyinstrument import Profiler

from bench import clearance_http, serving, verification_http
from bench.common import postgres, today_ca
from spenddown.config import Settings
from spenddown.entrypoints.api.app import create_app, server_options


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


def _requests(kind: str, url: str) -> list[dict[str, Any]]:
    day = today_ca()
    if kind == "verification":
        units = verification_http.members(True)
        serving.seed_dataset(
            url,
            verification_http.dataset(units, 8, day.strftime("%Y-%m")),
            production_pins=False,
        )
        return verification_http.verifications(units, 8, day)
    serving.seed_dataset(url, clearance_http.dataset(day.strftime("%Y-%m")), production_pins=False)
    return clearance_http.clearances(20_000, day, "profile")


def profile(kind: str, url: str, out: Path, seconds: float) -> None:
    requests = _requests(kind, url)
    api = create_app(settings=Settings(database_url=url, secret_key=serving.SECRET, pool_size=10))
    loops: list[asyncio.AbstractEventLoop] = []

    async def served(scope: Any, receive: Any, send: Any) -> None:
        if not loops:
            loops.append(asyncio.get_running_loop())
        await api(scope, receive, send)

    port = serving.free_port()
    config = uvicorn.Config(served, host="127.0.0.1", port=port, **server_options())
    server = uvicorn.Server(config)
    results: dict[str, Any] = {}
    profiler = Profiler(interval=0.0005, async_mode="disabled")

    def on_server_thread(call: Callable[[], Any]) -> None:
        done = threading.Event()

        def call_then_set() -> None:
            call()
            done.set()

        loops[0].call_soon_threadsafe(call_then_set)
        done.wait()

    def drive() -> None:
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        cycle = kind == "verification"
        serving.load(base, requests[:500], connections=8, seconds=2, cycle=cycle)
        on_server_thread(profiler.start)  # pyinstrument samples the thread that starts it
        results["load"] = serving.load(
            base, requests[500:], connections=8, seconds=seconds, cycle=cycle
        )
        on_server_thread(profiler.stop)
        server.should_exit = True

    original = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    try:
        driver = threading.Thread(target=drive)
        driver.start()
        server.run()
        driver.join()
    finally:
        anyio.to_thread.run_sync = original
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    summary = serving.summary(results["load"])
    out.write_text(
        f"# {kind} over HTTP, served one request at a time under pyinstrument: {summary}\n"
        f"# {sys.argv[0]} {' '.join(sys.argv[1:])}\n{text}",
        encoding="utf-8",
    )
    print(summary)


def main() -> None:
    kind, engine, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 8.0
    if kind not in ("verification", "clearance") or engine not in ("sqlite", "postgresql"):
        sys.exit(__doc__)
    if engine == "sqlite":
        tmp = Path(tempfile.mkdtemp(prefix="spenddown-profile-"))
        try:
            profile(kind, f"sqlite:///{tmp / 'profile.db'}", out, seconds)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    with postgres.postgres_server() as server:
        profile(kind, postgres.create_database(server, "spenddown_profile"), out, seconds)


if __name__ == "__main__":
    main()
