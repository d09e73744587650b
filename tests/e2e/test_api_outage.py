"""Issue 14: PostgreSQL stopped under load. The API (a real uvicorn on a loopback port, the
test's own throw-away cluster) answers only successes or 503 problems with ``Retry-After`` while
the database is down, never a 500 (the access log's failure included), and works again once the
database is back (docs/operations.md "Database outages")."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from api_support import ISSUE_TEXT, SERVICE_DATE, Api, basic, make_api
from test_api_uvicorn import free_port

from spenddown.entrypoints.api.app import create_app
from support import postgres
from support.world import PHYSICIAN, SOC_MEMBER

pytestmark = pytest.mark.postgres

THREADS = 4


@pytest.fixture
def cluster() -> Iterator[str]:
    """A cluster of this test's own (it is stopped and started again), not the session's."""
    binaries = postgres.find_binaries()
    assert binaries is not None, "PostgreSQL server binaries are needed (make postgres)"
    with postgres.temporary_cluster(binaries) as server:
        yield server


@pytest.fixture
def served(cluster: str) -> Iterator[tuple[str, Api]]:
    api = make_api(postgres.create_database(cluster))
    port = free_port()
    config = uvicorn.Config(
        create_app(api.app), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield base, api
    server.should_exit = True
    thread.join(timeout=10)
    api.close()


def requests(api: Api) -> list[Callable[[httpx.Client], httpx.Response]]:
    """A mix of reads and writes by every kind of caller, each writing the access log."""
    verify = {"member_id": SOC_MEMBER, "bic_issue_date": ISSUE_TEXT, "service_date": SERVICE_DATE}
    check = {
        "member_id": SOC_MEMBER,
        "bic_issue_date": ISSUE_TEXT,
        "provider_npi": PHYSICIAN[0],
        "service_date": SERVICE_DATE,
        "amount": "900.00",
        "birth_date": "1960-05-01",  # the family's proof (docs/api.md "Credentials")
    }
    county, admin = api.headers("county"), api.headers("admin")
    return [
        lambda c: c.post("/v1/eligibility/verifications", json=verify, headers=basic(PHYSICIAN)),
        lambda c: c.get(f"/v1/soc/obligations/{SOC_MEMBER}/2026-11", headers=county),
        lambda c: c.post("/v1/billing-checks", json=check),
        lambda c: c.get("/v1/audit-log?limit=5", headers=admin),
        lambda c: c.get("/healthz"),
    ]


def test_postgres_stopped_under_load_gives_only_503s_and_recovers(
    cluster: str, served: tuple[str, Api]
) -> None:
    base, api = served
    mix = requests(api)
    phase = {"name": "before"}
    seen: dict[str, Counter[int]] = {name: Counter() for name in ("before", "down", "after")}
    bad: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def load(offset: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            n = offset
            while not stop.is_set():
                response = mix[n % len(mix)](client)
                n += 1
                with lock:
                    seen[phase["name"]][response.status_code] += 1
                    if response.status_code >= 500 and not unavailable(response):
                        bad.append(f"{response.request.url.path} {response.status_code}")

    workers = [threading.Thread(target=load, args=(i,)) for i in range(THREADS)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(1.5)
        phase["name"] = "down"
        postgres.stop_cluster(cluster)
        time.sleep(3)
        postgres.start_cluster(cluster)
        phase["name"] = "after"
        time.sleep(3)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    print("statuses by phase:", {k: dict(v) for k, v in seen.items()})
    assert not bad, bad
    assert set(seen["before"]) <= {200}, seen
    assert seen["down"][503] > 0, seen
    assert set(seen["down"]) <= {200, 503}, seen
    # Back to normal: every request succeeds again.
    with httpx.Client(base_url=base, timeout=30) as client:
        assert [call(client).status_code for call in mix * 3] == [200] * len(mix) * 3


def unavailable(response: httpx.Response) -> bool:
    body: Any = response.json() if response.content else {}
    return (
        response.status_code == 503
        and response.headers.get("retry-after") == "1"
        and response.headers["content-type"].startswith("application/problem+json")
        and body.get("code") == "DATABASE_UNAVAILABLE"
    ) or (response.request.url.path == "/healthz" and response.status_code == 503)
