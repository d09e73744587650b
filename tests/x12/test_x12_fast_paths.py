"""The 837P parse's fast paths (docs/performance.md, "837P parse") held equal to the slow paths
they replace, on the interop corpus, the samples and generated 837P files (some with their
amounts, payer IDs and charges disturbed, so that the refusals are compared too):

- ``mapping.to_claim`` (``Money.parse_plain`` for the reader's amounts, the payers' SVD owners
  found once per claim, each balancing sum checked once, each ``ClaimLine`` built once with
  what ``prior.decided`` found on it) against the mapping as it was (``Money.parse``, both
  balancing checks, ``dataclasses.replace``);
- ``x222a1``'s reader passing over the segments it does not read against the reader looking
  at every segment.
"""

from __future__ import annotations

import dataclasses
import random
import re
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from x12_builders import sample

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:  # bench.x12's 837P generator, as tests/benchmarks does
    sys.path.insert(0, str(PROJECT_ROOT))

from bench.x12 import submission  # noqa: E402
from test_x12_stream import corpus_files  # noqa: E402

from spenddown.adapters.x12 import envelope, mapping, x222a1  # noqa: E402
from spenddown.adapters.x12.x222a1 import ProfessionalClaim, read_837p  # noqa: E402
from spenddown.domain.cob import prior  # noqa: E402
from spenddown.domain.cob.model import (  # noqa: E402
    Claim,
    ClaimLine,
    ClaimPrimary,
    PayerType,
    PrimaryLine,
    ServiceScope,
)
from spenddown.domain.cob.prior import PayerLine, PriorPayer  # noqa: E402
from spenddown.domain.errors import InvalidInput, SpenddownError  # noqa: E402
from spenddown.domain.identifiers import parse_member_id, parse_npi  # noqa: E402
from spenddown.domain.money import Money  # noqa: E402


# --- the slow paths, as the mapping read before the fast paths ------------------------------
def _money(value: str, where: str) -> Money:
    return Money.parse(value or "0", where)


def _units(value: str, where: str) -> int:
    number = Decimal(value)
    if number != number.to_integral_value() or not 1 <= number <= 9999:
        raise InvalidInput("INVALID_CLAIM", f"{where}: units must be a whole number 1 to 9999.")
    return int(number)


def _adjustments(found: list[Any], where: str) -> tuple[prior.PayerAdjustment, ...]:
    return tuple(
        prior.PayerAdjustment(a.group, a.reason[:5], _money(a.amount, f"{where} CAS"))
        for a in found
    )


def _pays(payment: Any, payer: Any, wire: ProfessionalClaim) -> bool:
    if payment.payer_id == payer.payer_id:
        return True
    known = {p.payer_id for p in wire.other_payers}
    first = min(wire.other_payers, key=lambda p: prior.rank(p.responsibility))
    return payment.payer_id not in known and payer is first


def _prior_payers(wire: ProfessionalClaim) -> list[PriorPayer]:
    found: list[PriorPayer] = []
    for payer in wire.other_payers:
        if not (
            payer.paid
            or payer.adjustments
            or any(_pays(p, payer, wire) for line in wire.lines for p in line.payments)
        ):
            continue
        where = f"2320 SBR*{payer.responsibility}"
        lines: list[PayerLine] = []
        dates: list[date] = []
        for number, line in enumerate(wire.lines, start=1):
            for payment in line.payments:
                if not _pays(payment, payer, wire):
                    continue
                lines.append(
                    PayerLine(
                        number,
                        _money(payment.paid, f"2400 LX {number} 2430 SVD02"),
                        _adjustments(payment.adjustments, f"2400 LX {number} 2430"),
                    )
                )
                if payment.adjudication_date is not None:
                    dates.append(payment.adjudication_date)
        when = payer.adjudication_date or (dates[0] if dates else None)
        if when is None:
            raise InvalidInput(
                "INVALID_CLAIM",
                f"{where} 2330B DTP*573: the payer's adjudication date is missing.",
            )
        found.append(
            PriorPayer(
                responsibility=payer.responsibility,
                payer_type=mapping._payer_type(payer.filing_indicator),
                payer_name=payer.payer_name or "PRIOR PAYER",
                claim_number=payer.claim_number,
                adjudication_date=when,
                paid=_money(payer.paid, f"{where} AMT*D") if payer.paid else None,
                adjustments=_adjustments(payer.adjustments, where),
                lines=tuple(lines),
                prior_authorization=payer.prior_authorization or None,
            )
        )
    return prior.ordered(found)


