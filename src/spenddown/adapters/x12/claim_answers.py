"""Answer the claims of one 837P transaction set (``answer_claims``): an 835 for the claims
adjudicated, a 277CA (005010X214) for the claims refused before adjudication (docs/x12.md
"277CA"); and a 276 with a 277 claim status (``answer_status``; docs/x12.md "276/277 claim
status").

The original claims of the credentials' NPI (CLM05-3 1, subscriber patient) go, in runs of
consecutive such claims, through the batch use case ``services.claims.adjudicate_batch``
(chunks read in bulk, one commit per chunk), whose decisions are those of ``POST /v1/claims``;
the PIN was checked once for the file. Every other claim is one call of the claim use case in
its own transaction, as ``POST /v1/claims``; runs and single claims keep the file's order, so
each claim sees the claims before it exactly as one after the other would:

- a dependent patient (2000C) is first looked up among the subscriber's case members
  (``services.claims.dependent_patient``) and adjudicated as that member, or refused;
- a replacement (CLM05-3 7) or void (8) of a claim stored before goes through
  ``services.claims.correct_claim``: the 835 reverses the original (CLP02 22) and, for a
  replacement, pays the new claim;
- a claim sent again unchanged is answered with its stored adjudication (a resend, not a
  duplicate); another claim under a stored claim ID is refused (277CA, duplicate).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from x12sdk.models import X12SegmentGroup

from spenddown import rules
from spenddown.adapters.x12 import mapping, x212
from spenddown.adapters.x12.envelope import TransactionSet
from spenddown.adapters.x12.x214 import (
    AcknowledgedClaim,
    AcknowledgedProvider,
    Acknowledgment,
    ClaimAcknowledgment,
    build_277ca,
)
from spenddown.adapters.x12.x221a1 import (
    ClaimPayment,
    Party,
    Remittance,
    build_835,
    write_835,
)
from spenddown.adapters.x12.x222a1 import ProfessionalClaim
from spenddown.domain.cob.adjudication import Adjudication
from spenddown.domain.cob.model import Claim
from spenddown.domain.errors import InvalidInput, RuleRefusal, SpenddownError
from spenddown.domain.identifiers import parse_member_id
from spenddown.services import claims
from spenddown.services.ports import Env, UnitOfWork

UowFactory = Callable[[], UnitOfWork]


def _adjudicate(claim: Claim, npi: str, pin: str, uow: UowFactory, env: Env) -> Adjudication:
    try:
        return claims.adjudicate_claim(claims.SubmitClaim(npi, pin, claim), uow(), env)
    except RuleRefusal as error:
        if error.code != "DUPLICATE_CLAIM":
            raise
        earlier = claims.resent(claim, uow())
        if earlier is None:
            raise
        return earlier


def _adjudicate_run(
    run: list[Claim], uow: UowFactory, env: Env
) -> list[Adjudication | SpenddownError]:
    """Consecutive original claims of the authenticated provider through the batch use case
    (chunks, one commit each), each outcome what ``_adjudicate`` gives for it: a claim ID
    already stored (before the file, or earlier in it) is a resend when unchanged. The PIN was
    checked once for the file (``exchange.answer``), so the batch's own-provider rule is the
    credentials' provider: the caller sends only claims under that NPI."""
    if not run:
        return []
    out: list[Adjudication | SpenddownError] = []
    for claim, outcome in zip(run, claims.adjudicate_batch(run, uow, env), strict=True):
        if isinstance(outcome, RuleRefusal) and outcome.code == "DUPLICATE_CLAIM":
            earlier = claims.resent(claim, uow())
            out.append(outcome if earlier is None else earlier)
        else:
            out.append(outcome)
    return out


CORRECTIONS = {"7": claims.REPLACEMENT, "8": claims.VOID}  # CLM05-3
# Original claims (not dependents, corrections or voids) of the credentials' NPI go through
# ``claims.adjudicate_batch`` in runs; False: every claim one by one (the tests compare both).
BATCHED = True
# The 835 written segment by segment (``x221a1.write_835``); False: with x12sdk's validated
# models (the tests compare both).
WRITTEN = True


