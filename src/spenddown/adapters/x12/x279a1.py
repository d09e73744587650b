"""005010X279A1: the 270 eligibility inquiry (read) and the 271 response (written).

The 270 is read from the segment stream, loop by loop, by the hierarchical level each HL opens
(20 information source, 21 information receiver, 22 subscriber, 23 dependent): no models on the
read path. What the guide requires and is missing, or a value that is not a date where a date
must be, becomes an IK3/IK4 on the transaction set (answered with a 999). Everything else is for
the use case to judge (answered with an AAA in the 271).

The 271 is built with x12sdk's 005010X279A1 models and serialized by them; the hierarchy mirrors
the 270 (each 2000A, 2000B, 2000C and 2000D echoed in order with new HL numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import Field
from x12sdk.models import X12SegmentGroup
from x12sdk.v5010.segments import EbSegment, SeSegment, TrnSegment
from x12sdk.v5010.x12_271_005010X279A1 import loops as wire
from x12sdk.v5010.x12_271_005010X279A1 import segments as seg
from x12sdk.v5010.x12_271_005010X279A1.transaction_set import EligibilityBenefit

from spenddown.adapters.x12.acknowledgments import clean
from spenddown.adapters.x12.codes import (
    ElementError,
    FollowUp,
    RejectReason,
    SegmentError,
    TraceType,
)
from spenddown.adapters.x12.envelope import (
    ElementInvalid,
    ElementProblem,
    Segment,
    SegmentProblem,
    TransactionSet,
    build,
    dtp_date,
    repetitions,
    required,
)
from spenddown.adapters.x12.writer import Written, construct, count

RESPONSE_VERSION = "005010X279A1"

# 2100C DTP01: the card issue date and the date of service (005010X279A1 §2100C DTP).
DTP_ISSUE = "102"
DTP_PLAN = "291"
# EQ01/EB03 service types (docs/x12.md "Service types"). A generic inquiry (30), no EQ01, or a
# type spenddown does not know is answered with 30 and the types X279A1 lists for a generic
# response (section 1.4.7, minimum requirements item 8) plus CAQH CORE rule 154's 48 and 50.
GENERIC_SERVICE_TYPE = "30"
GENERIC_RESPONSE_TYPES = ("1", "33", "35", "47", "48", "50", "86", "88", "98", "AL", "MH", "UC")
_SERVICE_TYPES = frozenset(c.value for c in EbSegment.ServiceTypeCode)


# --- the 270, as read -------------------------------------------------------------------------
@dataclass(slots=True)
class Trace:
    reference: str
    originator: str
    secondary: str = ""


@dataclass(slots=True)
class Person:
    last: str
    first: str = ""
    middle: str = ""
    suffix: str = ""
    id_qualifier: str = ""
    identifier: str = ""


@dataclass(slots=True)
class DependentInquiry:
    hl: str
    name: Person
    traces: list[Trace] = field(default_factory=list)


@dataclass(slots=True)
class SubscriberInquiry:
    hl: str
    name: Person
    traces: list[Trace] = field(default_factory=list)
    issue_date: date | None = None
    service_date: date | None = None  # 2110C DTP*291 wins over 2100C DTP*291
    dependents: list[DependentInquiry] = field(default_factory=list)
    service_types: list[str] = field(default_factory=list)  # 2110C EQ01 (every repetition)


@dataclass(slots=True)
class ReceiverInquiry:
    hl: str
    entity: str
    entity_type: str
    name: str
    id_qualifier: str
    identifier: str
    subscribers: list[SubscriberInquiry] = field(default_factory=list)
    first: str = ""  # NM104-NM107 of a person receiver, echoed
    middle: str = ""
    suffix: str = ""


@dataclass(slots=True)
class SourceInquiry:
    hl: str
    entity: str
    name: str
    id_qualifier: str
    identifier: str
    receivers: list[ReceiverInquiry] = field(default_factory=list)


@dataclass(slots=True)
class Inquiry:
    control_number: str
    reference: str  # BHT03, echoed in the 271's BHT03
    sources: list[SourceInquiry] = field(default_factory=list)

    def subscribers(self) -> list[SubscriberInquiry]:
        return [s for src in self.sources for r in src.receivers for s in r.subscribers]


# What ``_Reader.walk`` gives, in the file's order (docs/architecture.md "Streaming X12").
Event = Inquiry | SourceInquiry | ReceiverInquiry | SubscriberInquiry


class _Reader:
    """One pass over the 270's segments; problems are collected, never raised."""

    def __init__(self, transaction: TransactionSet, repetition: str) -> None:
        self.transaction = transaction
        self.repetition = repetition
        self.problems: list[SegmentProblem] = []

    def problem(
        self, segment: Segment, loop: str, code: SegmentError, *elements: ElementProblem
    ) -> None:
        self.problems.append(
            SegmentProblem(segment.id, segment.position, loop, code, list(elements))
        )

    def element(self, segment: Segment, loop: str, error: ElementInvalid) -> None:
        self.problem(
            segment,
            loop,
            SegmentError.HAS_ELEMENT_ERRORS,
            ElementProblem(error.position, error.code, error.value),
        )

    def read(self) -> Inquiry:
        segments = self.transaction.segments
        inquiry = Inquiry(self.transaction.control_number, "")
        for _ in self.walk(iter(segments[1:-1]), inquiry, lambda: segments[-1], keep=True):
            pass
        return inquiry

    def walk(
        self,
        body: Iterator[Segment],
        inquiry: Inquiry,
        last: Callable[[], Segment],
        *,
        keep: bool,
    ) -> Iterator[Event]:
        """The set's body (after its ST, before its SE: ``last()`` once ``body`` is done)
        read in one pass: ``inquiry`` first, once its BHT is read, then each 2000A, 2000B and
        2000C in the file's order, each given once it is complete (the next HL has begun, or
        the body ended): a subscriber with its dependents. ``keep``: each loop is added to its
        parent too (``read_270``); otherwise nothing is kept once given (the streamed reader,
        docs/architecture.md "Streaming X12")."""
        first = next(body, None)
        if first is None or first.id != "BHT":
            anchor = first if first is not None else last()
            self.problem(Segment("BHT", [], anchor.position), "", SegmentError.REQUIRED_MISSING)
            for _ in body:
                pass
            return
        bht = first
        inquiry.reference = bht.el(3)[:50]
        if bht.el(1) != "0022":
            self.element(bht, "", ElementInvalid(1, ElementError.INVALID_CODE, bht.el(1)))
        elif not inquiry.reference:
            self.element(bht, "", ElementInvalid(3, ElementError.REQUIRED_MISSING))
        yield inquiry
        source: SourceInquiry | None = None
        receiver: ReceiverInquiry | None = None
        subscriber: SubscriberInquiry | None = None
        dependent: DependentInquiry | None = None
        pending: Event | None = None  # the loop opened last, not given yet
        sources = 0
        level = ""
        in_2110 = False
        expect_name: Segment | None = None  # the HL whose NM1 must come next
        for segment in body:
            name = segment.id
            if name == "HL":
                if expect_name is not None:
                    self.problem(expect_name, _loop(level), SegmentError.REQUIRED_MISSING)
                level, in_2110 = segment.el(3), False
                expect_name = segment
                hl = segment.el(1)
                if not hl:
                    self.element(segment, "", ElementInvalid(1, ElementError.REQUIRED_MISSING))
                if pending is not None and not (level == "23" and subscriber is not None):
                    yield pending
                    pending = None
                if level == "20":
                    source = SourceInquiry(hl, "", "", "", "")
                    sources += 1
                    if keep:
                        inquiry.sources.append(source)
                    receiver = subscriber = dependent = None
                    pending = source
                elif level == "21" and source is not None:
                    receiver = ReceiverInquiry(hl, "", "", "", "", "")
                    if keep:
                        source.receivers.append(receiver)
                    subscriber = dependent = None
                    pending = receiver
                elif level == "22" and receiver is not None:
                    subscriber = SubscriberInquiry(hl, Person(""))
                    if keep:
                        receiver.subscribers.append(subscriber)
                    dependent = None
                    pending = subscriber
                elif level == "23" and subscriber is not None:
                    dependent = DependentInquiry(hl, Person(""))
                    subscriber.dependents.append(dependent)
                else:
                    self.element(segment, "", ElementInvalid(3, ElementError.INVALID_CODE, level))
                    expect_name = None
                    level = ""
                continue
            if not level:
                self.problem(segment, "", SegmentError.UNEXPECTED)
                continue
            loop = _loop(level, in_2110)
            try:
                if name == "NM1" and expect_name is not None:
                    expect_name = None
                    self._name(segment, level, source, receiver, subscriber, dependent)
                elif expect_name is not None and not (name == "TRN" and level in ("22", "23")):
                    self.problem(segment, loop, SegmentError.UNEXPECTED)
                elif name == "TRN" and level == "22" and subscriber is not None:
                    subscriber.traces.append(_trace(segment))
                elif name == "TRN" and level == "23" and dependent is not None:
                    dependent.traces.append(_trace(segment))
                elif name == "EQ":
                    in_2110 = True
                    if level == "22" and subscriber is not None:
                        subscriber.service_types.extend(
                            t.strip()
                            for t in repetitions(segment.el(1), self.repetition)
                            if t.strip() not in subscriber.service_types
                        )
                elif name == "DTP" and level == "22" and subscriber is not None:
                    self._date(segment, subscriber, in_2110)
                # REF, N3, N4, PRV, DMG, INS, HI, AMT, III, DTP of a dependent: not needed.
            except ElementInvalid as error:
                self.element(segment, loop, error)
        if pending is not None:
            yield pending
        if expect_name is not None:
            self.problem(expect_name, _loop(level), SegmentError.REQUIRED_MISSING)
        if not sources:
            self.problem(bht, "", SegmentError.REQUIRED_MISSING)

    def _name(
        self,
        segment: Segment,
        level: str,
        source: SourceInquiry | None,
        receiver: ReceiverInquiry | None,
        subscriber: SubscriberInquiry | None,
        dependent: DependentInquiry | None,
    ) -> None:
        # NM103 is required of the source and the receiver; a subscriber or a dependent may be
        # named by ID only (NM103 empty: X279A1 example 2).
        last = required(segment, 3) if level in ("20", "21") else segment.el(3)
        if level in _NM1_CODES:
            entities, qualifiers = _NM1_CODES[level]
            if segment.el(1) not in entities:
                raise ElementInvalid(1, ElementError.INVALID_CODE, segment.el(1))
            if segment.el(8) and segment.el(8) not in qualifiers:
                raise ElementInvalid(8, ElementError.INVALID_CODE, segment.el(8))
        if level == "20" and source is not None:
            source.entity, source.name = segment.el(1), last
            source.id_qualifier, source.identifier = segment.el(8), segment.el(9)
        elif level == "21" and receiver is not None:
            receiver.entity, receiver.entity_type, receiver.name = (
                segment.el(1),
                segment.el(2),
                last,
            )
            receiver.id_qualifier, receiver.identifier = segment.el(8), segment.el(9)
            if receiver.entity_type == "1":
                receiver.first, receiver.middle = segment.el(4)[:35], segment.el(5)[:25]
                receiver.suffix = segment.el(7)[:10]
        elif level == "22" and subscriber is not None:
            if segment.el(1) != "IL":
                raise ElementInvalid(1, ElementError.INVALID_CODE, segment.el(1))
            subscriber.name = _person(segment)
        elif level == "23" and dependent is not None:
            dependent.name = _person(segment)

    def _date(self, segment: Segment, subscriber: SubscriberInquiry, in_2110: bool) -> None:
        qualifier = segment.el(1)
        if qualifier == DTP_ISSUE and not in_2110:
            subscriber.issue_date = dtp_date(segment)
        elif qualifier == DTP_PLAN:
            when = dtp_date(segment)
            if in_2110 or subscriber.service_date is None:
                subscriber.service_date = when


