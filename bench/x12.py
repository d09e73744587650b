"""Figure 6: X12 end to end, in process, one core, SQLite (a temporary file): an 837P of
generated claims with the primary's adjudication (2320/2330B/2430) answered with an 835, and a
270 of generated subscribers answered with a 271, through ``adapters.x12.exchange.answer`` (the
code behind ``POST /v1/x12`` and ``spenddown x12``: parse, map, one use-case call and
transaction per claim or subscriber, write). Each against the parse-only rate of x12sdk's
``X12SegmentReader`` (the reader the adapter streams with) on the same file, in the same run.

Figure 6c (``837p-parse``): a generated 837P of 100,000 claims (20,000 with ``--quick``) written
to a file and read by ``adapters.x12.stream`` (64 KiB chunks, the 837P reader over the segment
stream, ``mapping.to_claim`` per claim) in a child process, whose peak RSS is the memory
figure; against x12sdk's ``X12SegmentReader`` parse-only of the same file (segments only).

    PYTHONPATH=. .venv/bin/python -m bench.x12 --parse FILE   # one parse, JSON on stdout"""

from __future__ import annotations

import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from x12sdk.io import X12SegmentReader

from bench.common import PIN, PINS, Figure, cin, npi, population, today_ca
from bench.targets import BY_KEY
from spenddown import bootstrap
from spenddown.adapters.dataset import parse_dataset
from spenddown.adapters.x12 import exchange, stream
from spenddown.domain.months import BenefitMonth
from spenddown.services.imports import import_dataset

MEMBERS = 500
ISSUED = "20250102"  # bench.common.population's card issue date
FEES = {"99213": "95.00", "99214": "130.00"}
CLAIMS_PER_SET = 500  # an 837P set of a clearinghouse batch


def _interchange(code: str, version: str, sets: list[list[str]]) -> str:
    functional = {"270": "HS", "837": "HC"}[code]
    lines = [
        f"ISA*00*{' ' * 10}*00*{' ' * 10}*ZZ*{'BENCHSUBMIT':<15}*ZZ*{'MEDICAL':<15}*"
        "261123*1000*^*00501*000000001*0*P*:",
        f"GS*{functional}*BENCHSUBMIT*MEDICAL*20261123*1000*1*X*{version}",
    ]
    for number, body in enumerate(sets, start=1):
        control = f"{number:04d}"
        segments = [f"ST*{code}*{control}*{version}", *body]
        lines += [*segments, f"SE*{len(segments) + 1}*{control}"]
    lines += [f"GE*{len(sets)}*1", "IEA*1*000000001"]
    return "~\n".join(lines) + "~\n"


def inquiries(count: int, day: date) -> str:
    """A 270: one information receiver (the benchmark's physician), ``count`` subscribers."""
    service = f"{day:%Y%m%d}"
    body = [
        "BHT*0022*13*BENCH-270*20261123*1000",
        "HL*1**20*1",
        "NM1*PR*2*MEDI-CAL*****PI*610442",
        "HL*2*1*21*1",
        f"NM1*1P*2*PROVIDER 0*****XX*{npi(0)}",
    ]
    for i in range(count):
        body += [
            f"HL*{3 + i}*2*22*0",
            f"TRN*1*T{i}*9BENCHCLNT",
            f"NM1*IL*1*M*{i % MEMBERS}****MI*{cin(i % MEMBERS)}",
            f"DTP*102*D8*{ISSUED}",
            f"DTP*291*D8*{service}",
            "EQ*30",
        ]
    return _interchange("270", "005010X279A1", [body])


