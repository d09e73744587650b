"""Families: sign-in (wrong date of birth, lockout), this month's SOC with each clearance and
what is left, the last 12 months, Spanish, "Is this bill allowed?" (not allowed / allowed), the
savings estimate with its chart, and the deductible statement, printable."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import PHONE, SHOTS, Server, check
from spenddown.entrypoints.cli import demo

MARIA = demo.MARIA
LEO = demo.LEO
COASTAL = demo.PROVIDER_BY_NAME["Coastal Behavioral Health"]
BRIGHT_STEPS = demo.PROVIDER_BY_NAME["Bright Steps ABA Therapy"]

# One server and one browser for all the journeys (``make test`` runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("browser")


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


def test_family_bill_check_savings_and_statement(page: Page, server: Server) -> None:
    sign_in(page, LEO)
    page.get_by_role("link", name="Is this bill allowed?").click()
    check(page, "family-bill-form")
    page.get_by_label("Provider NPI").fill(COASTAL.npi)
    page.get_by_label("Date of service").fill(server.today)
    page.get_by_label("Amount on the bill ($)").fill("54.00")
    page.get_by_role("button", name="Check the bill").click()
    result = page.locator("#result")
    expect(result.get_by_role("heading", level=2)).to_have_text("No, this bill is not allowed.")
    expect(result).to_contain_text("The provider may collect: $0.00")
    expect(result).to_contain_text("W&I 14019.4")
    expect(result.get_by_role("heading", name="What to do")).to_be_visible()
    check(page, "family-bill-not-allowed")

    page.get_by_label("Provider NPI").fill(BRIGHT_STEPS.npi)
    page.get_by_role("button", name="Check the bill").click()
    expect(result.get_by_role("heading", level=2)).to_have_text("Yes, this bill is allowed.")

    page.get_by_label("Provider NPI").fill("1234567890")  # a bad check digit
    page.get_by_role("button", name="Check the bill").click()
    expect(page.get_by_role("alert")).to_contain_text("An NPI is 10 digits")

    page.get_by_role("link", name="Savings estimate").click()
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
    expect(result.locator("li", has_text=COASTAL.name).first).to_contain_text("takes both")
    check(page, "family-savings")

    page.get_by_role("link", name="Deductible statement").click()
    statement = page.locator("section.statement").first
    expect(statement.locator(".medi-cal-paid")).to_have_text("$66.00")
    expect(statement).to_contain_text("SEED-1")
    check(page, "family-statement")
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.locator("footer.site")).to_be_hidden()
    expect(statement).to_be_visible()
    page.screenshot(path=str(SHOTS / "family-statement-print.png"), full_page=True)
    assert page.pdf(format="Letter")[:4] == b"%PDF"


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