# NM101 / NM108 of 2100A and 2100B: echoed in the 271, so only the guide's codes are taken.
_NM1_CODES = {
    "20": (
        {c.value for c in seg.Loop2100ANm1Segment.EntityIdentifierCode},
        {c.value for c in seg.Loop2100ANm1Segment.IdentificationCodeQualifier},
    ),
    "21": (
        {c.value for c in seg.Loop2100BNm1Segment.EntityIdentifierCode},
        {c.value for c in seg.Loop2100BNm1Segment.IdentificationCodeQualifier},
    ),
}


def _trace(segment: Segment) -> Trace:
    return Trace(required(segment, 2)[:50], required(segment, 3)[:10], segment.el(4)[:50])


def _person(segment: Segment) -> Person:
    return Person(
        last=segment.el(3)[:60],
        first=segment.el(4)[:35],
        middle=segment.el(5)[:25],
        suffix=segment.el(7)[:10],
        id_qualifier=segment.el(8),
        identifier=segment.el(9)[:80],
    )


def _loop(level: str, in_2110: bool = False) -> str:
    letter = {"20": "A", "21": "B", "22": "C", "23": "D"}.get(level, "")
    return f"{'2110' if in_2110 else '2100'}{letter}" if letter else ""


def read_270(transaction: TransactionSet, repetition: str = "^") -> Inquiry:
    """The inquiry; problems are appended to ``transaction.errors`` (reject with a 999).
    ``repetition`` is the interchange's ISA11 (EQ01 repeats)."""
    reader = _Reader(transaction, repetition)
    inquiry = reader.read()
    transaction.errors.extend(reader.problems)
    return inquiry


