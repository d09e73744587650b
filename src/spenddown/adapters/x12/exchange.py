"""Answer one X12 interchange: a 270 with a 271, an 837P with an 835 (and a 277CA for the claims
refused before adjudication), a 276 with a 277, anything malformed with a 999 (transaction set or
group errors) or a TA1 (the interchange itself).

Used by ``POST /v1/x12`` and ``spenddown x12 FILE``; the provider's NPI and PIN come from the
caller (HTTP Basic, or ``--npi``/``--pin``). A receiver's subscribers go through the batch
verification use case in chunks (``eligibility.verify_batch``, docs/x12.md "270 → 271 in
chunks"); an 837P's original claims go through the batch claim use case in chunks and its other
claims one by one (``claim_answers``), with the decisions of the REST API, so the results are
the same.

Authentication (docs/api.md "Credentials", lockout included):
- 270: the first subscriber's verification (the first chunk's sign-in) checks the PIN. A
  refusal then rejects every information receiver with a 2100B AAA (41) and verifies nobody
  else, so one interchange counts one wrong PIN. Failed member look-ups count as in the REST
  API; if they lock the NPI part-way, the remaining subscribers get AAA 42 (unable to respond
  now).
- 837P and 276: the PIN is checked once before any claim; a refusal is ``AuthenticationFailed``
  (HTTP 401, CLI exit 4): an 835 cannot say "who are you?".

Never raises anything but ``AuthenticationFailed``: unexpected input becomes a TA1 or a 999.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from x12sdk.models import X12SegmentGroup

from spenddown.adapters.x12 import acknowledgments, claim_answers, mapping, stream, writer
from spenddown.adapters.x12.codes import SegmentError, SetError
from spenddown.adapters.x12.envelope import (
    FunctionalGroup,
    Interchange,
    InterchangeRejected,
    SegmentProblem,
    TransactionSet,
    read_interchanges,
)
from spenddown.adapters.x12.x212 import StatusInquiry, read_276
from spenddown.adapters.x12.x221a1 import Party
from spenddown.adapters.x12.x222a1 import ProfessionalClaim, read_837p
from spenddown.adapters.x12.x279a1 import (
    RESPONSE_VERSION,
    Answered,
    Event,
    Inquiry,
    ReceiverAnswer,
    ReceiverInquiry,
    SourceInquiry,
    SubscriberAnswer,
    SubscriberInquiry,
    build_271,
    read_270,
    written_271,
)
from spenddown.domain.eligibility.verification import Verification
from spenddown.domain.errors import AuthenticationFailed, InvalidInput, SpenddownError
from spenddown.domain.identifiers import parse_member_id
from spenddown.services import acknowledgments as acknowledgments_service
from spenddown.services import eligibility, providers
from spenddown.services.common import CALIFORNIA, today
from spenddown.services.ports import Env, InboundAcknowledgment, UnitOfWork

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
# Each kind of answer: its group's GS01 and GS08 (docs/x12.md "Envelopes and control numbers").
ANSWER_GROUPS = {
    "271": ("HB", RESPONSE_VERSION),
    "835": ("HP", "005010X221A1"),
    "277CA": ("HN", "005010X214"),  # claims of an 837P refused before adjudication
    "277": ("HN", "005010X212"),  # claim status
}
log = logging.getLogger("spenddown.x12")
# A file of 837P sets without problems is read by the streamed reader (``_read_streamed``);
# False: always with ``envelope.read_interchanges`` (the tests compare both).
STREAMED = True
# A receiver's subscribers go through ``eligibility.verify_batch`` (chunks, one commit each);
# False: one ``eligibility.verify`` per subscriber (the tests compare both).
BATCHED = True


@dataclass(frozen=True, slots=True)
class Answer:
    """What the file is answered with. ``kind`` names the transactions in ``text`` in order of
    first appearance, joined by ``+`` (``271``, ``835``, ``999``, ``TA1``, ``999+271``, ...);
    it is empty when nothing is answered: a file of acknowledgments (TA1/999) sent back to
    spenddown, of which ``recorded`` counts the records kept."""

    kind: str
    text: str
    recorded: int = 0

    @property
    def rejected(self) -> bool:
        """Nothing but acknowledgments answered: the whole input was refused."""
        parts = {p for p in self.kind.split("+") if p}
        return bool(parts) and parts <= {"999", "TA1"}


UowFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True)
class StreamedInquiry:
    """A 270 being read (``answer_file``): its header, then its sources, receivers and
    subscribers as the stream gives them (``x279a1.inquiry_events``), answered as they come."""

    inquiry: Inquiry
    events: Iterator[Event]


Content = Inquiry | StreamedInquiry | StatusInquiry | list[ProfessionalClaim]


def answer(
    raw: str,
    *,
    npi: str,
    pin: str,
    uow: UowFactory,
    env: Env,
    batch: claim_answers.Batch | None = None,
) -> Answer:
    """Every interchange of ``raw`` answered on its own, in order (docs/x12.md "Envelopes").
    ``batch``, when given, adjudicates the runs of original 837P claims instead of
    ``claims.adjudicate_batch`` (the CLI's ``--jobs``: several processes, the same outcomes in
    the same order)."""
    created = env.clock.now().astimezone(CALIFORNIA).replace(tzinfo=None)
    streamed = _read_streamed(raw) if STREAMED else None
    if streamed is not None:
        read, contents = streamed
    else:
        read, contents = _read_whole(raw)
    received = [
        record
        for interchange in read
        if isinstance(interchange, Interchange)
        for record in _received_acknowledgments(interchange, npi, env)
    ]
    recorded = acknowledgments_service.record(npi, pin, received, uow(), env) if received else 0
    # 837P and 276: the PIN is checked once, before any claim that will be answered.
    if any(
        isinstance(c, list | StatusInquiry) and answered
        for c, answered in _accepted_contents(read, contents)
    ):
        providers.authenticate(npi, pin, uow(), env)
    out = io.StringIO()
    kinds = _answer_all(
        read,
        lambda transaction: contents.get(id(transaction)),
        claim_answers.ClaimRuns(_claims_answered(read, contents), npi, uow, env, batch),
        out.write,
        npi=npi,
        pin=pin,
        uow=uow,
        env=env,
        created=created,
    )
    return Answer("+".join(dict.fromkeys(kinds)), out.getvalue(), recorded)


def answer_file(
    path: Path,
    write: Callable[[str], object],
    *,
    npi: str,
    pin: str,
    uow: UowFactory,
    env: Env,
    batch: claim_answers.Batch | None = None,
) -> Answer:
    """``answer`` for a file, the answer given to ``write`` as it is made (``Answer.text`` is
    empty), memory flat in the file's size for a file of 837P sets without problems
    (docs/architecture.md "Streaming X12"): a first reading checks the envelope and each set
    (``stream.checked_counts``, claims counted and dropped), then the claims are read
    again (``stream.wire_claims``) into ``claim_answers.ClaimRuns``, which gives each set its
    claims and the runs of original claims theirs ahead; each outbound group's sets are spooled
    (``acknowledgments.SpooledSets``) until its GE can be written. A file of 270 sets without
    problems is answered as it is read too (``_answer_inquiries``). Any other file (a TA1 or
    999 to give, acknowledgments, 276s, 270s with 837Ps) is read whole and answered by
    ``answer``, as before."""
    with stream.open_text(path) as source:
        checked, counted = stream.checked_counts(source)
    sets = _trusted(checked, counted) if STREAMED else None
    codes = {transaction.code for transaction in sets or ()}
    if sets is None or len(codes) > 1:  # anything to acknowledge, or 270s with 837Ps
        whole = answer(_read_text(path), npi=npi, pin=pin, uow=uow, env=env, batch=batch)
        if whole.text:
            write(whole.text)
        return Answer(whole.kind, "", whole.recorded)
    created = env.clock.now().astimezone(CALIFORNIA).replace(tzinfo=None)
    if codes == {"270"}:
        return _answer_inquiries(path, checked, write, npi, pin, uow, env, created)
    if sets:  # the PIN is checked once, before any claim (as ``answer`` does)
        providers.authenticate(npi, pin, uow(), env)
    counts = iter(count for _, count in counted)
    with stream.open_text(path) as again:
        runs = claim_answers.ClaimRuns(
            (wire for wire, _ in stream.wire_claims(again)), npi, uow, env, batch
        )

        def content_of(transaction: TransactionSet) -> Content:
            try:
                return runs.upcoming(next(counts))
            except StopIteration:
                raise _changed(path) from None

        kinds = _answer_all(
            checked, content_of, runs, write, npi=npi, pin=pin, uow=uow, env=env, created=created
        )
    return Answer("+".join(dict.fromkeys(kinds)), "", 0)


def _answer_inquiries(
    path: Path,
    checked: list[Interchange | InterchangeRejected],
    write: Callable[[str], object],
    npi: str,
    pin: str,
    uow: UowFactory,
    env: Env,
    created: datetime,
) -> Answer:
    """``answer_file`` for a file of 270 sets without problems: read again as a stream
    (``stream.inquiry_sets``), each receiver's subscribers verified a chunk at a time and each
    271 written to its group's spool as it is made (docs/architecture.md "Streaming X12")."""
    with stream.open_text(path) as again:
        inquiries = stream.inquiry_sets(again)

        def content_of(transaction: TransactionSet) -> Content:
            streamed, events = next(inquiries, (None, iter(())))
            first = next(events, None)
            if streamed is None or not isinstance(first, Inquiry):
                raise _changed(path)
            if streamed.control_number != transaction.control_number:
                raise _changed(path)
            return StreamedInquiry(first, events)

        runs = claim_answers.ClaimRuns((), npi, uow, env)
        kinds = _answer_all(
            checked, content_of, runs, write, npi=npi, pin=pin, uow=uow, env=env, created=created
        )
    return Answer("+".join(dict.fromkeys(kinds)), "", 0)


