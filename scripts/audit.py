# ruff: noqa: S603, S607 (our own fixed commands, no input)
"""``make audit``: known vulnerabilities in what spenddown runs on (docs/operations.md "Audit").

1. Python: every package pinned in ``uv.lock`` (``uv export``, all groups), checked by pip-audit
   against its default vulnerability service.
2. Debian: the packages the project installs and runs (PostgreSQL, libpq, Chromium; see
   ``scripts/ensure-postgres`` and ``scripts/ensure-chromium``), checked by Debian's ``debsecan``
   against the Debian security tracker (installed with apt when missing, as root).

A finding with a fixed version fails the run (exit 1), unless its ID is listed in
``audit-ignore.txt`` with a reason. When a vulnerability service cannot be reached, that half is
SKIPPED with a clear message and does not fail the run (CI must not fail because the service is
unreachable); ``AUDIT_STRICT=1`` makes an unreachable service a failure too.

Run from the project root: ``.venv/bin/python scripts/audit.py`` (``make audit`` does)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEBIAN_PACKAGES = re.compile(r"^(postgresql\S*|libpq\S*|chromium\S*)$")
UNREACHABLE = re.compile(
    r"(?i)connection ?error|max retries|name or service not known|temporary failure in name|"
    r"timed? ?out|network is unreachable|failed to establish|could not resolve|urlopen error|"
    r"connection refused|unable to fetch|ssl"
)
STRICT = os.environ.get("AUDIT_STRICT") == "1"


def ignored() -> set[str]:
    path = ROOT / "audit-ignore.txt"
    if not path.exists():
        return set()
    return {
        line.split("#", 1)[0].strip()
        for line in path.read_text().splitlines()
        if line.split("#", 1)[0].strip()
    }


def skipped(what: str, why: str) -> int:
    print(f"audit: {what}: SKIPPED, the vulnerability service is unreachable ({why}).")
    return 1 if STRICT else 0


def python_audit(accepted: set[str]) -> int:
    # The uv the Makefile uses (``UV``), else one on PATH, else python3.11's module.
    uv = os.environ.get("UV", "").split() or (
        ["uv"] if shutil.which("uv") else ["python3.11", "-m", "uv"]
    )
    exported = subprocess.run(
        [*uv, "export", "--frozen", "--all-groups", "--no-emit-project", "--no-hashes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if exported.returncode != 0:
        print(f"audit: python: uv export failed:\n{exported.stderr}")
        return 1
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as requirements:
        requirements.write(exported.stdout)
    pip_audit = str(Path(sys.executable).with_name("pip-audit"))
    try:
        run = subprocess.run(
            [
                *(pip_audit, "-r", requirements.name, "--no-deps", "--disable-pip", "-f", "json"),
                *("--progress-spinner", "off", "--timeout", "15"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        os.unlink(requirements.name)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        if UNREACHABLE.search(run.stderr):
            return skipped("python", run.stderr.strip().splitlines()[-1][:200])
        print(f"audit: python: pip-audit failed:\n{run.stderr}")
        return 1
    failing = 0
    packages = report.get("dependencies", [])
    for package in packages:
        for vuln in package.get("vulns", []):
            ids = {vuln["id"], *vuln.get("aliases", [])}
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            state = "accepted" if ids & accepted else ("FAIL" if vuln.get("fix_versions") else "")
            print(f"audit: python: {package['name']} {package['version']}: {vuln['id']} ({fixed})")
            if state == "FAIL":
                failing += 1
    print(f"audit: python: {len(packages)} packages from uv.lock checked, {failing} to fix.")
    return 1 if failing else 0


def debian_audit(accepted: set[str]) -> int:
    if not Path("/etc/debian_version").exists():
        print("audit: debian: SKIPPED, not a Debian system.")
        return 0
    if shutil.which("debsecan") is None:
        if os.geteuid() != 0:
            print("audit: debian: SKIPPED, debsecan is not installed (apt-get install debsecan).")
            return 1 if STRICT else 0
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env, check=False)
        install = subprocess.run(
            ["apt-get", "install", "-y", "-qq", "debsecan"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if install.returncode != 0:
            return skipped("debian", "debsecan could not be installed")
    installed = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\n"], capture_output=True, text=True, check=False
    ).stdout.split()
    ours = sorted(p for p in installed if DEBIAN_PACKAGES.match(p))
    suite = ""
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("VERSION_CODENAME="):
            suite = line.split("=", 1)[1].strip().strip('"')
    run = subprocess.run(
        ["debsecan", "--suite", suite or "GENERIC", "--only-fixed", "--format", "summary"],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        why = (run.stderr.strip().splitlines() or ["debsecan failed"])[-1][:200]
        return skipped("debian", why)
    failing = 0
    # One line per vulnerability: "CVE-2026-1234 postgresql-17 (fixed, high urgency)".
    for line in run.stdout.splitlines():
        words = line.split()
        if len(words) >= 2 and words[1] in ours and words[0] not in accepted:
            print(f"audit: debian: {words[1]}: {words[0]} (fixed in the suite)")
            failing += 1
    print(f"audit: debian: {len(ours)} packages checked ({', '.join(ours)}), {failing} to fix.")
    return 1 if failing else 0


def main() -> int:
    accepted = ignored()
    results = [python_audit(accepted), debian_audit(accepted)]
    return 1 if any(results) else 0


if __name__ == "__main__":
    sys.exit(main())
