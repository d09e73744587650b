"""The CapabilityStatement of ``GET /fhir/metadata``: what this server does, in FHIR terms."""

from __future__ import annotations

from datetime import datetime

from spenddown.adapters.fhir import codes, release
from spenddown.adapters.fhir.common import timestamp


def capability_statement(
    software_version: str, base_url: str, at: datetime
) -> release.CapabilityStatement:
    basic = (
        "Providers authenticate with HTTP Basic: user = NPI, password = PIN (5 wrong PINs or "
        "failed member look-ups within 15 minutes lock the NPI for anonymous callers)."
    )
    document = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timestamp(at),
        "publisher": "spenddown",
        "kind": "instance",
        "software": {"name": "spenddown", "version": software_version},
        "implementation": {
            "description": "Medi-Cal Share of Cost and Medi-Cal as secondary payer",
            "url": base_url,
        },
        "fhirVersion": release.FHIR_VERSION,
        "format": [release.MEDIA_TYPE, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Eligibility with the Share of Cost, and claims after the "
                "primary payer. Each $submit takes the resource, a Bundle (collection, "
                "transaction or batch) holding it with the resources it references, or either "
                "in a Parameters. Errors are OperationOutcome resources. See docs/fhir.md.",
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/"
                                    "restful-security-service",
                                    "code": "Basic",
                                }
                            ]
                        }
                    ],
                    "description": basic,
                },
                "resource": [
                    {
                        "type": "CoverageEligibilityRequest",
                        "operation": [
                            {
                                "name": "submit",
                                "definition": codes.ELIGIBILITY_SUBMIT,
                                "documentation": "Verify eligibility for a date of service: "
                                "a CoverageEligibilityResponse with the Share of Cost and the EVC. "
                                "The member ID is read from the Patient or the Coverage "
                                "(subscriberId, or an identifier of type MB), the card issue "
                                "date from that identifier's or the Coverage's period.start.",
                            }
                        ],
                    },
                    {
                        "type": "Claim",
                        "operation": [
                            {
                                "name": "submit",
                                "definition": codes.CLAIM_SUBMIT,
                                "documentation": "Adjudicate a claim (after the primary payer): "
                                "a ClaimResponse with CARIN Blue Button adjudication amounts.",
                            }
                        ],
                    },
                ],
            }
        ],
    }
    return release.build(release.CapabilityStatement, document)
