"""A county worker changes a Share of Cost from the case page (issue 12), in English and
Spanish, at desk and phone widths: the form comes filled with the case and its unit; a bad
date is shown in the error pattern (summary focused, linking to the field, message at the
field, "Error:" in the title, what was typed kept); the change shows its effective month in
words and links to its notice; the notice in either language whatever the page's, its PDF;
a hearing request recorded and shown; the case's Notices table.

Only Eleanor Whitfield's case (C-37-2207) is changed: no other browser test reads it except
the desk's verification of this month, and every change here is an increase, which starts
after the 10-day notice (a later month), and each hearing request keeps the old SOC."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, expect
from test_county_case import DESK, SIZES, active_id, at_field, county_page

from conftest import PHONE, Server, check
from spenddown.domain.share_of_cost.changes import Direction, effective_month
from spenddown.entrypoints.web import i18n
from spenddown.rules.parameters import change_rules

pytestmark = pytest.mark.xdist_group("browser")

CASE = "C-37-2207"
OLD = "1,146.00"
WORDS = {
    "en": {
        "error": "Error:",
        "problem": "There is a problem",
        "change_link": "Change SOC of budget unit A, with a notice",
        "before": "The change was reported before the date it happened",
        "ambiguous": "This amount could be read two ways",
        "changed": "Share of Cost changed",
        "up": "Up from ${old} to ${new} a month, starting {month}.",
        "read": "Read the notice of action",
        "title": "Notice of Action: Medi-Cal Share of Cost",
        "other_lang": "Show the notice in Spanish",
        "other_title": "Aviso de Acción: Parte del Costo de Medi-Cal",
        "recorded": "Hearing request recorded",
        "pending": f"Aid paid pending: the Share of Cost stays ${OLD}",
        "requested": "Requested on",
        "notices": "Notices",
    },
    "es": {
        "error": "Error:",
        "problem": "Hay un problema",
        "change_link": "Cambiar la Parte del Costo de la unidad de presupuesto A, con aviso",
        "before": "El cambio se informó antes de la fecha en que ocurrió",
        "ambiguous": "se puede leer de dos maneras",
        "changed": "Parte del Costo cambiada",
        "up": "Sube de ${old} a ${new} al mes, a partir de {month}.",
        "read": "Leer el aviso de acción",
        "title": "Aviso de Acción: Parte del Costo de Medi-Cal",
        "other_lang": "Mostrar el aviso en inglés",
        "other_title": "Notice of Action: Medi-Cal Share of Cost",
        "recorded": "Pedido de audiencia registrado",
        "pending": f"Ayuda pagada pendiente: la Parte del Costo sigue en ${OLD}",
        "requested": "Pedida el",
        "notices": "Avisos",
    },
}
# Each run a new increase (typed the page's way), so each has its own notice.
AMOUNTS = {
    ("en", "desk"): ("1200.00", "1,200.00"),
    ("en", "phone"): ("1,250.00", "1,250.00"),
    ("es", "desk"): ("1300,00", "1,300.00"),
    ("es", "phone"): ("1350,50", "1,350.50"),
}


@pytest.mark.parametrize(("lang", "size"), SIZES)
def test_change_a_share_of_cost_read_its_notice_and_record_a_hearing(
    browser: Browser, server: Server, lang: str, size: dict[str, int]
) -> None:
    w = WORDS[lang]
    width = "phone" if size == PHONE else "desk"
    tag = f"{lang}-{width}"
    typed, shown = AMOUNTS[(lang, width)]
    today = date.fromisoformat(server.today)
    page = county_page(browser, server, lang, size)

    # From the case page: the form comes filled with the case and its unit.
    page.goto(f"/county/cases/{CASE}")
    page.get_by_role("link", name=w["change_link"]).click()
    expect(page).to_have_url(re.compile(r"/county/changes\?case_id=C-37-2207&budget_unit=A$"))
    expect(page.locator("#c_case")).to_have_value(CASE)
    expect(page.locator("#c_unit")).to_have_value("A")
    check(page, f"county-change-form-{tag}")

    # An amount that could be read two ways, then a change reported before it happened: each
    # at its field, what was typed kept, nothing stored.
    page.locator("#c_amount").fill("1.500")
    page.locator("#c_reason").fill("Pension went up")
    page.locator("form[action='/county/changes'] button[type=submit]").click()
    at_field(page, w, "c_amount", w["ambiguous"])
    expect(page.locator("#c_amount")).to_have_value("1.500")
    page.locator("#c_amount").fill(typed)
    page.locator("#c_changed").fill(server.today)
    page.locator("#c_reported").fill((today - timedelta(days=1)).isoformat())
    page.locator("form[action='/county/changes'] button[type=submit]").click()
    at_field(page, w, "c_reported", w["before"])
    expect(page.locator("#c_reason")).to_have_value("Pension went up")
    expect(page.locator("#c_amount")).to_have_value(typed)
    assert active_id(page) == "error"
    check(page, f"county-change-error-{tag}")

    # Reported today: an increase starts after the 10-day notice, said as a month in words.
    page.locator("#c_reported").fill(server.today)
    page.locator("form[action='/county/changes'] button[type=submit]").click()
    expect(page.locator("#change-heading")).to_have_text(w["changed"])
    starts = effective_month(Direction.INCREASE, today, today, change_rules(today)).month
    month = i18n.month_name(str(starts), lang)
    expected = w["up"].format(old=OLD, new=shown, month=month)
    expect(page.locator("#result .effective")).to_have_text(expected)
    assert not page.title().startswith(w["error"])
    check(page, f"county-change-{tag}", readme={"en-desk": "county-change.png"}.get(tag))

    # The notice: in the page's language first, then in the other one; its PDF.
    page.get_by_role("link", name=w["read"]).click()
    expect(page).to_have_url(re.compile(r"/county/notices/noa_[^/?]+$"))
    link = page.url.removeprefix(server.base)
    notice = page.locator("article#notice")
    expect(notice).to_have_attribute("lang", lang)
    expect(notice.locator("#notice-title")).to_have_text(w["title"])
    expect(notice).to_contain_text(month)
    expect(notice.locator("p.tagline")).not_to_have_count(0)
    page.get_by_role("link", name=w["other_lang"]).click()
    expect(page.locator("article#notice #notice-title")).to_have_text(w["other_title"])
    expect(page.locator("html")).to_have_attribute("lang", lang)  # the page keeps its language
    if tag == "es-desk":
        page.get_by_role("link", name="Mostrar el aviso en español").click()
        expect(page.locator("article#notice")).to_have_attribute("lang", "es")
        check(page, "county-notice-es-desk", readme="county-notice-es.png")
    pdf = page.request.get(page.locator("#notice-pdf").get_attribute("href") or "")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    # A hearing request, asked for today (before the increase starts): aid paid pending.
    expect(page.locator("#h_requested")).to_have_value(server.today)
    page.locator(f"form[action='{link}/hearing'] button[type=submit]").click()
    expect(page.locator("#heard-heading")).to_have_text(w["recorded"])
    expect(page.locator("#result")).to_contain_text(w["pending"])
    expect(page.locator("#hearing .hearing-status")).to_contain_text(w["pending"])
    expect(page.locator(f"form[action='{link}/hearing']")).to_have_count(0)
    check(page, f"county-notice-heard-{tag}")

    # The case's Notices table: this notice, its effective month, the hearing, the link.
    page.goto(f"/county/cases/{CASE}")
    expect(page.locator("#notices-heading")).to_have_text(w["notices"])
    row = page.locator("table.notices tr.notice-row", has=page.locator(f"a[href='{link}']"))
    expect(row).to_contain_text(month)
    expect(row.locator(".hearing")).to_contain_text(w["requested"])
    check(page, f"county-case-notices-{tag}")
    page.context.close()


def test_the_notice_page_prints_only_the_notice(browser: Browser, server: Server) -> None:
    """Print emulation: the navigation and the forms are hidden, the notice stays."""
    page = county_page(browser, server, "en", DESK)
    page.goto(f"/county/cases/{CASE}")
    page.locator("table.notices a").first.click()
    expect(page.locator("#hearing")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("article#notice")).to_be_visible()
    expect(page.locator("article#notice #notice-title")).to_be_visible()
    for hidden in ("#hearing", "nav.notice-actions", "header.site"):
        expect(page.locator(hidden)).to_be_hidden()
    page.context.close()
