"""pyx12 (an independent X12 library) as the second opinion on what spenddown writes."""

from __future__ import annotations

import io
import itertools
import logging
import re

import pyx12.params
import pyx12.x12file
import pyx12.x12n_document


def validate(text: str) -> tuple[bool, str]:
    """pyx12's map-driven validation (835 X221A1, 837P X222A1, 999 X231A1): (ok, its 999)."""
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    param = pyx12.params.params()
    ack = io.StringIO()
    errors = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(param, io.StringIO(text), ack, None, None, errors)
    return bool(ok), ack.getvalue() + errors.getvalue()


def segments(text: str) -> list[list[str]]:
    """pyx12's own envelope-checking reader (ISA/IEA, GS/GE, ST/SE counts and control
    numbers, segment syntax): every segment as its elements. Used for the 271, for which
    pyx12 4.0 ships no 005010X279A1 map."""
    reader = pyx12.x12file.X12Reader(io.StringIO(text))
    out: list[list[str]] = []
    errors: list[object] = []
    for seg in reader:
        out.append(seg.format().rstrip("~").split("*"))
        errors.extend(reader.err_list)
        reader.err_list = []
    reader.cleanup()
    errors.extend(reader.err_list)
    if errors:
        raise AssertionError(f"pyx12 found errors: {errors}")
    return out


# --- a structural checker of our own (no spenddown code): envelopes, counts, the HL tree ------
def _iea(text: str, separator: str, terminator: str) -> int:
    found = re.search(re.escape(terminator) + r"\s*IEA" + re.escape(separator), text)
    return found.start() if found else -1


def split_segments(text: str) -> list[list[str]]:
    """Segments of one or more interchanges as element lists (delimiters from each ISA)."""
    out: list[list[str]] = []
    rest = text.lstrip("\ufeff \r\n")
    while rest.startswith("ISA"):
        separator, terminator = rest[3], rest[105]
        iea = _iea(rest, separator, terminator)
        assert iea >= 0, "no IEA"
        end = rest.find(terminator, iea + 1)
        assert end >= 0, "IEA has no terminator"
        chunk = rest[: end + 1]
        for raw in chunk.split(terminator):
            raw = raw.strip("\r\n ")
            if raw:
                out.append(raw.split(separator))
        rest = rest[end + 1 :].lstrip("\r\n ")
    assert not rest, f"text after the last IEA: {rest[:40]!r}"
    return out


def interchanges(text: str) -> list[str]:
    """Each ISA..IEA of ``text`` as its own text (newline after each segment)."""
    out: list[str] = []
    rest = text.lstrip("\ufeff \r\n")
    while rest.startswith("ISA"):
        separator, terminator = rest[3], rest[105]
        end = rest.find(terminator, _iea(rest, separator, terminator) + 1)
        out.append(rest[: end + 1])
        rest = rest[end + 1 :].lstrip("\r\n ")
    return out


def check_envelope(text: str) -> list[dict[str, object]]:
    """Every interchange of ``text`` checked: IEA01 = groups and IEA02 = ISA13; GE01 = sets and
    GE02 = GS06, GS06 unique in the interchange; SE01 = the set's segments and SE02 = ST02,
    ST02 unique in its group. Returns each group as {"code", "version", "sets": [segments]}."""
    groups: list[dict[str, object]] = []
    isa: list[str] | None = None
    group: dict[str, object] | None = None
    current: list[list[str]] | None = None
    group_numbers: set[str] = set()
    set_numbers: set[str] = set()
    count = 0
    for seg in split_segments(text):
        name = seg[0]
        if name == "ISA":
            assert isa is None, "ISA inside an interchange"
            assert len(seg) == 17, f"ISA has {len(seg) - 1} elements"
            isa, count, group_numbers = seg, 0, set()
        elif name == "IEA":
            assert isa is not None
            assert group is None
            assert seg[2] == isa[13], f"IEA02 {seg[2]} != ISA13 {isa[13]}"
            assert int(seg[1]) == count, f"IEA01 {seg[1]} != {count} groups"
            isa = None
        elif name == "TA1":
            assert isa is not None, "TA1 outside an interchange"
            assert group is None, "TA1 inside a group"
            assert count == 0, "TA1 after a group"
        elif name == "GS":
            assert isa is not None
            assert group is None
            assert seg[6] not in group_numbers, f"GS06 {seg[6]} twice"
            group_numbers.add(seg[6])
            group = {"code": seg[1], "version": seg[8], "control": seg[6], "sets": []}
            set_numbers = set()
        elif name == "GE":
            assert group is not None
            assert current is None
            assert seg[2] == group["control"], f"GE02 {seg[2]} != GS06 {group['control']}"
            sets = group["sets"]
            assert isinstance(sets, list)
            assert int(seg[1]) == len(sets), f"GE01 {seg[1]} != {len(sets)} sets"
            groups.append(group)
            group = None
            count += 1
        elif name == "ST":
            assert group is not None
            assert current is None
            assert seg[2] not in set_numbers, f"ST02 {seg[2]} twice in group {group['control']}"
            set_numbers.add(seg[2])
            current = [seg]
        elif name == "SE":
            assert current is not None
            assert group is not None
            current.append(seg)
            assert seg[2] == current[0][2], f"SE02 {seg[2]} != ST02 {current[0][2]}"
            assert int(seg[1]) == len(current), f"SE01 {seg[1]} != {len(current)} segments"
            sets = group["sets"]
            assert isinstance(sets, list)
            sets.append(current)
            current = None
        else:
            assert current is not None, f"{name} outside a transaction set"
            current.append(seg)
    assert isa is None, "no IEA"
    return groups


