"""Streaming X12: a file read in 64 KiB chunks, its segments tokenized as they come, the
envelope checked and the 837P claims read without holding the file (docs/architecture.md
"Streaming X12").

The pieces, each flat in memory whatever the file's size:

- ``Tokenizer``: the segments of a file, with their position. The delimiters come from each
  interchange's fixed-width ISA (106 characters); the segment terminator may be followed by
  line breaks, or be a line break itself, exactly as ``envelope`` normalises a text. A file of
  several interchanges is cut as ``envelope.split_interchanges`` cuts it (after the first IEA
  of an interchange when an ISA follows), each read with its own delimiters.
- ``check``: the envelope of every interchange, as ``envelope.read_interchanges`` finds it (the
  same ``InterchangeRejected`` notes for a TA1, the same group and set errors for a 999) but
  with no segment kept: the transaction sets it returns have their ST only.
- ``claims``: the 837P claims of a file, each yielded as soon as it is read (``x222a1``'s reader
  over the stream), with the set it belongs to; the set's problems (``TransactionSet.errors``)
  are complete once its last claim has been yielded and the next set has begun.
- ``inquiry_sets``: the 270 sets of a file, each loop (source, receiver, subscriber) given as
  soon as it is read (``x279a1``'s reader over the stream); ``checked_sets`` and
  ``checked_counts`` read 837P and 270 sets in one pass with ``check``.

The envelope of a file is trusted only after ``check`` has read it to the end: a caller that
answers claims checks first (one cheap pass), then reads the claims (a second pass).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

from x12sdk.models import X12Delimiters

from spenddown.adapters.x12 import mapping, x279a1
from spenddown.adapters.x12.codes import InterchangeNote, SetError
from spenddown.adapters.x12.envelope import (
    ISA_LENGTH,
    MAX_SEGMENTS,
    FunctionalGroup,
    Interchange,
    InterchangeRejected,
    IsaEcho,
    Segment,
    TransactionSet,
    _close_group,
    _group,
    _isa,
    _transaction,
)
from spenddown.adapters.x12.x222a1 import ProfessionalClaim, claims_from
from spenddown.domain.cob.model import Claim
from spenddown.domain.errors import SpenddownError

CHUNK_SIZE = 64 * 1024
T = TypeVar("T")
_LEADING = "\ufeff \t\r\n"  # what ``envelope._normalise`` strips before the ISA
_CONTROL = frozenset(("SE", "GE", "IEA", "GS", "ST", "ISA"))


class Tokenizer:
    """The segments of one file, read ``chunk_size`` characters at a time.

    ``Segment.position`` is the segment's ordinal in the file (the envelope readers renumber
    the segments of a transaction set from its ST). ``interchanges`` counts the ISA headers
    read so far and ``head`` is the last one's text (at least its 106 characters when there
    were as many): a consumer sees a new interchange begin when an ``ISA`` segment arrives with
    ``interchanges`` changed."""

    def __init__(self, source: TextIO, chunk_size: int = CHUNK_SIZE) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size")
        self._source = source
        self._size = chunk_size
        self._eof = False
        self.interchanges = 0
        self.head = ""
        self.lines_terminate = False  # the first ISA's terminator is a line break
        self.delimiters: X12Delimiters | None = None
        self._cut = False

    def _read(self) -> str:
        if self._eof:
            return ""
        chunk = self._source.read(self._size)
        if not chunk:
            self._eof = True
            return ""
        if self.lines_terminate:
            return chunk.replace("\r\n", "\x1d").replace("\r", "\x1d").replace("\n", "\x1d")
        return chunk.replace("\r", "").replace("\n", "")

    def _fill(self, text: str, least: int) -> str:
        """``text`` with more read until it has ``least`` characters (or the file ends)."""
        while len(text) < least:
            more = self._read()
            if not more:
                break
            text += more
        return text

    def _start(self, text: str) -> str:
        """A new interchange begins with ``text``: its delimiters from its ISA."""
        text = self._fill(text, ISA_LENGTH)
        self.interchanges += 1
        self.head = text
        # envelope.split_interchanges cuts only an interchange that begins with a whole ISA
        self._cut = len(text) >= ISA_LENGTH and text.startswith("ISA")
        if len(text) >= ISA_LENGTH:
            self.delimiters = X12Delimiters(
                element_separator=text[3],
                repetition_separator=text[82],
                segment_terminator=text[105],
                component_separator=text[104],
            )
        else:  # too short for an ISA: ``_isa`` rejects it; split on anything harmless
            self.delimiters = X12Delimiters(
                element_separator="*",
                repetition_separator="^",
                segment_terminator="~",
                component_separator=":",
            )
        return text

    def segments(self) -> Iterator[Segment]:
        # The first ISA decides how line breaks are read, as ``envelope._normalise`` does.
        text = ""
        while True:
            more = self._source.read(self._size)
            if not more:
                self._eof = True
                break
            text = (text + more).lstrip(_LEADING)
            if len(text) >= ISA_LENGTH:
                break
        self.lines_terminate = len(text) >= ISA_LENGTH and text[105] in "\r\n"
        if self.lines_terminate:  # line breaks become GS (1D), as envelope._normalise does
            text = text.replace("\r\n", "\x1d").replace("\r", "\x1d").replace("\n", "\x1d")
        else:
            text = text.replace("\r", "").replace("\n", "")
        buffer = self._start(text)
        ordinal = 0
        looked = False  # this interchange's first IEA was looked past
        while True:
            delimiters = self.delimiters
            assert delimiters is not None
            terminator = delimiters.segment_terminator
            separator = delimiters.element_separator
            if terminator not in buffer and not self._eof:
                buffer += self._read()
                if terminator not in buffer and not self._eof:
                    continue
            parts = buffer.split(terminator)
            buffer = parts.pop() if not self._eof else ""
            rest = None
            for index, part in enumerate(parts):
                elements = part.split(separator)
                name = elements[0].upper().strip()
                if not name and len(elements) == 1:
                    continue  # blank between terminators
                ordinal += 1
                yield Segment(name, elements, ordinal)
                if name == "IEA" and not looked and self._cut:
                    # The interchange's first IEA: cut here when an ISA follows.
                    looked = True
                    rest = terminator.join([*parts[index + 1 :], buffer])
                    rest = self._fill(rest, ISA_LENGTH + 8)
                    break
            if rest is not None:
                following = rest.lstrip(" \t\x1d")
                if following.startswith("ISA"):
                    buffer = self._start(following)
                    looked = False
                else:
                    buffer = rest
                continue
            if self._eof and not buffer:
                return


@dataclass(slots=True)
class _Set:
    transaction: TransactionSet
    count: int = 1  # segments so far, ST included


class _Checker:
    """``envelope.read_interchange``'s control structure, one segment at a time."""

    def __init__(self, head: str, max_segments: int) -> None:
        isa, echo = _isa(head)  # raises InterchangeRejected
        self.isa = isa
        self.echo: IsaEcho = echo
        self.max_segments = max_segments
        created = datetime.strptime(isa[9] + isa[10], "%y%m%d%H%M")  # noqa: DTZ007 (sender's local time)
        self.interchange = Interchange(
            delimiters=X12Delimiters(
                element_separator=head[3],
                repetition_separator=head[82],
                segment_terminator=head[105],
                component_separator=head[104],
            ),
            sender_qualifier=isa[5],
            sender_id=isa[6].strip(),
            receiver_qualifier=isa[7],
            receiver_id=isa[8].strip(),
            control_number=isa[13],
            usage=isa[15],
            created=created,
            ack_requested=isa[14] == "1",
        )
        self.started = False
        self.group: FunctionalGroup | None = None
        self.current: _Set | None = None
        self.ended = False
        self.count = 0

    def reject(self, note: InterchangeNote) -> InterchangeRejected:
        return InterchangeRejected(note, self.echo)

    def feed(self, segment: Segment) -> None:
        if not self.started:
            self.started = True
            if segment.id != "ISA":
                raise self.reject(InterchangeNote.INVALID_CONTROL_STRUCTURE)
            return
        self.count += 1
        if self.count > self.max_segments:
            raise self.reject(InterchangeNote.INVALID_CONTENT)
        if self.ended:
            raise self.reject(InterchangeNote.INVALID_CONTROL_STRUCTURE)
        name = segment.id
        current, group = self.current, self.group
        if current is not None and name not in _CONTROL:
            current.count += 1
            return
        if name == "GS":
            if group is not None or current is not None:
                raise self.reject(InterchangeNote.INVALID_CONTROL_STRUCTURE)
            self.group = _group(segment, self.echo)
        elif name == "ST":
            if group is None:
                raise self.reject(InterchangeNote.INVALID_CONTENT)
            if current is not None:
                current.transaction.set_error = SetError.TRAILER_MISSING
                group.transactions.append(current.transaction)
            self.current = _Set(_transaction(segment, group))
        elif name == "SE":
            if current is None or group is None:
                raise self.reject(InterchangeNote.INVALID_CONTROL_STRUCTURE)
            current.count += 1
            transaction = current.transaction
            if transaction.set_error is None:
                if segment.el(2) != transaction.control_number:
                    transaction.set_error = SetError.CONTROL_NUMBER_MISMATCH
                elif segment.el(1) != str(current.count):
                    transaction.set_error = SetError.SEGMENT_COUNT_MISMATCH
            group.transactions.append(transaction)
            self.current = None
        elif name == "GE":
            if group is None:
                raise self.reject(InterchangeNote.INVALID_CONTROL_STRUCTURE)
            if current is not None:
                current.transaction.set_error = SetError.TRAILER_MISSING
                group.transactions.append(current.transaction)
                self.current = None
            _close_group(group, segment)
            self.interchange.groups.append(group)
            self.group = None
        elif name == "IEA":
            if group is not None or current is not None:
                raise self.reject(InterchangeNote.IMPROPER_END_OF_FILE)
            if segment.el(2) != self.isa[13]:
                raise self.reject(InterchangeNote.CONTROL_NUMBER_MISMATCH)
            if segment.el(1) != str(len(self.interchange.groups)):
                raise self.reject(InterchangeNote.INVALID_GROUP_COUNT)
            self.ended = True
        elif name == "ISA":
            raise self.reject(InterchangeNote.INVALID_CONTROL_STRUCTURE)
        elif name == "TA1" and group is None and not self.interchange.groups:
            self.interchange.received_ta1.append(segment)
        else:
            raise self.reject(InterchangeNote.INVALID_CONTENT)

    def finish(self) -> Interchange:
        if not self.started:
            raise self.reject(InterchangeNote.INVALID_CONTROL_STRUCTURE)
        if not self.ended:
            raise self.reject(InterchangeNote.IMPROPER_END_OF_FILE)
        interchange = self.interchange
        if not interchange.groups and not interchange.received_ta1:
            raise self.reject(InterchangeNote.INVALID_CONTENT)
        return interchange


