"""Issue 14 through the CLI (the same domain checks as the API): control characters, billing
codes, other scripts' digits, over-long and deeply nested import files, refused with a stable
code and exit 2, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_cli import member, provider

from spenddown.adapters.dataset import read_document
from spenddown.adapters.db import tables as t
from spenddown.domain.errors import InvalidInput
from spenddown.domain.identifiers import check_text, parse_billing_code, parse_cin, parse_npi
from spenddown.domain.money import Money
from support.cli import Cli, current_dataset
from support.world import PHYSICIAN


@pytest.fixture
def world_cli(cli: Cli) -> Cli:
    cli.load(current_dataset())
    return cli


def refused(cli: Cli, code: str, *args: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert f"[{code}]" in result.stderr, result.stderr


def test_clearances_refuse_control_characters_bad_codes_and_unicode_digits(
    world_cli: Cli,
) -> None:
    clear = ["clear", *provider(PHYSICIAN), *member(), "--charge", "5"]
    refused(world_cli, "INVALID_CHARACTERS", *clear, "--code", "99213", "--key", "k\x00")
    refused(world_cli, "INVALID_BILLING_CODE", *clear, "--code", "9921")
    refused(world_cli, "INVALID_BILLING_CODE", *clear, "--code", "99213\x00")
    refused(
        world_cli,
        "INVALID_NPI",
        "verify",
        "--npi",
        "１２３４５６７８９３",
        "--pin",
        "2468",
        *member(),
    )
    refused(world_cli, "INVALID_MEMBER_ID", "verify", *provider(PHYSICIAN), *member("١٢٣٤٥٦٧٨A"))
    engine = sa.create_engine(world_cli.url)
    with engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(t.soc_entries)).scalar_one() == 0
    engine.dispose()


def test_import_files_too_long_too_deep_or_with_a_nul_are_refused(cli: Cli, tmp_path: Path) -> None:
    member_row = {
        "cin": "56565656Q",
        "bic_issue_date": "2025-01-01",
        "first_name": "A" * 101,
        "last_name": "Lopez",
        "birth_date": "1970-01-01",
    }
    long_name = cli.write("long.json", {"members": [member_row]})
    refused(cli, "IMPORT_INVALID", "import", str(long_name))
    nul = cli.write("nul.json", {"members": [{**member_row, "first_name": "A\x00"}]})
    refused(cli, "IMPORT_INVALID", "import", str(nul))
    deep = tmp_path / "deep.json"
    deep.write_text('{"members": ' + "[" * 100_000 + "]" * 100_000 + "}")
    refused(cli, "IMPORT_UNREADABLE", "import", str(deep))
    huge = tmp_path / "huge.json"
    huge.write_text('{"plans": [{"code": ' + "9" * 5000 + ', "name": "x"}]}')
    refused(cli, "IMPORT_UNREADABLE", "import", str(huge))
    counts = cli.json(
        "import", str(cli.write("ok.json", {"members": [{**member_row, "first_name": "A"}]}))
    )
    assert counts["members"] == 1


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (parse_cin, "١٢٣٤٥٦٧٨A"),
        (parse_cin, "12345678A\n"[:-1] + "\u0660"),
        (parse_npi, "１２３４５６７８９３"),
        (lambda v: Money.parse(v, "amount"), "١٥٠.٠٠"),
        (parse_billing_code, "٩٩٢١٣"),
        (lambda v: check_text(v, "claim_id", 40), "C\x00"),
        (lambda v: check_text(v, "claim_id", 40), "C" * 41),
    ],
)
def test_the_domain_parsers_refuse_what_the_guard_would(parse: object, text: str) -> None:
    with pytest.raises(InvalidInput):
        parse(text)  # type: ignore[operator]


def test_read_document_refuses_what_python_cannot_parse_safely() -> None:
    with pytest.raises(InvalidInput) as deep:
        read_document("[" * 100_000 + "]" * 100_000, "x", as_json=True)
    assert deep.value.code == "IMPORT_UNREADABLE"
    with pytest.raises(InvalidInput):
        read_document(json.dumps({"a": 1})[:-1] + ', "b": ' + "9" * 5000 + "}", "x", as_json=True)
    with pytest.raises(InvalidInput):
        read_document("a: " + "[" * 100_000, "x", as_json=False)


def test_claim_files_nested_too_deep_are_bad_input_one_and_batch(cli: Cli, tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    one = tmp_path / "claim.json"
    one.write_text(deep)
    refused(cli, "INVALID_REQUEST", "adjudicate", str(one), *provider(PHYSICIAN))
    batch = tmp_path / "claims.jsonl"
    batch.write_text(deep + "\n" + '{"claim_id": ' + "9" * 5000 + "}\n")
    out = tmp_path / "out.jsonl"
    result = cli("adjudicate", "--batch", str(batch), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    answers = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(a["line"], a["error"]["code"]) for a in answers] == [
        (1, "INVALID_REQUEST"),
        (2, "INVALID_REQUEST"),
    ]
