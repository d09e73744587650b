"""County worker pages: sign in with a county token; find a case (case ID, member ID, or name
and date of birth) and see it before acting; the SOC calculator with every step and its rule;
set a month's SOC; certify a month from receipts; run the month start. Every form shows its
errors in the field pattern (docs/web.md, "Errors")."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote

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
    field_failure,
    language,
    render,
    sign_in_again,
    signed_in,
    spenddown,
    status_of,
    vault,
)
from spenddown.entrypoints.web.i18n import N_
from spenddown.rules import REFORMS
from spenddown.services import cases, determination, share_of_cost, soc_over_time, whatif
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

# What to do about each county field, in the page's language (docs/web.md, "Errors"): never
# the API's "case_id: ..." (app.FIELD_MESSAGES has the other pages' fields).
_INCOME = N_("Enter the monthly income in dollars and cents, for example 1800.00.")
_PREMIUM = N_("Enter the monthly premium in dollars and cents, for example 150.00.")
MESSAGES: Mapping[str, str] = {
    "token": N_("Enter the county token an administrator created for you."),
    "case_id": N_("Enter the case ID, for example C-19-5150."),
    "budget_unit": N_("Enter a budget unit of the case, for example A."),
    "amount": N_("Enter the Share of Cost in dollars and cents, for example 300.00."),
    "program": N_("Choose Medi-Cal or CMSP."),
    "household_size": N_("Enter the household size, a whole number from 1 to 10."),
    "adults": N_("Enter the number of adults, a whole number from 0 to 10."),
    "children": N_("Enter the number of children in the unit, a whole number from 1 to 10."),
    "parents_in_home": N_("Enter the number of parents in the home: 0, 1 or 2."),
    "spouse_income": N_(
        "Enter the income of the spouse at home in dollars and cents, for example 900.00."
    ),
    **{f"{kind}[{i}]": _INCOME for kind in ("earned", "unearned") for i in range(INCOME_ROWS)},
    **{f"premiums[{i}]": _PREMIUM for i in range(2)},
    "reform": N_("Choose a reform from the list."),
    # The search (services/cases.py).
    "key": N_("Enter a case ID or a member ID (CIN), or a name and a date of birth."),
    "name": N_("Enter the member's name as well, for example Maria Garcia."),
    "birth_date": N_("Enter the member's date of birth as well, for example 1984-02-03."),
    # The receipts page.
    "provider_name": N_("Enter the provider's name as it is on the receipt or bill."),
    "date": N_("Enter the date on the receipt or bill, for example 2026-11-03."),
    "paid": N_("Choose whether the bill was paid or is still owed."),
}
RECEIPT_MESSAGES: Mapping[str, str] = {
    **MESSAGES,
    "amount": N_(
        "Enter the amount of the receipt or bill in dollars and cents, for example 54.00."
    ),
}
CODE_FIELDS: Mapping[str, str] = {
    "BUDGET_UNIT_NOT_FOUND": "budget_unit",
    "OBLIGATION_NOT_FOUND": "month",
    "RETRO_CHANGE_TOO_OLD": "month",
    "INVALID_TOKEN": "token",
    "INVALID_AMOUNT": "amount",
    "INVALID_PROVIDER_NAME": "provider_name",
    "PAID_OR_UNPAID": "paid",
}


def county_failure(
    request: Request,
    error: SpenddownError,
    form: str,
    ids: Mapping[str, str],
    *,
    messages: Mapping[str, str] = MESSAGES,
    default_field: str | None = None,
    variant: str = "_COUNTY",
) -> dict[str, Any]:
    """``field_failure`` for one of several forms on a page: each error's field is named
    ``form.field`` (the template marks only that form's fields) and links to its input
    (``ids``); an error about no field of this form stays in the summary, unlinked."""
    shown = field_failure(
        request,
        error,
        ids,
        variant,
        messages=messages,
        code_fields=CODE_FIELDS,
        default_field=default_field,
    )
    for item in shown["errors"]:
        if item["field"] in ids:
            item["field"] = f"{form}.{item['field']}"
        else:
            item["field"] = item["id"] = None
    return shown


def case_link(case_id: str) -> str:
    return "/county/cases/" + quote(case_id, safe="")


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
        forms.text(token, "token", limit=512)
        principal = authenticate_token(
            forms.text(token, "token", limit=512), app.uow(), app.env.clock.now()
        )
        if principal.role is not Role.COUNTY:
            raise AuthenticationFailed("INVALID_TOKEN", "The bearer token is not valid.")
        if principal.county_code is not None:
            raise Forbidden(
                "FORBIDDEN",  # shown with its county words (app.ERRORS "FORBIDDEN_COUNTY")
                "These pages need a statewide county token; a token for one county works "
                "with the API.",
            )
    except SpenddownError as error:
        shown = county_failure(request, error, "sign_in", {"token": "token"}, default_field="token")
        return render(request, "county_sign_in.html", shown, status_of(error))
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
        "case_id": "",
    }


CALCULATOR_IDS: Mapping[str, str] = {
    **{name: name for name in ("month", "household_size", "budget", "adults", "program")},
    **{name: name for name in ("spouse_income", "children", "parents_in_home")},
    **{f"earned[{i}]": f"earned{i + 1}" for i in range(INCOME_ROWS)},
    **{f"unearned[{i}]": f"unearned{i + 1}" for i in range(INCOME_ROWS)},
    **{f"premiums[{i}]": f"premium{i + 1}" for i in range(2)},
}
SET_FROM_IDS: Mapping[str, str] = {"case_id": "from_case", "budget_unit": "from_unit"}


@router.get("/county")
def calculator_page(request: Request, case_id: str = "") -> Response:
    """The search form first, then the calculator; ``case_id`` (from a case's page) fills the
    case of "Set SOC" under the result."""
    if _worker(request) is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    form = {**_calculator_defaults(request), "case_id": case_id[:40]}
    return render(request, "county_calculator.html", {"form": form, "find": {}})


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
        "case_id": str(data.get("case_id", ""))[:40],
    }
    lists: dict[str, list[str]] = {
        "earned": values("earned", INCOME_ROWS),
        "unearned": values("unearned", INCOME_ROWS),
        "premiums": values("premiums", 2),
    }
    form: dict[str, Any] = {**scalars, **lists}
    context: dict[str, Any] = {"form": form, "find": {}}
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
        shown = county_failure(request, error, "calc", CALCULATOR_IDS)
        return render(request, "county_calculator.html", {**context, **shown}, status_of(error))
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


SET_IDS: Mapping[str, str] = {
    "case_id": "set_case",
    "budget_unit": "set_unit",
    "month": "set_month",
    "amount": "set_amount",
    "program": "set_program",
}
CERTIFY_IDS: Mapping[str, str] = {
    "case_id": "cert_case",
    "budget_unit": "cert_unit",
    "month": "cert_month",
}
CYCLE_IDS: Mapping[str, str] = {"month": "cycle_month"}


@router.get("/county/cases")
def cases_page(
    request: Request, case_id: str = "", budget_unit: str = "", month: str = ""
) -> Response:
    """The case-work forms, filled from a case's page (``?case_id=…&budget_unit=…&month=…``) so
    that a worker never retypes a case ID."""
    if _worker(request) is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    context = _cases_context(request)
    if case_id:
        chosen = {
            "case_id": case_id[:40],
            "budget_unit": budget_unit[:20] or "A",
            "month": month[:10] or context["month"],
        }
        context["form"] = {**context["form"], **chosen}
        context["certify_form"] = chosen
    return render(request, "county_cases.html", context)


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
        shown = county_failure(request, error, "set", SET_IDS)
        return render(request, "county_cases.html", {**context, **shown}, status_of(error))
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
        # Shown on the case-work page, at the Set SOC form's case and unit, typed values kept.
        context["form"] = {
            **context["form"],
            "case_id": case_id[:40],
            "budget_unit": budget_unit[:20],
        }
        shown = county_failure(request, error, "set", {k: SET_IDS[k] for k in SET_FROM_IDS})
        return render(request, "county_cases.html", {**context, **shown}, status_of(error))
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
        ids = {"month": "wi_month", "reform": "wi_reform"}
        shown = county_failure(request, error, "whatif", ids)
        return render(request, "county_whatif.html", {**context, **shown}, status_of(error))
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
        shown = county_failure(request, error, "certify", CERTIFY_IDS)
        return render(request, "county_cases.html", {**context, **shown}, status_of(error))
    audit(request, ROLE, principal.actor, "soc.certify", None, "OK")
    return render(
        request, "county_cases.html", {**context, "obligation": result, "done": "certified"}
    )


@router.post("/county/cycle")
def start_month(request: Request, csrf: Csrf = "", month: FormText = "") -> Response:
    principal = _worker(request)
    if principal is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    context = _cases_context(request, cycle_month=month[:10])
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "county_cases.html", context)
    app = spenddown(request)
    try:
        result = shapes.cycle(share_of_cost.start_month(forms.month(month), app.uow(), app.env))
    except SpenddownError as error:
        shown = county_failure(request, error, "cycle", CYCLE_IDS)
        return render(request, "county_cases.html", {**context, **shown}, status_of(error))
    audit(request, ROLE, principal.actor, "cycle.start", None, "OK")
    return render(request, "county_cases.html", {**context, "cycle": result})


# --- find a case, see it before acting ---------------------------------------------------------
FIND_IDS: Mapping[str, str] = {"key": "find_key", "name": "find_name", "birth_date": "find_born"}


@router.post("/county/find")
def find_case(
    request: Request,
    csrf: Csrf = "",
    key: FormText = "",
    name: FormText = "",
    birth_date: FormText = "",
) -> Response:
    """One search form (at the top of /county): a case ID (or its beginning), a member ID, or a
    name and a date of birth. POST, so that names and birth dates never appear in an address
    (nor in a server's access log). One case: its page; several: a list; none: said plainly."""
    principal = _worker(request)
    if principal is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    find = {"key": key[:40], "name": name[:200], "birth_date": birth_date[:10]}
    context: dict[str, Any] = {"find": find}
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "county_find.html", context)
    app = spenddown(request)
    try:
        typed = forms.text(key, "key", required=False, limit=40)
        member = None
        if typed:
            try:
                member = forms.member_id(typed, "key")
            except InvalidInput:
                member = None  # not a member ID: a case ID
        born = forms.day_at(birth_date, "birth_date") if birth_date.strip() else None
        matches = cases.find_cases(
            app.uow(),
            key="" if member is not None else typed,
            member_id=member,
            name=forms.text(name, "name", required=False),
            birth_date=born,
        )
    except SpenddownError as error:
        audit(request, ROLE, principal.actor, "case.find", None, error.code)
        shown = county_failure(request, error, "find", FIND_IDS)
        return render(request, "county_find.html", {**context, **shown}, status_of(error))
    audit(request, ROLE, principal.actor, "case.find", None, "OK")
    if len(matches) == 1:
        return RedirectResponse(case_link(matches[0].case_id), status_code=303)
    searched = {
        "key": typed,
        "member": member is not None,
        "name": name.strip(),
        "born": None if born is None else born.isoformat(),
    }
    return render(
        request,
        "county_find.html",
        {**context, "matches": matches, "searched": searched, "link": case_link},
        200 if matches else 404,
    )


def _months(view: cases.CaseView) -> list[dict[str, Any]]:
    shown = []
    for month in view.months:
        o = month.obligation
        shown.append(
            {
                **shapes.obligation(o),
                "entries": [
                    {
                        "kind": str(e.kind),
                        "provider_name": e.provider_name or "",
                        "service_date": shapes.day(e.service_date) if e.service_date else "",
                        "recorded": e.created_at.date().isoformat(),
                        "applied": shapes.money(e.applied),
                        "charge": shapes.money(e.charge) if e.charge is not None else "",
                        "payment": e.payment or "",
                        "reversed": e.reversed,
                    }
                    for e in month.entries
                ],
            }
        )
    return shown


@router.get("/county/cases/{case_id}")
def case_page(request: Request, case_id: str) -> Response:
    """A case before acting: its budget units and members, every month's Share of Cost (amount,
    remaining, certified) with the ledger's entries, and the actions, filled with the case."""
    principal = _worker(request)
    if principal is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    app = spenddown(request)
    try:
        view = cases.case_view(forms.text(case_id, "case_id", limit=40), app.uow())
    except SpenddownError as error:
        audit(request, ROLE, principal.actor, "case.view", None, error.code)
        context = {"find": {"key": case_id[:40]}, "searched": {"key": case_id[:40]}}
        return render(request, "county_find.html", {**context, "matches": []}, status_of(error))
    audit(request, ROLE, principal.actor, "case.view", None, "OK")
    return render(
        request,
        "county_case.html",
        {
            "case": view,
            "months": _months(view),
            "notices": soc_over_time.case_notices(view.case_id, app.uow()),
            "current": str(BenefitMonth.of(today(app.env))),
            "quote": lambda value: quote(str(value), safe=""),
        },
    )