class _Check:
    """``check`` one segment at a time (``see``), over the tokenizer that gave the segment."""

    def __init__(self, tokenizer: Tokenizer, max_segments: int) -> None:
        self.tokenizer = tokenizer
        self.max_segments = max_segments
        self.out: list[Interchange | InterchangeRejected] = []
        self.checker: _Checker | None = None
        self.rejected: InterchangeRejected | None = None
        self.seen = 0

    def _close(self) -> None:
        if self.rejected is not None:
            self.out.append(self.rejected)
        elif self.checker is not None:
            try:
                self.out.append(self.checker.finish())
            except InterchangeRejected as error:
                self.out.append(error)

    def see(self, segment: Segment) -> None:
        tokenizer = self.tokenizer
        if tokenizer.interchanges != self.seen:
            if self.seen:
                self._close()
            self.seen = tokenizer.interchanges
            self.checker, self.rejected = None, None
            try:
                self.checker = _Checker(tokenizer.head, self.max_segments)
            except InterchangeRejected as error:
                self.rejected = error
        if self.rejected is not None or self.checker is None:
            return
        try:
            self.checker.feed(segment)
        except InterchangeRejected as error:
            self.rejected = error

    def finish(self) -> list[Interchange | InterchangeRejected]:
        """The verdicts, once the tokenizer has given every segment."""
        if not self.seen:  # nothing at all: the first "interchange" is the empty text
            try:
                _isa(self.tokenizer.head)
            except InterchangeRejected as error:
                return [error]
        self._close()
        return self.out


