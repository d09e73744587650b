"""``spenddown demo`` serves the API on loopback and prints working credentials."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from support.cli import TODAY

SCRIPT = Path(sys.executable).with_name("spenddown")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_starts_the_server_with_demo_credentials(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPENDDOWN_")}
    process = subprocess.Popen(
        [str(SCRIPT), "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")))  # type: ignore[union-attr]
    reader.start()
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("the demo server did not answer /healthz")
        verification = httpx.post(
            f"{base}/v1/eligibility/verifications",
            auth=("1234567893", "2468"),
            json={
                "member_id": "91234560A",
                "bic_issue_date": "2024-03-12",
                "service_date": str(TODAY),
            },
            timeout=10,
        )
        assert verification.status_code == 200, verification.text
        assert verification.json()["share_of_cost"]["amount"] == "600.00"
        printed = "".join(lines)
        assert f"Serving the API at {base}" in printed
        county = re.search(r"county\s+(sd_\S+)", printed)
        assert county is not None, printed
        roster = httpx.get(
            f"{base}/v1/plans/HN/members",
            timeout=10,
            headers={"Authorization": f"Bearer {county.group(1)}"},
        )
        assert roster.status_code == 200, roster.text
        assert any(m["member_id"] == "91234560A" for m in roster.json()["members"])
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        reader.join(timeout=10)


def test_a_busy_port_is_said_in_one_line_before_the_tour(tmp_path: Path) -> None:
    """``make demo`` with the port taken: one line naming the fix, exit 1 (not 3, which means
    "refused by a rule"), no tour, no traceback, no demo database written."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPENDDOWN_")}
        for command in (["demo", "--port", str(port)], ["serve", "--port", str(port)]):
            result = subprocess.run(
                [str(SCRIPT), *command],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert result.returncode == 1, result.stderr
            assert result.stdout == ""
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1, result.stderr
            assert f"cannot listen on 127.0.0.1:{port}" in lines[0]
            assert f"--port {port + 10}" in lines[0]
        assert "Traceback" not in result.stderr
        assert not (tmp_path / "spenddown-demo.db").exists()
