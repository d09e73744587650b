"""The county worker (issue 15), in English and Spanish, at desk and phone widths: find a case
by case ID, its beginning, member ID, or name and date of birth (accents aside); "no case
found" said with what was searched; the case page (units, members, months, the ledger with
provider names) and its actions filled with the case; every county form's errors in the field
pattern (summary linking to the field, message at the field, focus, "Error:" in the title,
what was typed kept); the receipts the county records shown to the family.

Runs before test_county_pages.py and test_family_pages.py (one server, file order): it records
receipts only on Ana Reyes's case, which no other file reads (the family lockout test only
signs her in after locking her out)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import PHONE, Server, check
from spenddown.entrypoints.cli import demo

pytestmark = pytest.mark.xdist_group("browser")

DESK = {"width": 1280, "height": 900}
GARCIA = "C-19-5150"
ANA_CASE = "C-30-7781"
WORDS = {
    "en": {
        "error": "Error:",
        "problem": "There is a problem",
        "case": "Case C-19-5150",
        "rr": "responsible relative",
        "clearance": "Clearance",
        "no_case": "No case found for case ID “C-99-0000”",
        "found": "3 cases found for case ID “C-19”",
        "search_empty": "Enter a case ID or a member ID",
        "need_born": "Enter the member's date of birth as well",
        "token": "Enter the county token",
        "bad_token": "The county token is not valid.",
        "income": "Enter the monthly income in dollars and cents",
        "soc": "Enter the Share of Cost in dollars and cents",
        "unit": "This case has no budget unit by this name.",
        "no_soc": "This budget unit has no Share of Cost for this month.",
        "month": "Enter a month",
        "after": "The bill is dated after this month",
        "receipt_amount": "Enter the amount of the receipt or bill",
        "receipt_note": "Receipt you brought to the county: you paid",
        "record": "Record a receipt or old bill for this month",
        "set": "Set this month's Share of Cost",
        "compute": "Compute a Share of Cost, then set it for this case",
        "recorded": "Receipt recorded",
    },
    "es": {
        "error": "Error:",
        "problem": "Hay un problema",
        "case": "Caso C-19-5150",
        "rr": "familiar responsable",
        "clearance": "Abono",
        "no_case": "No se encontró ningún caso con número de caso “C-99-0000”",
        "found": "3 casos encontrados con número de caso “C-19”",
        "search_empty": "Escriba un número de caso o un número de miembro",
        "need_born": "Escriba también la fecha de nacimiento del miembro",
        "token": "Escriba el token del condado",
        "bad_token": "El token del condado no es válido.",
        "income": "Escriba el ingreso mensual en dólares y centavos",
        "soc": "Escriba la Parte del Costo en dólares y centavos",
        "unit": "Este caso no tiene ninguna unidad de presupuesto con este nombre.",
        "no_soc": "Esta unidad de presupuesto no tiene Parte del Costo este mes.",
        "month": "Escriba un mes",
        "after": "La factura tiene fecha posterior a este mes",
        "receipt_amount": "Escriba el monto del recibo o de la factura",
        "receipt_note": "Recibo que usted llevó al condado: usted pagó",
        "record": "Registrar un recibo o una factura antigua para este mes",
        "set": "Fijar la Parte del Costo de este mes",
        "compute": "Calcular una Parte del Costo y fijarla para este caso",
        "recorded": "Recibo registrado",
    },
}
SIZES = [("en", DESK), ("en", PHONE), ("es", DESK), ("es", PHONE)]
# Screenshots kept in docs/screenshots/ (refreshed with SPENDDOWN_README_SHOTS=1).
FIND_SHOTS = {"en-desk": "county-find.png", "es-phone": "county-find-es.png"}
RECEIPT_SHOTS = {"en-desk": "county-receipts.png", "es-phone": "county-receipts-es.png"}


def new_page(browser: Browser, server: Server, size: dict[str, int], **kw: Any) -> Page:
    context = browser.new_context(viewport=size, base_url=server.base, locale="en-US", **kw)
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(server.base) else route.abort()
        ),
    )
    return context.new_page()


def county_page(browser: Browser, server: Server, lang: str, size: dict[str, int]) -> Page:
    page = new_page(browser, server, size)
    page.goto(f"/language/{lang}?next=/county/sign-in")
    page.locator("#token").fill(server.county_token)
    page.locator("form[action='/county/sign-in'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/county$"))
    return page


def find(page: Page, key: str = "", name: str = "", born: str = "") -> None:
    form = page.locator("#find")
    form.locator("#find_key").fill(key)
    form.locator("#find_name").fill(name)
    form.locator("#find_born").fill(born)
    form.locator("button[type=submit]").click()


def active_id(page: Page) -> str:
    page.wait_for_load_state("load")
    page.wait_for_function("document.activeElement && document.activeElement !== document.body")
    return str(page.evaluate("document.activeElement.id"))


def at_field(page: Page, w: dict[str, str], field_id: str, words: str) -> None:
    """The error pattern: the summary (focused) links to the field, the message is at the
    field, the field is marked invalid, the title starts with "Error:", no API field name."""
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(w["problem"])
    expect(summary.locator(f"a[href='#{field_id}']")).to_have_count(1)
    expect(page.locator(f"#{field_id}-error")).to_contain_text(words)
    expect(page.locator(f"#{field_id}")).to_have_attribute("aria-invalid", "true")
    assert page.title().startswith(w["error"]), page.title()
    assert active_id(page) == "error"
    api_names = ("case_id", "budget_unit", "provider_name", "birth_date", "unearned[", "token:")
    for api_name in api_names:
        expect(summary).not_to_contain_text(api_name)


@pytest.mark.parametrize(("lang", "size"), SIZES)
def test_find_a_case_by_each_key_and_see_it_before_acting(
    browser: Browser, server: Server, lang: str, size: dict[str, int]
) -> None:
    w = WORDS[lang]
    tag = f"{lang}-{'phone' if size == PHONE else 'desk'}"
    page = county_page(browser, server, lang, size)
    # The search form comes first on /county.
    assert page.locator("main form").first.get_attribute("id") == "find"

    # By case ID: straight to the case.
    find(page, GARCIA)
    expect(page).to_have_url(re.compile(rf"/county/cases/{GARCIA}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(w["case"])
    units = page.locator("table.units")
    expect(units).to_contain_text("Maria Garcia")
    expect(units).to_contain_text(demo.JOSE.cin)
    expect(units).to_contain_text(w["rr"])
    months = page.locator("table.months tr.case-month")
    assert months.count() >= 2  # units A and B this month, and the months before
    first = months.first
    expect(first.locator(".remaining")).to_have_text(re.compile(r"^\$[0-9,]+\.[0-9]{2}$"))
    # The seed's clinic clearance on the parents' unit, with the provider's name.
    entry = page.locator("table.entries tr", has_text="Eastside Community Clinic").first
    expect(entry).to_contain_text("$120.00")
    expect(entry).to_contain_text(w["clearance"])
    # Dates and months written out in the page's language in every table (no 2026-12-04).
    tables = " ".join(page.locator("main table").all_inner_texts())
    assert not re.search(r"\b\d{4}-\d{2}(-\d{2})?\b", tables), tables
    # Every target is at least 44 × 44 px: the buttons, the fields, the actions' links.
    sizes = page.locator(
        "main button, main a.button, main input:not([type=hidden]), main .action-list a"
    ).evaluate_all(
        "els => els.filter(e => e.offsetParent).map(e => {"
        " const r = e.getBoundingClientRect();"
        " return [e.textContent.trim() || e.id, r.width, r.height]; })"
    )
    assert len(sizes) >= 5
    small = [(name, w, h) for name, w, h in sizes if w < 44 or h < 44]
    assert small == [], small
    check(page, f"county-case-{tag}", readme={"en-desk": "county-case.png"}.get(tag))
    if tag == "es-phone":
        check(page, "county-case-es", readme="county-case-es.png")

    # The actions come filled with the case: a receipt for the month, its SOC, the calculator.
    first.get_by_role("link", name=w["record"]).click()
    expect(page).to_have_url(re.compile(r"/county/receipts\?"))
    expect(page.locator("#r_case")).to_have_value(GARCIA)
    expect(page.locator("#r_unit")).to_have_value("A")
    page.go_back()
    page.locator("tr.case-month").first.get_by_role("link", name=w["set"]).click()
    expect(page.locator("#set_case")).to_have_value(GARCIA)
    expect(page.locator("#cert_case")).to_have_value(GARCIA)
    page.go_back()
    page.get_by_role("link", name=w["compute"]).click()
    expect(page.locator("form[action='/county'] input[name=case_id]")).to_have_value(GARCIA)

    # By member ID (the responsible relative): the same case.
    find(page, demo.JOSE.cin)
    expect(page).to_have_url(re.compile(rf"/county/cases/{GARCIA}$"))
    # By name and date of birth, case and accents aside.
    find(page, "", "GARCÍA, maría", demo.MARIA.born)
    expect(page).to_have_url(re.compile(rf"/county/cases/{GARCIA}$"))

    # The beginning of a case ID: a list to choose from.
    find(page, "C-19")
    expect(page.locator("#matches-heading")).to_have_text(w["found"])
    page.locator("#matches").get_by_role("link", name=re.compile("C-19-4401")).click()
    expect(page).to_have_url(re.compile(r"/county/cases/C-19-4401$"))
    find(page, "C-19")
    check(page, f"county-find-list-{tag}", readme=FIND_SHOTS.get(tag))

    # Nothing found, said plainly with what was searched; the search is kept.
    find(page, "C-99-0000")
    expect(page.locator("#no-case")).to_contain_text(w["no_case"])
    expect(page.locator("#find_key")).to_have_value("C-99-0000")
    check(page, f"county-find-none-{tag}")
    page.context.close()


@pytest.mark.parametrize(("lang", "size"), SIZES)
def test_every_county_form_shows_its_error_at_the_field(
    browser: Browser, server: Server, lang: str, size: dict[str, int]
) -> None:
    w = WORDS[lang]
    tag = f"{lang}-{'phone' if size == PHONE else 'desk'}"

    # Sign-in: empty, then a wrong token, at the token field.
    page = new_page(browser, server, size)
    page.goto(f"/language/{lang}?next=/county/sign-in")
    page.locator("form[action='/county/sign-in'] button[type=submit]").click()
    at_field(page, w, "token", w["token"])
    page.locator("#token").fill("sd_not-a-token")
    page.locator("form[action='/county/sign-in'] button[type=submit]").click()
    at_field(page, w, "token", w["bad_token"])
    check(page, f"county-error-sign-in-{tag}")
    page.context.close()

    page = county_page(browser, server, lang, size)
    # The search: nothing typed; a name without a birth date.
    find(page)
    at_field(page, w, "find_key", w["search_empty"])
    find(page, "", "Garcia")
    at_field(page, w, "find_born", w["need_born"])
    expect(page.locator("#find_name")).to_have_value("Garcia")

    # The calculator: an income that is not an amount, kept as typed.
    page.goto("/county")
    page.locator("#unearned1").fill("mil")
    page.locator("form[action='/county'] button[type=submit]").click()
    at_field(page, w, "unearned1", w["income"])
    expect(page.locator("#unearned1")).to_have_value("mil")

    # Set SOC: an amount that is not one; a budget unit the case does not have.
    page.goto(f"/county/cases?case_id={ANA_CASE}")
    form = page.locator("form[action='/county/cases/soc']")
    form.locator("#set_amount").fill("doce")
    form.locator("button[type=submit]").click()
    at_field(page, w, "set_amount", w["soc"])
    expect(page.locator("#set_amount")).to_have_value("doce")
    expect(page.locator("#set_case")).to_have_value(ANA_CASE)
    page.locator("#set_unit").fill("Z")
    page.locator("#set_amount").fill("300.00")
    page.locator("form[action='/county/cases/soc'] button[type=submit]").click()
    at_field(page, w, "set_unit", w["unit"])
    expect(page.locator("#set_unit")).to_have_value("Z")
    check(page, f"county-error-set-{tag}")

    # Certification: a unit without a Share of Cost that month, at the month.
    certify = page.locator("form[action='/county/cases/certification']")
    certify.locator("#cert_case").fill(ANA_CASE)
    certify.locator("#cert_unit").fill("Z")
    certify.locator("button[type=submit]").click()
    at_field(page, w, "cert_month", w["no_soc"])
    expect(page.locator("#cert_unit")).to_have_value("Z")
    # Only the form that failed is marked.
    expect(page.locator("#set_unit")).not_to_have_attribute("aria-invalid", "true")

    # The month start: no month.
    page.locator("#cycle_month").fill("")
    page.locator("form[action='/county/cycle'] button[type=submit]").click()
    at_field(page, w, "cycle_month", w["month"])

    # Receipts: a bill dated after its month; an amount that is not one.
    page.goto(f"/county/receipts?case_id={ANA_CASE}&budget_unit=A")
    page.locator("#r_month").fill("2026-01")
    page.locator("#r_provider").fill("Farmacia Central")
    page.locator("#r_date").fill(server.today)
    page.locator("#r_amount").fill("12.00")
    page.locator("form[action='/county/receipts'] button[type=submit]").click()
    at_field(page, w, "r_date", w["after"])
    expect(page.locator("#r_provider")).to_have_value("Farmacia Central")
    page.locator("#r_month").fill(server.today[:7])
    page.locator("#r_amount").fill("doce")
    page.locator("form[action='/county/receipts'] button[type=submit]").click()
    at_field(page, w, "r_amount", w["receipt_amount"])
    expect(page.locator("#r_amount")).to_have_value("doce")
    check(page, f"county-error-receipt-{tag}")

    # The what-if: a month that does not exist.
    page.goto("/county/whatif?month=2026-13")
    at_field(page, w, "wi_month", w["month"])
    expect(page.locator("#wi_month")).to_have_count(1)
    page.context.close()


@pytest.mark.parametrize(
    ("lang", "size", "provider", "typed", "shown"),
    [
        ("en", DESK, "Corner Pharmacy", "45.50", "$45.50"),
        ("en", PHONE, "Harbor Diagnostic Laboratory", "10.05", "$10.05"),
        ("es", DESK, "Farmacia del Valle", "12,75", "$12.75"),  # money read the Spanish way
        ("es", PHONE, "Farmacia Central", "30,25", "$30.25"),
    ],
)
def test_receipts_the_county_records_show_to_the_family(
    browser: Browser,
    server: Server,
    lang: str,
    size: dict[str, int],
    provider: str,
    typed: str,
    shown: str,
) -> None:
    w = WORDS[lang]
    page = county_page(browser, server, lang, size)
    find(page, ANA_CASE)
    page.locator("tr.case-month").first.get_by_role("link", name=w["record"]).click()
    page.locator("#r_provider").fill(provider)
    page.locator("#r_date").fill(server.today)
    page.locator("#r_amount").fill(typed)
    page.locator("#r_paid").select_option("paid")
    page.locator("form[action='/county/receipts'] button[type=submit]").click()
    expect(page.locator("#receipt-heading")).to_have_text(w["recorded"])
    expect(page.locator("table.receipts")).to_contain_text(provider)
    tag = f"{lang}-{'phone' if size == PHONE else 'desk'}"
    check(page, f"county-receipts-{tag}", readme=RECEIPT_SHOTS.get(tag))
    # The case page shows it in the month's ledger.
    page.locator("main").get_by_role("link", name=re.compile(ANA_CASE)).first.click()
    expect(page.locator("table.entries tr.receipt", has_text=provider)).to_contain_text(shown)
    page.context.close()

    family = new_page(browser, server, size)
    family.goto(f"/language/{lang}?next=/family/sign-in")
    family.locator("#member_id").fill(demo.ANA.cin)
    family.locator("#bic_issue_date").fill(demo.ANA.issue)
    family.locator("#birth_date").fill(demo.ANA.born)
    family.locator("form[action='/family/sign-in'] button[type=submit]").click()
    expect(family).to_have_url(re.compile(r"/family$"))
    row = family.locator("section[aria-labelledby='month-heading'] tr.receipt", has_text=provider)
    expect(row).to_contain_text(shown)
    expect(row).to_contain_text(w["receipt_note"])
    check(family, f"family-receipts-{tag}")
    family.context.close()