def inquiry_events(
    transaction: TransactionSet,
    body: Iterator[Segment],
    repetition: str,
    last: Callable[[], Segment],
) -> Iterator[Event]:
    """``read_270`` over a stream of the set's segments (``body``: after the ST, numbered
    from it, until the SE, which ``last()`` gives once ``body`` is done): the ``Inquiry``
    (its BHT read), then each source, receiver and subscriber once read, none kept (the order
    and the values of ``read_270``'s, held equal by tests/x12/test_x12_stream.py). The
    problems are appended to ``transaction.errors`` once the events are all given."""
    reader = _Reader(transaction, repetition)
    inquiry = Inquiry(transaction.control_number, "")
    yield from reader.walk(body, inquiry, last, keep=False)
    transaction.errors.extend(reader.problems)


def inquiry_of(inquiry: Inquiry, events: Iterator[Event]) -> Inquiry:
    """``inquiry`` (the first of ``inquiry_events``) with the rest of the events put in their
    places: what ``read_270`` reads."""
    for event in events:
        if isinstance(event, SourceInquiry):
            inquiry.sources.append(event)
        elif isinstance(event, ReceiverInquiry):
            inquiry.sources[-1].receivers.append(event)
        elif isinstance(event, SubscriberInquiry):
            inquiry.sources[-1].receivers[-1].subscribers.append(event)
    return inquiry


