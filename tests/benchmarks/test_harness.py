"""The benchmark harness without timing (docs/performance.md "Targets"): wrk's output parsed
from saved samples, the Lua script it is given, the verdicts and the targets table."""

from __future__ import annotations

import re

import pytest
from bench import targets, wrk
from bench.common import Figure
from bench.verification_http import Answered

# `wrk -t1 -c2 -d1s --latency -s script.lua` with the script's done() line (wrk 4.1.0,
# Debian), half its answers 501.
WITH_JSON = """\
Running 1s test @ http://127.0.0.1:18777
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.64ms    2.05ms  11.03ms   66.67%
    Req/Sec   779.40    139.05     1.08k    80.00%
  Latency Distribution
     50%    2.13ms
     75%    4.13ms
     90%    5.46ms
     99%    8.45ms
  776 requests in 1.00s, 2.81MB read
  Non-2xx or 3xx responses: 388
Requests/sec:    775.23
Transfer/sec:      2.81MB
WRK_JSON {"requests": 776, "duration_us": 1000988, "bytes": 2947058, "errors": {"connect": 0, \
"read": 0, "write": 0, "status": 388, "timeout": 0}, "latency_us": {"p50": 2134, "p90": 5462, \
"p99": 8455, "max": 11034, "mean": 2642.4}}
"""

# The same wrk without a done() hook (its text only), with socket errors and a latency in µs.
TEXT_ONLY = """\
Running 2s test @ http://127.0.0.1:18777
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.40us    1.38ms    1.20s    97.17%
    Req/Sec     1.21k    72.63     1.30k    50.00%
  Latency Distribution
     50%  640.00us
     75%    1.03ms
     90%    1.98ms
     99%   15.65ms
  2413 requests in 2.00s, 3.97MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
Requests/sec:   1205.70
Transfer/sec:      1.98MB
"""


def test_parse_reads_the_done_line() -> None:
    result = wrk.parse(WITH_JSON)
    assert result["requests"] == 776
    assert result["seconds"] == pytest.approx(1.000988)
    assert result["rps"] == pytest.approx(776 / 1.000988)
    assert (result["p50_ms"], result["p90_ms"], result["p99_ms"]) == (2.134, 5.462, 8.455)
    assert result["max_ms"] == 11.034
    assert result["non_2xx"] == 388


def test_parse_falls_back_to_the_latency_text() -> None:
    result = wrk.parse(TEXT_ONLY)
    assert result["requests"] == 2413
    assert result["seconds"] == 2.0
    assert result["rps"] == 1205.70
    assert result["p50_ms"] == pytest.approx(0.64)
    assert result["p99_ms"] == pytest.approx(15.65)
    assert result["max_ms"] == pytest.approx(1200.0)
    assert result["errors"] == {"connect": 0, "read": 3, "write": 0, "status": 0, "timeout": 2}
    # Both forms agree on the same run.
    assert wrk._parse_text(WITH_JSON)["p99_ms"] == pytest.approx(
        wrk.parse(WITH_JSON)["p99_ms"], abs=0.01
    )
    assert wrk._parse_text(WITH_JSON)["non_2xx"] == 388


def test_parse_refuses_what_is_not_wrk_output() -> None:
    with pytest.raises(ValueError, match="not wrk output"):
        wrk.parse("wrk: invalid option\n")
    without_latency = TEXT_ONLY.split("  Latency Distribution")[0] + TEXT_ONLY.split("99%")[1]
    with pytest.raises(ValueError, match="--latency"):
        wrk.parse(without_latency)


def test_the_lua_script_holds_each_request_verbatim() -> None:
    body = '{"a": "]]", "b": "]=]"}'
    script = wrk.script(
        [
            {"method": "GET", "path": "/bare/members/1"},
            {
                "method": "POST",
                "path": "/v1/x",
                "headers": {"Authorization": "Basic x]]"},
                "body": body,
            },
        ]
    )
    # Long strings whose level is not closed by their text: ]]  and ]=] stay inside.
    assert "[==[" + body + "]==]" in script
    assert "[ [[authorization]] ] = [=[Basic x]]]=]" in script
    assert "[[content-type]] ] = [[application/json]]" in script
    assert re.search(r"function done\(summary, latency, requests\)", script)
    assert "WRK_JSON" in script
    with pytest.raises(ValueError, match="at least one request"):
        wrk.script([])


