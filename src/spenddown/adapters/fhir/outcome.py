"""Errors as OperationOutcome (``application/fhir+json``), from ONE table.

| error                                   | HTTP | issue.code      |
|-----------------------------------------|------|-----------------|
| INVALID_RESOURCE (not a valid resource) | 400  | structure       |
| a needed element missing (INVALID_REQUEST) | 422 | required     |
| other InvalidInput (INVALID_REQUEST, INVALID_AMOUNT, ...) | 422 | invalid |
| RuleRefusal (DUPLICATE_CLAIM)           | 409  | business-rule (duplicate) |
| NotFound                                | 404  | not-found       |
| AuthenticationFailed                    | 401  | login           |
| Forbidden                               | 403  | forbidden       |
| unsupported path, method or media type  | 404, 405, 415 | not-supported |
| body too large                          | 413  | too-costly      |
| database unavailable                    | 503  | transient       |
| anything else                           | 500  | exception       |

Every issue carries the REST API's stable code in ``details.coding`` (system ``codes.ERROR``),
the sentence in ``details.text`` and, for input errors, the FHIRPath of the element in
``expression``. A resource with several problems gets one issue per problem.
"""

from __future__ import annotations

from spenddown.adapters.fhir import codes, release
from spenddown.adapters.fhir.common import INVALID_RESOURCE, ISSUE_REQUIRED, Json
from spenddown.domain.errors import (
    AuthenticationFailed,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleRefusal,
    SpenddownError,
)

_TABLE: tuple[tuple[type[SpenddownError], int, str], ...] = (
    (InvalidInput, 422, "invalid"),
    (RuleRefusal, 409, "business-rule"),
    (NotFound, 404, "not-found"),
    (AuthenticationFailed, 401, "login"),
    (Forbidden, 403, "forbidden"),
)


def status_and_type(error: SpenddownError) -> tuple[int, str]:
    if error.code == INVALID_RESOURCE:
        return 400, "structure"
    if error.code.startswith("DUPLICATE_"):
        return 409, "duplicate"
    if isinstance(error, InvalidInput) and error.context.get("issue") == ISSUE_REQUIRED:
        return 422, "required"
    return next(((s, t) for kind, s, t in _TABLE if isinstance(error, kind)), (400, "invalid"))


def _issue(issue_type: str, code: str, text: str, expression: str | None = None) -> Json:
    issue: Json = {
        "severity": "error",
        "code": issue_type,
        "details": {"coding": [{"system": codes.ERROR, "code": code}], "text": text},
    }
    if expression:
        issue["expression"] = [expression]
    return issue


def outcome(issues: list[Json]) -> release.OperationOutcome:
    return release.build(
        release.OperationOutcome, {"resourceType": "OperationOutcome", "issue": issues}
    )


def from_error(error: SpenddownError) -> tuple[int, release.OperationOutcome]:
    status, issue_type = status_and_type(error)
    problems = error.context.get("errors")
    if problems:
        issues = [
            _issue(issue_type, error.code, f"{where}: {message}", where)
            for where, message in problems
        ]
    else:
        field = error.context.get("field")
        issues = [_issue(issue_type, error.code, error.detail, field if field else None)]
    return status, outcome(issues)


def simple(status: int, issue_type: str, code: str, text: str) -> release.OperationOutcome:
    return outcome([_issue(issue_type, code, text)])
