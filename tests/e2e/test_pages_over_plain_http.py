"""Pages served without TLS: the session cookie is https-only outside the demo, so a browser on
plain http:// never sends it back. Sign-in must say why it fails (not "This form has expired" on
every try), and the demo (loopback, no TLS) must keep working."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from spenddown.config import Settings
from spenddown.entrypoints.api.app import create_app

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: TestClient) -> str:
    page = client.get("/provider/sign-in")
    match = TOKEN.search(page.text)
    assert match, page.text
    answer = client.post(
        "/provider/sign-in",
        data={"csrf_token": match.group(1), "npi": "1234567893", "pin": "2468"},
        follow_redirects=False,
    )
    return answer.text if answer.status_code != 303 else "signed in"


@pytest.mark.parametrize("base", ["http://192.0.2.10:8000", "https://192.0.2.10"])
def test_sign_in_over_plain_http_says_https_is_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base: str
) -> None:
    monkeypatch.setenv("SPENDDOWN_SECRET_KEY", "s" * 40)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'pages.db'}")
    with TestClient(create_app(settings=settings), base_url=base) as client:
        answer = sign_in(client)
    if base.startswith("http:"):
        assert "needs a secure connection" in answer
        assert "has expired" not in answer
    else:  # over https the cookie comes back: the form is judged on its NPI and PIN
        assert "needs a secure connection" not in answer
        assert "has expired" not in answer


def test_the_demo_signs_in_over_plain_http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPENDDOWN_SECRET_KEY", raising=False)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}", demo=True)
    with TestClient(create_app(settings=settings), base_url="http://127.0.0.1:8000") as client:
        answer = sign_in(client)
    assert "needs a secure connection" not in answer
    assert "has expired" not in answer