def _changed(path: Path) -> InvalidInput:
    return InvalidInput("INVALID_REQUEST", f"{path.name}: changed while read.")


def _read_text(path: Path) -> str:
    """The whole file, as ``stream.open_text`` reads it."""
    with stream.open_text(path) as source:
        return source.read()


def _answer_all(
    read: list[Interchange | InterchangeRejected],
    content_of: Callable[[TransactionSet], Content | None],
    runs: claim_answers.ClaimRuns,
    write: Callable[[str], object],
    *,
    npi: str,
    pin: str,
    uow: UowFactory,
    env: Env,
    created: datetime,
) -> list[str]:
    """Every interchange answered in order, given to ``write`` (a line break between two
    interchanges' answers), the 837P claims taken from ``runs``; the kinds of answers
    written, in order."""
    state = _Eligibility(npi, pin, uow, env, runs)
    kinds: list[str] = []
    started = False

    def begin() -> Callable[[str], object]:
        nonlocal started
        if started:
            write("\n")
        started = True
        return write

    try:
        for interchange in read:
            if isinstance(interchange, InterchangeRejected):
                begin()(
                    acknowledgments.ta1(
                        interchange.echo, interchange.note, our_id=OUR_ID, created=created
                    )
                )
                kinds.append("TA1")
                continue
            written = _answer_interchange(
                interchange, content_of, state, npi, pin, uow, env, created, begin
            )
            kinds.extend(written)
    except BaseException:
        runs.close()  # a run left part-way by an error: its workers stopped
        raise
    runs.finish()
    return kinds


