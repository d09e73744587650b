"""County worker: token sign-in (a wrong token refused), the SOC calculator with each step and
its rule, set a month's SOC, certify it from receipts (twice: refused), start the month."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import Server, check

KIM_CASE = "C-01-3310"

# One server and one browser for all the journeys (``make test`` runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("browser")


def test_county_computes_sets_certifies_and_starts_the_month(page: Page, server: Server) -> None:
    page.goto("/county/sign-in")
    page.get_by_label("County token").fill("sd_not-a-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The county token is not valid.")
    page.get_by_label("County token").fill(server.county_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/county$"))
    check(page, "county-calculator-form")

    page.get_by_label("Budget").select_option("family")
    page.get_by_label("Unearned income 1").fill("1800")
    page.get_by_role("button", name="Compute").click()
    result = page.locator("#result")
    # The ladder comes first (2026-12-04): a parent-linked adult with $1,800 fits MAGI.
    expect(result.get_by_role("heading", level=2)).to_have_text("Share of Cost: $0.00 a month")
    expect(result.locator("table.ladder")).to_contain_text("magi")
    page.get_by_label("Program", exact=True).select_option("medically_needy")
    page.get_by_role("button", name="Compute").click()
    expect(result.get_by_role("heading", level=2)).to_have_text("Share of Cost: $1,200.00 a month")
    steps = result.locator("table.steps tbody tr")
    assert steps.count() >= 2
    expect(result.locator("cite").first).to_have_text(re.compile(r"CCR|W&I|CFR|Sneede"))
    check(page, "county-calculator", readme="county.png")

    # "Set SOC" takes the result without retyping; the what-if re-runs what was stored.
    set_from = result.locator("form[action='/county/cases/soc-from-determination']")
    set_from.get_by_label("Case").fill(KIM_CASE)
    set_from.get_by_role("button", name="Set SOC").click()
    expect(page.locator("#result")).to_contain_text("Share of Cost $1,200.00")
    page.goto("/county/whatif")
    page.get_by_label("Reform").select_option("mnl_138_fpl")
    page.get_by_role("button", name="Run the what-if").click()
    expect(page.locator("#result h2")).to_contain_text("1 budget units")
    expect(page.locator("figure.chart svg")).to_be_visible()
    check(page, "county-whatif")
    page.goto("/county")

    # An invalid household size: the error pattern, in words, never the field's API name.
    page.get_by_label("Household size").fill("0")
    page.get_by_role("button", name="Compute").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the household size")
    expect(page.locator(".error-summary a")).to_have_attribute("href", "#household_size")
    expect(page.locator("#household_size-error")).to_contain_text("a whole number from 1 to 10")
    expect(page.locator("#household_size")).to_have_value("0")
    expect(page.locator("main")).not_to_contain_text("household_size")
    assert page.title().startswith("Error:")

    page.get_by_role("link", name="Case work").click()
    check(page, "county-cases")
    form = page.locator("form[action='/county/cases/soc']")
    form.get_by_label("Case").fill(KIM_CASE)
    form.get_by_label("Share of Cost ($)").fill("300.00")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#result")).to_contain_text("Share of Cost $300.00, remaining $300.00")

    certify = page.locator("form[action='/county/cases/certification']")
    certify.get_by_label("Case").fill(KIM_CASE)
    certify.get_by_role("button", name="Certify").click()
    expect(page.locator("#result h2")).to_have_text("Month certified")
    expect(page.locator("#result")).to_contain_text("remaining $0.00")
    check(page, "county-certified")

    certify = page.locator("form[action='/county/cases/certification']")
    expect(certify.get_by_label("Case")).to_have_value(KIM_CASE)
    certify.get_by_role("button", name="Certify").click()
    expect(page.get_by_role("alert")).to_contain_text("already met")

    page.locator("form[action='/county/cycle']").get_by_role(
        "button", name="Start the month"
    ).click()
    expect(page.locator("#cycle-result")).to_contain_text("started")
    check(page, "county-month-started")