# --- the 271, as written ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Rejection:
    """An AAA: AAA01 is "N" (the request was not valid) unless ``valid_request``."""

    reason: RejectReason
    follow_up: FollowUp
    valid_request: bool = False


@dataclass(slots=True)
class SubscriberAnswer:
    inquiry: SubscriberInquiry
    benefits: list[wire.Loop2110C] = field(default_factory=list)
    # Or the 2110C loops made when the subscriber is written (``build_271(written=True)``).
    benefits_of: Callable[[], list[wire.Loop2110C]] | None = None
    eligibility_period: tuple[date, date] | None = None
    evc: str | None = None
    rejection: Rejection | None = None


@dataclass(slots=True)
class ReceiverAnswer:
    inquiry: ReceiverInquiry
    rejection: Rejection | None = None
    subscribers: list[SubscriberAnswer] = field(default_factory=list)


class Loop2100CAaaSegment(seg.Loop2100BAaaSegment):
    """2100C/2100D AAA. x12sdk 2.2.0 types these with the 2100B (provider) code list, which
    lacks the subscriber codes the guide lists for 2100C (72, 73, 75, ...): widened here."""

    reject_reason_code: RejectReason  # type: ignore[assignment]
    follow_up_action_code: FollowUp  # type: ignore[assignment]


def _aaa(rejection: Rejection, model: type[seg.Loop2100BAaaSegment]) -> seg.Loop2100BAaaSegment:
    return build(
        model,
        response_code="Y" if rejection.valid_request else "N",
        reject_reason_code=rejection.reason,
        follow_up_action_code=rejection.follow_up,
    )