def _read_streamed(
    raw: str,
) -> tuple[list[Interchange | InterchangeRejected], dict[int, Content]] | None:
    """A file of 837P and 270 sets only, with nothing to acknowledge but a TA1 asked for, read
    by the streamed reader in one pass (``stream.checked_sets``: the envelope checked as
    ``stream.check`` does, each 837P set's claims read as ``read_837p`` reads them, each 270 as
    ``read_270`` does; docs/architecture.md "Streaming X12"), with no model per segment. None
    when the file needs a TA1 or a 999 (a rejected interchange, group or set, problems the
    837P or 270 reader found in a set) or holds anything but 837P sets of HC groups and 270
    sets of HS groups: today's reader (``envelope.read_interchanges``) answers
    it then, from the same text, so the answer is the one it always gave; nothing has been
    stored yet."""
    checked, read = stream.checked_sets(io.StringIO(raw, newline=""))
    sets = _trusted(checked, read)
    if sets is None:
        return None
    contents: dict[int, Content] = {
        id(transaction): content for transaction, (_, content) in zip(sets, read, strict=True)
    }
    return checked, contents


def _trusted(
    checked: list[Interchange | InterchangeRejected],
    read: Sequence[tuple[TransactionSet, object]],
) -> list[TransactionSet] | None:
    """The 837P and 270 sets of a file the streamed reader answers (``_read_streamed``), in
    order, or None when it needs today's reader."""
    sets: list[TransactionSet] = []
    for interchange in checked:
        if isinstance(interchange, InterchangeRejected) or interchange.received_ta1:
            return None
        for group in interchange.groups:
            if group.functional_code not in ("HC", "HS") or not group.accepted:
                return None
            for transaction in group.transactions:
                if (group.functional_code, transaction.code) not in stream.BOTH:
                    return None
                sets.append(transaction)
    if len(read) != len(sets):
        return None
    for transaction, (streamed, _) in zip(sets, read, strict=True):
        if streamed.errors or streamed.control_number != transaction.control_number:
            return None
    return sets


