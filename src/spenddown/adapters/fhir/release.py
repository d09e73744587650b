"""The FHIR release spenddown speaks, imported in this ONE place (docs/adr/0002-fhir-release.md).

FHIR R4B (4.3.0) from ``fhir.resources.R4B``: fhir.resources 8 (pydantic 2, which FastAPI
needs) ships R5 as its default, R4B and STU3, but no R4 (4.0.1). The resources we exchange
(CoverageEligibilityRequest/Response, Claim, ClaimResponse, Coverage, Patient, OperationOutcome,
CapabilityStatement, Parameters) have the same JSON in R4 and R4B, so US payer clients on 4.0.1
read and write them unchanged. To change release, change the imports below and
``FHIR_VERSION``; nothing else in spenddown imports fhir.resources.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.coverageeligibilityrequest import CoverageEligibilityRequest
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from pydantic import ValidationError

FHIR_VERSION = "4.3.0"
MEDIA_TYPE = "application/fhir+json"

__all__ = [
    "FHIR_VERSION",
    "MEDIA_TYPE",
    "CapabilityStatement",
    "Claim",
    "ClaimResponse",
    "CoverageEligibilityRequest",
    "CoverageEligibilityResponse",
    "FHIRAbstractModel",
    "OperationOutcome",
    "Resource",
    "ValidationError",
    "build",
    "to_json",
]

M = TypeVar("M", bound=FHIRAbstractModel)


def build(model: type[M], document: dict[str, Any]) -> M:
    """Validate FHIR JSON (as a dict) against the release's model; ``ValidationError`` if not."""
    return model.model_validate(document)


def to_json(resource: FHIRAbstractModel) -> str:
    """FHIR JSON as fhir.resources writes it (no empty elements; decimals as JSON numbers)."""
    return resource.model_dump_json()
