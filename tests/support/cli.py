"""Driving the ``spenddown`` CLI in-process (Typer's CliRunner) on the real clock."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from typer.testing import CliRunner, Result

from spenddown.entrypoints.cli.main import app
from support.world import base_dataset


def today_ca() -> date:
    return datetime.now(ZoneInfo("America/Los_Angeles")).date()


TODAY = today_ca()
MONTH = TODAY.strftime("%Y-%m")


def current_dataset() -> dict[str, Any]:
    """The world dataset with its eligibility and SOC moved to the current month."""
    document = base_dataset()
    for row in document["eligibility"] + document["soc"]:
        row["month"] = MONTH
    return document


class Cli:
    def __init__(self, url: str, tmp_path: Path) -> None:
        self.url = url
        self.tmp_path = tmp_path
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(app, ["--db", self.url, *args])

    def json(self, *args: str, exit_code: int = 0) -> Any:
        result = self(*args, "--json")
        assert result.exit_code == exit_code, (result.stdout, result.stderr)
        return json.loads(result.stdout)

    def write(self, name: str, document: Any) -> Path:
        path = self.tmp_path / name
        path.write_text(json.dumps(document), encoding="utf-8")
        return path

    def load(self, document: dict[str, Any]) -> dict[str, int]:
        counts: dict[str, int] = self.json("import", str(self.write("data.json", document)))
        return counts