def _with_prior_payers(claim: Claim, payers: list[PriorPayer]) -> Claim:
    charges = [line.charge for line in claim.lines]
    total = prior._total(charges)
    chain = prior.ordered(payers)
    prior.check_balance(total, charges, chain)
    decided = prior.combined_lines(charges, chain)
    first = chain[0] if chain else None
    return dataclasses.replace(
        claim,
        primary=first.as_claim_primary() if first else None,
        other_payers=tuple(p.as_claim_primary() for p in chain[1:]),
        lines=tuple(
            dataclasses.replace(
                line,
                primary=found,
                primary_authorization=line.primary_authorization
                or (first.prior_authorization if first and found else None),
            )
            for line, found in zip(claim.lines, decided, strict=True)
        ),
    )


def _slow_to_claim(wire: ProfessionalClaim) -> Claim:
    npi = parse_npi(wire.billing_npi, "2010AA NM109")
    member = parse_member_id(wire.member_id, "2010BA NM109").cin
    payers = _prior_payers(wire)
    lines: list[ClaimLine] = []
    for line in wire.lines:
        where = f"2400 LX {line.number}"
        assert line.service_date is not None
        lines.append(
            ClaimLine(
                service_date=line.service_date,
                procedure_code=line.procedure.upper(),
                units=_units(line.units, where),
                charge=_money(line.charge, f"{where} SV102"),
                medi_cal_authorization=line.prior_authorization or None,
            )
        )
    claim = Claim(
        claim_id=wire.claim_id,
        provider_npi=npi,
        member_id=member,
        soc_amount=_money(wire.patient_paid, "2300 AMT*F5"),
        primary=None,
        lines=tuple(lines),
        delay_reason_code=wire.delay_reason or None,
    )
    if not payers:
        return claim
    prior.check_balance(
        _money(wire.charge, "2300 CLM02"), [line.charge for line in claim.lines], payers
    )
    return _with_prior_payers(claim, payers)


# --- inputs -----------------------------------------------------------------------------------
def _disturbed(text: str, seed: int) -> str:
    """``text`` with about one amount in eight changed (a cent more, three decimals, minus
    zero, too large, no decimals: all valid X12 decimals), one line's units in twenty not a
    whole number 1 to 9999, one SVD01 in ten another payer's, one AMT*D in ten another
    amount, and prior authorizations added (the payer's on one claim in five, a line's own on
    one line in ten; the segment counts made right)."""
    rng = random.Random(seed)

    def amount(match: re.Match[str]) -> str:
        if rng.random() > 0.125:
            return match.group(0)
        value = match.group(1)
        return "*" + rng.choice(
            [f"{value}1", value + "0", "-0", "-0.00", "1000000000000", value.split(".")[0]]
        )

    text = re.sub(r"\*(\d+\.\d\d)(?=[*~])", amount, text)
    text = re.sub(r"SVD\*ACME01", lambda m: "SVD*OTHER" if rng.random() < 0.1 else m[0], text)
    text = re.sub(
        r"\*UN\*1\*",
        lambda m: rng.choice(["*UN*0*", "*UN*1.5*"]) if rng.random() < 0.05 else m[0],
        text,
    )
    text = re.sub(r"AMT\*D\*", lambda m: "AMT*EAF*" if rng.random() < 0.1 else m[0], text)
    # Prior authorizations: the payer's (2330B REF*G1) on one claim in five, a line's own
    # (2400 REF*G1) on one line in ten; each transaction set's SE01 counted again.
    text = re.sub(
        r"(REF\*F8\*P-(\d+)~)",
        lambda m: f"{m[1]}REF*G1*PA-{m[2]}~" if rng.random() < 0.2 else m[1],
        text,
    )
    text = re.sub(
        r"(DTP\*472\*D8\*\d+~)",
        lambda m: f"{m[1]}REF*G1*LA-1~" if rng.random() < 0.1 else m[1],
        text,
    )
    return re.sub(
        r"ST\*837\*.*?~\s*SE\*\d+\*",
        lambda m: m[0][: m[0].rindex("SE*")] + f"SE*{m[0].count('~') + 1}*",
        text,
        flags=re.DOTALL,
    )


def _texts() -> list[tuple[str, str]]:
    texts = [(p.name, p.read_bytes().decode("utf-8", errors="replace")) for p in corpus_files()]
    texts.append(("claims-837p.x12", sample("claims-837p.x12")))
    generated = submission(600, date(2026, 11, 2), seed=3)
    texts.append(("generated", generated))
    texts += [(f"disturbed-{seed}", _disturbed(generated, seed)) for seed in range(4)]
    return texts