def _nm1_person(person: Person, last_required: bool = False) -> dict[str, str | None]:
    """The 270's name echoed. 2100C NM103 stays empty when the 270 named the subscriber by ID
    only; 2100D NM103 is required (``UNKNOWN`` when the 270 had none)."""
    return {
        "name_last_or_organization_name": clean(person.last, 60)
        or ("UNKNOWN" if last_required else None),
        "name_first": clean(person.first, 35) or None,
        "name_middle": clean(person.middle, 25) or None,
        "name_suffix": clean(person.suffix, 10) or None,
        "identification_code_qualifier": clean(person.id_qualifier, 2) or None,
        "identification_code": clean(person.identifier, 80) or None,
    }


def build_271(
    inquiry: Inquiry,
    answers: Sequence[Sequence[ReceiverAnswer]],
    *,
    created: datetime,
    source_trace_id: str,
    control_number: str | None = None,
    written: bool = False,
) -> EligibilityBenefit:
    """The 271 for ``inquiry``: ``answers[i]`` are the receivers of its i-th 2000A, in order.
    ``source_trace_id`` is TRN03 of our own trace (the EVC): "9" + 9 characters.
    ``control_number`` is ST02/SE02 (default: the 270's). ``written``: each 2000C is written
    as soon as it is built (``writer.Written``), for ``writer.write`` only: the answer of a
    large 270 then never holds every subscriber's models at once."""
    hl = 0

    def next_hl() -> str:
        nonlocal hl
        hl += 1
        return str(hl)

    sources: list[wire.Loop2000A] = []
    for source, receivers in zip(inquiry.sources, answers, strict=True):
        source_hl = next_hl()
        receiver_loops: list[wire.Loop2000B] = []
        for answer in receivers:
            receiver_hl = next_hl()
            subscriber_loops: list[Any] = []
            for subscriber in answer.subscribers:
                loop = _subscriber(subscriber, receiver_hl, next_hl, source_trace_id)
                subscriber_loops.append(Written(loop) if written else loop)
            receiver_loops.append(
                _receiver_loop(answer, receiver_hl, source_hl, subscriber_loops or None)
            )
        sources.append(_source_loop(source, source_hl, receiver_loops))
    control = control_number or inquiry.control_number
    structure: dict[str, Any] = {
        "header": _header(inquiry, control, created),
        "loop_2000a": sources,
    }
    header: X12SegmentGroup = structure["header"]
    segments = count(header) + sum(count(source) for source in sources) + 1  # with the SE
    structure["footer"] = _footer(segments, control)
    # Not validated as a whole: its loops were built above, each echoed value validated; and
    # x12sdk requires NM104 for a subscriber who is the patient where the guide does not (a
    # 270 may name the member by ID only).
    return construct(EligibilityBenefit, **structure)


def _receiver_loop(
    answer: ReceiverAnswer,
    receiver_hl: str,
    source_hl: str,
    subscriber_loops: list[Any] | None,
    followed: bool | None = None,
) -> wire.Loop2000B:
    """A 2000B; HL04 1 when subscribers follow (``followed``, or else ``subscriber_loops``)."""
    receiver = answer.inquiry
    children = bool(subscriber_loops) if followed is None else followed
    return construct(
        wire.Loop2000B,
        hl_segment=build(
            seg.Loop2000BHlSegment,
            hierarchical_id_number=receiver_hl,
            hierarchical_parent_id_number=source_hl,
            hierarchical_level_code="21",
            hierarchical_child_code="1" if children else "0",
        ),
        loop_2100b=construct(
            wire.Loop2100B,
            nm1_segment=build(
                seg.Loop2100BNm1Segment,
                entity_identifier_code=receiver.entity or "1P",
                entity_type_qualifier=receiver.entity_type
                if receiver.entity_type in ("1", "2")
                else "2",
                name_last_or_organization_name=clean(receiver.name, 60) or "PROVIDER",
                name_first=clean(receiver.first, 35) or None,
                name_middle=clean(receiver.middle, 25) or None,
                name_suffix=clean(receiver.suffix, 10) or None,
                identification_code_qualifier=clean(receiver.id_qualifier, 2) or None,
                identification_code=clean(receiver.identifier, 80) or None,
            ),
            aaa_segment=None
            if answer.rejection is None
            else [_aaa(answer.rejection, seg.Loop2100BAaaSegment)],
        ),
        loop_2000c=subscriber_loops,
    )


