"""The caller's address (docs/operations.md ``SPENDDOWN_TRUSTED_PROXIES``): X-Forwarded-For is
read only when the peer is a configured proxy, and then the nearest address that is not one."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from spenddown.config import Settings, proxy_networks
from spenddown.entrypoints.api.middleware import caller_address

PROXIES = proxy_networks("10.0.0.0/24, 2001:db8::1")


def scope(peer: str, forwarded: str | None = None) -> dict[str, object]:
    headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded.encode())]
    return {"type": "http", "client": (peer, 1234), "headers": headers}


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "expected"),
    [
        ("198.51.100.7", "192.0.2.1", (), "198.51.100.7"),  # no proxies: the header is ignored
        ("198.51.100.7", "192.0.2.1", PROXIES, "198.51.100.7"),  # not from a proxy
        ("10.0.0.2", "192.0.2.1", PROXIES, "192.0.2.1"),
        ("10.0.0.2", "192.0.2.9, 192.0.2.1, 10.0.0.3", PROXIES, "192.0.2.1"),  # nearest client
        ("2001:db8::1", "2001:db8::7", PROXIES, "2001:db8::7"),
        ("10.0.0.2", "not-an-address", PROXIES, "10.0.0.2"),  # broken: the proxy is all we know
        ("10.0.0.2", None, PROXIES, "10.0.0.2"),
    ],
)
def test_caller_address(
    peer: str, forwarded: str | None, proxies: tuple[object, ...], expected: str
) -> None:
    assert caller_address(scope(peer, forwarded), proxies) == expected  # type: ignore[arg-type]


def test_a_bad_trusted_proxy_setting_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(trusted_proxies="10.0.0.0/24, the proxy")
