"""Families: sign-in (wrong date of birth, lockout), this month's SOC with each clearance and
what is left, the last 12 months, Spanish, "Is this bill allowed?" (not allowed / allowed), the
savings estimate with its chart, and the deductible statement, printable."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from conftest import DESK, LANGS_AND_SIZES, PHONE, SHOTS, Server, check, size_tag
from spenddown.entrypoints.cli import demo

MARIA = demo.MARIA
LEO = demo.LEO
COASTAL = demo.PROVIDER_BY_NAME["Coastal Behavioral Health"]
BRIGHT_STEPS = demo.PROVIDER_BY_NAME["Bright Steps ABA Therapy"]

# One server and one browser for all the journeys (``make test`` runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("browser")
PRINT = {"en": "Print", "es": "Imprimir"}
# Screenshots kept in docs/screenshots/ (refreshed with SPENDDOWN_README_SHOTS=1).
README = {
    "phone": {
        "bill": "family-bill.png",
        "savings": "family-savings.png",
        "statement": "family-statement.png",
    },
    "desk": {},
}
README_ES = {
    "phone": {"bill": "family-bill-es.png", "savings": "family-savings-es.png"},
    "desk": {"statement": "family-statement-es.png"},
}
SPANISH_MONTH = re.compile(
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre"
)


def assert_readable_labels(chart: Locator) -> None:
    """The chart's labels draw at 12 px or more (they were 6 px on a 375 px phone)."""
    heights = chart.locator("text.tick").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert len(heights) >= 12
    assert min(heights) >= 12, heights


def sign_in(page: Page, member: demo.DemoMember, born: str | None = None) -> None:
    page.goto("/family/sign-in")
    page.get_by_label("Member ID").fill(member.cin)
    page.get_by_label("Card issue date").fill(member.issue)
    page.get_by_label("Date of birth").fill(born or member.born)
    page.get_by_role("button", name="Sign in").click()


def test_family_sees_this_month_and_the_last_twelve(page: Page) -> None:
    sign_in(page, MARIA, born="1984-02-04")
    expect(page.get_by_role("alert")).to_contain_text(
        "No member matches this ID, card issue date and date of birth."
    )
    check(page, "family-sign-in-wrong")

    sign_in(page, MARIA)
    expect(page).to_have_url(re.compile(r"/family$"))
    month = page.locator("section[aria-labelledby='month-heading']")
    expect(month).to_contain_text("Not met yet: $292.00 left")
    expect(month.locator(".remaining")).to_have_text("$292.00")
    bills = month.locator("tbody tr")
    expect(bills).to_have_count(1)
    expect(bills.first).to_contain_text("Eastside Community Clinic")
    expect(bills.first).to_contain_text("$120.00")
    history = page.locator("section[aria-labelledby='history-heading'] tbody tr")
    expect(history).to_have_count(12)
    check(page, "family-month", readme="family.png")

    page.get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mi Parte del Costo")
    expect(month).to_contain_text("faltan $292.00")
    check(page, "family-month-es")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My Share of Cost")


def test_family_lockout_after_five_failed_sign_ins(page: Page) -> None:
    ana = demo.ANA
    for _ in range(5):
        sign_in(page, ana, born="2000-01-01")
        expect(page.get_by_role("alert")).to_contain_text("No member matches")
    sign_in(page, ana)  # the right date of birth, too late
    expect(page.get_by_role("alert")).to_contain_text("Too many failed look-ups")
    check(page, "family-locked")


