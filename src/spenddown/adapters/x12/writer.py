"""x12sdk models on the 271's hot path (docs/performance.md "270 → 271"): segments are
validated as before (``envelope.build``: a value x12sdk refuses still gets the set a 999), but
loops are assembled and the whole is written and counted without x12sdk's per-instance
reflection.

- ``construct``: a loop or transaction set (``X12SegmentGroup``) of segments and loops built
  already, with pydantic's ``model_construct``: x12sdk's before-validator of every group looks
  at the type of each of its fields on every instance (``typing.get_args``), which cost more
  than validating all the segments. A group's own checks (the required segments and loops,
  their counts) are about what our code assembles, held by the tests (pyx12's reader, our
  structural checker, x12sdk reading every 271 back).
- ``write``: the text ``X12SegmentGroup.x12()`` writes (default delimiters, a segment per
  line), from fields listed once per model class rather than for every instance.
- ``count``: the number of segments ``write`` writes (SE01), without writing them.

tests/x12/test_x12_writer.py holds ``write`` equal to x12sdk's ``x12()`` and ``count`` to
x12sdk's ``count_segments`` on every 271 the tests answer."""

from __future__ import annotations

import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from x12sdk.models import X12Segment, X12SegmentGroup, _field_type

ELEMENT = "*"
REPETITION = "^"
COMPONENT = ":"
TERMINATOR = "~"


G = TypeVar("G", bound=X12SegmentGroup)


def construct(model: type[G], **fields: Any) -> G:
    """The loop ``model`` holding ``fields`` (segments and loops already built), not validated.
    The fields not given are passed their defaults when these are None (nearly all of an x12sdk
    loop's): ``model_construct`` then copies no default one by one."""
    defaults = _NONE_DEFAULTS.get(model)
    if defaults is None:
        defaults = _NONE_DEFAULTS[model] = {
            name: None
            for name, info in model.model_fields.items()
            if not info.is_required() and info.get_default(call_default_factory=True) is None
        }
    return model.model_construct(set(fields), **(defaults | fields))


_NONE_DEFAULTS: dict[type, dict[str, None]] = {}


# Per model class: a group's fields that hold segments or groups, in declaration order
# (``X12SegmentGroup.x12``); a segment's fields but ``delimiters``, each with the character
# that joins a list in it (``X12Segment._process_multivalue_field``).
_GROUP_FIELDS: dict[type, tuple[str, ...]] = {}
_SEGMENT_FIELDS: dict[type, tuple[tuple[str, str], ...]] = {}


def _group_fields(cls: type) -> tuple[str, ...]:
    found = _GROUP_FIELDS.get(cls)
    if found is None:
        model_fields: dict[str, Any] = cls.model_fields  # type: ignore[attr-defined]
        found = _GROUP_FIELDS[cls] = tuple(
            name
            for name, info in model_fields.items()
            if hasattr(_field_type(info.annotation), "x12")
        )
    return found


def _segment_fields(cls: type) -> tuple[tuple[str, str], ...]:
    found = _SEGMENT_FIELDS.get(cls)
    if found is None:
        model_fields: dict[str, Any] = cls.model_fields  # type: ignore[attr-defined]
        listed = []
        for name, info in model_fields.items():
            if name == "delimiters":
                continue
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            listed.append((name, COMPONENT if extra.get("is_component", False) else REPETITION))
        found = _SEGMENT_FIELDS[cls] = tuple(listed)
    return found


def _element(value: Any, join: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return join.join(v.value if isinstance(v, Enum) else v for v in value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y%m%d%H%M")
    if isinstance(value, datetime.date):
        return value.strftime("%Y%m%d")
    if isinstance(value, datetime.time):
        return value.strftime("%H%M")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def segment(model: X12Segment) -> str:
    """One segment's text, as ``X12Segment.x12()`` writes it with the default delimiters."""
    values = [_element(getattr(model, name), join) for name, join in _segment_fields(type(model))]
    return ELEMENT.join(values).rstrip(ELEMENT) + TERMINATOR


class Written:
    """A loop written already, standing in its parent's list: its models need not stay alive
    until the whole set is written (a 271 of 1,000 subscribers holds their text, not their
    hundred thousand objects). Only ``write`` and ``count`` read it, not x12sdk."""

    __slots__ = ("lines",)

    def __init__(self, group: X12SegmentGroup) -> None:
        self.lines: list[str] = []
        _segments(group, self.lines)


def _segments(group: X12SegmentGroup, out: list[str]) -> None:
    for name in _group_fields(type(group)):
        value = getattr(group, name)
        if value is None:
            continue
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, X12Segment):
                out.append(segment(item))
            elif isinstance(item, Written):
                out.extend(item.lines)
            else:
                _segments(item, out)


def write(group: X12SegmentGroup) -> str:
    """``group.x12()``: every segment, one per line."""
    out: list[str] = []
    _segments(group, out)
    return "\n".join(out)


def count(group: X12SegmentGroup) -> int:
    """How many segments ``write(group)`` writes."""
    total = 0
    for name in _group_fields(type(group)):
        value = getattr(group, name)
        if value is None:
            continue
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, X12Segment):
                total += 1
            elif isinstance(item, Written):
                total += len(item.lines)
            else:
                total += count(item)
    return total
