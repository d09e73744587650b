from __future__ import annotations

from pathlib import Path

import pytest

from support.cli import Cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The CLI on a fresh SQLite file."""
    return Cli(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path)
