"""TA1 (interchange acknowledgment) and 999 (005010X231A1 implementation acknowledgment).

x12sdk has no 999 model, so these two are written here, segment by segment; the tests validate
every 999 with pyx12's 005010X231A1 map. Invariants: the 999's SE01 counts ST..SE, AK9 counts
the sets received and accepted, a rejected set carries at least one IK3 or an IK5 code.
"""

from __future__ import annotations

from datetime import datetime

from spenddown.adapters.x12.codes import Acknowledgment, InterchangeNote, SetError
from spenddown.adapters.x12.envelope import FunctionalGroup, Interchange, IsaEcho

ACK_VERSION = "005010X231A1"
SEPARATOR, COMPONENT, REPETITION, TERMINATOR = "*", ":", "^", "~"
_FORBIDDEN = str.maketrans({c: " " for c in "*:^~\r\n\x1d"})


def clean(value: str, length: int | None = None) -> str:
    """Text safe inside one element: no delimiter, no control character."""
    text = "".join(c for c in value.translate(_FORBIDDEN) if c.isprintable()).strip()
    return text[:length] if length else text


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
        for problem in transaction.errors[:20]:
            out.append(
                segment("IK3", problem.segment_id[:3], str(problem.position), "", problem.code)
            )
            for element in problem.elements[:10]:
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


def ack_999(interchange: Interchange, *, our_id: str, created: datetime) -> str:
    """One 999 per functional group received, in one interchange back to the sender."""
    control = interchange.control_number
    lines = [
        isa(
            sender_qualifier="ZZ",
            sender_id=our_id,
            receiver_qualifier=interchange.sender_qualifier,
            receiver_id=interchange.sender_id,
            control_number=control,
            created=created,
            usage=interchange.usage,
        )
    ]
    for number, group in enumerate(interchange.groups, start=1):
        gs_control = str(number)
        body = [segment("ST", "999", f"{number:04d}", ACK_VERSION), *_group_acknowledgment(group)]
        body.append(segment("SE", str(len(body) + 1), f"{number:04d}"))
        lines.append(
            segment(
                "GS",
                "FA",
                clean(our_id, 15),
                clean(interchange.sender_id, 15) or "UNKNOWN",
                created.strftime("%Y%m%d"),
                created.strftime("%H%M"),
                gs_control,
                "X",
                ACK_VERSION,
            )
        )
        lines.extend(body)
        lines.append(segment("GE", "1", gs_control))
    lines.append(segment("IEA", str(len(interchange.groups)), control))
    return "\n".join(lines)
