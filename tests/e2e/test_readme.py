"""A newcomer follows the README top to bottom on a fresh clone: ``make demo`` in one terminal,
then every ``$`` command of the README, in order, in another. Each must do what the README
shows: succeed, or fail with the error code the README shows. (JSON answers are compared by
their keys; dates, IDs, EVCs and tokens change every run.)

Set ``SPENDDOWN_README_OUT=FILE`` to write every command's real output there, to refresh the
README's examples."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent
FENCED = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
CLI_ERROR = re.compile(r"\[([A-Z][A-Z0-9_]+)\]\s*$", re.M)
PROBLEM_CODE = re.compile(r'"type":\s*"/problems/[^"]*".*?"code":\s*"([A-Z][A-Z0-9_]+)"')


@dataclass(frozen=True)
class Shown:
    command: str
    output: str


def shown_commands(readme: str) -> list[Shown]:
    """Every ``$ command`` of the README's code blocks (continuation lines included) with the
    output printed under it."""
    found: list[Shown] = []
    for block in FENCED.findall(readme):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            if not lines[i].startswith("$ "):
                i += 1
                continue
            command = lines[i][2:]
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command += "\n" + lines[i]
            i += 1
            output: list[str] = []
            while i < len(lines) and not lines[i].startswith("$ "):
                output.append(lines[i])
                i += 1
            found.append(Shown(command, "\n".join(output).strip()))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def keys_of(text: str) -> set[str] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return set(value) if isinstance(value, dict) else None


def test_the_readme_commands_work_in_order(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = shown_commands(readme)
    assert len(shown) >= 15, "the README's commands were not found"
    (tmp_path / ".venv").symlink_to(VENV, target_is_directory=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPENDDOWN_")}
    demo = subprocess.Popen(
        [str(VENV / "bin" / "spenddown"), "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.extend(iter(demo.stdout.readline, "")))  # type: ignore[union-attr]
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while True:
            assert demo.poll() is None, "".join(printed)
            assert time.monotonic() < deadline, "make demo did not start serving"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        county = re.search(r"county\s+(sd_\S+)", "".join(printed))
        assert county is not None, "".join(printed)

        script = ["set -u"]
        for number, step in enumerate(shown):
            command = step.command.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
            command = command.replace("COUNTY=sd_...", f"COUNTY={county.group(1)}")
            script.append(f"{{\n{command}\n}} > out{number} 2>&1 </dev/null; echo $? > rc{number}")
        (tmp_path / "readme.sh").write_text("\n".join(script) + "\n", encoding="utf-8")
        subprocess.run(["bash", "readme.sh"], cwd=tmp_path, env=env, timeout=600, check=False)

        actual: list[str] = []
        for number, step in enumerate(shown):
            output = (tmp_path / f"out{number}").read_text(encoding="utf-8").strip()
            rc = int((tmp_path / f"rc{number}").read_text().strip() or "-1")
            actual.append(f"$ {step.command}\n{output}\n[exit {rc}]\n")
            where = f"README command {number + 1}: {step.command}\n--- got (exit {rc}):\n{output}"
            expected_error = CLI_ERROR.search(step.output) or PROBLEM_CODE.search(step.output)
            if expected_error:
                assert expected_error.group(1) in output, where
                if CLI_ERROR.search(step.output):
                    assert rc != 0, where
                continue
            assert rc == 0, where
            assert PROBLEM_CODE.search(output) is None, where
            assert "Traceback" not in output, where
            shown_keys = keys_of(step.output)
            if shown_keys is not None:
                assert keys_of(output) == shown_keys, where
    finally:
        if out := os.environ.get("SPENDDOWN_README_OUT"):
            Path(out).write_text("\n".join(locals().get("actual", [])), encoding="utf-8")
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=30)
        reader.join(timeout=10)