def _correct(
    wire: ProfessionalClaim, claim: Claim, npi: str, pin: str, uow: UowFactory, env: Env
) -> claims.Correction:
    if not wire.original_claim:
        raise InvalidInput(
            "INVALID_CLAIM",
            "2300 REF*F8: a replacement or void (CLM05-3 7 or 8) names the claim it corrects.",
        )
    return claims.correct_claim(
        claims.SubmitClaim(npi, pin, claim),
        CORRECTIONS[wire.frequency],
        wire.original_claim,
        uow(),
        env,
    )


def _claim(wire: ProfessionalClaim, uow: UowFactory) -> Claim:
    member_id = None
    if wire.dependent:
        subscriber = parse_member_id(wire.member_id, "2010BA NM109").cin
        member_id = claims.dependent_patient(
            subscriber, wire.patient_last, wire.patient_first, wire.patient_birth_date, uow()
        )
    return mapping.to_claim(wire, member_id)


@dataclass(frozen=True, slots=True)
class _Answers:
    """What one set is answered with, before it is written: the 835's remittance and the
    277CA's acknowledgment (each with its ST02), either absent."""

    remittance: tuple[Remittance, str] | None
    acknowledgment: tuple[Acknowledgment, str] | None


def _decide(
    transaction: TransactionSet,
    wire_claims: list[ProfessionalClaim],
    *,
    npi: str,
    pin: str,
    uow: UowFactory,
    env: Env,
    created: datetime,
    payer: Party,
    control: Callable[[str], str],
) -> _Answers:
    payments: list[ClaimPayment] = []
    refused: dict[tuple[str, str], list[AcknowledgedClaim]] = {}
    remarks = rules.remark_rules()

    def refuse(wire: ProfessionalClaim, error: SpenddownError) -> None:
        key = (wire.billing_name, wire.billing_npi)
        refused.setdefault(key, []).append(mapping.rejected_claim(wire, error))

    pending: list[tuple[ProfessionalClaim, Claim]] = []  # a run of batchable claims, in order

    def flush() -> None:
        for (wire, claim), outcome in zip(
            pending, _adjudicate_run([c for _, c in pending], uow, env), strict=True
        ):
            if isinstance(outcome, SpenddownError):
                refuse(wire, outcome)
            else:
                payments.append(mapping.claim_payment(wire, claim, outcome, remarks))
        pending.clear()

    for wire in wire_claims:
        if BATCHED and not wire.dependent and wire.frequency not in CORRECTIONS:
            try:
                claim = mapping.to_claim(wire)
            except SpenddownError as error:
                flush()
                refuse(wire, error)
                continue
            if claim.provider_npi == npi:  # another NPI: the one-claim path refuses it
                pending.append((wire, claim))
                continue
        flush()
        try:
            claim = _claim(wire, uow)
            if wire.frequency in CORRECTIONS:
                correction = _correct(wire, claim, npi, pin, uow, env)
                payments.append(mapping.reversal_payment(correction, wire, remarks))
                if correction.replacement is not None:
                    payments.append(
                        mapping.claim_payment(wire, claim, correction.replacement, remarks)
                    )
                continue
            result = _adjudicate(claim, npi, pin, uow, env)
        except SpenddownError as error:
            refuse(wire, error)
        else:
            payments.append(mapping.claim_payment(wire, claim, result, remarks))
    flush()
    remittance: tuple[Remittance, str] | None = None
    acknowledgment: tuple[Acknowledgment, str] | None = None
    if payments:
        number = control("835")
        payee_name = next(
            (c.billing_name for c in wire_claims if c.billing_npi == npi and c.billing_name), ""
        )
        remittance = (
            Remittance(
                payer=payer,
                payee=Party(name=payee_name or "PROVIDER", identifier=npi),
                trace_number=f"{transaction.control_number}{created:%Y%m%d%H%M%S}{number}",
                payment_date=created.date(),
                claims=payments,
            ),
            number,
        )
    if refused:
        number = control("277CA")
        first = wire_claims[0]
        acknowledgment = (
            Acknowledgment(
                received=created.date(),
                trace=f"{transaction.control_number}{created:%Y%m%d%H%M%S}{number}",
                submitter_name=first.submitter_name,
                submitter_id=first.submitter_id,
                batch_reference=first.batch_reference,
                providers=[
                    AcknowledgedProvider(name, billing_npi, found)
                    for (name, billing_npi), found in refused.items()
                ],
            ),
            number,
        )
    return _Answers(remittance, acknowledgment)


