"""005010X222A1: the 837P professional claim, read with the other payers' adjudication.

Read from the segment stream, no models on the read path. The loops that matter to Medi-Cal as
secondary payer:

    2000A/2010AA  billing provider (NM1*85, NM109 = NPI)
    2000B/2010BA  subscriber = the Medi-Cal member (NM1*IL, NM109 = CIN or card ID)
    2000C/2010CA  patient, when not the subscriber (PAT, NM1*QC name, DMG birth date)
    2300          CLM (claim ID, charge, CLM05-3 frequency), AMT*F5 (patient amount paid: the
                  SOC collected), REF*F8 (the original claim of a replacement or void)
    2320          SBR (SBR01 payer responsibility, SBR09 claim filing indicator), CAS, AMT*D
    2330B         NM1*PR other payer (name, ID), DTP*573 adjudication date, REF*F8 its claim
                  number, REF*G1 its prior authorization
    2400          LX, SV1 (HC:procedure, charge, UN units), DTP*472 date of service, REF*G1
                  (the Medi-Cal TAR / plan authorization)
    2430          SVD (other payer paid), CAS (PR-1/2/3 and denials), DTP*573

Problems the guide defines (a required segment or element missing, a bad date or amount) are
appended to the transaction set as IK3/IK4 (answered with a 999); claims are not judged here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from spenddown.adapters.x12.codes import ElementError, SegmentError
from spenddown.adapters.x12.envelope import (
    ElementInvalid,
    ElementProblem,
    Segment,
    SegmentProblem,
    TransactionSet,
    dtp_date,
    required,
    x12_date,
)

_AMOUNT = re.compile(r"^-?(\d{1,15}(\.\d*)?|\.\d+)$")
DTP_SERVICE = "472"
DTP_ADJUDICATION = "573"
# The segments ``_Reader.read`` looks at; it passes over any other without looking further.
_READ = frozenset(
    ("HL", "DMG", "NM1", "CLM", "SBR", "CAS", "AMT", "DTP", "REF", "LX", "SV1", "SVD", "LIN", "LQ")
)


@dataclass(slots=True)
class CasAdjustment:
    group: str
    reason: str
    amount: str


@dataclass(slots=True)
class LinePayment:
    """2430: another payer's adjudication of one line."""

    payer_id: str
    paid: str
    procedure: str
    units: str
    adjustments: list[CasAdjustment] = field(default_factory=list)
    adjudication_date: date | None = None
    position: int = 1  # of its SVD


@dataclass(slots=True)
class ServiceLine:
    number: int
    procedure: str
    charge: str
    units: str
    service_date: date | None = None
    prior_authorization: str = ""
    payments: list[LinePayment] = field(default_factory=list)
    position: int = 1  # of its LX, for a 999 about what the line lacks
    seen: set[str] = field(default_factory=set)  # SV1/DTP*472 present (even if in error)


@dataclass(slots=True)
class OtherPayer:
    """2320 + 2330B."""

    responsibility: str  # SBR01: P primary, S secondary, T tertiary, ...
    filing_indicator: str  # SBR09: MB Medicare Part B, 16 Medicare Advantage HMO, CI, ...
    payer_name: str = ""
    payer_id: str = ""
    claim_number: str = ""
    prior_authorization: str = ""
    adjudication_date: date | None = None
    paid: str = ""
    adjustments: list[CasAdjustment] = field(default_factory=list)
    position: int = 1  # of its SBR


@dataclass(slots=True)
class ProfessionalClaim:
    claim_id: str
    charge: str
    billing_npi: str
    billing_name: str
    member_id: str
    member_last: str
    member_first: str
    patient_paid: str = ""
    position: int = 1  # of its CLM
    frequency: str = "1"  # CLM05-3: 1 original, 7 replacement, 8 void
    original_claim: str = ""  # 2300 REF*F8 (payer claim control number of the original)
    # 2000C/2010CA: the patient when not the subscriber (empty: the subscriber is the patient)
    patient_last: str = ""
    patient_first: str = ""
    patient_birth_date: date | None = None
    member_birth_date: date | None = None  # 2010BA DMG
    # 1000A submitter and BHT03, echoed in the 277CA (2100B NM1*41, 2200B TRN02)
    submitter_name: str = ""
    submitter_id: str = ""
    batch_reference: str = ""

    @property
    def dependent(self) -> bool:
        return bool(self.patient_last)

    delay_reason: str = ""  # CLM20 (docs/rules.md, "Claim timeliness")
    other_payers: list[OtherPayer] = field(default_factory=list)
    lines: list[ServiceLine] = field(default_factory=list)


