"""Sessions and CSRF: a POST without the session's token is refused, pages behind a sign-in
send the visitor to it, the cookie carries no PIN, and sign-out ends the credential."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from conftest import Server
from spenddown.entrypoints.cli import demo

# One server and one browser for all the journeys (``make test`` runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("browser")


def test_post_without_csrf_token_is_refused(page: Page, server: Server) -> None:
    page.goto("/provider/sign-in")
    response = page.request.post(
        "/provider/sign-in", form={"npi": demo.PHYSICIAN.npi, "pin": demo.PHYSICIAN.pin}
    )
    assert response.status == 403
    assert "This form has expired" in response.text()


def test_signed_out_visitor_is_sent_to_sign_in(page: Page) -> None:
    for path, target in (
        ("/provider/clearances", "/provider/sign-in"),
        ("/family/statement", "/family/sign-in"),
        ("/county/cases", "/county/sign-in"),
    ):
        page.goto(path)
        expect(page).to_have_url(re.compile(re.escape(target) + "$"))


def test_cookie_holds_no_pin_and_sign_out_ends_the_session(
    context: BrowserContext, page: Page
) -> None:
    page.goto("/provider/sign-in")
    page.get_by_label("NPI").fill(demo.PHYSICIAN.npi)
    page.get_by_label("PIN", exact=True).fill(demo.PHYSICIAN.pin)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/provider$"))
    (cookie,) = [c for c in context.cookies() if c["name"] == "spenddown_session"]
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    payload = cookie["value"].split(".")[0]
    decoded = base64.b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert '"role": "provider"' in decoded
    assert demo.PHYSICIAN.pin not in decoded.replace(demo.PHYSICIAN.npi, "")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    page.goto("/provider")
    expect(page).to_have_url(re.compile(r"/provider/sign-in$"))
