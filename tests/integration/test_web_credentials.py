"""The web sessions' credentials in the database (services.web_credentials, docs/web.md
"Sessions"): sealed, keyed by a digest of the cookie's id, sliding expiry, expired rows deleted,
a changed or moved row refused. On SQLite and PostgreSQL, through two stores on one database as
two server processes would have them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, update

from spenddown import bootstrap
from spenddown.adapters.db import tables
from spenddown.adapters.sealing import AesGcmSealer
from spenddown.services.web_credentials import CREDENTIAL_SECONDS, CredentialStore
from support.world import FAST_PINS, FixedClock

SECRET = "a-test-secret-of-more-than-32-characters-0123"
PIN = "2468"


@pytest.fixture
def app(database_url: str) -> Iterator[bootstrap.App]:
    built = bootstrap.build(database_url, pins=FAST_PINS, clock=FixedClock())
    yield built
    built.close()


def store(app: bootstrap.App, secret: str = SECRET) -> CredentialStore:
    return CredentialStore(app.uow, AesGcmSealer(secret), app.env.clock)


def clock(app: bootstrap.App) -> FixedClock:
    assert isinstance(app.env.clock, FixedClock)
    return app.env.clock


def rows(app: bootstrap.App) -> list[tuple[str, bytes]]:
    w = tables.web_credentials
    with app.engine.connect() as c:
        return [(r.credential_hash, bytes(r.sealed)) for r in c.execute(select(w))]


def test_a_credential_put_by_one_process_is_read_by_another(app: bootstrap.App) -> None:
    first, second = store(app), store(app)
    credential = first.put("provider", "1234567893", {"pin": PIN, "name": "Valley"})
    assert second.get(credential, "provider", "1234567893") == {"pin": PIN, "name": "Valley"}
    second.update(credential, {"last_verification": "{}"})
    assert first.get(credential, "provider", "1234567893") == {
        "pin": PIN,
        "name": "Valley",
        "last_verification": "{}",
    }
    first.drop(credential)
    assert second.get(credential, "provider", "1234567893") is None
    assert rows(app) == []


def test_the_row_holds_neither_the_id_nor_the_secret(app: bootstrap.App) -> None:
    credential = store(app).put("county", "t_01", {"token": "sd_secret-token-value"})
    [(key, sealed)] = rows(app)
    assert key == hashlib.sha256(credential.encode()).hexdigest()
    assert credential.encode() not in sealed
    assert b"sd_secret-token-value" not in sealed
    assert b"county" not in sealed


def test_another_role_or_subject_is_refused_and_the_row_deleted(app: bootstrap.App) -> None:
    vault = store(app)
    credential = vault.put("provider", "1234567893", {"pin": PIN})
    assert vault.get(credential, "provider", "1245319599") is None
    assert rows(app) == []
    credential = vault.put("provider", "1234567893", {"pin": PIN})
    assert vault.get(credential, "family", "1234567893") is None
    assert vault.get(None, "provider", "1234567893") is None
    assert vault.get("not-an-id", "provider", "1234567893") is None


def test_a_changed_or_moved_row_is_refused(app: bootstrap.App) -> None:
    vault = store(app)
    one = vault.put("provider", "1234567893", {"pin": PIN})
    two = vault.put("provider", "1234567893", {"pin": "9999"})
    w = tables.web_credentials
    key_one = hashlib.sha256(one.encode()).hexdigest()
    key_two = hashlib.sha256(two.encode()).hexdigest()
    sealed = dict(rows(app))
    flipped = bytearray(sealed[key_one])
    flipped[-1] ^= 1
    with app.engine.begin() as c:  # one byte changed; the other row given the first's bytes
        c.execute(update(w).where(w.c.credential_hash == key_one).values(sealed=bytes(flipped)))
        c.execute(update(w).where(w.c.credential_hash == key_two).values(sealed=sealed[key_one]))
    assert vault.get(one, "provider", "1234567893") is None
    assert vault.get(two, "provider", "1234567893") is None
    assert rows(app) == []


def test_another_secret_key_opens_nothing(app: bootstrap.App) -> None:
    credential = store(app).put("provider", "1234567893", {"pin": PIN})
    other = store(app, "another-secret-key-of-at-least-32-characters!")
    assert other.get(credential, "provider", "1234567893") is None


def test_the_expiry_slides_with_use_and_ends_without(app: bootstrap.App) -> None:
    vault, at = store(app), clock(app)
    credential = vault.put("family", "12345678A", {"issue_date": "2025-02-01"})
    for _ in range(4):  # used every 10 minutes for 40 minutes: still alive
        at.advance(minutes=10)
        assert vault.get(credential, "family", "12345678A") is not None
    at.advance(seconds=CREDENTIAL_SECONDS - 1)
    assert vault.get(credential, "family", "12345678A") is not None
    at.advance(seconds=CREDENTIAL_SECONDS)
    assert vault.get(credential, "family", "12345678A") is None
    assert rows(app) == []


def test_a_page_view_writes_the_expiry_at_most_once_a_minute(app: bootstrap.App) -> None:
    vault, at = store(app), clock(app)
    credential = vault.put("provider", "1234567893", {"pin": PIN})
    w = tables.web_credentials

    def expires() -> object:
        with app.engine.connect() as c:
            return c.execute(select(w.c.expires_at)).scalar_one()

    written = expires()
    at.advance(seconds=30)
    assert vault.get(credential, "provider", "1234567893") is not None
    assert expires() == written  # not renewed: less than a minute
    at.advance(seconds=31)
    assert vault.get(credential, "provider", "1234567893") is not None
    assert expires() != written


def test_expired_rows_are_deleted_at_sign_in(app: bootstrap.App) -> None:
    vault, at = store(app), clock(app)
    for i in range(3):
        vault.put("provider", f"123456789{i}", {"pin": PIN})
    at.advance(seconds=CREDENTIAL_SECONDS + 1)
    kept = vault.put("provider", "1234567893", {"pin": PIN})
    w = tables.web_credentials
    with app.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(w)).scalar_one() == 1
    assert vault.get(kept, "provider", "1234567893") == {"pin": PIN}


def test_an_expired_credential_is_not_updated(app: bootstrap.App) -> None:
    vault, at = store(app), clock(app)
    credential = vault.put("provider", "1234567893", {"pin": PIN})
    at.advance(seconds=CREDENTIAL_SECONDS + 1)
    vault.update(credential, {"last_verification": "{}"})
    at.advance(seconds=-CREDENTIAL_SECONDS)  # back in time: the row was not renewed by update
    assert vault.get(credential, "provider", "1234567893") == {"pin": PIN}