def amount(value: str, position: int) -> str:
    if not _AMOUNT.match(value):
        raise ElementInvalid(position, ElementError.INVALID_CHARACTER, value)
    return value


def _frequency(clm05: str, component: str) -> str:
    """CLM05-3, the claim frequency type code (1 original, 7 replacement, 8 void)."""
    parts = clm05.split(component)
    return parts[2] if len(parts) > 2 and parts[2] else "1"


def _birth_date(segment: Segment) -> date | None:
    """DMG*D8*CCYYMMDD (another format: no birth date)."""
    if segment.el(1) != "D8":
        return None
    return x12_date(required(segment, 2), 2)


def _cas(segment: Segment) -> list[CasAdjustment]:
    group = required(segment, 1)
    found = []
    elements = segment.elements
    for index in range(2, min(len(elements), 19), 3):  # CAS02/03, CAS05/06, ... CAS17/18
        reason = elements[index].strip()  # segment.el(index), read once per element
        if not reason:
            continue
        found.append(CasAdjustment(group, reason, amount(required(segment, index + 1), index + 1)))
    if not found:
        raise ElementInvalid(2, ElementError.REQUIRED_MISSING)
    return found


class _Reader:
    """Reads one set's body (the segments between ST and SE) and yields each claim as soon as
    the segment after it (HL, CLM or SE) closes it: the same reader for a set held in memory
    (``read_837p``) and for a stream (``claims_from``)."""

    def __init__(self, component: str) -> None:
        self.component = component
        self.problems: list[SegmentProblem] = []
        self.count = 0  # claims yielded

    def problem(
        self, segment: Segment, loop: str, code: SegmentError, *elements: ElementProblem
    ) -> None:
        self.problems.append(
            SegmentProblem(segment.id, segment.position, loop, code, list(elements))
        )

    def read(
        self, segments: Iterable[Segment], trailer: Callable[[], int]
    ) -> Iterator[ProfessionalClaim]:
        """``segments``: the body; ``trailer()``: the SE's position, once the body is read."""
        body = iter(segments)
        first = next(body, None)
        if first is None or first.id != "BHT":
            position = first.position if first is not None else trailer()
            self.problem(Segment("BHT", [], position), "", SegmentError.REQUIRED_MISSING)
            return
        billing_npi = billing_name = ""
        batch_reference = first.el(3)[:50]
        submitter = ("", "")
        member = ("", "", "")
        member_born: date | None = None
        patient: tuple[str, str, date | None] = ("", "", None)
        claim: ProfessionalClaim | None = None
        payer: OtherPayer | None = None
        line: ServiceLine | None = None
        payment: LinePayment | None = None
        loop = "HEADER"
        for segment in body:
            name = segment.id
            if name not in _READ:
                continue  # a segment no branch below reads (N3, N4, PER, HI, OI, ...)
            # Its first element (an entity, level or qualifier), as ``segment.el(1)``, read once
            # for the branches below (docs/performance.md "What limits each target").
            elements = segment.elements
            first_element = elements[1].strip() if len(elements) > 1 else ""
            try:
                if name == "HL":
                    if claim is not None:
                        yield self._close(claim)
                    claim = payer = line = payment = None
                    level = elements[3].strip() if len(elements) > 3 else ""
                    loop = {"20": "2000A", "22": "2000B", "23": "2000C"}.get(level, "")
                    if not loop:
                        raise ElementInvalid(3, ElementError.INVALID_CODE, level)
                    patient = ("", "", None)
                    if loop == "2000B":
                        member, member_born = ("", "", ""), None
                elif name == "DMG" and claim is None and loop in ("2010BA", "2010CA"):
                    born = _birth_date(segment)
                    if loop == "2010CA":
                        patient = (patient[0], patient[1], born)
                    else:
                        member_born = born
                elif name == "NM1":
                    entity = first_element
                    if loop == "HEADER" and entity == "41":
                        submitter = (segment.el(3)[:60], segment.el(9)[:80])
                    elif loop == "2000A" and entity == "85":
                        loop = "2010AA"
                        billing_name = segment.el(3)[:60]
                        billing_npi = required(segment, 9) if segment.el(8) == "XX" else ""
                        if not billing_npi:
                            raise ElementInvalid(8, ElementError.INVALID_CODE, segment.el(8))
                    elif loop in ("2000B", "2010BA") and entity == "IL":
                        loop = "2010BA"
                        member = (required(segment, 9)[:80], segment.el(3)[:60], segment.el(4)[:35])
                    elif loop == "2000B" or loop.startswith("2010B"):
                        loop = "2010BB" if entity == "PR" else loop
                    elif loop == "2000C" and entity == "QC":
                        loop = "2010CA"
                        patient = (required(segment, 3)[:60], segment.el(4)[:35], None)
                    elif payer is not None and line is None:
                        loop = "2330A" if entity == "IL" else "2330B" if entity == "PR" else "2330X"
                        if entity == "PR":
                            payer.payer_name = required(segment, 3)[:60]
                            payer.payer_id = segment.el(9)[:80]
                    elif line is not None:
                        loop, payment = "2420", None
                elif name == "CLM":
                    if claim is not None:
                        yield self._close(claim)
                    payer = line = payment = None
                    loop = "2300"
                    claim = ProfessionalClaim(
                        claim_id=required(segment, 1)[:38],
                        charge=amount(required(segment, 2), 2),
                        billing_npi=billing_npi,
                        billing_name=billing_name,
                        member_id=member[0],
                        member_last=member[1],
                        member_first=member[2],
                        position=segment.position,
                        frequency=_frequency(segment.el(5), self.component),
                        patient_last=patient[0],
                        patient_first=patient[1],
                        patient_birth_date=patient[2],
                        member_birth_date=member_born,
                        submitter_name=submitter[0],
                        submitter_id=submitter[1],
                        batch_reference=batch_reference,
                        delay_reason=segment.el(20),
                    )
                    if not member[0]:
                        self.problem(segment, loop, SegmentError.REQUIRED_MISSING)
                elif claim is None:
                    continue  # provider and subscriber details Medi-Cal does not need here
                elif name == "SBR" and line is None:
                    loop = "2320"
                    payer = OtherPayer(
                        required(segment, 1), segment.el(9), position=segment.position
                    )
                    claim.other_payers.append(payer)
                elif name == "CAS":
                    if payment is not None:
                        payment.adjustments.extend(_cas(segment))
                    elif payer is not None and line is None and loop == "2320":
                        payer.adjustments.extend(_cas(segment))
                elif name == "AMT":
                    qualifier = first_element
                    if loop == "2300" and qualifier == "F5":
                        claim.patient_paid = amount(required(segment, 2), 2)
                    elif loop == "2320" and payer is not None and qualifier == "D":
                        payer.paid = amount(required(segment, 2), 2)
                elif name == "DTP":
                    self._date(segment, first_element, loop, payer, line, payment)
                elif name == "REF" and first_element in ("F8", "G1"):
                    value = required(segment, 2)[:50]
                    if loop == "2330B" and payer is not None:
                        if first_element == "F8":
                            payer.claim_number = value
                        else:
                            payer.prior_authorization = value
                    elif loop == "2400" and line is not None and first_element == "G1":
                        line.prior_authorization = value
                    elif loop == "2300" and first_element == "F8":
                        claim.original_claim = value
                elif name == "LX":
                    loop, payer, payment = "2400", None, None
                    line = ServiceLine(len(claim.lines) + 1, "", "", "", position=segment.position)
                    claim.lines.append(line)
                elif name == "SV1" and line is not None and loop == "2400":
                    line.seen.add("SV1")
                    procedure = required(segment, 1).split(self.component)
                    if len(procedure) < 2 or procedure[0] not in ("HC", "ER", "IV", "WK"):
                        raise ElementInvalid(1, ElementError.INVALID_CODE, segment.el(1))
                    line.procedure = procedure[1][:48]
                    line.charge = amount(required(segment, 2), 2)
                    if segment.el(3) not in ("UN", "MJ"):
                        raise ElementInvalid(3, ElementError.INVALID_CODE, segment.el(3))
                    line.units = amount(required(segment, 4), 4)
                elif name == "SVD" and line is not None:
                    loop = "2430"
                    procedure = required(segment, 3).split(self.component)
                    payment = LinePayment(
                        payer_id=required(segment, 1)[:80],
                        paid=amount(required(segment, 2), 2),
                        procedure=procedure[1] if len(procedure) > 1 else "",
                        units=amount(required(segment, 5), 5),
                        position=segment.position,
                    )
                    line.payments.append(payment)
                elif name in ("LIN", "LQ") and line is not None:
                    loop, payment = "2410" if name == "LIN" else "2440", None
            except ElementInvalid as error:
                self.problem(
                    segment,
                    loop,
                    SegmentError.HAS_ELEMENT_ERRORS,
                    ElementProblem(error.position, error.code, error.value),
                )
        if claim is not None:
            yield self._close(claim)
        if not self.count and not self.problems:
            self.problem(first, "", SegmentError.REQUIRED_MISSING)

    def _date(
        self,
        segment: Segment,
        qualifier: str,
        loop: str,
        payer: OtherPayer | None,
        line: ServiceLine | None,
        payment: LinePayment | None,
    ) -> None:
        """A DTP; ``qualifier``: its DTP01."""
        if loop == "2430" and payment is not None and qualifier == DTP_ADJUDICATION:
            payment.adjudication_date = dtp_date(segment)
        elif loop == "2330B" and payer is not None and qualifier == DTP_ADJUDICATION:
            payer.adjudication_date = dtp_date(segment)
        elif loop == "2400" and line is not None and qualifier == DTP_SERVICE:
            line.seen.add("DTP")
            line.service_date = dtp_date(segment)

    def _close(self, claim: ProfessionalClaim) -> ProfessionalClaim:
        for line in claim.lines:
            missing = SegmentError.REQUIRED_MISSING
            # A segment present but in error was reported once already (IK3 with its IK4).
            if not line.procedure and "SV1" not in line.seen:
                self.problems.append(SegmentProblem("SV1", line.position, "2400", missing))
            if line.service_date is None and "DTP" not in line.seen:
                self.problems.append(SegmentProblem("DTP", line.position, "2400", missing))
            for payment in line.payments:
                if payment.adjudication_date is None:
                    self.problems.append(SegmentProblem("DTP", payment.position, "2430", missing))
        if not claim.lines:
            self.problems.append(
                SegmentProblem("LX", claim.position, "2400", SegmentError.REQUIRED_MISSING)
            )
        self.count += 1
        return claim


def read_837p(
    transaction: TransactionSet, component_separator: str = ":"
) -> list[ProfessionalClaim]:
    """The claims; problems are appended to ``transaction.errors`` (reject with a 999)."""
    reader = _Reader(component_separator)
    segments = transaction.segments
    claims = list(reader.read(segments[1:-1], lambda: segments[-1].position))
    transaction.errors.extend(reader.problems)
    return claims


def claims_from(
    body: Iterable[Segment],
    component_separator: str,
    problems: list[SegmentProblem],
    trailer: Callable[[], int],
) -> Iterator[ProfessionalClaim]:
    """The claims of one set's body (ST and SE excluded), each yielded as soon as it is read,
    so that a stream of segments is never held; the set's problems are appended to
    ``problems`` as they are found (all of them once the body is exhausted). ``trailer()``
    gives the SE's position, asked only for a set without a body."""
    reader = _Reader(component_separator)
    reader.problems = problems
    yield from reader.read(body, trailer)
