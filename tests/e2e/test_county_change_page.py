"""The county's Share of Cost change page, its notice and the hearing request over HTTP
(docs/web.md, "County pages"; docs/rules.md, "A Share of Cost over time"): a change shows its
effective month in words and links to its notice; every bad input is refused at its field with
nothing stored; another county's case or notice is refused; a hearing request is recorded and
shown; the notice's PDF is a PDF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import Api, make_api
from fastapi.testclient import TestClient

from spenddown.entrypoints.api.app import create_app
from spenddown.entrypoints.web import county_changes
from spenddown.services import access, soc_over_time
from spenddown.services.access import Principal, Role

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
NOTICE = re.compile(r'href="(/county/notices/(noa_[^"?]+))"')


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    yield made
    made.close()


def _csrf(page: str) -> str:
    match = TOKEN.search(page)
    assert match, page
    return match.group(1)


def _signed_in(api: Api) -> TestClient:
    client = TestClient(create_app(api.app), base_url="https://testserver")
    sign_in = client.get("/county/sign-in")
    signed = client.post(
        "/county/sign-in",
        data={"csrf_token": _csrf(sign_in.text), "token": api.tokens["county"]},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    return client


def _form(csrf: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "case_id": "C-1001",
        "budget_unit": "A",
        "amount": "700.00",
        "changed": "2026-11-20",
        "reported": "2026-11-23",
        "reason": "Earnings went up",
        **changes,
    }


def _stored(api: Api) -> list[Any]:
    with api.app.uow() as uow:
        return [c.change_id for c in uow.repo.all_changes()]


def test_signed_out_and_csrf_less_changes_are_refused_with_nothing_stored(api: Api) -> None:
    with TestClient(create_app(api.app), base_url="https://testserver") as anonymous:
        for path in ("/county/changes", "/county/notices/noa_1", "/county/notices/noa_1.pdf"):
            answer = anonymous.get(path, follow_redirects=False)
            assert answer.status_code == 303
            assert answer.headers["location"] == "/county/sign-in"
    with _signed_in(api) as client:
        refused = client.post("/county/changes", data=_form(""))
        assert refused.status_code == 403
        assert "This form has expired" in refused.text
        assert 'value="Earnings went up"' in refused.text
    assert _stored(api) == []


def test_a_change_shows_its_effective_month_and_its_notice(api: Api) -> None:
    with _signed_in(api) as client:
        page = client.get("/county/changes?case_id=C-1001&budget_unit=B")
        assert page.status_code == 200
        assert 'id="c_case" name="case_id" maxlength="40" required value="C-1001"' in page.text
        assert 'name="budget_unit" maxlength="20" required value="B"' in page.text
        done = client.post("/county/changes", data=_form(_csrf(page.text)))
        assert done.status_code == 200, done.text
        assert "Share of Cost changed" in done.text
        # An increase reported 2026-11-23 waits for the 10-day notice: January 2027.
        assert "Up from $600.00 to $700.00 a month, starting January 2027." in done.text
        link, notice_id = NOTICE.search(done.text).groups()  # type: ignore[union-attr]
        (change,) = _stored(api)
        assert soc_over_time.get_notice(notice_id, api.app.uow())[0].change_id == change

        # In Spanish the money is read the Spanish way and the month is written out.
        client.get("/language/es")
        decrease = client.post(
            "/county/changes",
            data=_form(_csrf(page.text), budget_unit="B", amount="120,50", changed="2026-11-15"),
        )
        assert decrease.status_code == 200, decrease.text
        assert "Baja de $150.00 a $120.50 al mes, a partir de noviembre de 2026." in decrease.text
        client.get("/language/en")

        # The case page lists both notices with their effective month and a link.
        case = client.get("/county/cases/C-1001")
        assert case.text.count('class="notice-row"') == 2
        assert "January 2027" in case.text
        assert f'href="{link}"' in case.text
        assert "Change SOC of budget unit B, with a notice" in case.text
        assert "/county/changes?case_id=C-1001&amp;budget_unit=B" in case.text

        # The notice as a page, in English, then in Spanish whatever the page's language.
        notice = client.get(link)
        assert notice.status_code == 200
        assert "Notice of Action: Medi-Cal Share of Cost" in notice.text
        assert 'lang="en" aria-labelledby="notice-title"' in notice.text
        spanish = client.get(link + "?notice_lang=es")
        assert "Aviso de Acción: Parte del Costo de Medi-Cal" in spanish.text
        assert "enero de 2027" in spanish.text
        assert '<html lang="en">' in spanish.text  # the page stays English
        pdf = client.get(link + ".pdf?notice_lang=es")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("changes", "field", "words", "status"),
    [
        ({"case_id": "C-1001", "budget_unit": "Z"}, "c_unit", "no budget unit by this name", 404),
        ({"case_id": ""}, "c_case", "Enter the case ID", 422),
        ({"amount": "siete"}, "c_amount", "Enter the new Share of Cost", 422),
        ({"amount": "1.500"}, "c_amount", "could be read two ways", 422),
        ({"amount": "600.00"}, "c_amount", "already the Share of Cost", 422),
        ({"changed": "2026-11-22", "reported": "2026-11-01"}, "c_reported", "before the date", 422),
        ({"reported": "2026-12-01"}, "c_reported", "after today", 422),
        ({"changed": "2026-05-02", "reported": "2026-05-05"}, "c_changed", "in or before", 409),
        ({"changed": "2026-13-01"}, "c_changed", "Enter the date the change happened", 422),
        ({"reason": "  "}, "c_reason", "Enter the reason", 422),
    ],
)
def test_bad_input_is_refused_at_its_field_with_nothing_stored(
    api: Api, changes: dict[str, str], field: str, words: str, status: int
) -> None:
    with _signed_in(api) as client:
        page = client.get("/county/changes")
        refused = client.post("/county/changes", data=_form(_csrf(page.text), **changes))
        assert refused.status_code == status, refused.text
        text = refused.text
        assert "<title>Error:" in text
        assert 'class="error-summary" role="alert"' in text
        assert f'href="#{field}"' in text
        assert f'id="{field}-error"' in text
        assert words in text.split(f'id="{field}-error"')[1].split("</p>")[0]
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', text)
        # What was typed is kept.
        typed = {**_form(""), **changes}
        assert f'value="{typed["amount"]}"' in text
        assert "case_id:" not in text
    assert _stored(api) == []
    assert soc_over_time.case_notices("C-1001", api.app.uow()) == []


def test_another_countys_case_and_notice_are_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A county-scoped token cannot sign in to the pages; its session's change is not stored.
    scoped = access.create_token("county", "Alameda", api.app.uow(), api.app.env, county="37")
    with TestClient(create_app(api.app), base_url="https://testserver") as client:
        sign_in = client.get("/county/sign-in")
        refused = client.post(
            "/county/sign-in", data={"csrf_token": _csrf(sign_in.text), "token": scoped.secret}
        )
        assert refused.status_code == 403
        sent = client.post(
            "/county/changes", data=_form(_csrf(sign_in.text)), follow_redirects=False
        )
        assert sent.status_code == 303
        assert sent.headers["location"].startswith("/county/sign-in")
    assert _stored(api) == []

    # The pages' own check, should a county's worker reach them: C-1001 is county 19.
    with _signed_in(api) as client:
        page = client.get("/county/changes")
        done = client.post("/county/changes", data=_form(_csrf(page.text)))
        link = NOTICE.search(done.text).group(1)  # type: ignore[union-attr]
        monkeypatch.setattr(
            county_changes,
            "_worker",
            lambda request: Principal(Role.COUNTY, "tok_37", county_code="37"),
        )
        other = client.post("/county/changes", data=_form(_csrf(page.text), amount="750.00"))
        assert other.status_code == 403
        assert "This case is not in your county." in other.text
        assert 'href="#c_case"' in other.text
        assert client.get(link).status_code == 404
        assert client.get(link + ".pdf").status_code == 404
        heard = client.post(
            link + "/hearing", data={"csrf_token": _csrf(page.text), "requested": "2026-11-23"}
        )
        assert heard.status_code == 404
    assert len(_stored(api)) == 1
    ((_, hearing),) = soc_over_time.case_notices("C-1001", api.app.uow())
    assert hearing is None


def test_a_hearing_request_is_recorded_and_shown(api: Api) -> None:
    with _signed_in(api) as client:
        page = client.get("/county/changes")
        done = client.post("/county/changes", data=_form(_csrf(page.text)))
        link = NOTICE.search(done.text).group(1)  # type: ignore[union-attr]
        notice = client.get(link)
        assert "No hearing requested. The member may ask for one until February 21, 2027." in (
            notice.text
        )
        late = client.post(
            link + "/hearing", data={"csrf_token": _csrf(notice.text), "requested": "2026-12-01"}
        )
        assert late.status_code == 422
        assert 'href="#h_requested"' in late.text
        assert 'value="2026-12-01"' in late.text
        assert soc_over_time.case_notices("C-1001", api.app.uow())[0][1] is None

        heard = client.post(
            link + "/hearing", data={"csrf_token": _csrf(notice.text), "requested": "2026-11-23"}
        )
        assert heard.status_code == 200, heard.text
        assert "Hearing request recorded" in heard.text
        assert "Aid paid pending: the Share of Cost stays $600.00" in heard.text
        ((_, hearing),) = soc_over_time.case_notices("C-1001", api.app.uow())
        assert hearing is not None
        assert hearing.aid_paid_pending
        again = client.get(link)
        assert "A hearing was requested on November 23, 2026." in again.text
        assert 'action="' + link + '/hearing"' not in again.text
        case = client.get("/county/cases/C-1001")
        assert "Requested on November 23, 2026 · aid paid pending" in case.text
        # No CSRF token: refused, nothing more stored.
        assert client.post(link + "/hearing", data={"requested": "2026-11-23"}).status_code == 403
