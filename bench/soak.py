"""Soak: mixed traffic against ``spenddown serve`` on PostgreSQL for 10 minutes (full mode; 20
seconds in quick mode), then ``spenddown audit`` must be clean (issue 7, reliability).

The traffic, from ``bench.load`` in its own process over 16 connections: verifications,
clearances (each with its own idempotency key, until the SOCs are met; later ones are refused
as the month is certified), the family's view, balance-billing checks, secondary claims and
providers' clearance lists. The run is split into windows; the figure is the rate of the last
window against the first (the baseline, in the same run), so a server that slows down as its
tables grow or leaks shows as a ratio below 100%. Any 5xx answer, transport error or audit
finding fails the run."""

from __future__ import annotations

import base64
import json
import subprocess
from datetime import date
from typing import Any

from bench import serving
from bench.common import PIN, Figure, cin, local_code, npi, population, postgres, today_ca

UNITS = 400
PROVIDERS = 8
CONNECTIONS = 16
SOC = "300.00"
ISSUED = "2025-01-02"  # bench.common.population's card issue date
BORN = "1970-01-01"
PER_WINDOW = 60_000  # more than a window can send: the time bound ends each window


def _basic(provider: int) -> str:
    return "Basic " + base64.b64encode(f"{npi(provider)}:{PIN}".encode()).decode()


def _post(path: str, provider: int | None, body: dict[str, Any]) -> dict[str, Any]:
    headers = {} if provider is None else {"authorization": _basic(provider)}
    return {"method": "POST", "path": path, "headers": headers, "body": json.dumps(body)}


def request(i: int, day: date, run: str) -> dict[str, Any]:
    """Request ``i`` of window ``run``: one of twenty kinds of slot, members spread out."""
    member = (i * 7919) % UNITS
    provider = i % PROVIDERS
    month = day.strftime("%Y-%m")
    card = {"member_id": cin(member), "bic_issue_date": ISSUED}
    slot = i % 20
    if slot < 8:
        return _post("/v1/eligibility/verifications", provider, {**card, "service_date": str(day)})
    if slot < 12:
        body = {
            **card,
            "service_date": str(day),
            "billing_code": local_code(f"{run}-{i}"),
            "service_charge": f"{5 + i % 40}.{i % 100:02d}",
            "payment": "paid",
            "idempotency_key": f"{run}-{i}",
        }
        return _post("/v1/soc/clearances", provider, body)
    if slot < 14:
        return {
            "method": "GET",
            "path": f"/v1/members/{cin(member)}/soc/{month}",
            "headers": {"X-Member-Issue-Date": ISSUED, "X-Member-Birth-Date": BORN},
        }
    if slot < 16:
        body = {**card, "provider_npi": npi(provider), "service_date": str(day), "amount": "20.00"}
        body["birth_date"] = BORN  # the family's proof (docs/api.md "Credentials")
        return _post("/v1/billing-checks", None, body)
    if slot < 19:
        claim = {
            "claim_id": f"SOAK-{run}-{i}",
            "provider_npi": npi(provider),
            "member_id": cin(member),
            "soc_amount": "0.00",
            "primary": {
                "payer_type": "commercial",
                "payer_name": "Acme PPO",
                "claim_number": f"P{run}{i}",
                "adjudication_date": str(day),
            },
            "lines": [
                {
                    "service_date": str(day),
                    "procedure_code": "99213",
                    "units": 1,
                    "charge": "120.00",
                    "primary": {"allowed": "100.00", "paid": "80.00", "copay": "20.00"},
                }
            ],
        }
        return _post("/v1/claims", provider, claim)
    return {
        "method": "GET",
        "path": f"/v1/soc/clearances?member_id={cin(member)}&month={month}",
        "headers": {"authorization": _basic(provider)},
    }


def _audit(url: str) -> None:
    env = serving._server_env(url, 2)
    out = subprocess.run(
        [str(serving.SPENDDOWN), "audit"], env=env, capture_output=True, text=True, timeout=600
    )
    if out.returncode != 0:
        raise RuntimeError(f"spenddown audit after the soak: exit {out.returncode}\n{out.stdout}")


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def run(quick: bool) -> list[Figure]:
    windows, seconds = (2, 4.0) if quick else (10, 60.0)
    day = today_ca()
    data = population(UNITS, PROVIDERS, day.strftime("%Y-%m"), SOC)
    data["fee_schedule"] = [
        {"procedure_code": "99213", "effective": "2020-01-01", "allowed_per_unit": "95.00"}
    ]
    results = []
    with postgres.postgres_server() as server:
        url = postgres.create_database(server, "spenddown_soak")
        serving.seed_dataset(url, data, production_pins=False)
        with serving.serve(url) as app:
            for w in range(windows):
                requests = [request(i, day, f"W{w}") for i in range(PER_WINDOW)]
                result = serving.load(app.base, requests, connections=CONNECTIONS, seconds=seconds)
                failed = {k: v for k, v in result["statuses"].items() if k.startswith("5")}
                if failed or result["errors"]:
                    raise RuntimeError(
                        f"soak window {w}: {failed} 5xx, {result['errors']} transport errors: "
                        f"{result['error_samples']}"
                    )
                results.append(result)
        _audit(url)
    first, last = results[0], results[-1]
    statuses: dict[str, int] = {}
    for result in results:
        for status, n in result["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    total = sum(r["requests"] for r in results)
    return [
        Figure(
            f"Soak: mixed traffic, {_duration(windows * seconds)}, 16 connections (PostgreSQL)",
            last["rps"],
            first["rps"],
            "req/s",
            "no 5xx, audit clean; last window ≥ 80% of the first",
            f"baseline: the first {seconds:g} s window; {total:,} requests "
            f"({', '.join(f'{k}×{v:,}' for k, v in sorted(statuses.items()))}), "
            "no 5xx, no transport error, `spenddown audit` clean",
            last["p99_ms"],
            min_ratio=0.80,
        )
    ]
