"""Issue 15's newcomer findings that test_readme.py, test_demo_serve.py and test_cli.py do not
check on their own: ``make demo PORT=…`` takes another port; the tour prints the members' birth
dates (the family sign-in needs them); with ``spenddown`` not on PATH the tour's commands name
the script that runs (``.venv/bin/spenddown``), as the README's do; ``spenddown serve`` on an
address beyond loopback warns that the pages' cookie needs HTTPS."""

from __future__ import annotations

import gc
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from spenddown.entrypoints.api import app as api_app
from spenddown.entrypoints.cli import demo

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("spenddown")
FENCED = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)


def test_make_demo_takes_another_port() -> None:
    dry = subprocess.run(
        ["make", "-n", "demo", "PORT=8410"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert dry.returncode == 0, dry.stderr
    assert re.search(r"spenddown demo --port 8410$", dry.stdout, re.M), dry.stdout


def test_the_tour_prints_birth_dates_and_a_program_that_runs(tmp_path: Path) -> None:
    """Run as a newcomer would: the console script, ``spenddown`` not on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPENDDOWN_")}
    env["PATH"] = "/usr/bin:/bin"
    printed = subprocess.run(
        [str(SCRIPT), "demo", "--no-serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert printed.returncode == 0, printed.stderr
    for member in demo.MEMBERS:  # member ID / card issue date / birth date
        assert f"{member.cin} / {member.issue} / {member.born}" in printed.stdout
    commands = [
        line
        for line in printed.stdout.splitlines()
        if re.match(r"\S*spenddown(\s|$)", line) and "demo database" not in line
    ]
    assert len(commands) >= 6, printed.stdout
    for command in commands:
        assert not command.startswith("spenddown "), command  # not on PATH: it would fail
        assert Path(command.split()[0]).resolve() == SCRIPT.resolve(), command
    first = subprocess.run(
        ["bash", "-c", commands[0]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    assert "REMAINING SOC $600.00" in first.stdout


def test_the_readme_runs_the_program_from_the_venv() -> None:
    """`spenddown` is not on PATH after `make install`: every README command says
    `.venv/bin/spenddown` (the prose says how to put it on PATH)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [
        line[2:]
        for block in FENCED.findall(readme)
        for line in block.splitlines()
        if line.startswith("$ ")
    ]
    assert commands
    bare = [c for c in commands if re.search(r"(^|[\s($|])spenddown\s", c)]
    assert bare == [], bare
    assert "source .venv/bin/activate" in readme


def test_serve_beyond_loopback_warns_that_the_pages_need_https(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    served: list[tuple[str, int]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, host, port, **_: served.append((host, port)))
    monkeypatch.setenv("SPENDDOWN_SECRET_KEY", "k" * 40)
    url = f"sqlite:///{tmp_path / 'lan.db'}"
    spenddown_logger = logging.getLogger("spenddown")
    monkeypatch.setattr(spenddown_logger, "propagate", True)
    with caplog.at_level(logging.WARNING, logger="spenddown"):
        api_app.run("192.0.2.10", 8410, url, False)
        lan = [r.getMessage() for r in caplog.records]
        caplog.clear()
        api_app.run("127.0.0.1", 8411, url, False)
        loopback = [r.getMessage() for r in caplog.records]
    gc.unfreeze()  # ``run`` froze this test process's heap (next test)
    assert served == [("192.0.2.10", 8410), ("127.0.0.1", 8411)]
    assert any("HTTPS only" in m and "192.0.2.10" in m for m in lan), lan
    assert not any("HTTPS only" in m for m in loopback), loopback


def test_serve_freezes_the_built_application_before_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/performance.md "What limits each target": the collector's full passes over the
    application's objects were the p99 of every figure over HTTP; ``spenddown serve`` moves
    them out of its reach (``gc.freeze``) once the application is built."""
    frozen_when_served: list[int] = []
    monkeypatch.setattr(
        "uvicorn.run", lambda *_, **__: frozen_when_served.append(gc.get_freeze_count())
    )
    monkeypatch.setenv("SPENDDOWN_SECRET_KEY", "k" * 40)
    gc.unfreeze()
    try:
        api_app.run("127.0.0.1", 8412, f"sqlite:///{tmp_path / 'frozen.db'}", False)
    finally:
        gc.unfreeze()
    assert len(frozen_when_served) == 1
    assert frozen_when_served[0] > 100_000, frozen_when_served  # the imports and the app
