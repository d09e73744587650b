"""FHIR interface (issue 5): CoverageEligibilityRequest → CoverageEligibilityResponse, Claim →
ClaimResponse (CARIN Blue Button adjudication categories), the CapabilityStatement and
OperationOutcome errors. FHIR R4 (4.0.1) on the wire, validated with the identical R4B models of
``fhir.resources.R4B`` (docs/adr/0002-fhir-release.md).

- ``release``: the ONE module that imports ``fhir.resources`` (the FHIR release is chosen there);
- ``codes``: every code system, identifier system and extension URL we use;
- ``common``: references, identifiers, money and dates shared by the mappings;
- ``eligibility``, ``claims``: wire resource → domain input, domain result → wire resource;
- ``outcome``: ``SpenddownError`` → OperationOutcome; ``capability``: the CapabilityStatement.

Wire names stay inside this package: the services and the domain never see a FHIR element.
Every resource we answer is built as FHIR JSON and validated by fhir.resources before it leaves.
"""