def _claim(i: int, hl: int, day: date, rng: random.Random) -> list[str]:
    """One 2000B subscriber with one 2300 claim of 1-3 lines, each paid in part by a commercial
    primary (copay or deductible left to the patient), as realistic COB claims are."""
    service = f"{day:%Y%m%d}"
    lines: list[list[str]] = []
    total = 0
    primary_paid = 0
    for number in range(1, rng.randint(1, 3) + 1):
        code = rng.choice(tuple(FEES))
        charge = rng.randint(90, 250)
        allowed = charge - rng.randint(0, 40)
        share = rng.choice((20, 30, 40))
        paid = max(allowed - share, 0)
        kind = rng.choice(("1", "3"))  # deductible or copay
        total += charge
        primary_paid += paid
        line = [
            f"LX*{number}",
            f"SV1*HC:{code}*{charge}.00*UN*1***1",
            f"DTP*472*D8*{service}",
            f"SVD*ACME01*{paid}.00*HC:{code}**1",
        ]
        if charge > allowed:
            line.append(f"CAS*CO*45*{charge - allowed}.00")
        line += [f"CAS*PR*{kind}*{allowed - paid}.00", f"DTP*573*D8*{service}"]
        lines.append(line)
    member = cin(i % MEMBERS)
    out = [
        f"HL*{hl}*1*22*0",
        "SBR*S*18*******MC",
        f"NM1*IL*1*M*{i % MEMBERS}****MI*{member}",
        "N3*1 MAIN ST",
        "N4*FRESNO*CA*93701",
        "DMG*D8*19700101*F",
        "NM1*PR*2*MEDI-CAL*****PI*610442",
        f"CLM*B-{i}*{total}.00***11:B:1*Y*A*Y*Y",
        "HI*ABK:F840",
        "SBR*P*18*GRP01******CI",
        f"AMT*D*{primary_paid}.00",
        "OI***Y***Y",
        f"NM1*IL*1*M*{i % MEMBERS}****MI*ACME{i % MEMBERS}",
        "NM1*PR*2*ACME PPO*****PI*ACME01",
        f"DTP*573*D8*{service}",
        f"REF*F8*P-{i}",
    ]
    for line in lines:
        out += line
    return out


def submission(count: int, day: date, seed: int = 11) -> str:
    """An 837P of ``count`` claims, ``CLAIMS_PER_SET`` per transaction set."""
    rng = random.Random(seed)
    sets = []
    for start in range(0, count, CLAIMS_PER_SET):
        body = [
            "BHT*0019*00*BENCH-837*20261123*1000*CH",
            "NM1*41*2*PROVIDER 0*****46*BENCHSUBMIT",
            "PER*IC*BILLING OFFICE*TE*5595550100",
            "NM1*40*2*MEDI-CAL*****46*610442",
            "HL*1**20*1",
            f"NM1*85*2*PROVIDER 0*****XX*{npi(0)}",
            "N3*1 CLINIC WAY",
            "N4*FRESNO*CA*93701",
            "REF*EI*123456789",
        ]
        for i in range(start, min(start + CLAIMS_PER_SET, count)):
            body += _claim(i, 2 + i - start, day, rng)
        sets.append(body)
    return _interchange("837", "005010X222A1", sets)


def parse_only(text: str, repeat: int = 3) -> float:
    """Seconds to stream every segment of ``text`` with x12sdk's reader (best of ``repeat``)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        count = 0
        with X12SegmentReader(text) as reader:
            for _segment in reader.segments():
                count += 1
        best = min(best, time.perf_counter() - started)
    assert count > 0
    return best


def end_to_end(app: bootstrap.App, text: str, kind: str) -> tuple[float, str]:
    started = time.perf_counter()
    answered = exchange.answer(text, npi=npi(0), pin=PIN, uow=app.uow, env=app.env)
    elapsed = time.perf_counter() - started
    assert answered.kind == kind, answered.text[:2000]
    return elapsed, answered.text


def _peak_mb() -> float:
    """This process's peak resident memory: VmHWM, which starts afresh at exec (``ru_maxrss``
    keeps the peak of the forked parent's copy, here the generator's 60 MB text and more)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def parse_child(path: Path) -> dict[str, float]:
    """In the child: stream the file into domain claims; the count, seconds and peak RSS."""
    started = time.perf_counter()
    claims = refused = 0
    with stream.open_text(path) as source:
        for read in stream.claims(source):
            claims += 1
            refused += read.claim is None or isinstance(read.claim, Exception)
    seconds = time.perf_counter() - started
    return {"claims": claims, "refused": refused, "seconds": seconds, "peak_mb": _peak_mb()}


