"""The ``spenddown`` command line end to end (docs/cli.md): in-process with Typer's
CliRunner, and the installed console script as a subprocess, against a temporary SQLite file.

The CLI runs on the real clock, so provider transactions use a copy of the world dataset moved to
the current month (California time) and today's date of service."""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spenddown.domain.identifiers import EVC_ALPHABET
from spenddown.entrypoints.cli import demo as demo_module
from spenddown.entrypoints.cli import main as cli_main
from spenddown.entrypoints.cli.main import app, in_cli_words
from support.cli import MONTH, TODAY, Cli, current_dataset
from support.world import CLINIC, LTC_HOME, PHYSICIAN, SOC_MEMBER

SCRIPT = Path(sys.executable).with_name("spenddown")
ISSUE = "2025-02-01"  # card issue date of every world member


@pytest.fixture
def world_cli(cli: Cli) -> Cli:
    cli.load(current_dataset())
    return cli


def provider(p: tuple[str, str]) -> list[str]:
    return ["--npi", p[0], "--pin", p[1]]


def member(cin: str = SOC_MEMBER, issue: str = ISSUE) -> list[str]:
    return ["--member", cin, "--issue-date", issue, "--date", TODAY.isoformat()]


def clear_args(charge: str, *extra: str, by: tuple[str, str] = PHYSICIAN) -> list[str]:
    return ["clear", *provider(by), *member(), "--code", "99213", "--charge", charge, *extra]


# --- import ----------------------------------------------------------------------------------
def test_import_reports_counts_per_kind(cli: Cli) -> None:
    counts = cli.load(current_dataset())
    assert counts == {
        "plans": 2,
        "providers": 4,
        "members": 9,
        "aid_codes": 0,
        "cases": 4,
        "eligibility": 9,
        "soc": 6,
        "ohc_policies": 0,
        "fee_schedule": 0,
        "authorizations": 0,
    }


def test_import_lists_every_error_with_its_path_and_imports_nothing(cli: Cli) -> None:
    document = current_dataset()
    document["members"][0]["cin"] = "1234"
    document["soc"][2]["amount"] = "12.345"
    result = cli("import", str(cli.write("bad.json", document)))
    assert result.exit_code == 2
    assert "members[0].cin: " in result.stderr
    assert "soc[2].amount: " in result.stderr
    assert "nothing was imported" in result.stderr
    # Nothing at all was stored: not even the plans listed before the bad records.
    roster = cli("plans", "roster", "HN", "--month", MONTH)
    assert roster.exit_code == 3
    assert "PLAN_NOT_FOUND" in roster.stderr


def test_import_reference_errors_roll_back_the_whole_file(cli: Cli) -> None:
    """Shapes are fine, a reference is not: the file is still one transaction."""
    document = current_dataset()
    document["eligibility"].append(
        {"cin": "11111111K", "month": MONTH, "aid_code": "17", "county_code": "19"}
    )
    result = cli("import", "--json", str(cli.write("refs.json", document)))
    assert result.exit_code == 2
    assert "eligibility[9].cin: unknown member 11111111K" in result.stderr
    problem = json.loads(result.stdout)
    assert problem["code"] == "IMPORT_INVALID"
    assert problem["errors"] == ["eligibility[9].cin: unknown member 11111111K"]
    assert cli("plans", "roster", "HN", "--month", MONTH).exit_code == 3


def test_import_reads_yaml_and_an_unreadable_file_is_bad_input(cli: Cli, tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(current_dataset()), encoding="utf-8")
    assert cli.json("import", str(path))["members"] == 9
    missing = cli("import", str(tmp_path / "missing.yaml"))
    assert missing.exit_code == 2
    assert "IMPORT_UNREADABLE" in missing.stderr


