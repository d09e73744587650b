"""The 835 segment writer (``x221a1.write_835``, the hot path) against x12sdk's validated models
(``build_835(...).x12()``, the oracle): byte-identical text on generated remittances (every
field, CAS groups past six reasons, reversals with a PLB forwarding balance, texts that
``clean`` changes or empties), and the same answer to generated 837P files end to end, both
engines (``claim_answers.WRITTEN``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from api_support import Api, basic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_x12_batched import generated, two_apis  # noqa: F401 (two_apis: a fixture)

from spenddown.adapters.x12 import claim_answers, exchange
from spenddown.adapters.x12.codes import AdjustmentGroup, ClaimStatus
from spenddown.adapters.x12.x221a1 import (
    CasAmount,
    ClaimPayment,
    Party,
    Remittance,
    ServicePayment,
    build_835,
    write_835,
)
from support.world import PHYSICIAN

REASONS = ["1", "2", "3", "22", "29", "45", "96", "142", "177", "178", "B7", "A1"]
REMARKS = ["N130", "M15", "MA01", "N425", "N56", "M80", "N4"]
OTHER_PAYER = Party("A PAYER", "1ACMEPAYER", "1 MAIN ST", "FRESNO", "CA", "93701")
texts = st.text(max_size=70)  # accents, delimiters, control characters: ``clean``'s work

cents = st.integers(min_value=-500_000, max_value=500_000)


@st.composite
def amounts(draw: st.DrawFn) -> Decimal:
    """Mostly two decimals, as the adjudication gives; sometimes another scale."""
    value = Decimal(draw(cents)).scaleb(-2)
    if draw(st.integers(0, 9)) == 0:
        return value.quantize(Decimal(draw(st.sampled_from(["1", "0.1", "0.001"]))))
    return value


@st.composite
def adjustments(draw: st.DrawFn, total: Decimal, least: int) -> list[CasAmount]:
    """Adjustments (at least ``least``) summing to ``total``."""
    count = draw(st.integers(least, 9))
    out = [
        CasAmount(
            draw(st.sampled_from(list(AdjustmentGroup))), draw(st.sampled_from(REASONS)), amount
        )
        for amount in (draw(amounts()) for _ in range(max(count - 1, 0)))
    ]
    rest = total - sum((a.amount for a in out), Decimal("0.00"))
    if count or rest:
        out.append(
            CasAmount(
                draw(st.sampled_from(list(AdjustmentGroup))), draw(st.sampled_from(REASONS)), rest
            )
        )
    return out


@st.composite
def lines(draw: st.DrawFn) -> ServicePayment:
    charge, paid = draw(amounts()), draw(amounts())
    return ServicePayment(
        procedure=draw(st.one_of(st.sampled_from(["99213", "99214"]), texts)),
        charge=charge,
        paid=paid,
        units=draw(st.integers(0, 999)),
        service_date=draw(st.dates(date(2000, 1, 1), date(2099, 12, 31))),
        allowed=draw(st.one_of(st.none(), amounts())),
        adjustments=draw(adjustments(charge - paid, 0)),
        remarks=draw(st.lists(st.sampled_from(REMARKS), max_size=4)),
    )


def _patient_share(items: list[CasAmount]) -> Decimal:
    return sum(
        (a.amount for a in items if a.group is AdjustmentGroup.PATIENT_RESPONSIBILITY),
        Decimal("0.00"),
    )


@st.composite
def claim_payments(draw: st.DrawFn) -> ClaimPayment:
    found = draw(st.lists(lines(), max_size=4))
    claim_level = draw(st.lists(amounts(), max_size=3))
    adjusted = [
        CasAmount(draw(st.sampled_from(list(AdjustmentGroup))), draw(st.sampled_from(REASONS)), a)
        for a in claim_level
    ]
    paid = draw(amounts())
    line_cas = sum((sum((a.amount for a in x.adjustments), Decimal(0)) for x in found), Decimal(0))
    charge = paid + sum((a.amount for a in adjusted), Decimal("0.00")) + line_cas
    patient = _patient_share(adjusted) + sum(
        (_patient_share(x.adjustments) for x in found), Decimal("0.00")
    )
    return ClaimPayment(
        claim_id=draw(st.one_of(st.from_regex(r"[A-Z0-9-]{1,38}", fullmatch=True), texts)),
        status=draw(st.sampled_from(list(ClaimStatus))),
        charge=charge,
        paid=paid,
        patient_responsibility=patient,
        payer_claim_number=draw(texts),
        patient_last=draw(texts),
        patient_first=draw(texts),
        member_id=draw(texts),
        adjustments=adjusted,
        lines=found,
        remarks=draw(st.lists(st.sampled_from(REMARKS), max_size=7)),
    )


@st.composite
def remittances(draw: st.DrawFn) -> Remittance:
    return Remittance(
        payer=draw(st.sampled_from([exchange.MEDI_CAL, OTHER_PAYER])),
        payee=Party(draw(texts), draw(st.from_regex(r"[0-9]{10}", fullmatch=True))),
        trace_number=draw(st.one_of(st.from_regex(r"[0-9]{1,30}", fullmatch=True), texts)),
        payment_date=draw(st.dates(date(2000, 1, 1), date(2099, 12, 31))),
        claims=draw(st.lists(claim_payments(), max_size=4)),
    )


def _written(write: Callable[[], str]) -> str | type[ValueError]:
    try:
        return write()
    except ValueError:  # pydantic's ValidationError is one
        return ValueError


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(remittances(), st.from_regex(r"[0-9]{4,9}", fullmatch=True))
def test_the_writer_writes_what_the_validated_models_write(
    remittance: Remittance, control: str
) -> None:
    oracle = _written(lambda: build_835(remittance, control_number=control).x12())
    assert _written(lambda: write_835(remittance, control_number=control)) == oracle


def test_a_forwarded_balance_and_every_optional_segment_are_written_alike() -> None:
    """One remittance with each segment the writer can write: a reversal taking back more than
    is paid (PLB FB, BPR H/NON), CAS past six reasons, MOA, AMT B6 and LQ."""
    line = ServicePayment(
        "99213",
        Decimal("-120.00"),
        Decimal("-100.00"),
        1,
        date(2026, 11, 4),
        Decimal("-100.00"),
        [CasAmount(AdjustmentGroup.CONTRACTUAL, r, Decimal("-2.50")) for r in REASONS[:8]],
        ["N130", "N130", "M15"],
    )
    claim = ClaimPayment(
        "OLD-1",
        ClaimStatus.REVERSAL,
        Decimal("-120.00"),
        Decimal("-100.00"),
        Decimal("0.00"),
        "P-1",
        "Muñoz",
        "José",
        "22222222B",
        [],
        [line],
        ["MA01", "N4"],
    )
    remittance = Remittance(
        exchange.MEDI_CAL, Party("VALLEY", "1234567893"), "T1", date(2026, 11, 23), [claim]
    )
    text = write_835(remittance, control_number="0001")
    assert text == build_835(remittance, control_number="0001").x12()
    for expected in ("BPR*H*0.00*C*NON", "PLB*1234567893*20261231*FB:T1*-100.00~"):
        assert expected in text
    for expected in ("MOA***MA01*N4~", "LQ*HE*N130~", "AMT*B6*-100.00~", "NM1*QC*1*Munoz*Jose"):
        assert expected in text
    assert text.count("\nCAS*CO*") == 2  # eight reasons: six, then two


@pytest.mark.parametrize("seed", [5])
def test_generated_files_are_answered_alike_by_the_writer_and_the_models(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],  # noqa: F811 (the imported fixture)
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
) -> None:
    text = generated(40, seed)
    answers = []
    for written, open_ in zip((False, True), two_apis, strict=True):
        monkeypatch.setattr(claim_answers, "WRITTEN", written)
        api = open_()
        response = api.client.post(
            "/v1/x12",
            content=text,
            headers={"Content-Type": "application/edi-x12", **basic(PHYSICIAN)},
        )
        assert response.status_code == 200, response.text
        answers.append(response.text)
    models, writer = answers
    assert "CLP*" in models
    assert "STC*" in models  # refused claims too (277CA)
    assert writer == models