def parse_figure(quick: bool) -> Figure:
    count = 20_000 if quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "claims.837"
        path.write_text(submission(count, today_ca()), encoding="utf-8")
        size_mb = path.stat().st_size / 1024 / 1024
        child = subprocess.run(
            [sys.executable, "-m", "bench.x12", "--parse", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        found = json.loads(child.stdout)
        started = time.perf_counter()
        segments = 0
        with X12SegmentReader(str(path)) as reader:  # a path: x12sdk streams the file
            for _segment in reader.segments():
                segments += 1
        baseline = time.perf_counter() - started
    assert found["claims"] == count, found
    assert found["refused"] == 0, found
    return Figure(
        "6c. X12 837P parse into domain claims, streamed (no database)",
        count / found["seconds"],
        count / baseline,
        "claims/s",
        BY_KEY["837p-parse"].target,
        f"baseline: x12sdk X12SegmentReader parse-only (segments, no claims) of the same "
        f"{size_mb:.0f} MB file; {count:,} claims; peak RSS of the parsing process "
        f"{found['peak_mb']:.0f} MB",
        key="837p-parse",  # bench/targets.py
        memory_mb=found["peak_mb"],
    )


def run(quick: bool) -> list[Figure]:
    parsed = parse_figure(quick)  # 6c, listed after 6a and 6b
    count = 500 if quick else 1_000
    day = today_ca()
    month = BenefitMonth.of(day)
    claims_text = submission(count, day)
    inquiries_text = inquiries(count, day)
    with tempfile.TemporaryDirectory() as tmp:
        app = bootstrap.build(f"sqlite:///{Path(tmp) / 'bench.db'}", pins=PINS)
        try:
            data = population(MEMBERS, 1, str(month), "0.00")
            data["fee_schedule"] = [
                {"procedure_code": c, "effective": "2020-01-01", "allowed_per_unit": fee}
                for c, fee in FEES.items()
            ]
            import_dataset(parse_dataset(data), app.uow(), app.env)
            claims_parse = parse_only(claims_text)
            claims_seconds, remittance = end_to_end(app, claims_text, "835")
            inquiries_parse = parse_only(inquiries_text)
            inquiries_seconds, answers = end_to_end(app, inquiries_text, "271")
        finally:
            app.close()
    # what was answered: CLP02 (1/2 paid, 4 denied) and the first EB per subscriber
    statuses = re.findall(r"CLP\*[^*]*\*(\d)\*", remittance)
    assert len(statuses) == count, (len(statuses), count)
    denied = statuses.count("4")
    # EB03 is 30 and the service types answered with it (docs/x12.md "Service types")
    active = len(re.findall(r"^EB\*1\*IND\*30[^*]*\*MC\*MEDI-CAL~", answers, re.MULTILINE))
    assert active == count, (active, count)
    claims_ratio = claims_parse / claims_seconds
    inquiries_ratio = inquiries_parse / inquiries_seconds
    return [
        Figure(
            "6a. X12 837P → 835 end to end, in process (SQLite, stored)",
            count / claims_seconds,
            count / claims_parse,
            "claims/s",
            "(no target; issue 7 sets none)",
            f"baseline: x12sdk X12SegmentReader parse-only of the same file; "
            f"{count} claims, {denied} denied; ratio {claims_ratio:.3%}",
            key="837p-835",  # bench/targets.py
        ),
        Figure(
            "6b. X12 270 → 271 end to end, in process (SQLite, EVC + audit)",
            count / inquiries_seconds,
            count / inquiries_parse,
            "inquiries/s",
            "(no target; issue 7 sets none)",
            f"baseline: x12sdk X12SegmentReader parse-only of the same file; "
            f"{count} subscribers; ratio {inquiries_ratio:.3%}",
            key="270-271",  # bench/targets.py
        ),
        parsed,
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--parse"]:
        print(json.dumps(parse_child(Path(sys.argv[2]))))
        sys.exit(0)
    for figure in run(True):
        print(figure, f"ratio {figure.ratio:.2%}")