def _wires(text: str) -> list[ProfessionalClaim]:
    wires: list[ProfessionalClaim] = []
    for item in envelope.read_interchanges(text):
        if isinstance(item, envelope.InterchangeRejected):
            continue
        for group, transaction in item.transactions():
            if transaction.accepted and group.functional_code == "HC":
                found = read_837p(transaction, item.delimiters.component_separator)
                if not transaction.errors:
                    wires += [w for w in found if not w.dependent]
    return wires


def _outcome(convert: Any, wire: ProfessionalClaim) -> Any:
    try:
        return convert(wire)
    except SpenddownError as error:
        return (type(error), error.code, str(error))


TEXTS = _texts()


@pytest.mark.parametrize(("name", "text"), TEXTS, ids=[name for name, _ in TEXTS])
def test_to_claim_is_the_slow_mapping(name: str, text: str) -> None:
    for wire in _wires(text):
        fast = _outcome(mapping.to_claim, wire)
        assert fast == _outcome(_slow_to_claim, wire), (name, wire.claim_id)
        assert repr(fast) == repr(_outcome(_slow_to_claim, wire))  # -0.00 and 0.00 apart


def test_the_comparison_sees_claims_and_refusals() -> None:
    """Not vacuous: claims with prior payers are mapped, and the disturbed files are refused
    for each reason the fast paths touch (amounts, balancing)."""
    outcomes = [_outcome(mapping.to_claim, w) for _, text in TEXTS for w in _wires(text)]
    claims = [o for o in outcomes if isinstance(o, Claim)]
    codes = {o[1] for o in outcomes if isinstance(o, tuple)}
    assert sum(1 for c in claims if c.primary is not None) >= 500
    assert {"COB_UNBALANCED", "INVALID_AMOUNT", "INVALID_CLAIM"} <= codes, codes


def test_with_primary_is_replace_field_by_field() -> None:
    line = ClaimLine(
        service_date=date(2026, 11, 2),
        procedure_code="99213",
        units=2,
        charge=Money.of("130.00"),
        medi_cal_authorization="TAR1",
        primary_authorization="OLD",
        scope=ServiceScope.VISION,
    )
    decided = PrimaryLine(allowed=Money.of("100"), paid=Money.of("80"))
    for primary, authorization in [(decided, "P1"), (None, None), (decided, None)]:
        fast = line.with_primary(primary, authorization)
        slow = dataclasses.replace(line, primary=primary, primary_authorization=authorization)
        for item in dataclasses.fields(ClaimLine):
            assert getattr(fast, item.name) == getattr(slow, item.name), item.name
        assert fast == slow


def test_with_payers_is_replace_field_by_field() -> None:
    line = ClaimLine(date(2026, 11, 2), "99213", 1, Money.of("95.00"))
    primary = ClaimPrimary(PayerType.COMMERCIAL, "ACME", "P-1", date(2026, 11, 3))
    medicare = ClaimPrimary(PayerType.MEDICARE, "MEDICARE", "M-1", date(2026, 11, 4))
    claim = Claim(
        claim_id="C-1",
        provider_npi="1234567893",
        member_id="12345678A",
        soc_amount=Money.of("10.00"),
        primary=None,
        lines=(line,),
        delay_reason_code="1",
        county_authorization=True,
    )
    decided = (line.with_primary(PrimaryLine(allowed=Money.of("90"), paid=Money.of("70")), "A"),)
    for first, others, lines in [(primary, (medicare,), decided), (None, (), ())]:
        fast = claim.with_payers(first, others, lines)
        slow = dataclasses.replace(claim, primary=first, other_payers=others, lines=lines)
        for item in dataclasses.fields(Claim):
            assert getattr(fast, item.name) == getattr(slow, item.name), item.name
        assert fast == slow


class _Everything:
    def __contains__(self, name: object) -> bool:
        return True


@pytest.mark.parametrize(("name", "text"), TEXTS, ids=[name for name, _ in TEXTS])
def test_the_reader_passing_over_segments_reads_the_same(
    name: str, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read(text: str) -> list[Any]:
        out: list[Any] = []
        for item in envelope.read_interchanges(text):
            if isinstance(item, envelope.InterchangeRejected):
                continue
            for group, transaction in item.transactions():
                if transaction.accepted and group.functional_code == "HC":
                    found = read_837p(transaction, item.delimiters.component_separator)
                    out.append((found, transaction.errors))
        return out

    fast = read(text)
    monkeypatch.setattr(x222a1, "_READ", _Everything())
    assert fast == read(text), name