def _read_whole(raw: str) -> tuple[list[Interchange | InterchangeRejected], dict[int, Content]]:
    """Every interchange of the text with one model per segment (``envelope``), and what the
    readers of its accepted sets made of them."""
    read = read_interchanges(raw)
    contents: dict[int, Content] = {}  # id(TransactionSet) -> what its reader made of it
    for interchange in read:
        if isinstance(interchange, InterchangeRejected):
            continue
        separators = interchange.delimiters
        for group, transaction in interchange.transactions():
            if not transaction.accepted or group.functional_code == "FA":
                continue
            if transaction.code == "270":
                contents[id(transaction)] = read_270(transaction, separators.repetition_separator)
            elif transaction.code == "837":
                contents[id(transaction)] = read_837p(transaction, separators.component_separator)
            elif transaction.code == "276":
                contents[id(transaction)] = read_276(transaction)
    return read, contents


def _claims_answered(
    read: list[Interchange | InterchangeRejected], contents: dict[int, Content]
) -> Iterator[ProfessionalClaim]:
    """The claims of every 837P set that will be answered, in the file's order: what
    ``_answer_interchange`` gives ``claim_answers`` set after set (the runs read ahead)."""
    for interchange in read:
        if isinstance(interchange, InterchangeRejected):
            continue
        for group in interchange.groups:
            if group.functional_code == "FA" or not acknowledgments.answered(group):
                continue
            for transaction in group.transactions:
                content = contents.get(id(transaction))
                if isinstance(content, list) and transaction.accepted:
                    yield from content


def _accepted_contents(
    read: list[Interchange | InterchangeRejected], contents: dict[int, Content]
) -> list[tuple[Content, bool]]:
    """Each parsed set's content with whether it will be answered (its group not rejected)."""
    out: list[tuple[Content, bool]] = []
    for interchange in read:
        if isinstance(interchange, InterchangeRejected):
            continue
        for group, transaction in interchange.transactions():
            content = contents.get(id(transaction))
            if content is not None:
                out.append((content, transaction.accepted and acknowledgments.answered(group)))
    return out


