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

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
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
# What adjudicates a run of original claims: ``claims.adjudicate_batch`` by default; the CLI's
# ``x12 --jobs N`` gives the parallel batch (``entrypoints.batch_jobs.adjudicate_parallel``),
# with the same outcomes in the same order.
Batch = Callable[[Iterable[Claim]], Iterator[claims.BatchOutcome]]


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


class ClaimRuns:
    """The claims of a file's answered 837P sets, in the file's order, as ``_decide`` answers
    them one after the other (``take``). Each original claim of the credentials' NPI (not a
    dependent's, a correction or a void, mapped by ``mapping.to_claim``) is batchable; a run is
    a maximal sequence of consecutive batchable claims, across set boundaries, and goes through
    ``adjudicate`` (``claims.adjudicate_batch``, or the CLI's parallel batch): the run's claims
    are read ahead from ``wires`` (a reading of the file's claims, or the claims held) as the
    batch asks for them, and stop at the first claim that is not batchable, which then
    takes the one-claim path once every claim before it is answered (committed). A claim ID
    already stored (before the file, or earlier in it) is a resend when unchanged, as
    ``_adjudicate`` answers it. The PIN was checked once for the file (``exchange.answer``), so
    the batch's own-provider rule is the credentials' provider. Memory: what the batch reads
    ahead (a few chunks), whatever the file's size."""

    def __init__(
        self,
        wires: Iterable[ProfessionalClaim],
        npi: str,
        uow: UowFactory,
        env: Env,
        adjudicate: Batch | None = None,
    ) -> None:
        self.npi, self.uow = npi, uow
        self.adjudicate: Batch = adjudicate or (lambda run: claims.adjudicate_batch(run, uow, env))
        self.source = ((wire, self._classify(wire)) for wire in wires)
        # Read ahead by the run in progress, not yet taken: batchable claims, then possibly the
        # claim that ended the run.
        self.ahead: deque[tuple[ProfessionalClaim, Claim | SpenddownError | None]] = deque()
        # Read after those for ``upcoming``, not yet given to a run nor taken.
        self.peeked: deque[tuple[ProfessionalClaim, Claim | SpenddownError | None]] = deque()
        self.outcomes: Iterator[claims.BatchOutcome] | None = None
        self.taken = 0  # claims taken so far

    def _classify(self, wire: ProfessionalClaim) -> Claim | SpenddownError | None:
        """The domain claim of a batchable claim; the mapping's refusal of an original claim;
        None for a claim of the one-claim path."""
        if not BATCHED or wire.dependent or wire.frequency in CORRECTIONS:
            return None
        try:
            claim = mapping.to_claim(wire)
        except SpenddownError as error:
            return error
        return claim if claim.provider_npi == self.npi else None  # another NPI: refused there

    def _next(self) -> tuple[ProfessionalClaim, Claim | SpenddownError | None]:
        """The first claim not yet given to a run nor taken."""
        return self.peeked.popleft() if self.peeked else next(self.source)

    def _run(self) -> Iterator[Claim]:
        while True:
            try:
                wire, classified = self._next()
            except StopIteration:
                return
            self.ahead.append((wire, classified))
            if not isinstance(classified, Claim):
                return
            yield classified

    def upcoming(self, count: int) -> list[ProfessionalClaim]:
        """The next ``count`` claims to take (a set's claims, when ``wires`` is the only
        reading of the file's claims), without taking them."""
        found = [wire for wire, _ in itertools.islice(self.ahead, count)]
        found += [wire for wire, _ in itertools.islice(self.peeked, count - len(found))]
        while len(found) < count:
            item = next(self.source)
            self.peeked.append(item)
            found.append(item[0])
        return found

    def take(
        self, wire: ProfessionalClaim
    ) -> tuple[Claim | SpenddownError | None, claims.BatchOutcome | None]:
        """The next claim of the file (``wire``): its domain claim and outcome when batchable;
        else the mapping's refusal or None (the caller answers it), every claim before it
        answered and committed."""
        self.taken += 1
        outcomes = self.outcomes
        if outcomes is not None and (not self.ahead or isinstance(self.ahead[0][1], Claim)):
            outcome = next(outcomes, None)  # may read the run further ahead
            if outcome is not None:
                return self._answered(wire, outcome)
            self.outcomes = None  # the run ended: its batch gave every outcome
        elif outcomes is not None:  # the claim that ended the run is next
            self.finish()
        read, classified = self.ahead.popleft() if self.ahead else self._next()
        self._check(read, wire)
        if not isinstance(classified, Claim):
            return classified, None
        self.ahead.append((read, classified))  # a new run, this claim first
        self.outcomes = iter(self.adjudicate(itertools.chain((classified,), self._run())))
        return self._answered(wire, next(self.outcomes))

    def _answered(
        self, wire: ProfessionalClaim, outcome: claims.BatchOutcome
    ) -> tuple[Claim, claims.BatchOutcome]:
        read, classified = self.ahead.popleft()
        self._check(read, wire)
        assert isinstance(classified, Claim)
        if isinstance(outcome, RuleRefusal) and outcome.code == "DUPLICATE_CLAIM":
            earlier = claims.resent(classified, self.uow())
            if earlier is not None:
                return classified, earlier
        return classified, outcome

    def skip(self, wires: Iterable[ProfessionalClaim]) -> None:
        """Claims a set will not answer (it failed part-way): taken, their outcomes dropped
        (a batchable claim is adjudicated with its run; a claim of the one-claim path is not)."""
        for wire in wires:
            self.take(wire)

    def finish(self) -> None:
        """The run in progress ended: its batch is run to its end (workers stopped)."""
        if self.outcomes is not None:
            outcomes, self.outcomes = self.outcomes, None
            if next(outcomes, None) is not None:
                raise AssertionError("a run gave more outcomes than claims")

    def close(self) -> None:
        """Stop a run left part-way (an error): its batch's generator is closed."""
        outcomes, self.outcomes = self.outcomes, None
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()

    @staticmethod
    def _check(read: ProfessionalClaim, wire: ProfessionalClaim) -> None:
        if read.claim_id != wire.claim_id:
            raise AssertionError("the claims read ahead are not the claims answered")


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
    runs: ClaimRuns | None = None,
) -> _Answers:
    payments: list[ClaimPayment] = []
    refused: dict[tuple[str, str], list[AcknowledgedClaim]] = {}
    remarks = rules.remark_rules()

    def refuse(wire: ProfessionalClaim, error: SpenddownError) -> None:
        key = (wire.billing_name, wire.billing_npi)
        refused.setdefault(key, []).append(mapping.rejected_claim(wire, error))

    alone = runs is None
    if runs is None:  # the set on its own
        runs = ClaimRuns(wire_claims, npi, uow, env)
    for wire in wire_claims:
        classified, outcome = runs.take(wire)
        if isinstance(classified, SpenddownError):
            refuse(wire, classified)
            continue
        if isinstance(classified, Claim):
            if isinstance(outcome, SpenddownError):
                refuse(wire, outcome)
            elif outcome is not None:
                payments.append(mapping.claim_payment(wire, classified, outcome, remarks))
            continue
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
    if alone:
        runs.finish()
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
    runs: ClaimRuns | None = None,
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
        runs=runs,
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
    runs: ClaimRuns | None = None,
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
        runs=runs,
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