def check(
    source: TextIO, *, chunk_size: int = CHUNK_SIZE, max_segments: int = MAX_SEGMENTS
) -> list[Interchange | InterchangeRejected]:
    """Every interchange of the file, as ``envelope.read_interchanges`` reads it, its
    transaction sets holding their ST only (the file is not kept)."""
    tokenizer = Tokenizer(source, chunk_size)
    checking = _Check(tokenizer, max_segments)
    for segment in tokenizer.segments():
        checking.see(segment)
    return checking.finish()


@dataclass(frozen=True, slots=True)
class ReadClaim:
    """One 837P claim of a stream: the wire claim, the set it came in (whose ``errors`` are
    complete once the set is read) and the domain claim, or why the domain refused it (the
    error ``mapping.to_claim`` raised); ``claim`` is None for a dependent patient (2000C),
    whom only the member look-up of the per-claim path identifies, and once the set has
    problems (it is refused whole, with a 999)."""

    wire: ProfessionalClaim
    transaction: TransactionSet
    claim: Claim | SpenddownError | None


def _body(tokens: Iterator[Segment], transaction: TransactionSet) -> Iterator[Segment]:
    """A set's segments after its ST, numbered from it, until its SE (appended to
    ``transaction.segments``) or the next envelope segment."""
    position = 1
    for segment in tokens:
        if segment.id in _CONTROL:
            if segment.id == "SE":
                position += 1
                segment.position = position
            transaction.segments.append(segment)
            return
        position += 1
        segment.position = position
        yield segment


