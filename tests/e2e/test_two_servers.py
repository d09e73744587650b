"""Two servers on one PostgreSQL database (issue 16, docs/operations.md "Several workers and
hosts"): server A is ``spenddown serve --workers 2``, server B a second ``spenddown serve
--workers 1``, as two hosts behind a proxy would be. Both see the same ledger, idempotency keys,
lockout, tokens, PINs and web sessions; killing one with SIGKILL under load leaves the other
answering and the ledger exact."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from test_api_uvicorn import free_port

from spenddown import bootstrap
from spenddown.adapters.dataset import parse_dataset
from spenddown.adapters.db import tables
from spenddown.adapters.system import Argon2PinHasher
from spenddown.services.access import create_token
from spenddown.services.audit import audit_ledger
from spenddown.services.imports import import_dataset
from support import postgres
from support.cli import TODAY
from support.synthetic import PIN, cin, npi, population

pytestmark = pytest.mark.xdist_group("two_servers")  # one pair of servers for the module

SECRET = "two-servers-secret-two-servers-secret-0123456789"  # a throw-away server
SCRIPT = Path(sys.executable).with_name("spenddown")
UNITS = 60  # members 0-19: the split load; 20-59: the load during the SIGKILL
PROVIDERS = 4
SOC = Decimal("100.00")
MONTH = TODAY.strftime("%Y-%m")
READY_S = 240  # three processes importing the application on a loaded 2-core machine


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Pair:
    a: Server
    b: Server
    url: str
    app: bootstrap.App
    admin: str
    county: str
    county_id: str


def _start(url: str, port: int, workers: int, log: Path) -> Server:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPENDDOWN_")}
    env.update(SPENDDOWN_DEMO="1", SPENDDOWN_DATABASE_URL=url, SPENDDOWN_SECRET_KEY=SECRET)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(SCRIPT), "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Server(f"http://127.0.0.1:{port}", process, log)


def _wait(server: Server) -> None:
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.log.read_text(errors="replace")[-3000:]
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(server.base + "/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"{server.base} did not become healthy")


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=30)


@pytest.fixture(scope="module")
def pair(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    url = postgres.create_database(postgres_server_url)
    # PINs hashed as the servers store them (their Argon2, peppered with their key): no re-hash.
    app = bootstrap.build(url, pins=Argon2PinHasher(PasswordHasher(), pepper=SECRET))
    import_dataset(parse_dataset(population(UNITS, PROVIDERS, MONTH, str(SOC))), app.uow(), app.env)
    admin = create_token("admin", "two servers", app.uow(), app.env).secret
    county = create_token("county", "two servers", app.uow(), app.env, county="19")
    logs = tmp_path_factory.mktemp("two-servers")
    a = _start(url, free_port(), 2, logs / "a.log")
    b = _start(url, free_port(), 1, logs / "b.log")
    try:
        _wait(a)
        _wait(b)
        yield Pair(a, b, url, app, admin, county.secret, county.token.token_id)
    finally:
        _stop(a)
        _stop(b)
        app.close()
        postgres.drop_database(postgres_server_url, url)


def clearance(i: int, member: int, key: str | None = None) -> dict[str, Any]:
    return {
        "member_id": cin(member),
        "bic_issue_date": "2025-01-02",
        "service_date": str(TODAY),
        "billing_code": f"K{i:04d}",
        "service_charge": f"{7 + i % 23}.00",
        "payment": "paid",
        "idempotency_key": key or f"req-{i}",
    }


def post_clearance(base: str, body: dict[str, Any], provider: int) -> httpx.Response:
    return httpx.post(f"{base}/v1/soc/clearances", json=body, auth=(npi(provider), PIN), timeout=60)


def ledger_is_exact(pair: Pair, answers: dict[int, dict[str, Any]]) -> None:
    """Every 201 stored once; per member, what the answers applied is what the ledger says was
    cleared (SOC − remaining); the audit is clean; one activation per certified month."""
    o, e = tables.soc_obligations, tables.soc_entries
    applied: dict[str, Decimal] = defaultdict(Decimal)
    for answer in answers.values():
        applied[answer["member_id"]] += Decimal(answer["applied"])
    with pair.app.engine.connect() as c:
        ids = set(c.execute(select(e.c.clearance_id).where(e.c.kind == "clearance")).scalars())
        remaining = {
            row.case_id: Decimal(row.remaining_cents) / 100
            for row in c.execute(select(o.c.case_id, o.c.remaining_cents))
        }
        activations = c.execute(select(func.count()).select_from(tables.plan_activations))
        activations_count = activations.scalar_one()
    assert {answer["clearance_id"] for answer in answers.values()} <= ids
    for member, total in applied.items():
        case = f"C-{int(member[:8]) - 10000000}"
        assert total == SOC - remaining[case], member
    assert audit_ledger(pair.app.uow()) == []
    assert activations_count == sum(1 for left in remaining.values() if left == 0)


def test_simultaneous_clearances_split_across_both_servers_keep_the_ledger_exact(
    pair: Pair,
) -> None:
    members = 20
    sent = range(200)  # 10 services of $7-$29 per member: every SOC met, then refused

    def send(i: int) -> tuple[int, httpx.Response]:
        base = (pair.a, pair.b)[i % 2].base
        return i, post_clearance(base, clearance(i, i % members), i % PROVIDERS)

    with ThreadPoolExecutor(16) as pool:
        answered = dict(pool.map(send, sent))
    assert {r.status_code for r in answered.values()} <= {201, 409}
    assert {r.json()["code"] for r in answered.values() if r.status_code == 409} <= {
        "SOC_ALREADY_MET"
    }
    created = {i: r.json() for i, r in answered.items() if r.status_code == 201}
    assert sum(1 for i in created if i % 2) > 10  # B cleared
    assert sum(1 for i in created if not i % 2) > 10  # A cleared
    ledger_is_exact(pair, created)
    o = tables.soc_obligations
    with pair.app.engine.connect() as c:
        left = c.execute(
            select(func.sum(o.c.remaining_cents)).where(
                o.c.case_id.in_([f"C-{m}" for m in range(members)])
            )
        ).scalar_one()
    assert left == 0  # $100 each, about $180 sent each


def test_one_idempotency_key_sent_to_both_at_once_clears_once(pair: Pair) -> None:
    body = clearance(900, 20, key="same-key-both-servers")
    start = threading.Barrier(8)

    def send(n: int) -> httpx.Response:
        start.wait()
        return post_clearance((pair.a, pair.b)[n % 2].base, body, 1)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    assert [r.status_code for r in answers] == [201] * 8
    assert len({r.json()["clearance_id"] for r in answers}) == 1
    e = tables.soc_entries
    with pair.app.engine.connect() as c:
        stored = c.execute(
            select(func.count(func.distinct(e.c.clearance_id))).where(
                e.c.idempotency_key == "same-key-both-servers"
            )
        ).scalar_one()
    assert stored == 1


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_a_web_sign_in_on_one_server_works_on_the_other(pair: Pair) -> None:
    with httpx.Client(follow_redirects=False, timeout=60) as browser:
        page = browser.get(pair.a.base + "/provider/sign-in")
        signed = browser.post(
            pair.a.base + "/provider/sign-in",
            data={"csrf_token": _csrf(page), "npi": npi(2), "pin": PIN},
        )
        assert signed.status_code == 303, signed.text[:500]
        desk = browser.get(pair.b.base + "/provider")  # the other server
        assert desk.status_code == 200
        assert "Provider 2" in desk.text
        form = {
            "member_id": cin(21),
            "bic_issue_date": "2025-01-02",
            "service_date": str(TODAY),
        }
        forged = browser.post(pair.b.base + "/provider/verify", data={**form, "csrf_token": "x"})
        assert forged.status_code == 403
        verified = browser.post(
            pair.b.base + "/provider/verify", data={**form, "csrf_token": _csrf(desk)}
        )
        assert verified.status_code == 200
        assert "100.00" in verified.text  # the member's SOC, read with the PIN held on A
        page = browser.get(pair.b.base + "/provider")
        signed_in_cookie = browser.cookies["spenddown_session"]
        out = browser.post(pair.b.base + "/sign-out", data={"csrf_token": _csrf(page)})
        assert out.status_code == 303
    # Signed out on B: the credential is gone for A too, even with the old cookie replayed.
    replayed = httpx.get(
        pair.a.base + "/provider", cookies={"spenddown_session": signed_in_cookie}, timeout=60
    )
    assert replayed.status_code == 303
    with pair.app.engine.connect() as c:
        left = c.execute(select(func.count()).select_from(tables.web_credentials)).scalar_one()
    assert left == 0


def test_a_revoked_token_and_a_changed_pin_on_one_server_are_refused_on_the_other(
    pair: Pair,
) -> None:
    obligation = f"/v1/soc/obligations/{cin(22)}/{MONTH}"
    bearer = {"Authorization": f"Bearer {pair.county}"}
    assert httpx.get(pair.b.base + obligation, headers=bearer, timeout=60).status_code == 200
    revoked = httpx.delete(
        f"{pair.a.base}/v1/tokens/{pair.county_id}",
        headers={"Authorization": f"Bearer {pair.admin}"},
        timeout=60,
    )
    assert revoked.status_code == 200, revoked.text
    # At once (docs/operations.md: tokens are read from the database on every request).
    refused = httpx.get(pair.b.base + obligation, headers=bearer, timeout=60)
    assert refused.status_code == 401
    assert refused.json()["code"] == "INVALID_TOKEN"

    verify = {"member_id": cin(22), "bic_issue_date": "2025-01-02", "service_date": str(TODAY)}

    def verify_on_b(pin: str) -> httpx.Response:
        return httpx.post(
            pair.b.base + "/v1/eligibility/verifications",
            json=verify,
            auth=(npi(3), pin),
            timeout=60,
        )

    assert verify_on_b(PIN).status_code == 200  # B now remembers the right PIN
    provider = population(1, PROVIDERS, MONTH, "1.00")["providers"][3]
    changed = httpx.post(
        pair.a.base + "/v1/imports",
        json={"providers": [{**provider, "pin": "5813"}]},
        headers={"Authorization": f"Bearer {pair.admin}"},
        timeout=120,
    )
    assert changed.status_code == 200, changed.text
    # At once: B's verified-PIN cache is keyed by the stored hash, which changed.
    old = verify_on_b(PIN)
    assert old.status_code == 401
    assert old.json()["code"] == "INVALID_CREDENTIALS"
    assert verify_on_b("5813").status_code == 200


def test_sigkill_of_one_server_under_load_leaves_the_other_answering(pair: Pair) -> None:
    members = range(23, UNITS)
    sent = list(range(1000, 1300))
    answers: dict[int, dict[str, Any]] = {}
    after_kill_on_a = 0
    killed = threading.Event()
    answered = threading.Semaphore(0)
    lock = threading.Lock()

    # Providers 0-2: provider 3's PIN was changed above.

    def member(i: int) -> int:
        return members[i % len(members)]

    def send(i: int) -> None:
        nonlocal after_kill_on_a
        on_a = i % 2 == 0
        try:
            response = post_clearance(
                (pair.a if on_a else pair.b).base, clearance(i, member(i)), i % 3
            )
        except httpx.TransportError:
            assert not on_a, "server A stopped answering"
            return
        assert response.status_code in (201, 409), response.text
        with lock:
            if response.status_code == 201:
                answers[i] = response.json()
            if on_a and killed.is_set():
                after_kill_on_a += 1
        answered.release()

    def killer() -> None:
        for _ in range(60):
            answered.acquire()
        pair.b.process.send_signal(signal.SIGKILL)
        killed.set()

    threading.Thread(target=killer, daemon=True).start()
    with ThreadPoolExecutor(12) as pool:
        list(pool.map(send, sent))
    pair.b.process.wait(timeout=30)
    assert pair.b.process.returncode == -signal.SIGKILL
    assert after_kill_on_a > 20
    assert httpx.get(pair.a.base + "/healthz", timeout=30).status_code == 200
    # Every request retried on A with its key: answered ones give back the same clearance.
    with ThreadPoolExecutor(8) as pool:
        retried = dict(
            zip(
                sent,
                pool.map(
                    lambda i: post_clearance(pair.a.base, clearance(i, member(i)), i % 3),
                    sent,
                ),
                strict=True,
            )
        )
    for i, answer in answers.items():
        assert retried[i].status_code == 201
        assert retried[i].json()["clearance_id"] == answer["clearance_id"]
    assert {r.status_code for r in retried.values()} <= {201, 409}
    final = {i: r.json() for i, r in retried.items() if r.status_code == 201}
    ledger_is_exact(pair, final)


def test_a_worker_dies_with_its_killed_supervisor(pair: Pair) -> None:
    pair.a.process.send_signal(signal.SIGKILL)
    pair.a.process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(pair.a.base + "/healthz", timeout=2)
        except httpx.TransportError:
            return  # nobody listens any more: no orphan worker kept the port
        time.sleep(0.2)
    raise AssertionError("a worker of the killed server still answers")
