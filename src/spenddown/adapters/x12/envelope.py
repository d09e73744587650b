"""The X12 5010 envelope: segments, the ISA/GS/ST control structure and its errors.

Segments are streamed by x12sdk's ``X12SegmentReader`` (no per-request map loading, no models
on the read path: docs/architecture.md "Measured choices"). ``_TextSegmentReader`` only changes
how the reader is opened:
x12sdk's own ``__enter__`` treats a string that names an existing file as a path, which must
never happen to a request body.

``read_interchange`` checks the control structure and returns the transaction sets with their
segments, or raises ``InterchangeRejected`` (answered with a TA1) when the interchange itself
cannot be trusted. Errors inside a functional group or a transaction set are collected on the
``FunctionalGroup`` / ``TransactionSet`` (answered with a 999). Invariants of what it returns:

    every TransactionSet starts with ST and ends with SE, ``segments`` is ST..SE inclusive and
    ``Segment.position`` is the 1-based position counted from ST (as IK302 and SE01 count);
    a set with ``errors`` must not be processed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from io import StringIO
from typing import Any, TypeVar

from pydantic import BaseModel
from x12sdk.config import get_config
from x12sdk.io import X12SegmentReader
from x12sdk.models import X12Delimiters

from spenddown.adapters.x12.codes import (
    ElementError,
    GroupError,
    InterchangeNote,
    SegmentError,
    SetError,
)

ISA_LENGTH = 106
# Guides this adapter answers (GS08 / ST03): the eligibility inquiry and the professional claim.
SUPPORTED = {
    ("HS", "270"): ("005010X279A1", "005010X279"),
    ("HC", "837"): ("005010X222A1", "005010X222A2", "005010X222"),
    ("HR", "276"): ("005010X212",),
}
# Acknowledgments partners send back for spenddown's own 271/835: recorded, never acknowledged
# (an acknowledgment is never acknowledged: docs/x12.md "Acknowledgments").
RECORDED = {
    ("FA", "999"): ("005010X231A1", "005010X231", "005010"),
    ("FA", "997"): ("005010X230", "005010"),  # the older functional acknowledgment
}
MAX_SEGMENTS = 2_000_000  # a runaway file is refused rather than held in memory


@dataclass(slots=True)
class Segment:
    id: str
    elements: list[str]  # elements[0] is the segment id, as in x12sdk's reader
    position: int = 0

    def el(self, index: int) -> str:
        """Element ``index`` (1-based, as ``NM109``), "" when absent."""
        return self.elements[index].strip() if index < len(self.elements) else ""


@dataclass(slots=True)
class ElementProblem:
    position: int  # IK401: the element's position in the segment
    code: ElementError
    value: str = ""


@dataclass(slots=True)
class SegmentProblem:
    segment_id: str
    position: int  # IK302: position in the transaction set (ST = 1)
    loop: str
    code: SegmentError
    elements: list[ElementProblem] = field(default_factory=list)


@dataclass(slots=True)
class TransactionSet:
    code: str  # ST01
    control_number: str  # ST02
    version: str  # ST03 (or GS08)
    segments: list[Segment]
    errors: list[SegmentProblem] = field(default_factory=list)
    set_error: SetError | None = None

    @property
    def accepted(self) -> bool:
        return not self.errors and self.set_error is None


@dataclass(slots=True)
class FunctionalGroup:
    functional_code: str  # GS01
    control_number: str  # GS06
    version: str  # GS08
    sender: str  # GS02
    receiver: str  # GS03
    transactions: list[TransactionSet] = field(default_factory=list)
    errors: list[GroupError] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.errors and all(t.accepted for t in self.transactions)


@dataclass(slots=True)
class Interchange:
    delimiters: X12Delimiters
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    control_number: str
    usage: str  # P or T
    created: datetime
    groups: list[FunctionalGroup] = field(default_factory=list)
    ack_requested: bool = False  # ISA14 = 1: the sender wants a TA1
    # TA1 segments the interchange carries (between ISA and the first GS): acknowledgments of
    # interchanges spenddown sent, recorded and never answered.
    received_ta1: list[Segment] = field(default_factory=list)

    @property
    def only_acknowledgments(self) -> bool:
        """Everything in it is an acknowledgment (TA1s, 999 groups): nothing is answered."""
        return all(g.functional_code == "FA" for g in self.groups) and bool(
            self.groups or self.received_ta1
        )

    @property
    def accepted(self) -> bool:
        return all(g.accepted for g in self.groups)

    def transactions(self) -> Iterator[tuple[FunctionalGroup, TransactionSet]]:
        for group in self.groups:
            for transaction in group.transactions:
                yield group, transaction


@dataclass(frozen=True, slots=True)
class IsaEcho:
    """What a TA1 needs of the interchange it rejects (as much of it as could be read)."""

    control_number: str = "000000000"
    date: str = "000101"
    time: str = "0000"
    sender_qualifier: str = "ZZ"
    sender_id: str = "UNKNOWN"
    receiver_qualifier: str = "ZZ"
    receiver_id: str = "SPENDDOWN"
    usage: str = "P"


class InterchangeRejected(Exception):
    """The interchange cannot be processed: answer with a TA1 carrying ``note``."""

    def __init__(self, note: InterchangeNote, echo: IsaEcho | None = None) -> None:
        super().__init__(f"TA1 {note.value}")
        self.note = note
        self.echo = echo or IsaEcho()


class _TextSegmentReader(X12SegmentReader):
    """x12sdk's segment reader over an in-memory text, never a path."""

    def __enter__(self) -> _TextSegmentReader:
        text = self._x12_input
        self._x12_stream = StringIO(text)
        self._buffer_size = get_config().x12_reader_buffer_size
        self.delimiters = X12Delimiters(
            element_separator=text[3],
            repetition_separator=text[82],
            segment_terminator=text[105],
            component_separator=text[104],
        )
        return self