# A set's reader over its body: the set (its ``errors`` to fill), the body's segments, the
# interchange's delimiters; what it reads, given as it is read.
SetReader = Callable[[TransactionSet, Iterator[Segment], X12Delimiters], Iterator[Any]]


def _read_claims(
    transaction: TransactionSet, body: Iterator[Segment], delimiters: X12Delimiters
) -> Iterator[ProfessionalClaim]:
    def trailer() -> int:
        return transaction.segments[-1].position

    return claims_from(body, delimiters.component_separator, transaction.errors, trailer)


def _read_inquiry(
    transaction: TransactionSet, body: Iterator[Segment], delimiters: X12Delimiters
) -> Iterator[x279a1.Event]:
    return x279a1.inquiry_events(
        transaction, body, delimiters.repetition_separator, lambda: transaction.segments[-1]
    )


CLAIMS: dict[tuple[str, str], SetReader] = {("HC", "837"): _read_claims}
INQUIRIES: dict[tuple[str, str], SetReader] = {("HS", "270"): _read_inquiry}
BOTH = CLAIMS | INQUIRIES


def _sets(
    tokenizer: Tokenizer,
    tokens: Iterator[Segment],
    readers: dict[tuple[str, str], SetReader] = CLAIMS,
) -> Iterator[tuple[TransactionSet, Iterator[Any]]]:
    """Each set of the kinds ``readers`` knows (GS01, ST01) with what its reader reads as it
    is read (``tokens``: the tokenizer's segments; by default the 837P sets of the HC groups
    and their claims); the consumer reads a set's content before asking for the next set."""
    group_code = ""
    version = ""
    for segment in tokens:
        while segment.id == "ST":
            transaction = TransactionSet(
                code=segment.el(1),
                control_number=segment.el(2),
                version=segment.el(3) or version,
                segments=[segment],
            )
            reader = readers.get((group_code, transaction.code))
            if reader is None:
                break
            assert tokenizer.delimiters is not None
            body = _body(tokens, transaction)
            found = reader(transaction, body, tokenizer.delimiters)
            yield transaction, found
            for _ in found:  # what the consumer left unread (the set's problems are found)
                pass
            for _ in body:  # a set the reader gave up on early
                pass
            ended = transaction.segments[-1]
            if ended is segment:  # the file ended inside the set
                return
            segment = ended  # SE, or the envelope segment that ended the set
        if segment.id == "GS":
            group_code, version = segment.el(1), segment.el(8)


def wire_claims(
    source: TextIO, *, chunk_size: int = CHUNK_SIZE
) -> Iterator[tuple[ProfessionalClaim, TransactionSet]]:
    """The 837P claims of a file checked by ``check``, with their sets, as they are read. The
    last segment of each set's ``segments`` is its SE (or what ended it), once it is read."""
    tokenizer = Tokenizer(source, chunk_size)
    for transaction, found in _sets(tokenizer, tokenizer.segments()):
        for wire in found:
            yield wire, transaction


def claim_sets(
    source: TextIO, *, chunk_size: int = CHUNK_SIZE
) -> Iterator[tuple[TransactionSet, list[ProfessionalClaim]]]:
    """Every 837P set of the HC groups of a file checked by ``check``, in order, once it is
    read whole (its ``errors`` complete), with its claims: what ``x222a1.read_837p`` gives for
    the set, a set without claims included."""
    tokenizer = Tokenizer(source, chunk_size)
    for transaction, found in _sets(tokenizer, tokenizer.segments()):
        yield transaction, list(found)


