"""``POST /v1/x12`` (provider): an X12 5010 interchange in, its answer out (docs/x12.md).

A 270 is answered with a 271, an 837P with an 835 (and a 277CA for the claims refused before
adjudication) and a 276 with a 277, all ``200 application/edi-x12``; a
malformed interchange with a 999 or a TA1, also 200 (the acknowledgment *is* the answer, as in
CAQH CORE real-time exchanges). A file of acknowledgments (TA1/999) of spenddown's own answers is
recorded and answered with ``202`` and a JSON count: an acknowledgment is never acknowledged.
The ``X12-Answer`` header names what the body is. Refusals that
are not X12's to express stay problem+json: no or wrong credentials for an 837P (401), a body
that is not ``application/edi-x12`` (415) or too large (413).
"""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from spenddown.adapters.x12 import exchange
from spenddown.entrypoints.api.audit import audited
from spenddown.entrypoints.api.deps import AppDep, ProviderTransaction
from spenddown.entrypoints.api.errors import problem_response
from spenddown.entrypoints.api.routes import make_router
from spenddown.entrypoints.api.schemas import Problem
from spenddown.entrypoints.shapes import problem_type

router = make_router("x12", 401, 403)
MAX_BYTES = 20 * 1024 * 1024  # about 40,000 claims; larger batches go through the CLI


def _problem(status: int, code: str, title: str, detail: str) -> JSONResponse:
    body = {
        "type": problem_type(code),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    return problem_response(body, status)


@router.post(
    "/v1/x12",
    summary="Answer an X12 270 with a 271, an 837P with an 835/277CA, a 276 with a 277 "
    "(999/TA1 when malformed)",
    dependencies=[audited("x12.exchange")],
    response_class=Response,
    responses={
        200: {
            "content": {exchange.MEDIA_TYPE: {"schema": {"type": "string"}}},
            "description": "The answer: 271, 835, 277, 999 or TA1 (see the X12-Answer header).",
        },
        202: {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "recorded": {"type": "integer"},
                            "detail": {"type": "string"},
                        },
                    }
                }
            },
            "description": "A file of acknowledgments (TA1/999) of spenddown's own 271/835: "
            "recorded, nothing answered.",
        },
        413: {"model": Problem, "description": "Over 20 MB (`PAYLOAD_TOO_LARGE`)"},
        415: {"model": Problem, "description": "Not application/edi-x12"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                exchange.MEDIA_TYPE: {"schema": {"type": "string"}},
                # also taken (and documented, so that OpenAPI tools can send one)
                "text/plain": {"schema": {"type": "string"}},
            },
        }
    },
)
async def x12(request: Request, caller: ProviderTransaction, app: AppDep) -> Response:
    """The 2100B information receiver of a 270, and the 2010AA billing provider of an 837P, must
    be the NPI of the credentials. Every subscriber is verified and every claim adjudicated
    exactly as by `POST /v1/eligibility/verifications` and `POST /v1/claims`."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in (exchange.MEDIA_TYPE, "application/edi-x12+text", "text/plain"):
        return _problem(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "Unsupported media type",
            f"Send the interchange as {exchange.MEDIA_TYPE}.",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        return _problem(413, "PAYLOAD_TOO_LARGE", "Too large", "The interchange is over 20 MB.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BYTES:
            return _problem(413, "PAYLOAD_TOO_LARGE", "Too large", "The interchange is over 20 MB.")
    npi, pin = caller.credentials()
    text = body.decode("utf-8", errors="replace")
    answer = await run_in_threadpool(
        exchange.answer, text, npi=npi, pin=pin, uow=app.uow, env=app.env
    )
    if not answer.kind:  # acknowledgments (TA1/999) of our own answers: recorded, unanswered
        return JSONResponse(
            {
                "recorded": answer.recorded,
                "detail": f"{answer.recorded} acknowledgment(s) recorded; "
                "an acknowledgment is never acknowledged.",
            },
            status_code=202,
        )
    headers = {"X12-Answer": answer.kind}
    if answer.recorded:
        headers["X12-Recorded"] = str(answer.recorded)
    return Response(answer.text, media_type=exchange.MEDIA_TYPE, headers=headers)