# --- verify, clear, reverse ------------------------------------------------------------------
def test_verify_unmet_soc_gives_the_verification_shape(world_cli: Cli) -> None:
    v = world_cli.json("verify", *provider(PHYSICIAN), *member())
    assert v == {
        "member_id": SOC_MEMBER,
        "service_date": TODAY.isoformat(),
        "month": MONTH,
        "eligible": False,
        "evc": None,
        "eligibility_status": "5",
        "county_code": "19",
        "aid_codes": [],
        "share_of_cost": {
            "amount": "600.00",
            "remaining": "600.00",
            "certified": False,
            "certified_by": None,
            "ltc": False,
            "clear_online": True,
            "program": "medi-cal",
        },
        "plan": {"code": "HN", "name": "Health Net", "hcp_status": "55"},
        "other_health_coverage": ["P"],
        "restrictions": [],
        "messages": ["MEDI-CAL ELIGIBLE WITH $00600 SOC. REMAINING SOC $600.00."],
    }


def test_clear_reverse_certify_and_refusals(world_cli: Cli) -> None:
    cli = world_cli
    first = cli.json(*clear_args("150.00"))
    assert first["clearance_id"].startswith("c_")
    assert {k: first[k] for k in ("member_id", "budget_unit", "month", "service_date")} == {
        "member_id": SOC_MEMBER,
        "budget_unit": "A",
        "month": MONTH,
        "service_date": TODAY.isoformat(),
    }
    assert first["billing_code"] == "99213"
    assert first["service_charge"] == "150.00"
    assert first["payment"] == "paid"
    assert first["applied"] == "150.00"
    assert first["remaining"] == "450.00"
    assert first["certified"] is False
    assert first["evc"] is None
    assert first["reversed"] is False
    assert first["messages"] == ["SOC CLEARED. REMAINING SOC $450.00."]

    reversed_ = cli.json("reverse", *provider(PHYSICIAN), first["clearance_id"])
    assert reversed_["clearance_id"] == first["clearance_id"]
    assert reversed_["reversed"] is True
    assert reversed_["remaining"] == "600.00"

    again = cli.json(*clear_args("150.00", "--key", "visit-7"))
    assert again["remaining"] == "450.00"
    # The same idempotency key gives back the first result and applies nothing twice.
    replay = cli.json(*clear_args("150.00", "--key", "visit-7"))
    assert replay["clearance_id"] == again["clearance_id"]
    assert replay["remaining"] == "450.00"

    rest = cli.json(
        "clear", *provider(CLINIC), *member(), "--code", "99215", "--charge", "500", "--obligated"
    )
    assert rest["applied"] == "450.00"  # min(charge, remaining)
    assert rest["remaining"] == "0.00"
    assert rest["certified"] is True
    assert rest["payment"] == "obligated"
    assert len(rest["evc"]) == 10
    assert set(rest["evc"]) <= set(EVC_ALPHABET)

    v = cli.json("verify", *provider(PHYSICIAN), *member())
    assert v["eligible"] is True
    assert v["eligibility_status"] == "3"
    assert v["aid_codes"] == [{"aid_code": "17", "scope": "full", "program": "medi-cal"}]
    assert v["plan"]["hcp_status"] == "01"
    assert v["share_of_cost"]["certified_by"] == "clearances"
    assert v["evc"] is not None

    # After certification: no reversal and no further clearance (exit 3: refused by a rule).
    refused = cli("reverse", *provider(PHYSICIAN), again["clearance_id"], "--json")
    assert refused.exit_code == 3
    assert "certified" in refused.stderr
    assert json.loads(refused.stdout)["code"] == "SOC_CERTIFIED_NO_REVERSAL"
    met = cli(*clear_args("20.00", by=CLINIC))
    assert met.exit_code == 3
    assert "SOC_ALREADY_MET" in met.stderr

    shown = cli.json("soc", "show", "--member", SOC_MEMBER, "--month", MONTH)
    assert shown["amount"] == "600.00"
    assert shown["remaining"] == "0.00"
    assert shown["certified_by"] == "clearances"
    assert shown["other_obligations"] == []
    kinds = [(e["kind"], e["applied"], e["reversed"]) for e in shown["ledger"]]
    assert kinds == [
        ("clearance", "150.00", True),
        ("reversal", "150.00", False),
        ("clearance", "150.00", False),
        ("clearance", "450.00", False),
    ]

    activations = cli.json("plans", "activations", "HN")
    # Every plan member of the certified budget unit is activated once.
    assert sorted((a["member_id"], a["month"]) for a in activations["activations"]) == [
        (SOC_MEMBER, MONTH),
        ("22222222B", MONTH),
    ]
    assert {a["certified_by"] for a in activations["activations"]} == {"clearances"}
    after = cli.json("plans", "activations", "HN", "--since", activations["cursor"])
    assert after["activations"] == []
    assert cli("audit").exit_code == 0