def _answer_interchange(
    interchange: Interchange,
    content_of: Callable[[TransactionSet], Content | None],
    state: _Eligibility,
    npi: str,
    pin: str,
    uow: UowFactory,
    env: Env,
    created: datetime,
    begin: Callable[[], Callable[[str], object]],
) -> list[str]:
    """One inbound interchange's answer: [TA1 when ISA14 is 1] [a 999 group for the groups
    with a rejected set or a group error] [one group of answers per inbound group], written
    with ``begin()`` once complete (each group's sets spooled until then); nothing when there
    is nothing to send (an interchange of acknowledgments). The kinds written, in order."""
    answer_groups: list[acknowledgments.OutboundGroup] = []
    refused: list[FunctionalGroup] = []
    kinds: list[str] = []
    for group in interchange.groups:
        if group.functional_code == "FA":
            continue  # acknowledgments are recorded, never acknowledged
        answered: dict[str, acknowledgments.SpooledSets] = {}  # kind -> its sets, ST02 0001, ...

        def control(kind: str, answered: dict[str, acknowledgments.SpooledSets] = answered) -> str:
            return f"{len(answered.get(kind, ())) + 1:04d}"

        if acknowledgments.answered(group):
            for transaction in group.transactions:
                content = content_of(transaction)
                if content is None or not transaction.accepted:
                    continue
                if isinstance(content, StreamedInquiry):
                    _answer_streamed(transaction, content, answered, control, state, created)
                    continue
                written = _answer_set(
                    transaction, content, control, state, npi, pin, uow, env, created
                )
                for kind, text in written:
                    answered.setdefault(kind, acknowledgments.SpooledSets()).append(text)
        if not group.accepted:
            refused.append(group)
        for kind, sets in answered.items():  # one outbound group per kind of answer
            functional, version = ANSWER_GROUPS[kind]
            answer_groups.append(acknowledgments.OutboundGroup(functional, version, sets))
            kinds.append(kind)
    groups = answer_groups
    if refused:
        groups = [acknowledgments.acknowledgment_group(refused), *answer_groups]
        kinds.insert(0, "999")
    wanted = interchange.ack_requested and not interchange.only_acknowledgments
    ta1 = acknowledgments.ta1_accepted(interchange) if wanted else None
    if not groups and ta1 is None:
        return []
    if ta1 is not None:
        kinds.insert(0, "TA1")
    ours = interchange.receiver_id if 2 <= len(interchange.receiver_id) <= 15 else OUR_ID
    theirs = interchange.sender_id if 2 <= len(interchange.sender_id) <= 15 else "UNKNOWN"
    acknowledgments.write_interchange_to(
        begin(),
        interchange,
        groups,
        our_id=acknowledgments.clean(ours, 15) or OUR_ID,
        their_id=acknowledgments.clean(theirs, 15) or "UNKNOWN",
        created=created,
        ta1_segment=ta1,
    )
    return kinds


def _answer_set(
    transaction: TransactionSet,
    content: Inquiry | StatusInquiry | list[ProfessionalClaim],
    control: Callable[[str], str],
    state: _Eligibility,
    npi: str,
    pin: str,
    uow: UowFactory,
    env: Env,
    created: datetime,
) -> list[tuple[str, str]]:
    """The answers to one accepted set as (kind, ST..SE text), ``control(kind)`` giving each
    its ST02; none when x12sdk's models refuse a value the reader let through: the set is then
    rejected (IK5 R 5) in the 999."""
    try:
        if isinstance(content, Inquiry):
            answers = [[state.receiver(r) for r in src.receivers] for src in content.sources]
            model: X12SegmentGroup = build_271(
                content,
                answers,
                created=created,
                source_trace_id=SOURCE_TRACE_ID,
                control_number=control("271"),
                written=True,
            )
            return [("271", writer.write(model))]
        if isinstance(content, StatusInquiry):
            status = claim_answers.answer_status(
                transaction,
                content,
                npi=npi,
                uow=uow,
                created=created,
                payer=MEDI_CAL,
                control=control("277"),
            )
            return [("277", status.x12())]
        taken = state.runs.taken
        try:
            return claim_answers.write_claims(
                transaction,
                content,
                npi=npi,
                pin=pin,
                uow=uow,
                env=env,
                created=created,
                payer=MEDI_CAL,
                control=control,
                runs=state.runs,
            )
        except (ValidationError, ValueError):
            state.runs.skip(content[state.runs.taken - taken :])  # the set's claims not taken
            raise
    except (ValidationError, ValueError):
        log.warning("x12: a %s set was refused by the x12sdk models", transaction.code)
        first = transaction.segments[0]
        transaction.errors.append(
            SegmentProblem(first.id, first.position, "", SegmentError.HAS_ELEMENT_ERRORS)
        )
        return []