_DIGITS = re.compile(r"^\d+$")


def _date(value: str, fmt: str) -> bool:
    try:
        datetime.strptime(value, fmt)  # noqa: DTZ007 (a calendar check, no time zone involved)
    except ValueError:
        return False
    return True


def _isa(text: str) -> tuple[list[str], IsaEcho]:
    """Checks the fixed-length ISA and returns its elements (TA1 note codes on failure)."""
    if len(text) < ISA_LENGTH or not text.startswith("ISA"):
        raise InterchangeRejected(
            InterchangeNote.IMPROPER_END_OF_FILE
            if text.startswith("ISA")
            else InterchangeNote.INVALID_CONTROL_STRUCTURE
        )
    separator, component, terminator = text[3], text[104], text[105]
    if separator.isalnum() or separator.isspace():
        raise InterchangeRejected(InterchangeNote.INVALID_ELEMENT_SEPARATOR)
    elements = text[:105].split(separator)
    echo = IsaEcho()
    if len(elements) == 17:
        echo = IsaEcho(
            control_number=elements[13] if _DIGITS.match(elements[13]) else "000000000",
            date=elements[9] if _date(elements[9], "%y%m%d") else "000101",
            time=elements[10] if _date(elements[10], "%H%M") else "0000",
            sender_qualifier=elements[5].strip() or "ZZ",
            sender_id=elements[6].strip() or "UNKNOWN",
            receiver_qualifier=elements[7].strip() or "ZZ",
            receiver_id=elements[8].strip() or "SPENDDOWN",
            usage=elements[15] if elements[15] in ("P", "T") else "P",
        )
    if len(elements) != 17 or len(elements[16]) != 1:
        raise InterchangeRejected(InterchangeNote.INVALID_CONTROL_STRUCTURE, echo)
    if terminator.isalnum() or terminator in (separator, component) or terminator == " ":
        raise InterchangeRejected(InterchangeNote.INVALID_SEGMENT_TERMINATOR, echo)
    if component.isalnum() or component in (separator, " "):
        raise InterchangeRejected(InterchangeNote.INVALID_COMPONENT_SEPARATOR, echo)
    checks: tuple[tuple[bool, InterchangeNote], ...] = (
        (elements[1] in ("00", "03") and len(elements[2]) == 10, InterchangeNote.INVALID_AUTH),
        (elements[3] in ("00", "01") and len(elements[4]) == 10, InterchangeNote.INVALID_SECURITY),
        (len(elements[5]) == 2, InterchangeNote.INVALID_SENDER_QUALIFIER),
        (len(elements[6]) == 15 and bool(elements[6].strip()), InterchangeNote.INVALID_SENDER),
        (len(elements[7]) == 2, InterchangeNote.INVALID_RECEIVER_QUALIFIER),
        (len(elements[8]) == 15 and bool(elements[8].strip()), InterchangeNote.INVALID_RECEIVER),
        (_date(elements[9], "%y%m%d"), InterchangeNote.INVALID_DATE),
        (len(elements[10]) == 4 and _date(elements[10], "%H%M"), InterchangeNote.INVALID_TIME),
        (elements[12] == "00501", InterchangeNote.VERSION_NOT_SUPPORTED),
        (
            len(elements[13]) == 9 and bool(_DIGITS.match(elements[13])),
            InterchangeNote.INVALID_CONTROL_NUMBER,
        ),
        (elements[14] in ("0", "1"), InterchangeNote.INVALID_ACK_REQUESTED),
        (elements[15] in ("P", "T"), InterchangeNote.INVALID_TEST_INDICATOR),
    )
    for ok, note in checks:
        if not ok:
            raise InterchangeRejected(note, echo)
    return elements, echo


