"""The FHIR release spenddown speaks, imported in this ONE place (docs/adr/0002-fhir-release.md).

On the wire: FHIR R4 **4.0.1** (``FHIR_VERSION``), the release of every US payer guide (CARIN
Blue Button, Da Vinci, the CMS interoperability rules). The models come from
``fhir.resources.R4B`` (4.3.0): fhir.resources 8 (pydantic 2, which FastAPI needs) ships R5 as
its default, R4B and STU3, but no R4. The elements spenddown reads and writes in the resources it
exchanges (CoverageEligibilityRequest/Response, Claim, ClaimResponse, Coverage, Patient,
Practitioner, Organization, Bundle, Parameters, OperationOutcome, CapabilityStatement) are the
same in R4 and R4B (the ADR lists them), so the R4B models validate R4 JSON exactly. To change
release, change the imports below and ``FHIR_VERSION``; nothing else imports fhir.resources.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.coverageeligibilityrequest import CoverageEligibilityRequest
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from pydantic import ValidationError

FHIR_VERSION = "4.0.1"  # R4, what clients check; the models are R4B (see above)
MODELS_RELEASE = "4.3.0"
MEDIA_TYPE = "application/fhir+json"

__all__ = [
    "FHIR_VERSION",
    "MEDIA_TYPE",
    "MODELS_RELEASE",
    "Bundle",
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