def _source_loop(
    source: SourceInquiry, source_hl: str, receiver_loops: list[wire.Loop2000B]
) -> wire.Loop2000A:
    return construct(
        wire.Loop2000A,
        hl_segment=build(
            seg.Loop2000AHlSegment,
            hierarchical_id_number=source_hl,
            hierarchical_level_code="20",
            hierarchical_child_code="1",
        ),
        loop_2100a=construct(
            wire.Loop2100A,
            nm1_segment=build(
                seg.Loop2100ANm1Segment,
                entity_identifier_code=source.entity or "PR",
                entity_type_qualifier="2",
                name_last_or_organization_name=clean(source.name, 60) or "MEDI-CAL",
                identification_code_qualifier=clean(source.id_qualifier, 2) or "PI",
                identification_code=clean(source.identifier, 80) or "MEDI-CAL",
            ),
        ),
        loop_2000b=receiver_loops,
    )


def _header(inquiry: Inquiry, control: str, created: datetime) -> wire.Header:
    return construct(
        wire.Header,
        st_segment=build(
            seg.HeaderStSegment,
            transaction_set_identifier_code="271",
            transaction_set_control_number=control,
            implementation_convention_reference=RESPONSE_VERSION,
        ),
        bht_segment=build(
            seg.HeaderBhtSegment,
            hierarchical_structure_code="0022",
            transaction_set_purpose_code="11",
            submitter_transactional_identifier=clean(inquiry.reference, 50) or control,
            transaction_set_creation_date=created.strftime("%Y%m%d"),
            transaction_set_creation_time=created.strftime("%H%M%S"),
        ),
    )


def _footer(segments: int, control: str) -> wire.Footer:
    return construct(
        wire.Footer,
        se_segment=build(
            SeSegment,
            transaction_segment_count=segments,
            transaction_set_control_number=control,
        ),
    )


# What ``written_271`` is given, in the 270's order: each source, each receiver's answer with
# whether subscribers follow it, each subscriber's answer.
Answered = SourceInquiry | tuple[ReceiverAnswer, bool] | SubscriberAnswer


def written_271(
    inquiry: Inquiry,
    answered: Iterator[Answered],
    *,
    created: datetime,
    source_trace_id: str,
    control_number: str,
) -> Iterator[str]:
    """The lines of ``writer.write(build_271(...))`` (ST..SE, a segment each), given as the
    answers come: one loop's models alive at a time (docs/architecture.md "Streaming X12").
    ``inquiry`` is the 270's header (its sources are not read: ``answered`` gives them)."""
    hl = 0

    def next_hl() -> str:
        nonlocal hl
        hl += 1
        return str(hl)

    lines = Written(_header(inquiry, control_number, created)).lines
    written = len(lines)
    yield from lines
    source_hl = receiver_hl = ""
    for item in answered:
        if isinstance(item, SourceInquiry):
            source_hl = next_hl()
            lines = Written(_source_loop(item, source_hl, [])).lines
        elif isinstance(item, tuple):
            receiver_hl = next_hl()
            answer, followed = item
            lines = Written(_receiver_loop(answer, receiver_hl, source_hl, None, followed)).lines
        else:
            lines = Written(_subscriber(item, receiver_hl, next_hl, source_trace_id)).lines
        written += len(lines)
        yield from lines
    yield from Written(_footer(written + 1, control_number)).lines


