"""The county's search and case page over HTTP (docs/web.md, "County pages"): a search by name
and birth date answers with the case and writes its access-log line without the name or the
birth date; a county-scoped token is told the pages need a statewide one, at its field."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from api_support import Api, make_api
from fastapi.testclient import TestClient

from spenddown.entrypoints.api.app import create_app
from spenddown.services import access

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    yield made
    made.close()


def _csrf(page: str) -> str:
    match = TOKEN.search(page)
    assert match, page
    return match.group(1)


def test_a_search_by_name_finds_the_case_and_logs_no_name(api: Api) -> None:
    with TestClient(create_app(api.app), base_url="https://testserver") as client:
        sign_in = client.get("/county/sign-in")
        client.post(
            "/county/sign-in",
            data={"csrf_token": _csrf(sign_in.text), "token": api.tokens["county"]},
        )
        page = client.get("/county")
        assert 'id="find"' in page.text
        found = client.post(
            "/county/find",
            data={
                "csrf_token": _csrf(page.text),
                "name": "LÓPEZ jorge",
                "birth_date": "1960-05-01",
            },
            follow_redirects=False,
        )
        assert found.status_code == 303
        assert found.headers["location"] == "/county/cases/C-1001"
        case = client.get("/county/cases/C-1001")
        assert case.status_code == 200
        assert "Jorge Lopez" in case.text
        none = client.post(
            "/county/find",
            data={"csrf_token": _csrf(page.text), "key": "C-9999"},
        )
        assert none.status_code == 404
        assert "No case found for case ID “C-9999”" in none.text
    records = access.access_log(api.app.uow(), cin=None, limit=5000)
    finds = [r for r in records if r.action in ("case.find", "case.view")]
    assert [(r.action, r.outcome) for r in finds] == [
        ("case.find", "OK"),
        ("case.view", "OK"),
        ("case.find", "OK"),
    ]
    logged = " ".join(str(r) for r in records)
    assert "1960-05-01" not in logged
    assert "Jorge" not in logged
    assert "LÓPEZ" not in logged


def test_a_county_scoped_token_is_told_the_pages_need_a_statewide_one(api: Api) -> None:
    issued = access.create_token("county", "LA only", api.app.uow(), api.app.env, county="19")
    with TestClient(create_app(api.app), base_url="https://testserver") as client:
        sign_in = client.get("/county/sign-in")
        refused = client.post(
            "/county/sign-in",
            data={"csrf_token": _csrf(sign_in.text), "token": issued.secret},
        )
        assert refused.status_code == 403
        assert 'href="#token"' in refused.text
        assert 'id="token-error"' in refused.text
        assert "need a statewide county token" in refused.text