@pytest.mark.parametrize("size", [PHONE, DESK], ids=["phone", "desk"])
def test_family_bill_check_savings_and_statement(
    page: Page, server: Server, size: dict[str, int]
) -> None:
    page.set_viewport_size(size)
    tag = "phone" if size == PHONE else "desk"
    shots = README[tag]
    sign_in(page, LEO)
    page.get_by_role("link", name="Is this bill allowed?").click()
    check(page, f"family-bill-form-{tag}")
    # No provider: the error pattern (summary linking to the field, message at it, title).
    page.get_by_label("Amount on the bill ($)").fill("54,00")
    page.get_by_role("button", name="Check the bill").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        "Choose the provider from the list, or enter the NPI printed on the bill."
    )
    expect(page.locator("#provider-error")).to_contain_text("Choose the provider")
    expect(page.locator("#provider")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Amount on the bill ($)")).to_have_value("54,00")  # kept
    summary.get_by_role("link").click()
    expect(page.locator("#provider")).to_be_focused()
    check(page, f"family-bill-error-{tag}")

    # The provider chosen by name; an amount that could be read two ways is asked back at its
    # field, never guessed; `54,00` is fifty-four dollars, never $5,400.
    page.get_by_label("Provider", exact=True).select_option(label=COASTAL.name)
    page.get_by_label("Date of service").fill(server.today)
    page.get_by_label("Amount on the bill ($)").fill("1.500")
    page.get_by_role("button", name="Check the bill").click()
    expect(page.locator("#amount-error")).to_be_visible()
    expect(page.get_by_label("Provider", exact=True)).to_have_value(COASTAL.npi)  # kept
    page.get_by_label("Amount on the bill ($)").fill("54,00")
    page.get_by_role("button", name="Check the bill").click()
    result = page.locator("#result")
    expect(result.get_by_role("heading", level=2)).to_have_text("No, this bill is not allowed.")
    expect(result).to_contain_text("The provider may collect: $0.00")
    expect(result.locator(".what-to-do li").first).to_have_text("Do not pay this bill.")
    expect(result).to_contain_text("1-888-452-8609")
    expect(result).to_contain_text("W&I 14019.4")
    check(page, f"family-bill-not-allowed-{tag}", readme=shots.get("bill"))

    page.get_by_label("Provider", exact=True).select_option(label=BRIGHT_STEPS.name)
    page.get_by_role("button", name="Check the bill").click()
    expect(result.get_by_role("heading", level=2)).to_have_text("Yes, this bill is allowed.")

    page.get_by_text("Provider not in the list").click()
    page.get_by_label("Provider NPI (optional)").fill("1234567890")  # a bad check digit
    page.get_by_role("button", name="Check the bill").click()
    expect(page.get_by_role("alert")).to_contain_text("NPI")
    expect(page.locator("#provider_npi")).to_have_attribute("aria-invalid", "true")

    page.get_by_role("link", name="Savings estimate").click()
    expect(page.get_by_label("Service", exact=True)).to_have_value("aba")
    expect(page.get_by_label("Hours per visit")).to_have_value("1")
    expect(page.get_by_text("Units per visit")).to_have_count(0)
    page.get_by_label("Hours per visit").fill("1.1")
    page.get_by_role("button", name="Estimate").click()
    expect(page.locator("#hours_per_visit-error")).to_contain_text("how long each visit is")
    expect(page.get_by_label("Deductible ($)")).to_have_value("1500.00")
    page.get_by_label("Hours per visit").fill("1")
    page.get_by_role("button", name="Estimate").click()
    result = page.locator("#result")
    expect(result.get_by_role("heading", level=2)).to_have_text(
        "You could save $6,000.00 in a year."
    )
    expect(result).to_contain_text("Without Medi-Cal you would pay $6,000.00.")
    expect(result).to_contain_text("With Medi-Cal as secondary you would pay $0.00.")
    chart = result.get_by_role("img", name="What you pay each month, without and with Medi-Cal")
    expect(chart).to_be_visible()
    assert chart.locator("rect.without").count() == 12
    # Readable on a 375 px phone (and at the desk): every label draws at 12 px or more.
    assert_readable_labels(chart)
    expect(result.locator("li", has_text=COASTAL.name).first).to_contain_text("takes both")
    check(page, f"family-savings-{tag}", readme=shots.get("savings"))

    page.get_by_role("link", name="Deductible statement").click()
    statement = page.locator("section.statement").first
    expect(statement.locator(".medi-cal-paid")).to_have_text("$66.00")
    expect(statement).to_contain_text("SEED-1")
    expect(statement.locator(".insurer")).not_to_be_empty()
    expect(statement.locator(".policy-number")).to_be_visible()
    expect(page.locator(".member-name")).to_have_text(f"{LEO.first} {LEO.last}")
    expect(page.locator(".member-born")).not_to_be_empty()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    # The policy number is typed by the family, printed on the statement, kept nowhere.
    page.locator("#policy_number_1").fill("BSC 4471-0093")
    page.get_by_role("button", name="Add to the statement").first.click()
    statement = page.locator("section.statement").first
    expect(statement.locator(".policy-number")).to_have_text("BSC 4471-0093")
    expect(statement.locator(".letter")).to_contain_text("Policy or member number: BSC 4471-0093")
    check(page, f"family-statement-{tag}", readme=shots.get("statement"))
    page.emulate_media(media="print")
    expect(page.locator(".policy-form").first).to_be_hidden()
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.locator("footer.site")).to_be_hidden()
    expect(statement).to_be_visible()
    page.screenshot(path=str(SHOTS / f"family-statement-print-{tag}.png"), full_page=True)
    assert page.pdf(format="Letter")[:4] == b"%PDF"