def _subscriber(
    answer: SubscriberAnswer, parent_hl: str, next_hl: Callable[[], str], source_trace_id: str
) -> wire.Loop2000C:
    inquiry = answer.inquiry
    own_hl = next_hl()
    # Every TRN of the 270 (two at most) comes back as TRN01 2, then ours (X279A1 2000C TRN).
    traces = _echoed(inquiry.traces)
    if answer.evc:
        traces.append(
            build(
                TrnSegment,
                trace_type_code=TraceType.CURRENT,
                reference_identification_1=answer.evc,
                originating_company_identifier=source_trace_id,
            )
        )
    dependents = [
        construct(
            Loop2000D,
            trn_segment=_echoed(d.traces) or None,
            hl_segment=build(
                seg.Loop2000DHlSegment,
                hierarchical_id_number=next_hl(),
                hierarchical_parent_id_number=own_hl,
                hierarchical_level_code="23",
                hierarchical_child_code="0",
            ),
            loop_2100d=construct(
                wire.Loop2100D,
                nm1_segment=build(
                    seg.Loop2100DNm1Segment,
                    entity_identifier_code="03",
                    entity_type_qualifier="1",
                    **{
                        k: v
                        for k, v in _nm1_person(d.name, last_required=True).items()
                        if not k.startswith("identification")
                    },
                ),
                aaa_segment=[
                    _aaa(
                        Rejection(RejectReason.INVALID_PATIENT_ID, FollowUp.CORRECT_AND_RESUBMIT),
                        Loop2100CAaaSegment,
                    )
                ],
            ),
        )
        for d in inquiry.dependents
    ]
    dates = None
    if answer.eligibility_period is not None:
        first, last = answer.eligibility_period
        dates = [
            build(
                seg.Loop2100DtpSegment,
                date_time_qualifier="307",
                date_time_period_format_qualifier="RD8",
                date_time_period=f"{first:%Y%m%d}-{last:%Y%m%d}",
            )
        ]
    return construct(
        Loop2000C,
        hl_segment=build(
            seg.Loop2000CHlSegment,
            hierarchical_id_number=own_hl,
            hierarchical_parent_id_number=parent_hl,
            hierarchical_level_code="22",
            hierarchical_child_code="1" if dependents else "0",
        ),
        trn_segment=traces or None,
        loop_2100c=construct(
            wire.Loop2100C,
            nm1_segment=build(
                seg.Loop2100CNm1Segment,
                entity_identifier_code="IL",
                entity_type_qualifier="1",
                **_nm1_person(inquiry.name),
            ),
            aaa_segment=None
            if answer.rejection is None
            else [_aaa(answer.rejection, Loop2100CAaaSegment)],
            dtp_segment=dates,
            loop_2110c=_with_service_types(
                answer.benefits if answer.benefits_of is None else answer.benefits_of(),
                inquiry.service_types,
            )
            or None,
        ),
        loop_2000d=dependents or None,
    )


class Loop2000C(wire.Loop2000C):
    """x12sdk 2.2.0 allows two TRN in the 271's 2000C; X279A1 allows three (the 270's two,
    echoed, and the information source's own): widened here."""

    trn_segment: list[TrnSegment] | None = Field(default=None, max_length=3)


class Loop2000D(wire.Loop2000D):
    """2000D: the dependent's TRNs echoed (two at most, as in the 270), widened like 2000C."""

    trn_segment: list[TrnSegment] | None = Field(default=None, max_length=3)


def _echoed(traces: Sequence[Trace]) -> list[TrnSegment]:
    return [
        build(
            TrnSegment,
            trace_type_code=TraceType.REFERENCED,
            reference_identification_1=clean(t.reference, 50) or "0",
            originating_company_identifier=clean(t.originator, 10).ljust(10, "0"),
            reference_identification_2=clean(t.secondary, 50) or None,
        )
        for t in traces[:2]
    ]


def service_types(requested: Sequence[str]) -> list[str]:
    """EB03 of the coverage answer (docs/x12.md "Service types"): 30 first, then every type the
    270 asked for; a generic inquiry, none, or an unknown type adds the generic response's."""
    asked = [t for t in requested if t in _SERVICE_TYPES]
    answered = [GENERIC_SERVICE_TYPE]
    if not asked or GENERIC_SERVICE_TYPE in asked or len(asked) < len(requested):
        answered.extend(GENERIC_RESPONSE_TYPES)
    answered.extend(t for t in asked if t not in answered)
    return answered[:99]


def _with_service_types(
    benefits: list[wire.Loop2110C], requested: Sequence[str]
) -> list[wire.Loop2110C]:
    """The first 2110C (active or inactive coverage) answers each requested service type."""
    if not benefits:
        return benefits
    first = benefits[0]
    codes = [EbSegment.ServiceTypeCode(t) for t in service_types(requested)]
    eb = first.eb_segment.model_copy(update={"service_type_code": codes})
    return [first.model_copy(update={"eb_segment": eb}), *benefits[1:]]