def _277ca(
    acknowledgment: Acknowledgment, number: str, created: datetime, payer: Party
) -> ClaimAcknowledgment:
    return build_277ca(
        acknowledgment,
        control_number=number,
        created=created,
        payer_name=payer.name,
        payer_id=payer.identifier[1:] or payer.identifier,
    )


def answer_claims(
    transaction: TransactionSet,
    wire_claims: list[ProfessionalClaim],
    *,
    npi: str,
    pin: str,
    uow: UowFactory,
    env: Env,
    created: datetime,
    payer: Party,
    control: Callable[[str], str],
) -> list[tuple[str, X12SegmentGroup]]:
    """The answering transaction sets as (kind, x12sdk model): "835" and/or "277CA";
    ``control(kind)`` gives each its ST02. The validated models: what ``write_claims`` writes
    is tested equal to their text."""
    answers = _decide(
        transaction,
        wire_claims,
        npi=npi,
        pin=pin,
        uow=uow,
        env=env,
        created=created,
        payer=payer,
        control=control,
    )
    out: list[tuple[str, X12SegmentGroup]] = []
    if answers.remittance is not None:
        # ``Unbalanced`` here would be a bug in the mapping: it is not caught.
        out.append(("835", build_835(answers.remittance[0], control_number=answers.remittance[1])))
    if answers.acknowledgment is not None:
        out.append(("277CA", _277ca(*answers.acknowledgment, created, payer)))
    return out


def write_claims(
    transaction: TransactionSet,
    wire_claims: list[ProfessionalClaim],
    *,
    npi: str,
    pin: str,
    uow: UowFactory,
    env: Env,
    created: datetime,
    payer: Party,
    control: Callable[[str], str],
) -> list[tuple[str, str]]:
    """``answer_claims`` as text (kind, ST..SE): the 835 written segment by segment
    (``x221a1.write_835``, docs/decisions.md "Streaming X12"), the 277CA with its model."""
    answers = _decide(
        transaction,
        wire_claims,
        npi=npi,
        pin=pin,
        uow=uow,
        env=env,
        created=created,
        payer=payer,
        control=control,
    )
    out: list[tuple[str, str]] = []
    if answers.remittance is not None:
        remittance, number = answers.remittance
        text = (
            write_835(remittance, control_number=number)
            if WRITTEN
            else build_835(remittance, control_number=number).x12()
        )
        out.append(("835", text))
    if answers.acknowledgment is not None:
        out.append(("277CA", _277ca(*answers.acknowledgment, created, payer).x12()))
    return out


# --- 276 → 277 claim status ---------------------------------------------------------------------
STATUS_OF = {
    "paid": ("F1", "1"),  # finalized, paid: see the remittance advice
    "partially_paid": ("F1", "1"),
    "denied": ("F2", "1"),  # finalized, denied: see the remittance advice
    "replacement": ("F2", "1"),  # replaced since: the replacement has its own status
    "void": ("F2", "1"),
}
NOT_FOUND = ("D0", "35")  # data search unsuccessful: claim/encounter not found


def answer_status(
    transaction: TransactionSet,
    inquiry: x212.StatusInquiry,
    *,
    npi: str,
    uow: UowFactory,
    created: datetime,
    payer: Party,
    control: str,
) -> X12SegmentGroup:
    """A 277 (005010X212) answering every request of a 276 with what spenddown stored. Only the
    authenticated provider's claims are found (a 2100C NPI other than the credentials' finds
    nothing)."""
    answers: dict[int, x212.ClaimStatusAnswer] = {}
    for provider in inquiry.providers:
        own = provider.provider.qualifier == "XX" and provider.provider.identifier == npi
        for subscriber in provider.subscribers:
            for request in subscriber.requests:
                view = claims.claim_status(npi, request.claim_id, uow()) if own else None
                if view is None:
                    try:
                        charge = Decimal(request.charge or "0")
                    except ArithmeticError:
                        charge = Decimal("0")
                    answers[id(request)] = x212.ClaimStatusAnswer(*NOT_FOUND, charge, Decimal(0))
                    continue
                category, code = STATUS_OF.get(view.status, ("F2", "1"))
                answers[id(request)] = x212.ClaimStatusAnswer(
                    category, code, view.charge.amount, view.paid.amount, view.decided
                )
    return x212.build_277(
        inquiry,
        answers,
        control_number=control,
        created=created,
        payer=x212.Party("PR", "2", payer.name, "", "PI", payer.identifier[1:]),
    )