def _normalise(text: str) -> str:
    """Line breaks around segments are common and carry nothing; a BOM or leading blanks
    neither. Line breaks used *as* the terminator are mapped to a control character first."""
    text = text.lstrip("\ufeff \t\r\n")
    if len(text) >= ISA_LENGTH and text[105] in "\r\n":
        # "ISA...:\r\nGS..." or "ISA...:\nGS...": the terminator is the line break itself.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text[:105] + text[105:].replace("\n", "\x1d")
    return text.replace("\r", "").replace("\n", "")


def segments(text: str) -> tuple[X12Delimiters, Iterator[Segment]]:
    """The interchange's delimiters and its segments, streamed by x12sdk's reader."""
    reader = _TextSegmentReader(text)
    reader.__enter__()
    delimiters = reader.delimiters
    assert delimiters is not None

    def stream() -> Iterator[Segment]:
        try:
            for name, fields in reader.segments():
                name = name.strip()
                if not name and len(fields) == 1:
                    continue  # blank between terminators
                yield Segment(name, fields)
        finally:
            reader.__exit__(None, None, None)

    return delimiters, stream()


def read_interchange(raw: str) -> Interchange:
    """Parse and check the envelope. Raises ``InterchangeRejected`` for a TA1."""
    text = _normalise(raw)
    isa, echo = _isa(text)
    delimiters, stream = segments(text)
    created = datetime.strptime(isa[9] + isa[10], "%y%m%d%H%M")  # noqa: DTZ007 (sender's local time)
    interchange = Interchange(
        delimiters=delimiters,
        sender_qualifier=isa[5],
        sender_id=isa[6].strip(),
        receiver_qualifier=isa[7],
        receiver_id=isa[8].strip(),
        control_number=isa[13],
        usage=isa[15],
        created=created,
        ack_requested=isa[14] == "1",
    )
    first = next(stream, None)
    if first is None or first.id != "ISA":
        raise InterchangeRejected(InterchangeNote.INVALID_CONTROL_STRUCTURE, echo)
    group: FunctionalGroup | None = None
    current: TransactionSet | None = None
    ended = False
    count = 0
    for segment in stream:
        count += 1
        if count > MAX_SEGMENTS:
            raise InterchangeRejected(InterchangeNote.INVALID_CONTENT, echo)
        if ended:
            raise InterchangeRejected(InterchangeNote.INVALID_CONTROL_STRUCTURE, echo)
        name = segment.id
        if current is not None and name not in ("SE", "GE", "IEA", "GS", "ST", "ISA"):
            current.segments.append(segment)
            segment.position = len(current.segments)
            continue
        if name == "GS":
            if group is not None or current is not None:
                raise InterchangeRejected(InterchangeNote.INVALID_CONTROL_STRUCTURE, echo)
            group = _group(segment, echo)
        elif name == "ST":
            if group is None:
                raise InterchangeRejected(InterchangeNote.INVALID_CONTENT, echo)
            if current is not None:  # the previous set has no SE
                current.set_error = SetError.TRAILER_MISSING
                group.transactions.append(current)
            current = _transaction(segment, group)
        elif name == "SE":
            if current is None or group is None:
                raise InterchangeRejected(InterchangeNote.INVALID_CONTROL_STRUCTURE, echo)
            current.segments.append(segment)
            segment.position = len(current.segments)
            _close_transaction(current, segment)
            group.transactions.append(current)
            current = None
        elif name == "GE":
            if group is None:
                raise InterchangeRejected(InterchangeNote.INVALID_CONTROL_STRUCTURE, echo)
            if current is not None:
                current.set_error = SetError.TRAILER_MISSING
                group.transactions.append(current)
                current = None
            _close_group(group, segment)
            interchange.groups.append(group)
            group = None
        elif name == "IEA":
            if group is not None or current is not None:
                raise InterchangeRejected(InterchangeNote.IMPROPER_END_OF_FILE, echo)
            if segment.el(2) != isa[13]:
                raise InterchangeRejected(InterchangeNote.CONTROL_NUMBER_MISMATCH, echo)
            if segment.el(1) != str(len(interchange.groups)):
                raise InterchangeRejected(InterchangeNote.INVALID_GROUP_COUNT, echo)
            ended = True
        elif name == "ISA":
            raise InterchangeRejected(InterchangeNote.INVALID_CONTROL_STRUCTURE, echo)
        elif name == "TA1" and group is None and not interchange.groups:
            interchange.received_ta1.append(segment)
        else:  # a segment outside any transaction set
            raise InterchangeRejected(InterchangeNote.INVALID_CONTENT, echo)
    if not ended:
        raise InterchangeRejected(InterchangeNote.IMPROPER_END_OF_FILE, echo)
    if not interchange.groups and not interchange.received_ta1:
        raise InterchangeRejected(InterchangeNote.INVALID_CONTENT, echo)
    return interchange


