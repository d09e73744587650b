"""Issue 14 through the CLI: tokens (expiry, county scope, list, revoke), unlocking an NPI or a
member, and the balance-billing check with the family's or the provider's proof."""

from __future__ import annotations

import pytest

from support.cli import TODAY, Cli, current_dataset
from support.world import PHYSICIAN, SOC_MEMBER

ISSUE = "2025-02-01"


@pytest.fixture
def world_cli(cli: Cli) -> Cli:
    cli.load(current_dataset())
    return cli


def test_tokens_create_list_and_revoke(cli: Cli) -> None:
    refused = cli("tokens", "create", "--role", "county")
    assert refused.exit_code == 2
    assert "--county" in refused.stderr
    county = cli.json("tokens", "create", "--role", "county", "--county", "19", "--days", "30")
    assert county["county_code"] == "19"
    assert county["expires_at"]
    statewide = cli.json("tokens", "create", "--role", "county", "--statewide")
    assert statewide["county_code"] is None
    listed = cli.json("tokens", "list")["tokens"]
    assert [t["token_id"] for t in listed] == [county["token_id"], statewide["token_id"]]
    assert all("token" not in t for t in listed)
    revoked = cli("tokens", "revoke", county["token_id"])
    assert revoked.exit_code == 0, revoked.stderr
    again = cli.json("tokens", "list")["tokens"]
    assert again[0]["revoked_at"] is not None
    assert again[1]["revoked_at"] is None
    assert cli("tokens", "revoke", "t_unknown").exit_code == 3


def test_unlock_an_npi_and_a_member(world_cli: Cli) -> None:
    for _ in range(5):
        wrong = world_cli(
            "verify", "--npi", PHYSICIAN[0], "--pin", "0000", "--member", SOC_MEMBER,
            "--issue-date", ISSUE, "--date", TODAY.isoformat(),
        )  # fmt: skip
        assert wrong.exit_code == 4
    unlocked = world_cli("unlock", "--npi", PHYSICIAN[0])
    assert unlocked.exit_code == 0, unlocked.stderr
    assert "5 failure(s) cleared" in unlocked.stdout
    right = world_cli(
        "verify", "--npi", PHYSICIAN[0], "--pin", PHYSICIAN[1], "--member", SOC_MEMBER,
        "--issue-date", ISSUE, "--date", TODAY.isoformat(),
    )  # fmt: skip
    assert right.exit_code == 0, right.stderr
    member = world_cli("unlock", "--member", SOC_MEMBER)
    assert member.exit_code == 0
    assert SOC_MEMBER not in member.stdout  # the last 4 characters only
    assert world_cli("unlock").exit_code == 2


def test_billing_check_needs_the_birth_date_or_the_pin(world_cli: Cli) -> None:
    args = [
        "billing-check", "--member", SOC_MEMBER, "--issue-date", ISSUE, "--provider",
        PHYSICIAN[0], "--date", TODAY.isoformat(), "--amount", "50.00",
    ]  # fmt: skip
    anonymous = world_cli(*args)
    assert anonymous.exit_code == 4
    assert "AUTHENTICATION_REQUIRED" in anonymous.stderr
    family = world_cli.json(*args, "--birth-date", "1960-05-01", "--json")
    assert family["allowed"] in (True, False)
    provider = world_cli.json(*args, "--pin", PHYSICIAN[1], "--json")
    assert provider == family
    wrong = world_cli(*args, "--birth-date", "1960-05-02")
    assert wrong.exit_code == 3
    assert "MEMBER_NOT_FOUND" in wrong.stderr