@pytest.mark.parametrize("size", [DESK, PHONE], ids=["desk", "phone"])
def test_family_bill_check_and_statement_in_spanish(
    page: Page, server: Server, size: dict[str, int]
) -> None:
    page.set_viewport_size(size)
    tag = "phone" if size == PHONE else "desk"
    shots = README_ES[tag]
    sign_in(page, LEO)
    page.get_by_role("link", name="Español").click()
    page.get_by_role("link", name="¿Se permite esta factura?").click()
    page.get_by_role("button", name="Revisar la factura").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("Elija el proveedor de la lista")
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.locator("#provider-error")).to_contain_text("Elija el proveedor")
    expect(page.locator("#provider")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Proveedor", exact=True).select_option(label=COASTAL.name)
    page.get_by_label("Fecha de servicio").fill(server.today)
    page.get_by_label("Importe de la factura ($)").fill("54,00")  # Spanish: $54.00
    page.get_by_role("button", name="Revisar la factura").click()
    result = page.locator("#result")
    expect(result.get_by_role("heading", level=2)).to_have_text(
        "No, esta factura no está permitida."
    )
    expect(result.locator(".what-to-do li").first).to_have_text("No pague esta factura.")
    expect(result).to_contain_text("Oficina del Ombudsman")
    expect(result).to_contain_text("1-888-452-8609")
    expect(result.locator("[lang=en]")).to_have_count(0)  # every sentence in Spanish
    check(page, f"family-bill-not-allowed-es-{tag}", readme=shots.get("bill"))

    page.get_by_role("link", name="Cálculo de ahorros").click()
    expect(page.get_by_label("Servicio", exact=True)).to_contain_text("Terapia ABA")
    page.get_by_role("button", name="Calcular").click()
    expect(page.locator("#result table tbody tr").first).to_contain_text(SPANISH_MONTH)
    # Every sentence of the explanation and every provider's reason in Spanish.
    english = page.locator("#result [lang=en]").all_text_contents()
    assert english == [], english
    expect(page.locator("#result details")).to_contain_text("Sin Medi-Cal usted paga primero")
    assert_readable_labels(page.locator("#result [role=img]").first)
    check(page, f"family-savings-es-{tag}", readme=shots.get("savings"))

    page.get_by_role("link", name="Constancia del deducible").click()
    expect(page.locator(".member-name")).to_have_text(f"{LEO.first} {LEO.last}")
    expect(page.locator(".member-born")).to_contain_text(" de ")
    expect(page.locator("section.statement .insurer").first).not_to_be_empty()
    expect(page.locator("section.statement tbody td").first).to_contain_text(" de ")
    # A policy number with characters a card never has: asked again at its field, kept.
    page.locator("#policy_number_1").fill("<BSC>")
    page.get_by_role("button", name="Añadir a la constancia").first.click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".error-summary a")).to_have_attribute("href", "#policy_number_1")
    expect(page.locator("#policy_number_1-error")).to_contain_text("número de póliza")
    expect(page.locator("#policy_number_1")).to_have_value("<BSC>")
    page.locator("#policy_number_1").fill("BSC-4471")
    page.get_by_role("button", name="Añadir a la constancia").first.click()
    expect(page.locator("section.statement .policy-number").first).to_have_text("BSC-4471")
    check(page, f"family-statement-es-{tag}", readme=shots.get("statement"))


@pytest.mark.parametrize(("lang", "size"), LANGS_AND_SIZES)
def test_family_print_button_needs_javascript(
    browser: Browser, server: Server, lang: str, size: dict[str, int]
) -> None:
    context = browser.new_context(
        viewport=size,
        base_url=server.base,
        locale="en-US",
        java_script_enabled=False,
    )
    try:
        page = context.new_page()
        sign_in(page, LEO)
        page.goto(f"/language/{lang}?next=/family/statement")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator(".member-name")).to_be_visible()
        expect(page.locator("button.print")).to_have_count(1)  # in the page, hidden by the CSS
        expect(page.get_by_role("button", name=PRINT[lang], exact=True)).to_be_hidden()
        # (axe needs JavaScript: the same page with it is checked above.)
        shot = f"family-statement-nojs-{size_tag(lang, size)}.png"
        page.screenshot(path=str(SHOTS / shot), full_page=True)
    finally:
        context.close()


def test_spanish_from_the_browser_language(browser: Browser, server: Server) -> None:
    context = browser.new_context(viewport=PHONE, base_url=server.base, locale="es-US")
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_have_text("Parte del Costo de Medi-Cal")
        page.get_by_role("link", name="Miembros y familias").click()
        expect(page.get_by_label("Fecha de nacimiento")).to_be_visible()
        check(page, "family-sign-in-es")
    finally:
        context.close()