def test_people_get_a_readable_panel_without_the_pin(world_cli: Cli) -> None:
    result = world_cli("verify", *provider(PHYSICIAN), *member())
    assert result.exit_code == 0
    assert "REMAINING SOC $600.00" in result.stdout
    assert "Health Net" in result.stdout
    assert PHYSICIAN[1] not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        pytest.param(clear_args("1.234"), 2, "INVALID_AMOUNT", id="amount-with-3-decimals"),
        pytest.param(clear_args("-5.00"), 2, "INVALID_SERVICE_CHARGE", id="negative-charge"),
        pytest.param(
            ["verify", "--npi", "1234567890", "--pin", "1", *member()],
            2,
            "INVALID_NPI",
            id="npi-check-digit",
        ),
        pytest.param(
            ["verify", *provider(PHYSICIAN), "--member", "12345678A", "--issue-date", "2025-13-01"],
            2,
            "INVALID_DATE",
            id="bad-issue-date",
        ),
        pytest.param(
            ["verify", *provider(PHYSICIAN), *member(), "--date", "2999-01-01"],
            2,
            "SERVICE_DATE_IN_FUTURE",
            id="future-date",
        ),
        pytest.param(["cycle", "start", "2026-13"], 2, "INVALID_MONTH", id="bad-month"),
        pytest.param(
            ["verify", "--npi", PHYSICIAN[0], "--pin", "0000", *member()],
            4,
            "INVALID_CREDENTIALS",
            id="wrong-pin",
        ),
        pytest.param(
            ["verify", *provider(PHYSICIAN), *member("99999999Z")],
            3,
            "MEMBER_NOT_FOUND",
            id="unknown-member",
        ),
        pytest.param(
            [
                "clear",
                *provider(PHYSICIAN),
                *member("88888888H"),
                *("--code", "99213", "--charge", "5"),
            ],
            3,
            "NO_SOC_FOR_MONTH",
            id="no-soc",
        ),
        pytest.param(["plans", "roster", "XX"], 3, "PLAN_NOT_FOUND", id="unknown-plan"),
        pytest.param(
            ["soc", "set", "--case", "C-1001", "--budget-unit", "A", "--month", MONTH,
             "--amount", "1.001"],
            2,
            "INVALID_AMOUNT",
            id="soc-amount",
        ),
    ],
)  # fmt: skip
def test_exit_codes_and_problem_details(
    world_cli: Cli, args: list[str], code: int, expected: str
) -> None:
    result = world_cli(*args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert expected in result.stderr
    problem = world_cli.json(*args, exit_code=code)
    assert problem["code"] == expected
    assert problem["type"] == "/problems/" + expected.lower().replace("_", "-")
    assert in_cli_words(problem["detail"]) in result.stderr  # options, not API fields
    assert set(problem) >= {"type", "title", "detail", "code"}


def test_errors_name_the_options_people_typed_not_api_fields(world_cli: Cli) -> None:
    clear = ["clear", *provider(PHYSICIAN), *member(), "--code", "99214", "--charge", "0"]
    result = world_cli(*clear)
    assert result.exit_code == 2
    assert "spenddown: --charge must be more than $0.00. [INVALID_SERVICE_CHARGE]" in result.stderr
    assert "service_charge" not in result.stderr
    # --json keeps the API's problem document, field names included (docs/cli.md)
    assert world_cli.json(*clear, exit_code=2)["detail"].startswith("service_charge")
    computed = world_cli("soc", "compute", "--month", MONTH, "--household", "1", "--unearned=-5")
    assert computed.exit_code == 2
    assert "incomes[" not in computed.stderr
    assert "--earned/--unearned" in computed.stderr


def test_a_locked_npi_stays_locked_with_the_right_pin(world_cli: Cli) -> None:
    for _ in range(5):
        assert world_cli("verify", "--npi", PHYSICIAN[0], "--pin", "0000", *member()).exit_code == 4
    locked = world_cli("verify", *provider(PHYSICIAN), *member())
    assert locked.exit_code == 4
    assert "PIN_LOCKED" in locked.stderr


def test_missing_options_are_bad_input(world_cli: Cli) -> None:
    assert world_cli("verify", "--npi", PHYSICIAN[0]).exit_code == 2


# --- county ----------------------------------------------------------------------------------
def test_soc_compute_w1_and_d2(cli: Cli) -> None:
    """Worked examples W1 and D2 through the CLI (nothing is stored). Corrected 2026-12-04: the
    ladder screens the free programs first, so W1 (a parent-linked adult, $1,800) answers MAGI
    and an aged D2 answers A&D FPL; ``--program medically_needy`` still computes their
    Medically Needy budgets, which is what these examples were written for."""
    w1_args = ["soc", "compute", "--month", "2026-11", "--household", "1",
               "--unearned", "1800", "--budget", "family"]  # fmt: skip
    ladder = cli.json(*w1_args)
    assert (ladder["program"], ladder["soc"]) == ("magi", "0.00")
    w1 = cli.json(*w1_args, "--program", "medically_needy")
    assert w1["program"] == "medically_needy"
    assert w1["soc"] == "1200.00"
    assert w1["maintenance_need_level"] == "600.00"
    assert w1["household_size"] == 1
    assert w1["budget"] == "family"
    d2_args = ["soc", "compute", "--month", "2026-11", "--household", "1", "--unearned", "1400",
               "--premium", "202.90", "--premium", "50", "--aged"]  # fmt: skip
    free = cli.json(*d2_args)
    assert (free["program"], free["soc"]) == ("aged_disabled_fpl", "0.00")
    assert free["screened"][1]["rule"] == "W&I 14005.40"
    d2 = cli.json(*d2_args, "--program", "medically_needy")
    assert d2["net_nonexempt_income"] == "1127.10"
    assert d2["rounded_income"] == "1127.00"
    assert d2["maintenance_need_level"] == "600.00"
    assert d2["soc"] == "527.00"
    assert d2["budget"] == "abd"
    assert d2["ltc"] is False
    steps = [(s["rule"], s["amount"]) for s in d2["steps"]]
    assert ("22 CCR 50549.2", "-20.00") in steps
    assert all(isinstance(s["description"], str) and s["description"] for s in d2["steps"])
    # docs/cli.md: --json is global too (before the command)
    before = cli("--json", *d2_args, "--program", "medically_needy")
    assert before.exit_code == 0, before.output
    assert json.loads(before.stdout) == d2
    refused = cli("--json", "soc", "compute", "--month", "2026-13", "--household", "1")
    assert refused.exit_code == 2
    assert json.loads(refused.stdout)["code"] == "INVALID_MONTH"


def test_soc_compute_household_file_spouse_at_home_and_refusals(cli: Cli, tmp_path: Path) -> None:
    """--household-file takes the API's body (YAML here); --ltc --spouse-income keeps the
    community spouse's allowance; a household the rules cannot budget exits 2."""
    household = tmp_path / "household.yaml"
    household.write_text(
        "month: 2026-11\n"
        "persons:\n  - {birth_date: 1990-05-01}\n"
        "  - {birth_date: 2015-06-01, relationship: child}\n"
        "incomes:\n  - {kind: unearned, amount: '5000.00', person: 0}\n",
        encoding="utf-8",
    )
    parent_child = cli.json("soc", "compute", "--household-file", str(household))
    assert parent_child["maintenance_need_level"] == "750.00"
    assert parent_child["soc"] == "4250.00"
    spouse = cli.json("soc", "compute", "--month", "2026-11", "--household", "1", "--ltc",
                      "--aged", "--unearned", "6000", "--spouse-income", "1000")  # fmt: skip
    assert spouse["allocations"]["spouse"] == "3066.50"
    assert spouse["soc"] == "2898.50"
    unlinked = cli("--json", "soc", "compute", "--month", "2026-11", "--household-file",
                   str(household), "--program", "nope")  # fmt: skip
    assert unlinked.exit_code == 2
    assert json.loads(unlinked.stdout)["code"] == "UNKNOWN_PROGRAM"
    missing = cli("soc", "compute", "--household-file", str(tmp_path / "none.yaml"))
    assert missing.exit_code == 2


def test_whatif_over_a_generated_caseload(cli: Cli, tmp_path: Path) -> None:
    """`spenddown generate` stores determination inputs; `spenddown whatif` re-runs them."""
    out = tmp_path / "gen"
    made = cli("generate", "--members", "200", "--months", "1", "--last-month", "2026-11",
               "--out", str(out))  # fmt: skip
    assert made.exit_code == 0, made.output
    assert cli("import", str(out / "dataset.json")).exit_code == 0
    report = cli.json("whatif", "--month", "2026-11", "--reform", "mnl_138_fpl")
    assert report["units"] > 0
    assert report["refused"] == 0
    assert report["moved_to_free"] + report["lower_soc"] > 0
    assert float(report["total_soc_after"]) < float(report["total_soc_before"])
    assert report["bands"][0]["band"] == "$0"
    human = cli("whatif", "--month", "2026-11", "--reform", "pna_80")
    assert human.exit_code == 0
    assert "Total monthly SOC" in human.stdout
    assert cli("whatif", "--month", "2026-11").exit_code == 2
    assert cli("whatif", "--month", "2026-11", "--reform", "nope").exit_code == 2


def test_soc_compute_ltc_child_only_and_bad_input(cli: Cli) -> None:
    w10 = cli.json("soc", "compute", "--month", "2026-11", "--household", "1", "--ltc",
                   "--unearned", "835")  # fmt: skip
    assert w10["soc"] == "800.00"
    assert w10["maintenance_need_level"] == "35.00"
    child_only = ["--household", "4", "--children", "2", "--parents-in-home", "2"]
    # W11's children fit MAGI (271% FPL) on the ladder: the child-only budget is the what-if.
    w11 = cli.json(
        "soc", "compute", "--month", "2026-11", *child_only, "--unearned", "700",
        "--budget", "family", "--program", "medically_needy",
    )  # fmt: skip
    assert w11["maintenance_need_level"] == "550.00"
    assert w11["soc"] == "150.00"
    people = cli("soc", "compute", "--month", "2026-11", "--household", "1", "--unearned", "1800")
    assert people.exit_code == 0
    assert "Share of Cost" in people.stdout
    assert "Programs screened" in people.stdout
    bad = cli("soc", "compute", "--household", "1", "--unearned", "1800.001")
    assert bad.exit_code == 2
    assert "--unearned" in bad.stderr
    assert cli("soc", "compute", "--household", "1", "--budget", "x").exit_code == 2
    assert cli("soc", "compute", "--household", "1", "--reform", "nope").exit_code == 2


def test_soc_set_and_county_certification(world_cli: Cli) -> None:
    cli = world_cli
    unit = ["--case", "C-3003", "--budget-unit", "A", "--month", MONTH]
    lowered = cli.json("soc", "set", *unit, "--amount", "200.00")
    assert lowered["amount"] == "200.00"
    assert lowered["remaining"] == "200.00"
    assert lowered["certified"] is False
    assert lowered["program"] == "medi-cal"
    certified = cli.json("soc", "certify", *unit)
    assert certified["certified"] is True
    assert certified["certified_by"] == "county"
    assert certified["remaining"] == "0.00"
    assert certified["other_obligations"] == []
    again = cli("soc", "certify", *unit)
    assert again.exit_code == 3
    assert "SOC_ALREADY_MET" in again.stderr
    raised = cli("soc", "set", *unit, "--amount", "300.00")
    assert raised.exit_code == 3
    assert "SOC_INCREASE_ON_CERTIFIED_MONTH" in raised.stderr
    # CMSP and Medi-Cal obligations of one unit are certified together.
    both = cli.json("soc", "certify", "--case", "C-4004", "--budget-unit", "A", "--month", MONTH)
    assert both["program"] == "medi-cal"
    assert [o["program"] for o in both["other_obligations"]] == ["cmsp"]
    assert both["other_obligations"][0]["certified_by"] == "county"
    unknown = cli("soc", "set", "--case", "C-9", "--budget-unit", "A", "--month", MONTH,
                  "--amount", "1")  # fmt: skip
    assert unknown.exit_code == 3
    assert "BUDGET_UNIT_NOT_FOUND" in unknown.stderr


def test_cycle_start_certifies_ltc_once_and_the_facility_sees_it(world_cli: Cli) -> None:
    cli = world_cli
    assert cli.json("cycle", "start", MONTH) == {"month": MONTH, "ltc_certified": 1}
    assert cli.json("cycle", "start", MONTH) == {"month": MONTH, "ltc_certified": 0}
    v = cli.json("verify", *provider(LTC_HOME), *member("55555555E"))
    assert v["eligible"] is True
    assert v["eligibility_status"] == "1"
    assert v["share_of_cost"]["clear_online"] is False
    assert v["share_of_cost"]["certified_by"] == "ltc_auto"


def test_plans_roster_shows_hcp_status(world_cli: Cli) -> None:
    roster = world_cli.json("plans", "roster", "HN", "--month", MONTH)
    assert roster["plan_code"] == "HN"
    assert roster["month"] == MONTH
    assert roster["members"] == [
        {"member_id": "12345678A", "aid_codes": ["17"], "hcp_status": "55"},
        {"member_id": "22222222B", "aid_codes": ["17"], "hcp_status": "55"},
    ]


def test_audit_exits_1_and_lists_each_violation(world_cli: Cli, tmp_path: Path) -> None:
    assert world_cli.json("audit") == {"ok": True, "violations": []}
    world_cli.json(*clear_args("150.00"))
    with sqlite3.connect(tmp_path / "cli.db") as connection:
        connection.execute(
            "UPDATE soc_obligations SET remaining_cents = 50000 "
            "WHERE case_id = 'C-1001' AND budget_unit = 'A'"
        )
    result = world_cli("audit")
    assert result.exit_code == 1
    assert "remaining 500.00 but amount 600.00 minus active applied 150.00" in result.stdout
    report = world_cli.json("audit", exit_code=1)
    assert report["ok"] is False
    assert len(report["violations"]) == 1


def test_db_upgrade_creates_the_schema(cli: Cli, tmp_path: Path) -> None:
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.stderr
    assert "up to date" in result.stdout
    with sqlite3.connect(tmp_path / "cli.db") as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert {"soc_obligations", "soc_entries", "members"} <= tables


def test_database_from_the_environment_then_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPENDDOWN_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert (tmp_path / "env.db").exists()
    monkeypatch.delenv("SPENDDOWN_DATABASE_URL")
    assert runner.invoke(app, ["audit"]).exit_code == 0
    assert (tmp_path / "spenddown.db").exists()


def test_an_unusable_database_exits_1_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--db", "nosuchdriver://x", "audit"])
    assert result.exit_code == 1
    assert "cannot open the database" in result.stderr
    assert "Traceback" not in result.output


def test_exit_code_table() -> None:
    from spenddown.domain import errors

    assert cli_main.exit_code(errors.ImportErrors(["x: y"])) == 2
    assert cli_main.exit_code(errors.InvalidInput("A", "a")) == 2
    assert cli_main.exit_code(errors.RuleRefusal("A", "a")) == 3
    assert cli_main.exit_code(errors.NotFound("A", "a")) == 3
    assert cli_main.exit_code(errors.AuthenticationFailed("A", "a")) == 4
    assert cli_main.exit_code(errors.Forbidden("A", "a")) == 4
    assert cli_main.exit_code(RuntimeError("boom")) == 1
    assert cli_main.DEMO_FILE == demo_module.DEMO_FILE


# --- the installed console script --------------------------------------------------------------
def run_script(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SPENDDOWN_DATABASE_URL"}
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def test_installed_script_verifies_and_clears(cli: Cli) -> None:
    path = cli.write("world.json", current_dataset())
    assert run_script("--db", cli.url, "import", str(path)).returncode == 0
    verified = run_script("--db", cli.url, "verify", *provider(PHYSICIAN), *member(), "--json")
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["share_of_cost"]["remaining"] == "600.00"
    cleared = run_script("--db", cli.url, *clear_args("600.00"), "--json")
    assert cleared.returncode == 0, cleared.stderr
    assert json.loads(cleared.stdout)["certified"] is True
    refused = run_script("--db", cli.url, *clear_args("1.00", by=CLINIC))
    assert refused.returncode == 3
    assert "already met" in refused.stderr
    wrong = run_script("--db", cli.url, "verify", "--npi", PHYSICIAN[0], "--pin", "1111",
                       *member())  # fmt: skip
    assert wrong.returncode == 4
    assert "1111" not in wrong.stderr + wrong.stdout


# --- the demo ----------------------------------------------------------------------------------
def test_demo_twice_and_its_tour_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPENDDOWN_DATABASE_URL", raising=False)
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "Created the demo database" in first.stdout
    assert (tmp_path / demo_module.DEMO_FILE).exists()
    for p in demo_module.PROVIDERS:
        assert f"{p.npi} / {p.pin}" in first.stdout
    steps = demo_module.tour(str(SCRIPT))
    assert 6 <= len(steps) <= 10
    for step in steps:
        assert step.command in first.stdout  # printed whole, unwrapped, copy-pasteable

    second = runner.invoke(app, ["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert "Reused the demo database" in second.stdout

    # Run the tour as a person would, in a shell in the same directory.
    outputs = []
    for step in steps:
        done = subprocess.run(
            ["bash", "-c", step.command],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={k: v for k, v in os.environ.items() if k != "SPENDDOWN_DATABASE_URL"},
            timeout=120,
        )
        assert done.returncode == step.expect_exit, (step.command, done.stdout, done.stderr)
        outputs.append(done.stdout + done.stderr)
    assert "REMAINING SOC $600.00" in outputs[0]
    assert "$450.00" in outputs[1]
    assert "SOC CERTIFIED" in outputs[2]
    assert "status 01" in outputs[3]
    assert "SOC_CERTIFIED_NO_REVERSAL" in outputs[4]
    assert "1 long-term-care" in outputs[5]
    assert "Clear online     no" in outputs[6]
    # Step 8 shows the ladder (2026-12-04): an aged person with $1,300 is A&D FPL, no SOC (it
    # showed a Medically Needy SOC of $1,200 for countable income $1,800 before).
    assert "program aged_disabled_fpl, SOC $0.00" in outputs[7]
    assert demo_module.ROSA.cin in outputs[8]
    assert "no violations" in outputs[9]

    fresh = runner.invoke(app, ["demo", "--no-serve", "--fresh"])
    assert fresh.exit_code == 0, fresh.output
    assert "Created the demo database" in fresh.stdout
    verified = runner.invoke(
        app,
        shlex.split(
            f"--db {demo_module.DEMO_URL} verify --npi {demo_module.PHYSICIAN.npi} "
            f"--pin {demo_module.PHYSICIAN.pin} --member {demo_module.ROSA.cin} "
            f"--issue-date {demo_module.ROSA.issue} --json"
        ),
    )
    assert json.loads(verified.stdout)["share_of_cost"]["remaining"] == "600.00"


def test_demo_fresh_refuses_a_server_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["demo", "--no-serve", "--fresh", "--db", "postgresql+psycopg://u:secret@127.0.0.1:1/x"],
    )
    assert result.exit_code == 2
    assert "DEMO_FRESH_SQLITE_ONLY" in result.stderr
    assert "secret" not in result.output


# --- serve -------------------------------------------------------------------------------------
def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    """SQLite's ledger has one writer, locked inside the process (docs/architecture.md
    "Concurrency"): `serve --workers 2` on it exits 2 with one line saying why and what to do,
    before anything is served."""
    port = str(8200 + os.getpid() % 90)
    refused = subprocess.run(
        [str(Path(sys.executable).with_name("spenddown")), "--db", f"sqlite:///{tmp_path}/x.db",
         "serve", "--workers", "2", "--port", port],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    line = refused.stderr.strip()
    assert "\n" not in line
    assert "[SQLITE_ONE_PROCESS]" in line
    assert "--workers 1" in line
    assert "PostgreSQL" in line
    assert not (tmp_path / "x.db").exists()  # refused before the database was touched
