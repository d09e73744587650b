"""The import format's JSON Schema (docs/formats.md §1): the demo and the generated datasets
validate against it, a broken one is refused with every error and its path, and the schema's
code lists are the domain's."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import jsonschema_rs
import pytest
import yaml
from pydantic import TypeAdapter

from spenddown.adapters import synthetic
from spenddown.adapters.dataset import SCHEMA_PATH, parse_dataset, schema_errors
from spenddown.domain.cob.model import AuthorizationPayer, ServiceScope
from spenddown.domain.eligibility.codes import Program, Scope
from spenddown.domain.eligibility.model import BudgetUnitRole, ProviderType
from spenddown.domain.errors import ImportErrors
from spenddown.domain.months import BenefitMonth
from spenddown.entrypoints.cli.demo import demo_dataset


def schema() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return document


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    document = schema()
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert jsonschema_rs.meta.is_valid(document)
    assert not jsonschema_rs.meta.is_valid({**document, "type": "mapping"})


def test_the_demo_dataset_validates_as_json_and_as_yaml() -> None:
    document = demo_dataset(date(2026, 11, 23))
    assert schema_errors(document) == []
    # YAML reads dates and unquoted codes as its own types: the same document still validates.
    text = re.sub(r"'([0-9]{4}-[0-9]{2}-[0-9]{2})'", r"\1", yaml.safe_dump(document))
    as_yaml = yaml.safe_load(text)
    assert isinstance(as_yaml["members"][0]["birth_date"], date)
    assert schema_errors(as_yaml) == []
    parse_dataset(document)


def test_a_generated_dataset_validates() -> None:
    data = synthetic.generate(
        60, 2, 7, last_month=BenefitMonth.parse("2026-11"), today=date(2026, 11, 23), claims=5
    )
    assert data.dataset["eligibility"]
    assert schema_errors(data.dataset) == []
    assert schema_errors(json.loads(json.dumps(data.dataset))) == []


def test_a_broken_dataset_is_refused_with_every_error_and_its_path() -> None:
    document = demo_dataset(date(2026, 11, 23))
    document["members"][0]["birth_date"] = "01/05/1960"
    del document["members"][1]["last_name"]
    document["providers"][0]["type"] = "witch_doctor"
    document["cases"][0]["nickname"] = "x"
    document["aid_codes"] = [{"aid_code": "17", "soc": "maybe"}]
    document["unknown_list"] = []
    with pytest.raises(ImportErrors) as raised:
        parse_dataset(document)
    errors = raised.value.errors
    assert raised.value.code == "IMPORT_INVALID"
    paths = {e.split(": ", 1)[0] for e in errors}
    assert {
        "members[0].birth_date",
        "members[1].last_name",
        "providers[0].type",
        "cases[0].nickname",
        "aid_codes[0].soc",
        "unknown_list",
    } <= paths
    assert "members[1].last_name: Field required" in errors
    # The value itself (a person's data) is never quoted back.
    assert not any("01/05/1960" in e for e in errors)


@pytest.mark.parametrize(
    ("definition", "field", "enum"),
    [
        ("provider", "type", ProviderType),
        ("budget_unit_member", "role", BudgetUnitRole),
        ("aid_code", "scope", Scope),
        ("aid_code", "program", Program),
        ("soc", "program", Program),
        ("authorization", "payer", AuthorizationPayer),
    ],
)
def test_the_schema_code_lists_are_the_domains(definition: str, field: str, enum: Any) -> None:
    listed = schema()["$defs"][definition]["properties"][field]["enum"]
    assert listed == [member.value for member in enum]


def test_the_ohc_scopes_are_the_domains() -> None:
    items = schema()["$defs"]["ohc_policy"]["properties"]["scope"]["items"]
    assert items["enum"] == [member.value for member in ServiceScope]


def test_the_examples_of_docs_formats_md_are_valid() -> None:
    from pathlib import Path

    from spenddown.adapters.claim_format import parse_claim

    text = (Path(__file__).parents[2] / "docs" / "formats.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", text, re.S)
    claim = re.search(r"```json\n(.*?)```", text, re.S)
    assert example is not None
    assert claim is not None
    document = yaml.safe_load(example.group(1))
    assert schema_errors(document) == []
    assert len(parse_dataset(document).members) == 1
    assert parse_claim(json.loads(claim.group(1))).claim_id == "CLM-1001"


def test_the_schema_has_every_field_the_import_reads_and_no_other() -> None:
    """A field added to the import's models must be added to the schema (and docs/formats.md):
    else the schema refuses documents the import reads."""
    from spenddown.adapters import dataset as models

    definitions = schema()["$defs"]
    pairs: dict[str, Any] = {
        "plan": models.PlanIn,
        "provider": models.ProviderIn,
        "budget_unit_member": models.BudgetUnitMemberIn,
        "budget_unit": models.BudgetUnitIn,
        "case": models.CaseIn,
        "member": models.MemberIn,
        "aid_code": models.AidCodeIn,
        "soc": models.SocIn,
        "ohc_policy": models.OhcPolicyIn,
        "fee": models.FeeIn,
        "authorization": models.AuthorizationIn,
    }
    for name, model in pairs.items():
        assert set(definitions[name]["properties"]) == set(model.model_fields), name
        required = {f for f, info in model.model_fields.items() if info.is_required()}
        assert set(definitions[name]["required"]) == required, name
    typed = {"eligibility": models.EligibilityIn, "medicare": models.MedicareIn}
    for name, typed_dict in typed.items():
        assert set(definitions[name]["properties"]) == set(typed_dict.__annotations__), name
        required = TypeAdapter(typed_dict).json_schema().get("required", [])
        assert set(definitions[name]["required"]) == set(required), name
    assert set(schema()["properties"]) == set(models.DatasetIn.model_fields)
