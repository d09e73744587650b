"""TA1 (interchange acknowledgment) and 999 (005010X231A1 implementation acknowledgment).

x12sdk has no 999 model, so these two are written here, segment by segment; the tests validate
every 999 with pyx12's 005010X231A1 map. Invariants: the 999's SE01 counts ST..SE, AK9 counts
the sets received and accepted, a rejected set carries at least one IK3 or an IK5 code.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from spenddown.adapters.x12.codes import (
    Acknowledgment,
    InterchangeNote,
    SegmentError,
    SetError,
)
from spenddown.adapters.x12.envelope import (
    FunctionalGroup,
    Interchange,
    IsaEcho,
    SegmentProblem,
    TransactionSet,
)

ACK_VERSION = "005010X231A1"
SEPARATOR, COMPONENT, REPETITION, TERMINATOR = "*", ":", "^", "~"
# The X12 basic and extended character sets (docs/x12.md "Characters"): what an outbound element
# may carry, less the delimiters spenddown writes with (* : ^ ~).
_X12_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"&'()+,-./;?="  # basic (less * and :)
    "abcdefghijklmnopqrstuvwxyz%@[]_{}\\|<>#$"  # extended (less ~ and ^)
)
_MAX_PROBLEMS = 20  # IK3 loops per set, as the 999's own limit of useful detail


# Text made of these characters only is kept as it is (no accents to drop, nothing to replace).
_ALREADY_CLEAN = re.compile("[" + re.escape("".join(sorted(_X12_CHARACTERS))) + "]*")


def clean(value: str, length: int | None = None) -> str:
    """Text safe inside one outbound element: letters with accents lose them (``Muñoz`` →
    ``Munoz``), anything outside the X12 basic and extended character sets (a delimiter, a
    control character, U+FFFD from an undecodable byte) becomes a space."""
    if _ALREADY_CLEAN.fullmatch(value):  # the usual case, a 271's every element: no copy
        text = value
    else:
        plain = unicodedata.normalize("NFKD", value)
        text = "".join(
            c if c in _X12_CHARACTERS else " " for c in plain if not unicodedata.combining(c)
        )
    text = text.strip()
    return text[:length].rstrip() if length else text


def segment(*elements: str) -> str:
    return SEPARATOR.join(elements).rstrip(SEPARATOR) + TERMINATOR


def isa(
    *,
    sender_qualifier: str,
    sender_id: str,
    receiver_qualifier: str,
    receiver_id: str,
    control_number: str,
    created: datetime,
    usage: str,
) -> str:
    return segment(
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        clean(sender_qualifier, 2).ljust(2),
        clean(sender_id, 15).ljust(15),
        clean(receiver_qualifier, 2).ljust(2),
        clean(receiver_id, 15).ljust(15),
        created.strftime("%y%m%d"),
        created.strftime("%H%M"),
        REPETITION,
        "00501",
        control_number.zfill(9)[-9:],
        "0",
        usage,
        COMPONENT,
    )


def ta1(echo: IsaEcho, note: InterchangeNote, *, our_id: str, created: datetime) -> str:
    """A TA1 rejecting the interchange ``echo`` describes."""
    control = echo.control_number
    return "\n".join(
        (
            isa(
                sender_qualifier="ZZ",
                sender_id=our_id,
                receiver_qualifier=echo.sender_qualifier,
                receiver_id=echo.sender_id,
                control_number=control,
                created=created,
                usage=echo.usage,
            ),
            segment("TA1", control, echo.date, echo.time, Acknowledgment.REJECTED, note),
            segment("IEA", "0", control.zfill(9)[-9:]),
        )
    )


def ta1_accepted(interchange: Interchange) -> str:
    """The TA1 segment accepting ``interchange`` (sent when its ISA14 is 1)."""
    return segment(
        "TA1",
        interchange.control_number,
        interchange.created.strftime("%y%m%d"),
        interchange.created.strftime("%H%M"),
        Acknowledgment.ACCEPTED,
        InterchangeNote.NO_ERROR,
    )


class SpooledSets:
    """The sets of an outbound group written to a temporary file as they are made (memory
    while small, then disk: ``tempfile.SpooledTemporaryFile``), so that a file's answer is
    never held whole; its length is the number of sets (GE01)."""

    MEMORY = 1 << 20  # characters held in memory before the spool goes to disk

    def __init__(self) -> None:
        self.spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (closed by ``copy_to``)
            max_size=self.MEMORY, mode="w+", encoding="utf-8", newline=""
        )
        self.count = 0

    def append(self, text: str) -> None:
        self.spool.write("\n" + text.strip())
        self.count += 1

    def append_lines(self, lines: Iterable[str]) -> None:
        """``append("\n".join(lines))``, written as the lines come (the 271 of a large 270,
        docs/architecture.md "Streaming X12"). When ``lines`` raises, what it wrote is taken
        back and the error raised: the set is not counted."""
        start = self.spool.tell()
        try:
            for line in lines:
                self.spool.write("\n" + line)
        except BaseException:
            self.spool.seek(start)
            self.spool.truncate()
            raise
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def close(self) -> None:
        """The spool dropped unread (its sets are not answered)."""
        self.spool.close()

    def copy_to(self, write: Callable[[str], object]) -> None:
        """Each set, after a line break, then the spool is closed."""
        self.spool.seek(0)
        while chunk := self.spool.read(COPY_CHUNK):
            write(chunk)
        self.spool.close()


COPY_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class OutboundGroup:
    """One functional group of an answer: GS01, GS08 and its sets (each ST..SE, already
    numbered by the caller: ST02 unique within the group), held or spooled."""

    functional_code: str
    version: str
    sets: Sequence[str] | SpooledSets


def write_interchange(
    interchange: Interchange,
    groups: Sequence[OutboundGroup],
    *,
    our_id: str,
    their_id: str,
    created: datetime,
    ta1_segment: str | None = None,
) -> str:
    """The answer to ``interchange`` as one text (``write_interchange_to``)."""
    parts: list[str] = []
    write_interchange_to(
        parts.append,
        interchange,
        groups,
        our_id=our_id,
        their_id=their_id,
        created=created,
        ta1_segment=ta1_segment,
    )
    return "".join(parts)


def write_interchange_to(
    write: Callable[[str], object],
    interchange: Interchange,
    groups: Sequence[OutboundGroup],
    *,
    our_id: str,
    their_id: str,
    created: datetime,
    ta1_segment: str | None = None,
) -> None:
    """The answer to ``interchange``, given to ``write`` piece by piece, one line break between
    lines (none after the last): ISA (its ISA13 echoed), an optional TA1, then each group with
    GS06 numbered 1, 2, ... (GE02 equal), IEA counting the groups."""
    control = interchange.control_number.zfill(9)[-9:]
    write(
        isa(
            sender_qualifier=interchange.receiver_qualifier,
            sender_id=our_id,
            receiver_qualifier=interchange.sender_qualifier,
            receiver_id=their_id,
            control_number=control,
            created=created,
            usage=interchange.usage,
        )
    )
    if ta1_segment is not None:
        write("\n" + ta1_segment)
    for number, group in enumerate(groups, start=1):
        write(
            "\n"
            + segment(
                "GS",
                group.functional_code,
                clean(our_id, 15),
                clean(their_id, 15),
                created.strftime("%Y%m%d"),
                created.strftime("%H%M"),
                str(number),
                "X",
                group.version,
            )
        )
        if isinstance(group.sets, SpooledSets):
            group.sets.copy_to(write)
        else:
            for text in group.sets:
                write("\n" + text.strip())
        write("\n" + segment("GE", str(len(group.sets)), str(number)))
    write("\n" + segment("IEA", str(len(groups)), control))


def _claim_of(transaction: TransactionSet, position: int) -> str:
    """CLM01 of the claim (2300/2400) a position of an 837 set is in, "" outside any claim."""
    for segment_ in reversed(transaction.segments[: max(position, 0)]):
        if segment_.id == "CLM":
            return segment_.el(1)
        if segment_.id in ("HL", "ST"):
            return ""
    return ""


def _reported(transaction: TransactionSet) -> list[SegmentProblem]:
    """The set's problems in segment order, each once. A segment reported with element errors
    is not also reported missing from the loop it is in (a reader that could not take a bad
    SV1 also finds the line without one)."""
    by_position = sorted(transaction.errors, key=lambda p: p.position)
    with_elements = [p for p in by_position if p.code is SegmentError.HAS_ELEMENT_ERRORS]
    segments_ = transaction.segments

    def same_loop(anchor: int, position: int) -> bool:
        if not 1 <= anchor <= len(segments_) or not anchor < position <= len(segments_):
            return False
        opener = segments_[anchor - 1].id
        between = segments_[anchor : position - 1]
        return not any(s.id in (opener, "HL", "CLM") for s in between)

    seen: set[tuple[str, int, str]] = set()
    out: list[SegmentProblem] = []
    for problem in by_position:
        key = (problem.segment_id, problem.position, problem.code.value)
        if key in seen:
            continue
        seen.add(key)
        if problem.code is SegmentError.REQUIRED_MISSING and any(
            other.segment_id == problem.segment_id and same_loop(problem.position, other.position)
            for other in with_elements
        ):
            continue
        out.append(problem)
    return out


def _group_acknowledgment(group: FunctionalGroup) -> list[str]:
    out = [
        segment(
            "AK1", clean(group.functional_code, 2), group.control_number, clean(group.version, 12)
        )
    ]
    accepted = 0
    for transaction in group.transactions:
        out.append(
            segment(
                "AK2",
                clean(transaction.code, 3),
                clean(transaction.control_number, 9),
                clean(transaction.version, 35),
            )
        )
        for problem in _reported(transaction)[:_MAX_PROBLEMS]:
            out.append(
                segment(
                    "IK3",
                    clean(problem.segment_id, 3),
                    str(problem.position),
                    clean(problem.loop, 4),
                    problem.code,
                )
            )
            claim = _claim_of(transaction, problem.position) if transaction.code == "837" else ""
            if claim:
                out.append(segment("CTX", f"CLM01{COMPONENT}{clean(claim, 35)}"))
            reported: set[tuple[int, str]] = set()
            for element in problem.elements[:10]:
                if (element.position, element.code.value) in reported:
                    continue
                reported.add((element.position, element.code.value))
                out.append(
                    segment(
                        "IK4", str(element.position), "", element.code, clean(element.value, 99)
                    )
                )
        if transaction.accepted:
            accepted += 1
            out.append(segment("IK5", Acknowledgment.ACCEPTED))
        else:
            code = transaction.set_error or SetError.SEGMENTS_IN_ERROR
            out.append(segment("IK5", Acknowledgment.REJECTED, code))
    received = len(group.transactions)
    if group.errors or accepted == 0:
        status = Acknowledgment.REJECTED
    elif accepted < received:
        status = Acknowledgment.PARTIALLY_ACCEPTED
    else:
        status = Acknowledgment.ACCEPTED
    out.append(
        segment(
            "AK9",
            status,
            str(received),
            str(received),
            str(accepted),
            *[e.value for e in group.errors[:5]],
        )
    )
    return out


def answered(group: FunctionalGroup) -> bool:
    """Whether the group's accepted sets are answered: not when the group itself is rejected
    (AK9 R), whatever its sets' IK5 (docs/x12.md "Acknowledgments")."""
    return not group.errors


def acknowledgment_group(groups: Sequence[FunctionalGroup]) -> OutboundGroup:
    """One 999 per inbound group (ST02 0001, 0002, ...), in one FA group."""
    sets: list[str] = []
    for number, group in enumerate(groups, start=1):
        control = f"{number:04d}"
        body = [segment("ST", "999", control, ACK_VERSION), *_group_acknowledgment(group)]
        body.append(segment("SE", str(len(body) + 1), control))
        sets.append("\n".join(body))
    return OutboundGroup("FA", ACK_VERSION, sets)


def ack_999(interchange: Interchange, *, our_id: str, created: datetime) -> str:
    """A 999 for every functional group of ``interchange``, in one interchange back to the
    sender (no other answer)."""
    return write_interchange(
        interchange,
        [acknowledgment_group(interchange.groups)],
        our_id=our_id,
        their_id=clean(interchange.sender_id, 15) or "UNKNOWN",
        created=created,
    )
