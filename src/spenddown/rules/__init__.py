"""Rules layer: dated, cited parameters (YAML) and typed accessors over them.

Imports only ``spenddown.domain`` and PyYAML (import-linter contract).
"""

from spenddown.rules.loader import (
    Parameter,
    ParameterTree,
    Reference,
    load_parameters,
    validate_document,
)
from spenddown.rules.parameters import (
    REFORMS,
    OhcCoverage,
    RemarkRules,
    aid_codes,
    asset_limit,
    carc_codes,
    cob_rules,
    determination_parameters,
    ladder_parameters,
    maintenance_need_level,
    ohc_codes,
    ohc_coverage,
    plan_statuses,
    poverty_guideline,
    remark_rules,
    with_overrides,
)

__all__ = [
    "REFORMS",
    "OhcCoverage",
    "Parameter",
    "ParameterTree",
    "Reference",
    "RemarkRules",
    "aid_codes",
    "asset_limit",
    "carc_codes",
    "cob_rules",
    "determination_parameters",
    "ladder_parameters",
    "load_parameters",
    "maintenance_need_level",
    "ohc_codes",
    "ohc_coverage",
    "plan_statuses",
    "poverty_guideline",
    "remark_rules",
    "validate_document",
    "with_overrides",
]
