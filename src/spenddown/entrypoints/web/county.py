"""County worker pages: sign in with a county token; the SOC calculator with every step and
its rule; set a month's SOC; certify a month from receipts; run the month start."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from spenddown.domain.eligibility.codes import Program
from spenddown.domain.errors import AuthenticationFailed, Forbidden, InvalidInput, SpenddownError
from spenddown.domain.months import BenefitMonth
from spenddown.entrypoints import household as household_body
from spenddown.entrypoints import shapes
from spenddown.entrypoints.web import forms, sessions
from spenddown.entrypoints.web.app import (
    audit,
    csrf_refused,
    failure,
    language,
    render,
    sign_in_again,
    signed_in,
    spenddown,
    status_of,
    vault,
)
from spenddown.rules import REFORMS
from spenddown.services import determination, share_of_cost, whatif
from spenddown.services.access import Principal, Role, authenticate_token
from spenddown.services.common import today

router = APIRouter(include_in_schema=False)
ROLE = "county"
SIGN_IN = "/county/sign-in"
FormText = Annotated[str, Form()]
Csrf = Annotated[str, Form(alias="csrf_token")]
INCOME_ROWS = 3
CALCULATOR_FLAGS = ("aged", "blind", "disabled", "medicare", "home_upkeep")
PROGRAM_NAMES = ("magi", "aged_disabled_fpl", "working_disabled", "medically_needy")


def _worker(request: Request) -> Principal | None:
    """The county principal, its token re-checked on every use (a revoked token stops at once)."""
    who = signed_in(request, ROLE)
    if who is None:
        return None
    app = spenddown(request)
    try:
        principal = authenticate_token(who[1]["token"], app.uow(), app.env.clock.now())
    except AuthenticationFailed:
        return None
    # The county pages list cases statewide: a county-scoped token uses the API (docs/api.md).
    statewide = principal.role is Role.COUNTY and principal.county_code is None
    return principal if statewide else None


@router.get(SIGN_IN)
def sign_in_page(request: Request, expired: str | None = None) -> Response:
    if _worker(request):
        return RedirectResponse("/county", status_code=303)
    return render(request, "county_sign_in.html", {"expired": bool(expired)})


@router.post(SIGN_IN)
def sign_in(request: Request, csrf: Csrf = "", token: FormText = "") -> Response:
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "county_sign_in.html", {})
    app = spenddown(request)
    try:
        principal = authenticate_token(
            forms.text(token, "token", limit=512), app.uow(), app.env.clock.now()
        )
        if principal.role is not Role.COUNTY:
            raise AuthenticationFailed("INVALID_TOKEN", "The bearer token is not valid.")
        if principal.county_code is not None:
            raise Forbidden(
                "FORBIDDEN",
                "These pages need a statewide county token; a token for one county works "
                "with the API.",
            )
    except SpenddownError as error:
        return render(request, "county_sign_in.html", failure(request, error), 401)
    credential = vault(request).put(ROLE, principal.actor, {"token": token.strip()})
    sessions.sign_in(request, ROLE, principal.actor, credential)
    return RedirectResponse("/county", status_code=303)


# --- the SOC calculator ----------------------------------------------------------------------
def _calculator_defaults(request: Request) -> dict[str, Any]:
    app = spenddown(request)
    return {
        "month": str(BenefitMonth.of(today(app.env))),
        "household_size": "1",
        "budget": "abd",
        "ltc": "",
        "earned": [""] * INCOME_ROWS,
        "unearned": [""] * INCOME_ROWS,
        "premiums": [""] * 2,
        "children": "",
        "parents_in_home": "",
        **dict.fromkeys(CALCULATOR_FLAGS, ""),
        "adults": "",
        "spouse_income": "",
        "program": "",
    }


@router.get("/county")
def calculator_page(request: Request) -> Response:
    if _worker(request) is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    return render(request, "county_calculator.html", {"form": _calculator_defaults(request)})


@router.post("/county")
async def calculate(request: Request) -> Response:
    """The form has repeated fields (several incomes), read from the form as lists."""
    principal = await _threaded_worker(request)
    if principal is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    data = await request.form()

    def values(name: str, rows: int) -> list[str]:
        got = [str(v)[:20] for v in data.getlist(name)][:rows]
        return got + [""] * (rows - len(got))

    scalars: dict[str, str] = {
        **{flag: "on" if data.get(flag) else "" for flag in CALCULATOR_FLAGS},
        "adults": str(data.get("adults", ""))[:4],
        "spouse_income": str(data.get("spouse_income", ""))[:20],
        "program": str(data.get("program", ""))[:40],
        "month": str(data.get("month", ""))[:10],
        "household_size": str(data.get("household_size", ""))[:4],
        "budget": "family" if data.get("budget") == "family" else "abd",
        "ltc": "on" if data.get("ltc") else "",
        "children": str(data.get("children", ""))[:4],
        "parents_in_home": str(data.get("parents_in_home", ""))[:4],
    }
    lists: dict[str, list[str]] = {
        "earned": values("earned", INCOME_ROWS),
        "unearned": values("unearned", INCOME_ROWS),
        "premiums": values("premiums", 2),
    }
    form: dict[str, Any] = {**scalars, **lists}
    context: dict[str, Any] = {"form": form}
    if not sessions.csrf_ok(request, str(data.get("csrf_token", ""))):
        return csrf_refused(request, "county_calculator.html", context)
    try:
        body: dict[str, Any] = {
            "month": str(forms.month(scalars["month"])),
            "household_size": forms.whole(scalars["household_size"], "household_size", 1, 10),
            "budget": scalars["budget"],
            "ltc": bool(scalars["ltc"]),
            "incomes": [
                {
                    "kind": kind,
                    "amount": str(forms.required_money(value, f"{kind}[{i}]", language(request))),
                }
                for kind in ("earned", "unearned")
                for i, value in enumerate(lists[kind])
                if value.strip()
            ],
            "premiums": [
                str(forms.required_money(value, f"premiums[{i}]", language(request)))
                for i, value in enumerate(lists["premiums"])
                if value.strip()
            ],
        }
        for flag in ("aged", "blind", "disabled", "medicare", "home_upkeep"):
            body[flag] = bool(scalars[flag])
        if scalars["adults"].strip():
            body["adults"] = forms.whole(scalars["adults"], "adults", 0, 10)
        if scalars["spouse_income"].strip():
            body["spouse_income"] = str(
                forms.required_money(scalars["spouse_income"], "spouse_income", language(request))
            )
        if scalars["program"]:
            body["program"] = scalars["program"]
        if scalars["children"].strip() or scalars["parents_in_home"].strip():
            body["children_only"] = {
                "children": forms.whole(scalars["children"], "children", 1, 10),
                "parents_in_home": forms.whole(scalars["parents_in_home"], "parents_in_home", 0, 2),
            }
        found, program, inputs = household_body.household(household_body.validated(body))
        result = shapes.ladder(determination.determine_household(found, program))
    except SpenddownError as error:
        return render(
            request,
            "county_calculator.html",
            {**context, **failure(request, error)},
            status_of(error),
        )
    context["inputs"] = json.dumps(inputs, sort_keys=True)
    return render(request, "county_calculator.html", {**context, "determination": result})


async def _threaded_worker(request: Request) -> Principal | None:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_worker, request)


# --- case work -------------------------------------------------------------------------------
def _cases_context(request: Request, **extra: Any) -> dict[str, Any]:
    app = spenddown(request)
    month = str(BenefitMonth.of(today(app.env)))
    form = {"case_id": "", "budget_unit": "A", "month": month, "amount": "", "program": "medi-cal"}
    return {"form": form, "month": month, **extra}


@router.get("/county/cases")
def cases_page(request: Request) -> Response:
    if _worker(request) is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    return render(request, "county_cases.html", _cases_context(request))


def _case_form(case_id: str, budget_unit: str, month: str) -> tuple[str, str, BenefitMonth]:
    return (
        forms.text(case_id, "case_id", limit=40),
        forms.text(budget_unit, "budget_unit", limit=20),
        forms.month(month),
    )


@router.post("/county/cases/soc")
def set_soc(
    request: Request,
    csrf: Csrf = "",
    case_id: FormText = "",
    budget_unit: FormText = "",
    month: FormText = "",
    amount: FormText = "",
    program: FormText = "medi-cal",
    retro_override: FormText = "",
) -> Response:
    principal = _worker(request)
    if principal is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    form = {
        "case_id": case_id[:40],
        "budget_unit": budget_unit[:20],
        "month": month[:10],
        "amount": amount[:20],
        "program": "cmsp" if program == "cmsp" else "medi-cal",
    }
    context = _cases_context(request)
    context["form"] = form
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "county_cases.html", context)
    app = spenddown(request)
    try:
        if program not in ("medi-cal", "cmsp"):
            raise InvalidInput("INVALID_PROGRAM", "program: medi-cal or cmsp.", field="program")
        case, unit, chosen = _case_form(case_id, budget_unit, month)
        cmd = share_of_cost.SetShareOfCost(
            case_id=case,
            budget_unit=unit,
            month=chosen,
            amount=forms.required_money(amount, "amount", language(request)),
            program=Program(program),
            retro_override=bool(retro_override),
        )
        view = share_of_cost.set_share_of_cost(cmd, app.uow(), app.env)
        result = shapes.obligation_group([view])
    except SpenddownError as error:
        audit(request, ROLE, principal.actor, "soc.set", None, error.code)
        return render(
            request, "county_cases.html", {**context, **failure(request, error)}, status_of(error)
        )
    audit(request, ROLE, principal.actor, "soc.set", None, "OK")
    return render(request, "county_cases.html", {**context, "obligation": result, "done": "set"})


@router.post("/county/cases/soc-from-determination")
def set_soc_from_determination(
    request: Request,
    csrf: Csrf = "",
    case_id: FormText = "",
    budget_unit: FormText = "",
    inputs: FormText = "",
    retro_override: FormText = "",
) -> Response:
    """ "Set SOC" under the calculator: the determination's inputs come back from the page and
    are checked and computed again (never trusted); its SOC is set and its inputs stored."""
    principal = _worker(request)
    if principal is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    context = _cases_context(request)
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "county_cases.html", context)
    app = spenddown(request)
    try:
        case = forms.text(case_id, "case_id", limit=40)
        unit = forms.text(budget_unit, "budget_unit", limit=20)
        try:
            raw = json.loads(inputs[:20_000])
        except ValueError:
            raise InvalidInput(
                "INVALID_REQUEST", "The determination could not be read.", field="inputs"
            ) from None
        _, _, stored = household_body.household(household_body.validated(raw))
        _, view = determination.set_from_determination(
            case, unit, stored, app.uow(), app.env, retro_override=bool(retro_override)
        )
        result = shapes.obligation_group([view])
    except SpenddownError as error:
        audit(request, ROLE, principal.actor, "soc.set", None, error.code)
        return render(
            request, "county_cases.html", {**context, **failure(request, error)}, status_of(error)
        )
    audit(request, ROLE, principal.actor, "soc.set", None, "OK")
    return render(request, "county_cases.html", {**context, "obligation": result, "done": "set"})


@router.get("/county/whatif")
def whatif_page(request: Request, month: str = "", reform: str = "") -> Response:
    """The population what-if of a month with its chart (docs/web.md)."""
    if _worker(request) is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    app = spenddown(request)
    context: dict[str, Any] = {
        "form": {"month": month[:10] or str(BenefitMonth.of(today(app.env))), "reform": reform},
        "reforms": sorted(REFORMS),
    }
    if not month:
        return render(request, "county_whatif.html", context)
    try:
        report = whatif.run_whatif(forms.month(month), reform[:40] or None, None, app.uow())
    except SpenddownError as error:
        return render(
            request, "county_whatif.html", {**context, **failure(request, error)}, status_of(error)
        )
    shaped = shapes.whatif(report)
    largest = max([1] + [max(b["before"], b["after"]) for b in shaped["bands"]])
    return render(request, "county_whatif.html", {**context, "w": shaped, "largest": largest})


@router.post("/county/cases/certification")
def certify(
    request: Request,
    csrf: Csrf = "",
    case_id: FormText = "",
    budget_unit: FormText = "",
    month: FormText = "",
) -> Response:
    principal = _worker(request)
    if principal is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    context = _cases_context(request)
    context["certify_form"] = {
        "case_id": case_id[:40],
        "budget_unit": budget_unit[:20],
        "month": month[:10],
    }
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "county_cases.html", context)
    app = spenddown(request)
    try:
        case, unit, chosen = _case_form(case_id, budget_unit, month)
        views = share_of_cost.certify_by_county(
            share_of_cost.CertifyByCounty(case, unit, chosen), app.uow(), app.env
        )
        result = shapes.obligation_group(views)
    except SpenddownError as error:
        audit(request, ROLE, principal.actor, "soc.certify", None, error.code)
        return render(
            request, "county_cases.html", {**context, **failure(request, error)}, status_of(error)
        )
    audit(request, ROLE, principal.actor, "soc.certify", None, "OK")
    return render(
        request, "county_cases.html", {**context, "obligation": result, "done": "certified"}
    )


@router.post("/county/cycle")
def start_month(request: Request, csrf: Csrf = "", month: FormText = "") -> Response:
    principal = _worker(request)
    if principal is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    context = _cases_context(request)
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "county_cases.html", context)
    app = spenddown(request)
    try:
        result = shapes.cycle(share_of_cost.start_month(forms.month(month), app.uow(), app.env))
    except SpenddownError as error:
        return render(
            request, "county_cases.html", {**context, **failure(request, error)}, status_of(error)
        )
    audit(request, ROLE, principal.actor, "cycle.start", None, "OK")
    return render(request, "county_cases.html", {**context, "cycle": result})
