"""Code-health of the parameter files (docs/rules.md §0.1: PolicyEngine-style checks).

Every file must load, carry a description, a unit and at least one reference, use only known
keys, have ISO-date keys in ascending order, and hold no float; the MNL table (22 CCR 50603)
must have every row 1..10; every aid code (docs/rules.md §7) must have every attribute.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from spenddown.rules.loader import (
    PARAMETERS_DIR,
    load_parameters,
    parameter_files,
    parameter_name,
    read_document,
    validate_document,
)
from spenddown.rules.parameters import AID_CODE_ATTRIBUTES, OHC_SCOPES

FILES = parameter_files()


def _good() -> dict[str, Any]:
    return {
        "description": "A parameter.",
        "unit": "currency-USD",
        "period": "month",
        "metadata": {"reference": [{"title": "Source", "href": "https://example.org/"}]},
        "values": {date(2000, 1, 1): 1, "2001-01-01": "2.50"},
    }


def test_the_parameter_tree_is_not_empty() -> None:
    names = {parameter_name(path) for path in FILES}
    assert {
        "medi_cal/share_of_cost/maintenance_need_level",
        "medi_cal/share_of_cost/maintenance_need_level_each_additional_person",
        "medi_cal/share_of_cost/personal_needs_allowance_ltc",
        "medi_cal/share_of_cost/any_income_disregard",
        "medi_cal/share_of_cost/earned_income_disregard",
        "medi_cal/share_of_cost/health_insurance_premium_deduction",
        "medi_cal/asset_limits",
        "reforms/mnl_138_fpl",
        "codes/aid_codes",
        "codes/ohc_codes",
        "codes/plan_status",
        "codes/carc",
    } <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: parameter_name(p))
def test_every_parameter_file_is_sound(path: Path) -> None:
    """Each file: description, unit, reference(s), known keys, sorted ISO-date keys, no float."""
    document = read_document(path)
    assert validate_document(document, parameter_name(path)) == []
    assert document["description"].strip()
    assert document["unit"]
    for reference in document["metadata"]["reference"]:
        assert reference["title"]
        assert reference["href"].startswith("https://")


def test_the_whole_tree_loads() -> None:
    tree = load_parameters()
    assert len(tree) == len(FILES)
    assert load_parameters() is tree  # cached: loaded once per process


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("description"), "missing description"),
        (lambda d: d.update(description=""), "description must be a non-empty string"),
        (lambda d: d.pop("unit"), "missing unit"),
        (lambda d: d.update(unit="dollars"), "unit 'dollars' is not one of"),
        (lambda d: d["metadata"].pop("reference"), "metadata.reference must list"),
        (lambda d: d["metadata"].update(reference=[{"title": "x"}]), "needs exactly a title"),
        (lambda d: d.update(notes="x"), "unknown top-level key 'notes'"),
        (lambda d: d["metadata"].update(source="x"), "unknown metadata key 'source'"),
        (lambda d: d["metadata"].update(unverified="yes"), "unverified must be true or false"),
        (lambda d: d.update(values={"2001-01-01": 1, "2000-01-01": 2}), "not sorted"),
        (lambda d: d.update(values={"soon": 1}), "is not an ISO date"),
        (lambda d: d.update(values={"2001-01-01": 0.1}), "is a float"),
        (lambda d: d.update(values={"2001-01-01": {"a": [1, 2.5]}}), "is a float"),
        (lambda d: d.update(values={}), "values must map effective dates"),
    ],
)
def test_the_validator_catches_each_defect(mutate: Any, message: str) -> None:
    assert validate_document(_good(), "good") == []
    document = _good()
    mutate(document)
    errors = validate_document(document, "bad")
    assert any(message in error for error in errors), errors


def test_the_validator_reports_every_problem_at_once() -> None:
    errors = validate_document({"values": {"x": 1.5}, "colour": "red"}, "bad")
    assert len(errors) >= 5


def test_mnl_table_has_every_row_1_to_10_on_every_date() -> None:
    """22 CCR 50603: one MNL per household size 1..10, positive whole dollars."""
    parameter = load_parameters().parameter("medi_cal/share_of_cost/maintenance_need_level")
    for effective, table in parameter.values:
        assert sorted(table) == list(range(1, 11)), effective
        # Size 2 is keyed by composition (2026-12-04): {two_adults, otherwise}.
        assert set(table[2]) == {"two_adults", "otherwise"}, effective
        by_size = {n: table[n]["two_adults"] if n == 2 else table[n] for n in range(1, 11)}
        assert all(isinstance(v, int) and v > 0 for v in by_size.values())
        assert isinstance(table[2]["otherwise"], int)
        assert 0 < table[2]["otherwise"] < by_size[2]
        assert [by_size[n] for n in range(1, 11)] == sorted(by_size.values())


def test_mnl_table_values_of_1989() -> None:
    """docs/rules.md §1.3: 600, 934, 934, 1,100, 1,259, 1,417, 1,550, 1,692, 1,825, 1,959."""
    parameter = load_parameters().parameter("medi_cal/share_of_cost/maintenance_need_level")
    assert parameter.values[0][0] == date(1989, 7, 1)
    assert list(parameter.values[0][1].values()) == [
        # 2 persons: $934 two adults, $750 otherwise (corrected 2026-12-04; it was 934 only)
        600, {"two_adults": 934, "otherwise": 750}, 934, 1100, 1259, 1417, 1550, 1692, 1825, 1959,
    ]  # fmt: skip
    assert parameter.unverified  # sizes 3..10 come from a secondary source
    assert "$750" in (parameter.notes or "")
    assert "two adults" in (parameter.notes or "")


def test_mnl_increment_above_10_is_unverified_and_not_configured() -> None:
    parameter = load_parameters().parameter(
        "medi_cal/share_of_cost/maintenance_need_level_each_additional_person"
    )
    assert parameter.unverified
    assert all(value is None for _, value in parameter.values)


@pytest.mark.parametrize(
    "name",
    [
        "medi_cal/share_of_cost/earned_income_disregard",
        "medi_cal/share_of_cost/maintenance_need_level",
        "medi_cal/asset_limits",
        "reforms/mnl_138_fpl",
        "codes/aid_codes",
        "codes/ohc_codes",
    ],
)
def test_secondary_sources_are_marked_unverified(name: str) -> None:
    assert load_parameters().parameter(name).unverified


@pytest.mark.parametrize(
    ("name", "citation"),
    [
        ("medi_cal/share_of_cost/maintenance_need_level", "22 CCR 50603"),
        ("medi_cal/share_of_cost/personal_needs_allowance_ltc", "22 CCR 50605"),
        ("medi_cal/share_of_cost/any_income_disregard", "22 CCR 50549.2"),
        ("medi_cal/share_of_cost/health_insurance_premium_deduction", "22 CCR 50555.2"),
    ],
)
def test_determination_parameters_carry_their_citation(name: str, citation: str) -> None:
    assert load_parameters().parameter(name).citation == citation


def test_every_aid_code_has_every_attribute() -> None:
    """docs/rules.md §7: logic reads soc, ltc, scope, program; verified marks the source."""
    parameter = load_parameters().parameter("codes/aid_codes")
    for effective, codes in parameter.values:
        for code, attributes in codes.items():
            assert isinstance(code, str), (effective, code)
            missing = [a for a in AID_CODE_ATTRIBUTES if a not in attributes]
            assert missing == [], (code, missing)
            assert attributes["scope"] in {"full", "restricted"}
            assert attributes["program"] in {"medi-cal", "cmsp"}
            assert all(isinstance(attributes[f], bool) for f in ("soc", "ltc", "verified"))


def test_ohc_codes_declare_the_scopes_they_avoid_cost_for() -> None:
    """docs/rules.md §5.3 / § 7: every cost-avoidance code covers at least one known scope."""
    codes = load_parameters().parameter("codes/ohc_codes").latest
    for code, attributes in codes.items():
        scopes = attributes.get("scopes", [])
        assert set(scopes) <= OHC_SCOPES, code
        if attributes["cost_avoidance"]:
            assert scopes, code
        elif code != "A":
            assert scopes == [], code


def test_carc_file_lists_every_code_used_in_rules_section_5() -> None:
    codes = load_parameters().parameter("codes/carc").latest
    expected = [
        "B7",
        "177",
        "178",
        "96",
        "22",
        "197",
        "15",
        "29",
        "16",
        "204",
        "49",
        "27",
        "B1",
        "45",
        "23",
        "142",
    ]
    assert sorted(codes) == sorted(expected)
    assert all(isinstance(description, str) and description for description in codes.values())


def test_parameters_load_from_another_working_directory(tmp_path: Path) -> None:
    """The YAML files ship inside the package: loading does not depend on the cwd."""
    script = (
        "from spenddown.rules import load_parameters, maintenance_need_level\n"
        "from spenddown.domain.months import BenefitMonth\n"
        "tree = load_parameters()\n"
        "print(len(tree), maintenance_need_level(1, BenefitMonth(2026, 1)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [str(len(FILES)), "600.00"]
    assert PARAMETERS_DIR.is_dir()
