"""``spenddown generate`` writes files that ``spenddown import`` and ``adjudicate --batch`` take."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import Cli


def test_generated_files_import_and_their_claims_adjudicate(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "synthetic"
    args = ["--members", "150", "--months", "2", "--seed", "9", "--last-month", "2026-06"]
    made = cli.json("generate", *args, "--out", str(out))
    assert made["member_months"] == 300
    assert made["counts"]["eligibility"] == 300
    assert made["counts"]["claims"] == 37  # one per four members
    dataset, claims = Path(made["dataset"]), Path(made["claims"])
    assert json.loads(dataset.read_text(encoding="utf-8"))["eligibility"][-1]["month"] == "2026-06"

    counts = cli.json("import", str(dataset))
    assert counts["eligibility"] == 300
    assert counts["members"] == made["counts"]["members"]

    results = tmp_path / "adjudications.jsonl"
    batch = cli("adjudicate", "--batch", str(claims), "--out", str(results))
    assert batch.exit_code == 0, batch.stderr
    lines = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 37
    assert not [line for line in lines if "error" in line]  # every claim is for a known member
    assert {"paid", "denied"} <= {line["status"] for line in lines}


def test_the_same_seed_writes_the_same_files(cli: Cli, tmp_path: Path) -> None:
    args = ["generate", "--members", "40", "--months", "3", "--last-month", "2026-01"]
    first = cli.json(*args, "--seed", "2", "--out", str(tmp_path / "a"))
    again = cli.json(*args, "--seed", "2", "--out", str(tmp_path / "b"))
    for kind in ("dataset", "claims"):
        assert Path(first[kind]).read_bytes() == Path(again[kind]).read_bytes()


def test_generate_refuses_an_empty_population(cli: Cli, tmp_path: Path) -> None:
    result = cli("generate", "--members", "0", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "INVALID_REQUEST" in result.stderr
    assert not (tmp_path / "dataset.json").exists()