def split_interchanges(raw: str) -> list[str]:
    """The interchanges of one file, in order (a file may carry several ISA..IEA). Each is cut
    after its IEA when another ISA follows; anything else after an IEA stays with it (and makes
    that interchange a TA1). Each interchange's own ISA gives its delimiters."""
    text = _normalise(raw)
    found: list[str] = []
    while True:
        if len(text) < ISA_LENGTH or not text.startswith("ISA"):
            found.append(text)
            return found
        separator, terminator = text[3], text[105]
        iea = text.find(f"{terminator}IEA{separator}")
        end = text.find(terminator, iea + 1) if iea >= 0 else -1
        following = text[end + 1 :].lstrip(" \t\x1d") if end >= 0 else ""
        if not following.startswith("ISA"):
            found.append(text)
            return found
        found.append(text[: end + 1])
        text = following


def read_interchanges(raw: str) -> list[Interchange | InterchangeRejected]:
    """Every interchange of a file, each read (or rejected for a TA1) on its own."""
    out: list[Interchange | InterchangeRejected] = []
    for text in split_interchanges(raw):
        try:
            out.append(read_interchange(text))
        except InterchangeRejected as rejected:
            out.append(rejected)
    return out


def repetitions(value: str, separator: str) -> list[str]:
    """An element's repetitions (ISA11). A letter or digit in ISA11 (a 4010 habit: ``U``) is not
    a separator: the element is then one value."""
    if not separator or separator.isalnum() or separator.isspace():
        return [value] if value else []
    return [v for v in value.split(separator) if v]