def check_hl_tree(segments: list[list[str]], levels: dict[str, str | None]) -> None:
    """HL01 1, 2, 3, ... in order; HL02 names an earlier HL of the parent level ``levels``
    gives (None: no parent); HL04 is 1 exactly when a child follows."""
    seen: dict[str, str] = {}
    hls = [s for s in segments if s[0] == "HL"]
    for number, hl in enumerate(hls, start=1):
        assert hl[1] == str(number), f"HL01 {hl[1]}, expected {number}"
        level = hl[3]
        assert level in levels, f"HL03 {level} unexpected"
        parent = hl[2] if len(hl) > 2 else ""
        if levels[level] is None:
            assert not parent, f"HL {hl[1]} has a parent"
        else:
            assert seen.get(parent) == levels[level], f"HL {hl[1]}: parent {parent!r} wrong"
        seen[hl[1]] = level
        has_child = any(len(h) > 2 and h[2] == hl[1] for h in hls)
        assert (len(hl) > 4 and hl[4] == "1") == has_child, f"HL {hl[1]}: HL04 wrong"


_271_TREE: dict[str, str | None] = {"20": None, "21": "20", "22": "21", "23": "22"}


def check_271(text: str) -> list[list[list[str]]]:
    """Every 271 of ``text``: envelopes and counts (``check_envelope``), GS01 HB and GS08/ST03
    005010X279A1, BHT 0022/11, the HL tree 20 > 21 > 22 > 23, an NM1 after every HL, each
    2000C's TRNs at most 3 and the information source's own (TRN01 1) at most one. Returns the
    sets (as segment lists)."""
    found: list[list[list[str]]] = []
    for group in check_envelope(text):
        if group["code"] != "HB":
            continue
        assert group["version"] == "005010X279A1"
        sets = group["sets"]
        assert isinstance(sets, list)
        for segments in sets:
            assert segments[0][1] == "271"
            assert segments[0][3] == "005010X279A1"
            assert segments[1][0] == "BHT"
            assert segments[1][1:3] == ["0022", "11"]
            check_hl_tree(segments, _271_TREE)
            for index, seg in enumerate(segments):
                if seg[0] != "HL":
                    continue
                following = [s[0] for s in segments[index + 1 :]]
                first_other = next(n for n in following if n != "TRN")
                assert first_other == "NM1", f"HL {seg[1]} not followed by NM1"
                traces = list(itertools.takewhile(lambda s: s[0] == "TRN", segments[index + 1 :]))
                assert len(traces) <= 3, f"HL {seg[1]}: {len(traces)} TRN"
                assert sum(t[1] == "1" for t in traces) <= 1
            found.append(segments)
    assert found, "no 271"
    return found


def only_groups(text: str, *codes: str) -> str:
    """The first interchange of ``text`` with only its groups whose GS01 is in ``codes`` (and no
    TA1): what pyx12, which validates one guide at a time, is given."""
    first = interchanges(text)[0]
    terminator = first[105]
    kept: list[str] = []
    keep = True
    groups = 0
    for raw in first.split(terminator):
        seg = raw.strip("\r\n ")
        if not seg:
            continue
        name = seg[:3].rstrip(first[3])
        if name == "GS":
            keep = seg.split(first[3])[1] in codes
            groups += keep
        if name == "TA1":
            continue
        if name == "IEA":
            parts = seg.split(first[3])
            seg = first[3].join([parts[0], str(groups), parts[2]])
        if name in ("ISA", "IEA") or keep:
            kept.append(seg)
        if name == "GE":
            keep = True
    assert groups, f"no group {codes}"
    return "".join(f"{s}{terminator}\n" for s in kept)
