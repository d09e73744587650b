"""Answer one X12 interchange: a 270 with a 271, an 837P with an 835, anything malformed with a
999 (transaction set or group errors) or a TA1 (the interchange itself).

Used by ``POST /v1/x12`` and ``spenddown x12 FILE``; the provider's NPI and PIN come from the
caller (HTTP Basic, or ``--npi``/``--pin``). Each subscriber is one call of the verification use
case and each claim one call of the claim use case, each in its own transaction, exactly as the
REST API does, so the results are the same.

Authentication (interfaces.md, lockout included):
- 270: the first subscriber's verification checks the PIN. A refusal then rejects every
  information receiver with a 2100B AAA (41) and verifies nobody else, so one interchange counts
  one wrong PIN. Failed member look-ups count as in the REST API; if they lock the NPI part-way,
  the remaining subscribers get AAA 42 (unable to respond now).
- 837P: the PIN is checked once before any claim; a refusal is ``AuthenticationFailed`` (HTTP
  401, CLI exit 4): an 835 cannot say "who are you?".

Never raises anything but ``AuthenticationFailed``: unexpected input becomes a TA1 or a 999.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import ValidationError
from x12sdk.io import write_transactions
from x12sdk.models import X12SegmentGroup

from spenddown.adapters.x12 import acknowledgments, mapping
from spenddown.adapters.x12.codes import SegmentError
from spenddown.adapters.x12.envelope import (
    Interchange,
    InterchangeRejected,
    SegmentProblem,
    TransactionSet,
    read_interchange,
)
from spenddown.adapters.x12.x221a1 import ClaimPayment, Party, Remittance, build_835
from spenddown.adapters.x12.x222a1 import ProfessionalClaim, read_837p
from spenddown.adapters.x12.x279a1 import (
    Inquiry,
    ReceiverAnswer,
    ReceiverInquiry,
    SubscriberAnswer,
    build_271,
    read_270,
)
from spenddown.domain.eligibility.verification import Verification
from spenddown.domain.errors import AuthenticationFailed, InvalidInput, SpenddownError
from spenddown.domain.identifiers import parse_member_id
from spenddown.services import claims, eligibility, providers
from spenddown.services.common import CALIFORNIA, today
from spenddown.services.ports import Env, UnitOfWork

OUR_ID = "SPENDDOWN"  # ISA06 of our answers when the sender did not address us by a usable ID
SOURCE_TRACE_ID = "9SPENDDOWN"  # 271 2000C TRN03 of the EVC trace: "9" + a 9-character ID
MEDI_CAL = Party(
    name="MEDI-CAL",
    identifier="1SPENDDOWN",  # 835 TRN03: "1" + the payer's 9-character identifier
    address="PO BOX 13029",
    city="SACRAMENTO",
    state="CA",
    postal_code="958133029",
)
MEDIA_TYPE = "application/edi-x12"
log = logging.getLogger("spenddown.x12")


@dataclass(frozen=True, slots=True)
class Answer:
    kind: str  # "271", "835", "271+835", "999" or "TA1"
    text: str

    @property
    def rejected(self) -> bool:
        return self.kind in ("999", "TA1")


UowFactory = Callable[[], UnitOfWork]


def answer(raw: str, *, npi: str, pin: str, uow: UowFactory, env: Env) -> Answer:
    created = env.clock.now().astimezone(CALIFORNIA).replace(tzinfo=None)
    try:
        interchange = read_interchange(raw)
    except InterchangeRejected as rejected:
        return Answer(
            "TA1", acknowledgments.ta1(rejected.echo, rejected.note, our_id=OUR_ID, created=created)
        )
    parsed: list[tuple[TransactionSet, Inquiry | list[ProfessionalClaim]]] = []
    for _, transaction in interchange.transactions():
        if not transaction.accepted:
            continue
        if transaction.code == "270":
            parsed.append((transaction, read_270(transaction)))
        else:
            parsed.append(
                (transaction, read_837p(transaction, interchange.delimiters.component_separator))
            )
    if not interchange.accepted:
        return Answer("999", acknowledgments.ack_999(interchange, our_id=OUR_ID, created=created))
    if any(t.code == "837" for t, _ in parsed):
        providers.authenticate(npi, pin, uow(), env)
    responses: list[X12SegmentGroup] = []
    kinds: list[str] = []
    state = _Eligibility(npi, pin, uow, env)
    for transaction, content in parsed:
        try:
            if isinstance(content, Inquiry):
                answers = [[state.receiver(r) for r in src.receivers] for src in content.sources]
                responses.append(
                    build_271(content, answers, created=created, source_trace_id=SOURCE_TRACE_ID)
                )
                kinds.append("271")
            else:
                responses.append(_remittance(transaction, content, npi, pin, uow, env, created))
                kinds.append("835")
        except (ValidationError, ValueError):
            # Last resort: a value the reader let through that x12sdk's models refuse. The set is
            # rejected (IK5 R 5) rather than answered with something malformed.
            log.warning("x12: a %s set was refused by the x12sdk models", transaction.code)
            first = transaction.segments[0]
            transaction.errors.append(
                SegmentProblem(first.id, first.position, "", SegmentError.HAS_ELEMENT_ERRORS)
            )
    if not interchange.accepted:
        return Answer("999", acknowledgments.ack_999(interchange, our_id=OUR_ID, created=created))
    return Answer("+".join(dict.fromkeys(kinds)), _write(responses, interchange, created))


def _write(responses: list[X12SegmentGroup], interchange: Interchange, created: datetime) -> str:
    ours = interchange.receiver_id if 2 <= len(interchange.receiver_id) <= 15 else OUR_ID
    theirs = interchange.sender_id if 2 <= len(interchange.sender_id) <= 15 else "UNKNOWN"
    arguments = {
        "sender_id": acknowledgments.clean(ours, 15) or OUR_ID,
        "receiver_id": acknowledgments.clean(theirs, 15) or "UNKNOWN",
        "sender_qualifier": interchange.receiver_qualifier,
        "receiver_qualifier": interchange.sender_qualifier,
        "interchange_control_number": interchange.control_number,
        "created": created,
        "usage_indicator": interchange.usage,
    }
    try:
        return write_transactions(responses, **arguments)  # type: ignore[arg-type]
    except (ValidationError, ValueError):
        arguments.update(
            sender_id=OUR_ID, receiver_id="UNKNOWN", sender_qualifier="ZZ", receiver_qualifier="ZZ"
        )
        return write_transactions(responses, **arguments)  # type: ignore[arg-type]


class _Eligibility:
    """Answers the receivers of one interchange in order, remembering an authentication
    refusal so that nobody else is verified with a PIN already refused."""

    def __init__(self, npi: str, pin: str, uow: UowFactory, env: Env) -> None:
        self.npi, self.pin, self.uow, self.env = npi, pin, uow, env
        self.refused: SpenddownError | None = None  # rejects every receiver
        self.locked: SpenddownError | None = None  # rejects the remaining subscribers
        self.verified_once = False

    def receiver(self, receiver: ReceiverInquiry) -> ReceiverAnswer:
        if receiver.id_qualifier != "XX" or receiver.identifier != self.npi:
            mismatch = AuthenticationFailed(
                "NPI_MISMATCH", "2100B NM109 must be the NPI of the credentials (qualifier XX)."
            )
            return ReceiverAnswer(receiver, mapping.receiver_rejection(mismatch))
        if self.refused is not None:
            return ReceiverAnswer(receiver, mapping.receiver_rejection(self.refused))
        answer = ReceiverAnswer(receiver)
        for subscriber in receiver.subscribers:
            if self.locked is not None:
                rejection = mapping.subscriber_rejection(self.locked)
                answer.subscribers.append(SubscriberAnswer(subscriber, rejection=rejection))
                continue
            try:
                verification = self._verify(
                    subscriber.name.identifier, subscriber.issue_date, subscriber.service_date
                )
            except AuthenticationFailed as error:
                if not self.verified_once:
                    self.refused = error
                    return ReceiverAnswer(receiver, mapping.receiver_rejection(error))
                self.locked = error
                rejection = mapping.subscriber_rejection(error)
                answer.subscribers.append(SubscriberAnswer(subscriber, rejection=rejection))
            except SpenddownError as error:
                rejection = mapping.subscriber_rejection(error)
                answer.subscribers.append(SubscriberAnswer(subscriber, rejection=rejection))
            else:
                answer.subscribers.append(
                    SubscriberAnswer(
                        subscriber,
                        benefits=mapping.benefits(verification),
                        eligibility_period=mapping.eligibility_period(verification),
                        evc=verification.evc,
                    )
                )
        return answer

    def _verify(self, member: str, issue: date | None, service: date | None) -> Verification:
        member_id = parse_member_id(member, "2100C NM109")
        if issue is None:
            raise InvalidInput(
                "ISSUE_DATE_MISSING", "2100C DTP*102: the card issue date is missing."
            )
        when = service if service is not None else today(self.env)
        cmd = eligibility.VerifyEligibility(self.npi, self.pin, member_id, issue, when)
        try:
            result = eligibility.verify(cmd, self.uow(), self.env)
        except AuthenticationFailed:
            raise
        except SpenddownError:
            self.verified_once = True  # the PIN was accepted before the refusal
            raise
        self.verified_once = True
        return result


def _remittance(
    transaction: TransactionSet,
    wire_claims: list[ProfessionalClaim],
    npi: str,
    pin: str,
    uow: UowFactory,
    env: Env,
    created: datetime,
) -> X12SegmentGroup:
    payments: list[ClaimPayment] = []
    for wire in wire_claims:
        try:
            claim = mapping.to_claim(wire)
            result = claims.adjudicate_claim(claims.SubmitClaim(npi, pin, claim), uow(), env)
        except SpenddownError as error:
            payments.append(mapping.refused_payment(wire, error))
        else:
            payments.append(mapping.claim_payment(wire, claim, result))
    payee_name = next(
        (c.billing_name for c in wire_claims if c.billing_npi == npi and c.billing_name), ""
    )
    remittance = Remittance(
        payer=MEDI_CAL,
        payee=Party(name=payee_name or "PROVIDER", identifier=npi),
        trace_number=f"{transaction.control_number}{created:%Y%m%d%H%M%S}",
        payment_date=created.date(),
        claims=payments,
    )
    # ``Unbalanced`` here would be a bug in the mapping: it is not caught.
    return build_835(remittance, control_number=transaction.control_number)