def _group(segment: Segment, echo: IsaEcho) -> FunctionalGroup:
    if len(segment.elements) < 9 or not _DIGITS.match(segment.el(6)):
        raise InterchangeRejected(InterchangeNote.INVALID_CONTENT, echo)
    group = FunctionalGroup(
        functional_code=segment.el(1),
        control_number=segment.el(6),
        version=segment.el(8),
        sender=segment.el(2),
        receiver=segment.el(3),
    )
    versions = {
        v
        for (code, _), vs in (SUPPORTED | RECORDED).items()
        if code == group.functional_code
        for v in vs
    }
    if not versions:
        group.errors.append(GroupError.NOT_SUPPORTED)
    elif group.version not in versions:
        group.errors.append(GroupError.VERSION_NOT_SUPPORTED)
    return group


def _transaction(segment: Segment, group: FunctionalGroup) -> TransactionSet:
    segment.position = 1
    transaction = TransactionSet(
        code=segment.el(1),
        control_number=segment.el(2),
        version=segment.el(3) or group.version,
        segments=[segment],
    )
    versions = (SUPPORTED | RECORDED).get((group.functional_code, transaction.code))
    if not transaction.code or versions is None:
        transaction.set_error = SetError.NOT_SUPPORTED
    elif not 4 <= len(transaction.control_number) <= 9:
        transaction.set_error = SetError.INVALID_CONTROL_NUMBER
    elif transaction.version not in versions:
        transaction.set_error = SetError.IMPLEMENTATION_NOT_SUPPORTED
    return transaction


def _close_transaction(transaction: TransactionSet, se: Segment) -> None:
    if transaction.set_error is not None:
        return
    if se.el(2) != transaction.control_number:
        transaction.set_error = SetError.CONTROL_NUMBER_MISMATCH
    elif se.el(1) != str(len(transaction.segments)):
        transaction.set_error = SetError.SEGMENT_COUNT_MISMATCH


def _close_group(group: FunctionalGroup, ge: Segment) -> None:
    if ge.el(2) != group.control_number:
        group.errors.append(GroupError.CONTROL_NUMBER_MISMATCH)
    elif ge.el(1) != str(len(group.transactions)):
        group.errors.append(GroupError.SET_COUNT_MISMATCH)


# --- element readers shared by the guides ----------------------------------------------------
class ElementInvalid(Exception):
    def __init__(self, position: int, code: ElementError, value: str = "") -> None:
        super().__init__(f"element {position}: {code.value}")
        self.position = position
        self.code = code
        self.value = value[:99]


def x12_date(value: str, position: int) -> date:
    """CCYYMMDD (format qualifier D8)."""
    if len(value) != 8 or not value.isdigit():
        raise ElementInvalid(position, ElementError.INVALID_DATE, value)
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise ElementInvalid(position, ElementError.INVALID_DATE, value) from None


def dtp_date(segment: Segment) -> date:
    """DTP02 D8 ``CCYYMMDD`` or RD8 ``CCYYMMDD-CCYYMMDD`` (the range's first day)."""
    qualifier, value = segment.el(2), segment.el(3)
    if qualifier == "D8":
        return x12_date(value, 3)
    if qualifier == "RD8":
        start, _, end = value.partition("-")
        first = x12_date(start, 3)
        if x12_date(end, 3) < first:
            raise ElementInvalid(3, ElementError.INVALID_DATE, value)
        return first
    raise ElementInvalid(2, ElementError.INVALID_CODE, qualifier)


def required(segment: Segment, index: int) -> str:
    elements = segment.elements  # segment.el(index), inline: called for most elements read
    value = elements[index].strip() if index < len(elements) else ""
    if not value:
        raise ElementInvalid(index, ElementError.REQUIRED_MISSING)
    return value


M = TypeVar("M", bound=BaseModel)


def build(model: type[M], **fields: Any) -> M:
    """An x12sdk model, validated by pydantic (``model_validate``): x12sdk ships no pydantic
    mypy plugin configuration, so its constructors' optional fields look required to mypy."""
    return model.model_validate(fields)
