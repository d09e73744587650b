"""Settings: a secret key that is set must be strong; an unset one is random per process."""

from __future__ import annotations

import pydantic
import pytest

from spenddown.config import Settings


def test_an_unset_secret_key_is_a_random_one_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPENDDOWN_SECRET_KEY", raising=False)
    first, second = Settings(), Settings()
    assert first.secret_key_generated
    assert len(first.secret_key) >= 32
    assert first.secret_key != second.secret_key


def test_a_short_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDDOWN_SECRET_KEY", "too-short")
    with pytest.raises(pydantic.ValidationError, match="at least 32 characters"):
        Settings()
    monkeypatch.setenv("SPENDDOWN_SECRET_KEY", "k" * 32)
    assert not Settings().secret_key_generated