def _answer_streamed(
    transaction: TransactionSet,
    content: StreamedInquiry,
    answered: dict[str, acknowledgments.SpooledSets],
    control: Callable[[str], str],
    state: _Eligibility,
    created: datetime,
) -> None:
    """``_answer_set`` for a 270 read as a stream: its 271 written to the group's spool line by
    line as the subscribers are answered (``_Eligibility.answered``, ``x279a1.written_271``).
    When x12sdk's models refuse a value, the rest is verified all the same (as ``_answer_set``
    verifies every subscriber before building), what was written is taken back, and the set is
    rejected in the 999."""
    spool = answered.get("271")
    new = spool is None
    spool = acknowledgments.SpooledSets() if spool is None else spool
    answers = state.answered(content.events)
    lines = written_271(
        content.inquiry,
        answers,
        created=created,
        source_trace_id=SOURCE_TRACE_ID,
        control_number=control("271"),
    )
    try:
        spool.append_lines(lines)
    except (ValidationError, ValueError):
        for _ in answers:
            pass
        if new:
            spool.close()
        log.warning("x12: a %s set was refused by the x12sdk models", transaction.code)
        first = transaction.segments[0]
        transaction.errors.append(
            SegmentProblem(first.id, first.position, "", SegmentError.HAS_ELEMENT_ERRORS)
        )
        return
    if new:
        answered["271"] = spool


def _received_acknowledgments(
    interchange: Interchange, npi: str, env: Env
) -> list[InboundAcknowledgment]:
    """The TA1 segments and 999 sets of ``interchange``, as records (docs/x12.md
    "Acknowledgments received"). Element values (IK404) are not kept: they may be personal."""
    now = env.clock.now()
    common: dict[str, Any] = {
        "received_at": now,
        "provider_npi": npi,
        "sender_id": interchange.sender_id[:15],
        "interchange_control": interchange.control_number[:9],
    }
    out = [
        InboundAcknowledgment(
            kind="TA1",
            acknowledged_control=ta1.el(1)[:9],
            acknowledged_code="",
            status=ta1.el(4)[:1],
            detail={"note": ta1.el(5)[:3]},
            **common,
        )
        for ta1 in interchange.received_ta1
    ]
    for group, transaction in interchange.transactions():
        if group.functional_code != "FA" or transaction.code not in ("999", "997"):
            continue
        out.append(_received_999(transaction, common))
    return out


def _received_999(transaction: TransactionSet, common: dict[str, Any]) -> InboundAcknowledgment:
    acknowledged = ("", "")
    status = ""
    sets: list[dict[str, Any]] = []
    for seg in transaction.segments:
        if seg.id == "AK1":
            acknowledged = (seg.el(1)[:2], seg.el(2)[:9])
        elif seg.id == "AK2":
            sets.append({"set": seg.el(1)[:3], "control": seg.el(2)[:9], "errors": []})
        elif seg.id in ("IK3", "AK3") and sets:
            sets[-1]["errors"].append(
                {"segment": seg.el(1)[:3], "position": seg.el(2)[:10], "code": seg.el(4)[:3]}
            )
        elif seg.id in ("IK4", "AK4") and sets and sets[-1]["errors"]:
            sets[-1]["errors"][-1].setdefault("elements", []).append(
                {"position": seg.el(1)[:10], "code": seg.el(3)[:3]}
            )
        elif seg.id in ("IK5", "AK5") and sets:  # AK5: a 997's set response
            sets[-1]["status"] = seg.el(1)[:1]
            sets[-1]["codes"] = [seg.el(i)[:3] for i in range(2, 7) if seg.el(i)]
        elif seg.id == "AK9":
            status = seg.el(1)[:1]
    detail: dict[str, object] = {"control": transaction.control_number[:9], "sets": sets}
    if not transaction.accepted:
        detail["unreadable"] = (transaction.set_error or SetError.SEGMENTS_IN_ERROR).value
    return InboundAcknowledgment(
        kind=transaction.code,
        acknowledged_control=acknowledged[1],
        acknowledged_code=acknowledged[0],
        status=status,
        detail=detail,
        **common,
    )