def test_wrk_is_refused_anything_but_loopback() -> None:
    with pytest.raises(ValueError, match="not a loopback address"):
        wrk.run("http://192.0.2.1:80", [{"path": "/"}], seconds=1)


def fig(key: str | None, value: float, baseline: float = 1.0, **kw: object) -> Figure:
    return Figure("f", value, baseline, "req/s", "t", key=key, **kw)  # type: ignore[arg-type]


def evaluate(key: str, figures: list[Figure]) -> tuple[str, str]:
    return targets.evaluate(targets.BY_KEY[key], figures)


def test_verdict_met_and_short_by_how_much() -> None:
    met = fig("verification-1w", 60, 100, p99_ms=12.0)
    assert evaluate("verification-1w", [met]) == ("60%; 12.0 ms", "met")
    # 40% of bare against 50%: 20% of the target missing; p99 30 ms against 15: half to remove.
    short = fig("verification-1w", 40, 100, p99_ms=30.0)
    measured, verdict = evaluate("verification-1w", [short])
    assert measured == "40% < 50%; 30.0 ms > 15.0 ms"
    assert verdict == "short by 50%"
    only_ratio = fig("verification-1w", 45, 100, p99_ms=10.0)
    assert evaluate("verification-1w", [only_ratio])[1] == "short by 10%"


def test_time_for_a_million_claims_from_a_rate() -> None:
    assert evaluate("claims-1m-postgres", [fig("claims-1m-postgres", 4_000)]) == ("250 s", "met")
    measured, verdict = evaluate("claims-1m-postgres", [fig("claims-1m-postgres", 2_000)])
    assert (measured, verdict) == ("500 s > 300 s", "short by 40%")


def test_missing_figures_and_bounds_are_said() -> None:
    assert evaluate("837p-parse", []) == ("not measured", "not measured")
    measured, verdict = evaluate("837p-parse", [fig("837p-parse", 12_000)])
    assert verdict == "memory not measured"
    assert "12,000 claims/s" in measured
    both = evaluate("837p-parse", [fig("837p-parse", 5_000, memory_mb=400)])
    assert both == ("5,000 claims/s < 10,000 claims/s; 400 MB > 200 MB", "short by 50%")
    gone = fig("verification-2w", 0, 80, unavailable="no --workers")
    assert evaluate("verification-2w", [gone]) == ("not available", "not available: no --workers")
    assert gone.verdict == "not available"


def test_growth_wants_every_row() -> None:
    assert evaluate("growth", [fig("verification-1w", 1, 1)]) == ("not measured", "not measured")
    rows = [fig("growth:1. SOC clearance", 95, 100), fig("growth:2. verification", 90, 100)]
    assert evaluate("growth", rows) == ("2 rows, lowest 90% (2. verification)", "met")
    rows.append(fig("growth:4. batch", 60, 100))
    assert evaluate("growth", rows) == (
        "3 rows, lowest 60% (4. batch)",
        "short by 25% (1 of 3 rows below 80%)",
    )


def test_the_table_has_every_target_once_in_order() -> None:
    text = targets.table([fig("clearance-service", 21, 100)])
    lines = text.splitlines()
    assert lines[0] == "| target (issue 16) | goal | measured | verdict |"
    assert len(lines) == 2 + len(targets.TARGETS)
    assert [line.split(" | ")[0].removeprefix("| ") for line in lines[2:]] == [
        t.figure for t in targets.TARGETS
    ]
    assert (
        "| clearance at the service layer | ≥ 35% of the pgbench transaction | 21% < 35% | "
        "short by 40% |" in text
    )
    assert text.count("| not measured | not measured |") == len(targets.TARGETS) - 1


def test_bounds_give_a_figure_its_own_verdict() -> None:
    assert targets.bounds("verification-1w") == {
        "target": "≥ 50% of the bare one-read endpoint, p99 ≤ 15 ms",
        "key": "verification-1w",
        "min_ratio": 0.5,
        "max_p99_ms": 15.0,
    }
    figure = Figure("f", 30, 100, "req/s", p99_ms=20.0, **targets.bounds("verification-1w"))
    assert figure.verdict == "short: ratio 30% < 50%; p99 20 ms > 15 ms"


def test_answers_counted_by_wrk_are_bounds() -> None:
    answered = Answered()
    answered.exact(8)
    answered.wrk(100, connections=8)
    answered.wrk(50, connections=8)
    assert (answered.low, answered.high) == (158, 174)
