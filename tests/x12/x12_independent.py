"""pyx12 (an independent X12 library) as the second opinion on what spenddown writes."""

from __future__ import annotations

import io
import logging

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