def _chunks(
    subscribers: Iterator[SubscriberInquiry],
    prepare: Callable[[SubscriberInquiry], eligibility.Inquiry],
) -> Iterator[list[tuple[SubscriberInquiry, eligibility.Inquiry | SpenddownError]]]:
    """The subscribers with their inquiries (or the adapter's refusal), cut after every
    ``eligibility.VERIFY_CHUNK`` inquiries: ``verify_batch``'s chunks of a receiver's list."""
    chunk: list[tuple[SubscriberInquiry, eligibility.Inquiry | SpenddownError]] = []
    inquiries = 0
    for subscriber in subscribers:
        try:
            prepared: eligibility.Inquiry | SpenddownError = prepare(subscriber)
            inquiries += 1
        except SpenddownError as error:
            prepared = error
        chunk.append((subscriber, prepared))
        if inquiries == eligibility.VERIFY_CHUNK:
            yield chunk
            chunk, inquiries = [], 0
    if chunk:
        yield chunk


class _Eligibility:
    """Answers the receivers of one interchange in order, remembering an authentication
    refusal so that nobody else is verified with a PIN already refused; holds what the file is
    answered with (the credentials, the database, and the runs of the 837P sets' claims)."""

    def __init__(
        self,
        npi: str,
        pin: str,
        uow: UowFactory,
        env: Env,
        runs: claim_answers.ClaimRuns,
    ) -> None:
        self.npi, self.pin, self.uow, self.env = npi, pin, uow, env
        self.runs = runs
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
        if not BATCHED:
            return self._one_by_one(receiver)
        # The adapter's own refusals (no PIN checked for them), then the use case for the rest.
        prepared: list[eligibility.Inquiry | SpenddownError] = []
        for subscriber in receiver.subscribers:
            try:
                prepared.append(self._inquiry(subscriber))
            except SpenddownError as error:
                prepared.append(error)
        inquiries = [p for p in prepared if isinstance(p, eligibility.Inquiry)]
        outcomes = iter(
            eligibility.verify_batch(self.npi, self.pin, inquiries, self.uow, self.env)
            if inquiries and self.locked is None
            else ()
        )
        answer = ReceiverAnswer(receiver)
        for subscriber, inquiry in zip(receiver.subscribers, prepared, strict=True):
            if self.locked is not None:
                rejection = mapping.subscriber_rejection(self.locked)
                answer.subscribers.append(SubscriberAnswer(subscriber, rejection=rejection))
                continue
            outcome = inquiry if isinstance(inquiry, SpenddownError) else next(outcomes)
            if isinstance(outcome, AuthenticationFailed):
                if not self.verified_once:
                    self.refused = outcome
                    return ReceiverAnswer(receiver, mapping.receiver_rejection(outcome))
                self.locked = outcome
            elif not isinstance(inquiry, SpenddownError):
                self.verified_once = True  # the PIN was accepted before any refusal
            answer.subscribers.append(self._answered(subscriber, outcome))
        return answer

    def answered(self, events: Iterator[Event]) -> Iterator[Answered]:
        """``receiver`` over a 270 read as a stream (``x279a1.inquiry_events`` after its
        ``Inquiry``): each source, each receiver's answer with whether subscribers follow, and
        its subscribers' answers, in order, for ``x279a1.written_271``. The subscribers are
        verified by chunks of ``eligibility.VERIFY_CHUNK`` inquiries, as ``verify_batch`` cuts a
        receiver's list, so the outcomes and what is stored are ``receiver``'s; a receiver's
        answers are held only until it can no longer be refused whole (a PIN accepted)."""
        pushed: list[Event] = []

        def subscribers() -> Iterator[SubscriberInquiry]:
            for event in events:
                if not isinstance(event, SubscriberInquiry):
                    pushed.append(event)  # the next source or receiver
                    return
                yield event

        while True:
            event = pushed.pop() if pushed else next(events, None)
            if event is None:
                return
            if isinstance(event, SourceInquiry):
                yield event
            elif isinstance(event, ReceiverInquiry):
                yield from self._streamed_receiver(event, subscribers())
            # a subscriber before any receiver: the reader's problem (a 999), not read here

    def _streamed_receiver(
        self, receiver: ReceiverInquiry, subscribers: Iterator[SubscriberInquiry]
    ) -> Iterator[tuple[ReceiverAnswer, bool] | SubscriberAnswer]:
        """``receiver`` for one receiver whose subscribers come from a stream."""
        mismatch = receiver.id_qualifier != "XX" or receiver.identifier != self.npi
        if mismatch or self.refused is not None:  # rejected whole: nobody verified
            for _ in subscribers:
                pass
            yield self.receiver(receiver), False
            return
        if not BATCHED:
            receiver.subscribers = list(subscribers)
            whole = self.receiver(receiver)
            yield whole, bool(whole.subscribers)
            yield from whole.subscribers
            return
        started = False  # the receiver's answer given: it can no longer be refused
        held: list[SubscriberAnswer] = []
        for chunk in _chunks(subscribers, self._inquiry):
            inquiries = [p for _, p in chunk if isinstance(p, eligibility.Inquiry)]
            outcomes = iter(
                eligibility.verify_batch(self.npi, self.pin, inquiries, self.uow, self.env)
                if inquiries and self.locked is None
                else ()
            )
            for subscriber, inquiry in chunk:
                if self.locked is not None:
                    rejection = mapping.subscriber_rejection(self.locked)
                    held.append(SubscriberAnswer(subscriber, rejection=rejection))
                    continue
                outcome = inquiry if isinstance(inquiry, SpenddownError) else next(outcomes)
                if isinstance(outcome, AuthenticationFailed):
                    if not self.verified_once:
                        self.refused = outcome
                        for _ in subscribers:  # read, not verified
                            pass
                        yield ReceiverAnswer(receiver, mapping.receiver_rejection(outcome)), False
                        return
                    self.locked = outcome
                elif not isinstance(inquiry, SpenddownError):
                    self.verified_once = True  # the PIN was accepted before any refusal
                held.append(self._answered(subscriber, outcome))
            if self.verified_once and held:
                if not started:
                    started = True
                    yield ReceiverAnswer(receiver), True
                yield from held
                held = []
        if not started:
            yield ReceiverAnswer(receiver), bool(held)
        yield from held

    def _one_by_one(self, receiver: ReceiverInquiry) -> ReceiverAnswer:
        """Each subscriber one call of ``eligibility.verify`` (the tests compare both paths)."""
        answer = ReceiverAnswer(receiver)
        for subscriber in receiver.subscribers:
            if self.locked is not None:
                rejection = mapping.subscriber_rejection(self.locked)
                answer.subscribers.append(SubscriberAnswer(subscriber, rejection=rejection))
                continue
            try:
                outcome: Verification | SpenddownError = self._verify(self._inquiry(subscriber))
            except AuthenticationFailed as error:
                if not self.verified_once:
                    self.refused = error
                    return ReceiverAnswer(receiver, mapping.receiver_rejection(error))
                self.locked = error
                outcome = error
            except SpenddownError as error:
                outcome = error
            answer.subscribers.append(self._answered(subscriber, outcome))
        return answer

    @staticmethod
    def _answered(
        subscriber: SubscriberInquiry, outcome: Verification | SpenddownError
    ) -> SubscriberAnswer:
        if isinstance(outcome, SpenddownError):
            return SubscriberAnswer(subscriber, rejection=mapping.subscriber_rejection(outcome))
        return SubscriberAnswer(
            subscriber,
            benefits_of=functools.partial(mapping.benefits, outcome),  # made when written
            eligibility_period=mapping.eligibility_period(outcome),
            evc=outcome.evc,
        )

    def _inquiry(self, subscriber: SubscriberInquiry) -> eligibility.Inquiry:
        """The subscriber's ID and dates, or the 271's refusal of them (before any PIN check)."""
        member_id = parse_member_id(subscriber.name.identifier, "2100C NM109")
        if subscriber.issue_date is None:
            raise InvalidInput(
                "ISSUE_DATE_MISSING", "2100C DTP*102: the card issue date is missing."
            )
        service = subscriber.service_date
        when = service if service is not None else today(self.env)
        return eligibility.Inquiry(member_id, subscriber.issue_date, when)

    def _verify(self, inquiry: eligibility.Inquiry) -> Verification:
        cmd = eligibility.VerifyEligibility(
            self.npi, self.pin, inquiry.member_id, inquiry.bic_issue_date, inquiry.service_date
        )
        try:
            result = eligibility.verify(cmd, self.uow(), self.env)
        except AuthenticationFailed:
            raise
        except SpenddownError:
            self.verified_once = True  # the PIN was accepted before the refusal
            raise
        self.verified_once = True
        return result