def _checked(
    source: TextIO,
    chunk_size: int,
    max_segments: int,
    kept: Callable[[Iterator[Any]], T],
    readers: dict[tuple[str, str], SetReader] = CLAIMS,
) -> tuple[list[Interchange | InterchangeRejected], list[tuple[TransactionSet, T]]]:
    tokenizer = Tokenizer(source, chunk_size)
    checking = _Check(tokenizer, max_segments)

    def tokens() -> Iterator[Segment]:
        for segment in tokenizer.segments():
            # the checker numbers an ST 1 in its set (``envelope._transaction``); the reader
            # keeps the file's ordinal (a set ended by the next ST): each its own ST
            if segment.id == "ST":
                checking.see(Segment(segment.id, segment.elements, segment.position))
            else:
                checking.see(segment)
            yield segment

    segments = tokens()
    sets = [
        (transaction, kept(found)) for transaction, found in _sets(tokenizer, segments, readers)
    ]
    for _ in segments:  # what follows the last set
        pass
    return checking.finish(), sets


def checked_sets(
    source: TextIO, *, chunk_size: int = CHUNK_SIZE, max_segments: int = MAX_SEGMENTS
) -> tuple[
    list[Interchange | InterchangeRejected],
    list[tuple[TransactionSet, list[ProfessionalClaim] | x279a1.Inquiry]],
]:
    """``check`` and the sets' reading in one pass over the file (each segment tokenized once):
    the verdicts, and every 837P set of the HC groups with its claims and every 270 set of the
    HS groups with the ``Inquiry`` that ``x279a1.read_270`` makes of it, held until the end (the
    caller trusts the sets only once the verdicts say the envelope is sound)."""

    def kept(found: Iterator[Any]) -> list[ProfessionalClaim] | x279a1.Inquiry:
        first = next(found, None)
        if isinstance(first, x279a1.Inquiry):
            return x279a1.inquiry_of(first, found)
        return [] if first is None else [first, *found]

    return _checked(source, chunk_size, max_segments, kept, BOTH)


def checked_counts(
    source: TextIO, *, chunk_size: int = CHUNK_SIZE, max_segments: int = MAX_SEGMENTS
) -> tuple[list[Interchange | InterchangeRejected], list[tuple[TransactionSet, int]]]:
    """``checked_sets`` with each set read (its problems found), counted and dropped: an 837P
    set's count is its claims', a 270's its subscribers'. Memory flat in the file's size; the
    caller reads the sets again (``wire_claims``, ``inquiry_sets``) once the verdicts say the
    file is sound."""

    def counted(found: Iterator[Any]) -> int:
        return sum(
            1 for item in found if isinstance(item, ProfessionalClaim | x279a1.SubscriberInquiry)
        )

    return _checked(source, chunk_size, max_segments, counted, BOTH)


def inquiry_sets(
    source: TextIO, *, chunk_size: int = CHUNK_SIZE
) -> Iterator[tuple[TransactionSet, Iterator[x279a1.Event]]]:
    """The 270 sets of the HS groups of a file checked by ``checked_counts``, in order, each
    with its events as they are read (``x279a1.inquiry_events``: the ``Inquiry``, then each
    source, receiver and subscriber); the consumer reads a set's events before the next set."""
    tokenizer = Tokenizer(source, chunk_size)
    yield from _sets(tokenizer, tokenizer.segments(), INQUIRIES)


def claims(source: TextIO, *, chunk_size: int = CHUNK_SIZE) -> Iterator[ReadClaim]:
    """``wire_claims`` mapped to the domain (``mapping.to_claim``), one claim at a time."""
    for wire, transaction in wire_claims(source, chunk_size=chunk_size):
        claim: Claim | SpenddownError | None = None
        if not wire.dependent and not transaction.errors:
            try:
                claim = mapping.to_claim(wire)
            except SpenddownError as error:
                claim = error
        yield ReadClaim(wire, transaction, claim)


def open_text(path: Path) -> TextIO:
    """A file opened as the CLI reads one (UTF-8, undecodable bytes replaced)."""
    return path.open(encoding="utf-8", errors="replace", newline="")
