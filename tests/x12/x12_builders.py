"""Hand-written X12 test interchanges: segments in, a complete interchange out (the envelope's
counts and control numbers computed), so that samples stay readable."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from support.world import CLAIM_FEES

FUNCTIONAL = {"270": "HS", "837": "HC", "276": "HR"}
RESOURCES = Path(__file__).parent.parent / "resources" / "x12"

FEES = CLAIM_FEES  # the claim tests' fee schedule and authorization


def sample(name: str) -> str:
    return (RESOURCES / name).read_text(encoding="utf-8")


def isa(
    control: str, sender: str = "CLINICSUBMIT", receiver: str = "MEDICAL", usage: str = "T"
) -> str:
    return (
        f"ISA*00*{' ' * 10}*00*{' ' * 10}*ZZ*{sender:<15}*ZZ*{receiver:<15}*261123*1000*^*00501*"
        f"{control:0>9}*0*{usage}*:~"
    )


def transaction(code: str, control: str, version: str, body: Sequence[str]) -> list[str]:
    segments = [
        f"ST*{code}*{control}*{version}~",
        *[s if s.endswith("~") else s + "~" for s in body],
    ]
    segments.append(f"SE*{len(segments) + 1}*{control}~")
    return segments


def interchange(
    code: str,
    version: str,
    bodies: Sequence[Sequence[str]],
    *,
    control: str = "101",
    sender: str = "CLINICSUBMIT",
    receiver: str = "MEDICAL",
) -> str:
    lines = [isa(control, sender, receiver)]
    lines.append(
        f"GS*{FUNCTIONAL[code]}*{sender}*{receiver}*20261123*1000*{int(control)}*X*{version}~"
    )
    for number, body in enumerate(bodies, start=1):
        lines.extend(transaction(code, f"{number:04d}", version, body))
    lines.append(f"GE*{len(bodies)}*{int(control)}~")
    lines.append(f"IEA*1*{control:0>9}~")
    return "\n".join(lines) + "\n"


def subscriber_270(
    hl: int,
    parent: int,
    member_id: str,
    *,
    last: str = "LOPEZ",
    first: str = "ANA",
    issue: str | None = "20250201",
    service: str | None = "20261103",
    trace: str | None = None,
) -> list[str]:
    out = [f"HL*{hl}*{parent}*22*0"]
    out.append(f"TRN*1*{trace or f'TRACE-{hl}'}*9CLINIC001")
    out.append(f"NM1*IL*1*{last}*{first}****MI*{member_id}")
    if issue:
        out.append(f"DTP*102*D8*{issue}")
    if service:
        out.append(f"DTP*291*D8*{service}")
    out.append("EQ*30")
    return out


def inquiry_270(
    subscribers: Sequence[dict[str, str | None]],
    *,
    npi: str = "1234567893",
    provider: str = "VALLEY FAMILY MEDICINE",
) -> list[str]:
    body = [
        "BHT*0022*13*REQ-20261123-1*20261123*1000",
        "HL*1**20*1",
        "NM1*PR*2*MEDI-CAL*****PI*610442",
        "HL*2*1*21*1",
        f"NM1*1P*2*{provider}*****XX*{npi}",
    ]
    for index, subscriber in enumerate(subscribers):
        member = subscriber.get("member_id") or ""
        options = {k: v for k, v in subscriber.items() if k != "member_id"}
        body.extend(subscriber_270(3 + index, 2, member, **options))  # type: ignore[arg-type]
    return body


# --- 837P ---------------------------------------------------------------------------------------
def cob_line(
    procedure: str,
    charge: str,
    units: int,
    service: str,
    *,
    paid: str | None = None,
    adjustments: Sequence[tuple[str, str, str]] = (),
    adjudicated: str = "20261110",
    payer_id: str = "ACME01",
    tar: str | None = None,
) -> list[str]:
    """A 2400 service line, with the primary's 2430 when ``paid`` is given."""
    out = [f"SV1*HC:{procedure}*{charge}*UN*{units}***1", f"DTP*472*D8*{service}"]
    if tar:
        out.append(f"REF*G1*{tar}")
    if paid is not None:
        out.append(f"SVD*{payer_id}*{paid}*HC:{procedure}**{units}")
        groups: dict[str, list[tuple[str, str]]] = {}
        for group, reason, amount in adjustments:
            groups.setdefault(group, []).append((reason, amount))
        for group, items in groups.items():
            out.append("CAS*" + group + "*" + "**".join(f"{r}*{a}" for r, a in items))
        out.append(f"DTP*573*D8*{adjudicated}")
    return out


def claim_837(
    claim_id: str,
    lines: Sequence[Sequence[str]],
    *,
    member_id: str = "12345678A",
    last: str = "LOPEZ",
    first: str = "ANA",
    soc: str | None = None,
    primary: dict[str, str] | None = None,
    hl: int = 2,
) -> list[str]:
    """A 2000B subscriber with one 2300 claim; ``primary`` adds 2320/2330A/2330B."""
    charge = sum(float(line[0].split("*")[2]) for line in lines)
    out = [
        f"HL*{hl}*1*22*0",
        "SBR*S*18*******MC",
        f"NM1*IL*1*{last}*{first}****MI*{member_id}",
        "N3*100 MAIN ST",
        "N4*FRESNO*CA*93701",
        "DMG*D8*19600501*F",
        "NM1*PR*2*MEDI-CAL*****PI*610442",
        f"CLM*{claim_id}*{charge:.2f}***11:B:1*Y*A*Y*Y",
    ]
    if soc:
        out.append(f"AMT*F5*{soc}")
    out.append("HI*ABK:F840")
    if primary:
        out.extend(
            [
                f"SBR*P*18*GRP01******{primary.get('filing', 'CI')}",
                f"AMT*D*{primary['paid']}",
                "OI***Y***Y",
                f"NM1*IL*1*{last}*{first}****MI*{primary.get('member', 'ACME123')}",
                f"NM1*PR*2*{primary.get('name', 'ACME PPO')}*****PI*{primary.get('id', 'ACME01')}",
                f"DTP*573*D8*{primary.get('date', '20261110')}",
                f"REF*F8*{primary.get('claim_number', 'A-1')}",
            ]
        )
    for number, line in enumerate(lines, start=1):
        out.append(f"LX*{number}")
        out.extend(line)
    return out


def submission_837(
    claims: Sequence[Sequence[str]],
    *,
    npi: str = "1234567893",
    provider: str = "VALLEY FAMILY MEDICINE",
) -> list[str]:
    body = [
        "BHT*0019*00*BATCH-1*20261123*1000*CH",
        f"NM1*41*2*{provider}*****46*CLINICSUBMIT",
        "PER*IC*BILLING OFFICE*TE*5595550100",
        "NM1*40*2*MEDI-CAL*****46*610442",
        "HL*1**20*1",
        f"NM1*85*2*{provider}*****XX*{npi}",
        "N3*1 CLINIC WAY",
        "N4*FRESNO*CA*93701",
        "REF*EI*123456789",
    ]
    for claim in claims:
        body.extend(claim)
    return body
