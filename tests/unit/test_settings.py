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


def test_the_run_key_of_several_workers_is_shared_but_never_a_pepper(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``spenddown serve --workers N`` without SPENDDOWN_SECRET_KEY hands its workers one key
    (SPENDDOWN_RUN_KEY): the same cookie and sealing key in each, still "generated", so PINs are
    not peppered with a key that ends with the run (docs/operations.md "PINs")."""
    monkeypatch.delenv("SPENDDOWN_SECRET_KEY", raising=False)
    monkeypatch.setenv("SPENDDOWN_RUN_KEY", "r" * 64)
    first, second = Settings(), Settings()
    assert first.secret_key == second.secret_key == "r" * 64
    assert first.secret_key_generated
    monkeypatch.setenv("SPENDDOWN_SECRET_KEY", "s" * 40)  # a key that is set wins
    assert Settings().secret_key == "s" * 40
    assert not Settings().secret_key_generated


def test_the_default_number_of_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from spenddown.entrypoints.api import app

    monkeypatch.setattr(app.os, "sched_getaffinity", lambda _: {0, 1, 2})
    assert app.default_workers("postgresql+psycopg://db.internal/spenddown") == 3
    assert app.default_workers("sqlite:///spenddown.db") == 1
    assert app.default_workers("sqlite+pysqlite:///:memory:") == 1


def test_workers_are_given_time_to_start_on_a_loaded_machine() -> None:
    """uvicorn's supervisor kills a worker that does not answer its ping in time, also while it
    starts: its 5 s default killed slow-starting workers in a loop (docs/operations.md)."""
    from spenddown.entrypoints.api.app import worker_healthcheck_seconds

    assert worker_healthcheck_seconds(2) >= 180
    assert worker_healthcheck_seconds(16) > worker_healthcheck_seconds(2)
