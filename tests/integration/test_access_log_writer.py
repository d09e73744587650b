"""The API's access log is written with a group commit (``middleware.AccessLogWriter``): lines
of concurrent requests share transactions, every line is committed before its request is
answered, one bad line fails only its own request, and the writer thread does not outlive the
traffic. On both engines."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from sqlalchemy import event

from spenddown import bootstrap
from spenddown.entrypoints.api.middleware import AccessLogWriter
from spenddown.services.access import access_log
from spenddown.services.ports import AccessRecord
from support.world import FAST_PINS

AT = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a thread of its own: Playwright's sync fixtures leave an event loop
    running in the test thread when browser tests ran earlier in the same worker. A write that
    never completes fails the test after 30 s instead of hanging it."""
    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(asyncio.run, coroutine).result(timeout=30)
    finally:
        pool.shutdown(wait=False)


def line(n: int, outcome: str = "OK") -> AccessRecord:
    return AccessRecord(AT, f"actor{n}", "provider", "eligibility.verify", None, outcome)


@pytest.fixture
def app(database_url: str) -> Any:
    built = bootstrap.build(database_url, pins=FAST_PINS)
    yield built
    built.close()


def commits(app: bootstrap.App) -> list[int]:
    counted = [0]

    def on_commit(_: Any) -> None:
        counted[0] += 1

    event.listen(app.engine, "commit", on_commit)
    return counted


def test_concurrent_lines_share_commits_and_are_all_stored_in_order(app: bootstrap.App) -> None:
    writer = AccessLogWriter(lambda: app)
    counted = commits(app)

    async def main() -> None:
        await writer.write(line(0))  # alone: its own transaction
        await asyncio.gather(*(writer.write(line(n)) for n in range(1, 101)))

    run(main())
    stored = access_log(app.uow(), cin=None)
    assert [r.actor for r in stored] == [f"actor{n}" for n in range(101)]
    assert 2 <= counted[0] < 101  # 101 lines, far fewer commits


def test_a_bad_line_fails_only_its_own_request(app: bootstrap.App) -> None:
    writer = AccessLogWriter(lambda: app)
    bad = AccessRecord(AT, "actor-bad", "provider", None, None, "OK")  # type: ignore[arg-type]

    async def main() -> list[BaseException | None]:
        return await asyncio.gather(
            *(writer.write(line(n)) for n in range(5)),
            writer.write(bad),
            *(writer.write(line(n)) for n in range(5, 10)),
            return_exceptions=True,
        )

    results = run(main())
    assert [r is None for r in results] == [True] * 5 + [False] + [True] * 5
    stored = access_log(app.uow(), cin=None)
    assert [r.actor for r in stored] == [f"actor{n}" for n in range(10)]


def test_the_writer_thread_stops_when_idle_and_starts_again(
    app: bootstrap.App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AccessLogWriter, "IDLE_SECONDS", 0.05)
    writer = AccessLogWriter(lambda: app)

    def writers() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name == "access-log"}

    # Only this writer's thread counts: writers of earlier tests in the same worker may still
    # be running out their own idle time, and stop while this test runs.
    others = writers()
    run(writer.write(line(1)))
    ours = writers() - others
    deadline = time.monotonic() + 5
    while any(t.is_alive() for t in ours) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(t.is_alive() for t in ours)
    assert not writer._running  # and the writer knows it
    run(writer.write(line(2)))  # a new thread is started for it (else this times out)
    assert [r.actor for r in access_log(app.uow(), cin=None)] == ["actor1", "actor2"]
