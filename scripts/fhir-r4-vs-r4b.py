"""Compare the FHIR R4 (4.0.1) and R4B (4.3.0) models of the resources and data types spenddown
exchanges (docs/adr/0002-fhir-release.md): element names, list or single, required or not.

R4 comes from fhir.resources 6.4.0 (pydantic 1, so it is read as source text, never imported),
R4B from the installed fhir.resources 8. Usage, from the project root:

    python3 -m pip download "fhir.resources==6.4.0" --no-deps -d /tmp/r4
    unzip -q /tmp/r4/fhir.resources-6.4.0-py2.py3-none-any.whl -d /tmp/r4/x
    .venv/bin/python scripts/fhir-r4-vs-r4b.py /tmp/r4/x/fhir/resources

It prints every difference and exits 1 if there is one. Result on 2026-12-04: 82 classes in 23
modules, 3 differences, all in the choice types of ``Extension.value[x]`` (R4 ``valueMeta``; R4B
``valueCodeableReference``, ``valueRatioRange``), none of which spenddown uses.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from pathlib import Path

MODULES = (
    "coverageeligibilityrequest",
    "coverageeligibilityresponse",
    "claim",
    "claimresponse",
    "coverage",
    "patient",
    "practitioner",
    "organization",
    "bundle",
    "parameters",
    "operationoutcome",
    "capabilitystatement",
    "identifier",
    "reference",
    "money",
    "period",
    "codeableconcept",
    "coding",
    "extension",
    "quantity",
    "humanname",
    "narrative",
    "meta",
)
# Elements every resource or backbone element inherits (R4B's models list them per class).
INHERITED = {"contained", "extension", "id", "implicitRules", "language", "meta"}
INHERITED |= {"modifierExtension", "text"}

NOT_ELEMENTS = {"resource_type", "fhir_comments"}  # fhir.resources attributes, not FHIR
Shape = dict[tuple[str, str], tuple[bool, bool]]  # (class, element) → (list, required)


def r4_shapes(root: Path, module: str) -> Shape:
    found: Shape = {}
    for node in ast.parse((root / f"{module}.py").read_text()).body:
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.value, ast.Call)):
                continue
            keywords = {k.arg: k.value for k in statement.value.keywords}
            alias = keywords.get("alias")
            if not isinstance(alias, ast.Constant) or str(alias.value).startswith("_"):
                continue
            args = statement.value.args
            element_required = keywords.get("element_required")
            required = bool(args and isinstance(args[0], ast.Constant) and args[0].value is ...)
            required |= (
                isinstance(element_required, ast.Constant) and element_required.value is True
            )
            is_list = "List" in ast.unparse(statement.annotation)
            found[(node.name, str(alias.value))] = (is_list, required)
    return found


def r4b_shapes(module: str) -> Shape:
    loaded = importlib.import_module(f"fhir.resources.R4B.{module}")
    found: Shape = {}
    for name, cls in inspect.getmembers(loaded, inspect.isclass):
        if cls.__module__ != loaded.__name__:
            continue
        for field_name, field in cls.model_fields.items():
            alias = field.alias or field_name
            if alias.startswith("_") or alias.endswith("__ext") or alias in NOT_ELEMENTS:
                continue
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            required = field.is_required() or extra.get("element_required") is True
            is_list = "list" in str(field.annotation).lower()
            found[(name, alias)] = (is_list, bool(required))
    return found


def main(root: Path) -> int:
    differences: list[str] = []
    classes = 0
    for module in MODULES:
        r4, r4b = r4_shapes(root, module), r4b_shapes(module)
        names = {c for c, _ in r4} | {c for c, _ in r4b}
        classes += len({c for c, _ in r4})
        for cls in sorted(names):
            own = {e for c, e in r4 if c == cls}
            mine = {e for c, e in r4b if c == cls} - (INHERITED - own)
            for element in sorted(own ^ mine):
                side = "R4" if element in own else "R4B"
                differences.append(f"{module}: {cls}.{element} only in {side}")
            for element in sorted(own & mine):
                if r4[(cls, element)] != r4b[(cls, element)]:
                    differences.append(
                        f"{module}: {cls}.{element} (list, required) R4 {r4[(cls, element)]} "
                        f"R4B {r4b[(cls, element)]}"
                    )
    print("\n".join(differences))
    print(f"{classes} classes in {len(MODULES)} modules, {len(differences)} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
