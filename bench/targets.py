"""Issue 16's targets, in one place, and the table ``make bench`` prints after the figures
(docs/performance.md "Targets").

Each target names the figure that measures it by ``Figure.key``; a figure module sets that key
on the figure it returns (and may take its bounds from here with ``bounds``). A target whose
figure is missing from the run says "not measured"; one whose figure could not run says "not
available" with the reason. A bound is met or "short by X%": for an at-least bound ``t`` with
``m`` measured, ``1 − m/t`` (the share of the target missing); for an at-most bound, ``1 − t/m``
(the share of the measured time, latency or memory to remove)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.common import Figure

GROWTH = "growth"  # growth rows have keys "growth:<figure>"


@dataclass(frozen=True)
class Bound:
    what: str  # "ratio", "p99", "rate", ...
    measure: Callable[[Figure], float | None]
    limit: float
    at_least: bool
    show: Callable[[float], str]

    def check(self, figure: Figure) -> tuple[str, float | None]:
        """The measured text and the shortfall (``None`` when met)."""
        value = self.measure(figure)
        if value is None:
            return f"{self.what} not measured", None
        text = self.show(value)
        if self.at_least:
            short = None if value >= self.limit else 1 - value / self.limit
            sign = "<"
        else:
            short = None if value <= self.limit else 1 - self.limit / value
            sign = ">"
        if short is None:
            return text, None
        return f"{text} {sign} {self.show(self.limit)}", short


def _percent(x: float) -> str:
    return f"{x:.0%}"


def _times(x: float) -> str:
    return f"{x:.2f}×"


def _ms(x: float) -> str:
    return f"{x:.1f} ms"


def _count(unit: str) -> Callable[[float], str]:
    return lambda x: f"{x:,.0f} {unit}"


def _ratio(f: Figure) -> float:
    return f.ratio


def _value(f: Figure) -> float:
    return f.value


def _p99(f: Figure) -> float | None:
    return f.p99_ms


def _memory(f: Figure) -> float | None:
    return f.memory_mb


def _seconds_for_million(f: Figure) -> float | None:
    return 1_000_000 / f.value if f.value > 0 else None


@dataclass(frozen=True)
class Target:
    key: str
    figure: str
    target: str
    bounds: tuple[Bound, ...]


TARGETS: tuple[Target, ...] = (
    Target(
        "verification-1w",
        "verification over HTTP, one worker pinned, 8 connections (PostgreSQL)",
        "≥ 50% of the bare one-read endpoint, p99 ≤ 15 ms",
        (
            Bound("ratio", _ratio, 0.50, True, _percent),
            Bound("p99", _p99, 15.0, False, _ms),
        ),
    ),
    Target(
        "verification-2w",
        "the same, two workers unpinned",
        "≥ 1.6× one worker",
        (Bound("ratio", _ratio, 1.6, True, _times),),
    ),
    Target(
        "clearance-service",
        "clearance at the service layer",
        "≥ 35% of the pgbench transaction",
        (Bound("ratio", _ratio, 0.35, True, _percent),),
    ),
    Target(
        "837p-parse",
        "837P parse into domain claims",
        "≥ 10,000 claims/s, ≤ 200 MB for a 100,000-claim file",
        (
            Bound("rate", _value, 10_000, True, _count("claims/s")),
            Bound("memory", _memory, 200, False, _count("MB")),
        ),
    ),
    Target(
        "837p-835",
        "837P → 835 end to end, stored",
        "≥ 2,000 claims/s",
        (Bound("rate", _value, 2_000, True, _count("claims/s")),),
    ),
    Target(
        "270-271",
        "270 → 271 end to end, stored",
        "≥ 2,000 inquiries/s",
        (Bound("rate", _value, 2_000, True, _count("inquiries/s")),),
    ),
    Target(
        "claims-1m-postgres",
        "1,000,000 claims stored on PostgreSQL",
        "≤ 300 s",
        (Bound("time", _seconds_for_million, 300, False, _count("s")),),
    ),
    Target(
        GROWTH,
        "growth at 10× data",
        "every figure ≥ 80%",
        (Bound("ratio", _ratio, 0.80, True, _percent),),
    ),
)

BY_KEY = {t.key: t for t in TARGETS}


def bounds(key: str) -> dict[str, Any]:
    """A figure's ``target`` text and verdict bounds (``Figure(**bounds(key))``), from here."""
    target = BY_KEY[key]
    found: dict[str, Any] = {"target": target.target, "key": key}
    for bound in target.bounds:
        if bound.measure is _ratio and bound.at_least:
            found["min_ratio"] = bound.limit
        elif bound.measure is _value and bound.at_least:
            found["min_value"] = bound.limit
        elif bound.measure is _p99 and not bound.at_least:
            found["max_p99_ms"] = bound.limit
    return found


def _short(shortfalls: Sequence[float]) -> str:
    return f"short by {max(shortfalls):.0%}"


def evaluate(target: Target, figures: Sequence[Figure]) -> tuple[str, str]:
    """``(measured, verdict)`` of one target over the run's figures."""
    if target.key == GROWTH:
        return _growth(target, figures)
    found = [f for f in figures if f.key == target.key]
    if not found:
        return "not measured", "not measured"
    figure = found[0]
    if figure.unavailable is not None:
        return "not available", f"not available: {figure.unavailable}"
    measured, shortfalls, missing = [], [], []
    for bound in target.bounds:
        text, short = bound.check(figure)
        measured.append(text)
        if short is not None:
            shortfalls.append(short)
        if bound.measure(figure) is None:
            missing.append(f"{bound.what} not measured")
    verdict = "; ".join(([_short(shortfalls)] if shortfalls else []) + missing) or "met"
    return "; ".join(measured), verdict


def _growth(target: Target, figures: Sequence[Figure]) -> tuple[str, str]:
    rows = [f for f in figures if f.key and f.key.startswith(GROWTH + ":")]
    rows = [f for f in rows if f.unavailable is None]
    if not rows:
        return "not measured", "not measured"
    (bound,) = target.bounds
    lowest = min(rows, key=lambda f: f.ratio)
    below = [f for f in rows if bound.check(f)[1] is not None]
    name = (lowest.key or "").removeprefix(GROWTH + ":")
    measured = f"{len(rows)} rows, lowest {lowest.ratio:.0%} ({name})"
    if not below:
        return measured, "met"
    shortfall = bound.check(lowest)[1] or 0.0
    return measured, f"{_short([shortfall])} ({len(below)} of {len(rows)} rows below 80%)"


def table(figures: Sequence[Figure]) -> str:
    """Issue 16's targets with the measured value and verdict, as a markdown table."""
    lines = [
        "| target (issue 16) | goal | measured | verdict |",
        "|---|---|---|---|",
    ]
    for target in TARGETS:
        measured, verdict = evaluate(target, figures)
        lines.append(f"| {target.figure} | {target.target} | {measured} | {verdict} |")
    return "\n".join(lines)
