"""The input guard and the security headers: the outermost ASGI middleware (docs/api.md
"Input limits" and "Security headers").

Before routing, authentication or the database, every HTTP request is checked:

- **Body size.** A declared ``Content-Length`` over the path's limit is refused at once (413,
  nothing read); a body without one (chunked) is read only up to the limit, then refused. The
  body is then handed to the application as read: the routes see the same bytes.
- **Characters.** The path and the decoded query string must not contain control characters
  (C0, DEL, C1) or lone surrogates. So must every JSON string (also ``\\u0000`` escapes); tab,
  line feed and carriage return are allowed inside JSON strings only. Form posts are decoded
  and checked the same way; any other body (YAML) must not contain a NUL byte, but X12 and
  multipart bodies, whose contents meet the domain's own checks (identifiers, claim texts):
  X12 answers garbage with its acknowledgment (TA1/999), as its standard wants. Imports are
  only size-limited here and checked by the import itself after authentication (``UNSCANNED``).
- **JSON shape.** At most ``MAX_DEPTH`` nested arrays or objects and number literals of at most
  ``MAX_NUMBER`` characters (Python's parser recurses, and a 5,000-digit integer costs seconds).

A refusal is a problem (``application/problem+json``; an OperationOutcome under ``/fhir``) with
a stable code: ``PAYLOAD_TOO_LARGE`` / ``BODY_TOO_LARGE`` (413), ``INVALID_CHARACTERS``,
``JSON_TOO_DEEP``, ``NUMBER_TOO_LONG`` (422). Refused requests never reach a route, so they are
not in the access log (they read nothing).

Every response also gets the security headers (``SECURITY_HEADERS``); JSON answers are
``Cache-Control: no-store``; the pages keep the stricter policy they set themselves.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spenddown.adapters.fhir import outcome, release
from spenddown.entrypoints import shapes

MAX_DEPTH = 32
MAX_NUMBER = 40  # characters of one JSON number literal
DEFAULT_LIMIT = 2 * 1024 * 1024
# Longest prefix first. X12 keeps its 20 MB (routes/x12.py), FHIR its 1 MB (routes/fhir.py).
BODY_LIMITS: tuple[tuple[str, int], ...] = (
    ("/v1/imports", 64 * 1024 * 1024),
    ("/v1/x12", 20 * 1024 * 1024),
    ("/fhir/", 1_000_000),
)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
# Answers that are not pages: nothing may run, load or frame them.
API_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
JSON_TYPES = (b"application/json", b"application/problem+json", b"application/fhir+json")

# Control characters (C0 but tab, LF, CR; DEL; C1) and lone surrogates in decoded text.
_CONTROL_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_JSON_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# In raw JSON bytes: control characters written as escapes (``\u0000``, ``\b``, ``\f``;
# ``\t``, ``\n``, ``\r`` are allowed) and surrogate escapes, whose backslash may itself be
# escaped (checked per match); raw C1 characters (raw C0 ones are not JSON at all).
_ESCAPE = re.compile(
    rb"\\(?:u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])|[bf]|u[dD][89a-fA-F][0-9a-fA-F]{2})"
)
_HIGH = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}")
_LOW = re.compile(rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_RAW_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_BRACKET_BYTES = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKET_BYTES)
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_LONG_NUMBER = re.compile(rb"[-+0-9.eE]{%d,}" % (MAX_NUMBER + 1))
_FORM_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Refused(Exception):
    def __init__(self, status: int, code: str, detail: str, field: str = "body") -> None:
        super().__init__(code)
        self.status, self.code, self.detail, self.field = status, code, detail, field


def body_limit(path: str) -> int:
    return next((limit for prefix, limit in BODY_LIMITS if path.startswith(prefix)), DEFAULT_LIMIT)


def has_control(text: str) -> bool:
    """Control characters or lone surrogates (what no identifier, name or code may contain)."""
    return _CONTROL_TEXT.search(text) is not None


def check_json_text(text: str) -> bool:
    """A decoded JSON or YAML string: no control character but tab, LF and CR."""
    return _CONTROL_JSON_TEXT.search(text) is None


def check_json(body: bytes) -> None:
    """Refuse control characters, too deep nesting and too long numbers in a JSON body, on the
    bytes (before any parsing, linear and in C for the most part: a 22 MB import takes about a
    third of the time ``json.loads`` takes). Malformed JSON is left to the parser."""
    if b"\\" in body and _bad_escape(body):
        raise Refused(
            422,
            "INVALID_CHARACTERS",
            "body: strings must not contain control characters (NUL, escapes below U+0020 "
            "other than tab and line breaks) or unpaired surrogates.",
        )
    if _RAW_C1.search(body):
        raise Refused(422, "INVALID_CHARACTERS", "body: strings must not contain C1 controls.")
    # Outside the strings: drop escaped backslashes and quotes, then every other quote opens or
    # closes a string; the even pieces are the JSON between strings.
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in body else body
    outside = b"".join(unescaped.split(b'"')[0::2])
    brackets = outside.translate(None, _NOT_BRACKETS)
    if len(brackets) > MAX_DEPTH and max(accumulate(map(_STEP.__getitem__, brackets))) > MAX_DEPTH:
        raise Refused(
            422, "JSON_TOO_DEEP", f"body: JSON nested deeper than {MAX_DEPTH} arrays or objects."
        )
    if _LONG_NUMBER.search(outside):
        raise Refused(
            422, "NUMBER_TOO_LONG", f"body: a JSON number longer than {MAX_NUMBER} characters."
        )


def _bad_escape(body: bytes) -> bool:
    for match in _ESCAPE.finditer(body):
        at = match.start()
        run = at
        while run > 0 and body[run - 1] == 0x5C:  # backslashes before this one
            run -= 1
        if (at - run) % 2:
            continue  # this backslash is itself escaped: text, not an escape
        if _HIGH.match(body, at):
            if not _LOW.match(body, at + 6):
                return True
        elif _LOW.match(body, at):
            if not _HIGH.match(body, at - 6) if at >= 6 else True:
                return True
        else:
            return True
    return False


def check_form(body: bytes) -> None:
    decoded = unquote_to_bytes(body.replace(b"+", b" "))
    if _FORM_CONTROL.search(decoded) or not _valid_text(decoded, json_rules=True):
        raise Refused(
            422, "INVALID_CHARACTERS", "body: form fields must not contain control characters."
        )


def _valid_text(raw: bytes, json_rules: bool = False) -> bool:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return check_json_text(text) if json_rules else not has_control(text)


def check_target(scope: Scope) -> None:
    path = scope.get("path", "")
    if has_control(path):
        raise Refused(422, "INVALID_CHARACTERS", "path: control characters in the address.", "path")
    query = scope.get("query_string", b"")
    if query and not _valid_text(unquote_to_bytes(query.replace(b"+", b" "))):
        raise Refused(
            422,
            "INVALID_CHARACTERS",
            "query: the query string must be UTF-8 without control characters.",
            "query",
        )


# Checked by the import itself, after the admin's authentication (``adapters.dataset``: text
# fields without control characters and within their columns, ``IMPORT_UNREADABLE`` for JSON
# or YAML nested too deep or with a huge number): scanning 64 MB here would cost an anonymous
# caller's request seconds of CPU before its 401.
UNSCANNED = ("/v1/imports",)


def check_body(content_type: str, body: bytes, path: str = "") -> None:
    media = content_type.split(";")[0].strip().lower()
    if not body or path.startswith(UNSCANNED):
        return
    if "json" in media or not media:
        check_json(body)
    elif media == "application/x-www-form-urlencoded":
        check_form(body)
    elif media.startswith("multipart/") or media == "application/edi-x12":
        # Parts are parsed by the page, and X12 answers any garbage with its own acknowledgment
        # (TA1/999); what they carry meets the domain's checks (identifiers, claim texts).
        return
    elif b"\x00" in body:
        raise Refused(422, "INVALID_CHARACTERS", "body: a NUL byte in the body.")


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


async def refusal(scope: Scope, receive: Receive, send: Send, refused: Refused) -> None:
    """Answer a refusal: an OperationOutcome under ``/fhir``, a problem anywhere else."""
    headers: list[tuple[bytes, bytes]]
    if scope.get("path", "").startswith("/fhir/"):
        kind = "too-costly" if refused.status == 413 else "invalid"
        code = "BODY_TOO_LARGE" if refused.status == 413 else refused.code
        content = release.to_json(outcome.simple(refused.status, kind, code, refused.detail))
        body = content.encode()
        headers = [(b"content-type", release.MEDIA_TYPE.encode())]
    else:
        problem = {
            "type": shapes.problem_type(refused.code),
            "title": "Too large" if refused.status == 413 else "Invalid input",
            "status": refused.status,
            "detail": refused.detail,
            "code": refused.code,
            "field": refused.field,
            "errors": [
                {
                    "field": refused.field,
                    "location": refused.field if refused.field in ("path", "query") else "body",
                    "code": refused.code,
                    "message": refused.detail.split(": ", 1)[-1],
                }
            ],
        }
        body = json.dumps(problem).encode()
        headers = [(b"content-type", b"application/problem+json")]
    headers.append((b"content-length", str(len(body)).encode()))
    if refused.status == 413:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _with_security_headers(message: Message, path: str) -> Message:
    headers: list[tuple[bytes, bytes]] = list(message.get("headers", ()))
    present = {bytes(key).lower() for key, _ in headers}
    added = [(key, value) for key, value in SECURITY_HEADERS if key not in present]
    content_type = next((bytes(v).lower() for k, v in headers if k.lower() == b"content-type"), b"")
    if b"content-security-policy" not in present and not path.startswith(DOCS_PATHS):
        added.append((b"content-security-policy", API_CSP))
    if b"cache-control" not in present and content_type.startswith(JSON_TYPES):
        added.append((b"cache-control", b"no-store"))
    return {**message, "headers": headers + added}


DOCS_PATHS = ("/docs", "/redoc")  # their pages set a policy of their own (docs.py)


class InputGuard:
    """The outermost middleware (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = _with_security_headers(message, path)
            await send(message)

        try:
            check_target(scope)
            if scope.get("method") in BODY_METHODS:
                body = await self._read_body(scope, receive)
                check_body(_header(scope, b"content-type"), body, path)
                receive = _replay(body, receive)
        except Refused as refused:
            await refusal(scope, receive, send_secured, refused)
            return
        await self.app(scope, receive, send_secured)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        limit = body_limit(scope.get("path", ""))
        too_large = Refused(
            413, "PAYLOAD_TOO_LARGE", f"body: the body is limited to {limit} bytes here."
        )
        declared = _header(scope, b"content-length").strip()
        if declared:
            if not declared.isascii() or not declared.isdigit():
                raise Refused(400, "INVALID_REQUEST", "Content-Length is not a number.")
            if int(declared) > limit:
                raise too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away: the app sees an empty body and the disconnect
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
