"""Every URL spenddown's FHIR resources use: identifier systems, code systems and extensions.

Standard ones come from the FHIR core terminology (THO), CARIN Blue Button and X12; local ones
live under ``LOCAL`` and are described in docs/fhir.md. A URL here never changes meaning: add a
new one instead.
"""

from __future__ import annotations

LOCAL = "https://spenddown.example/fhir"

# --- identifier systems -------------------------------------------------------------------
NPI = "http://hl7.org/fhir/sid/us-npi"
MEMBER_ID = f"{LOCAL}/sid/medi-cal-member-id"  # a CIN (12345678A) or the 14-character card ID
EVC = f"{LOCAL}/sid/evc"  # eligibility verification confirmation number
CLAIM_ID = f"{LOCAL}/sid/claim-id"  # the provider's claim ID (unique per spenddown)
PLAN_CODE = f"{LOCAL}/sid/plan-code"  # the Medi-Cal managed-care plan's code (HN, LA, ...)

# --- standard code systems ----------------------------------------------------------------
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
C4BB_ADJUDICATION = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication"
C4BB_DISCRIMINATOR = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudicationDiscriminator"
CARC = "https://x12.org/codes/claim-adjustment-reason-codes"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
BENEFIT_CATEGORY = "http://terminology.hl7.org/CodeSystem/ex-benefitcategory"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
PAYMENT_TYPE = "http://terminology.hl7.org/CodeSystem/ex-paymenttype"

# --- local code systems -------------------------------------------------------------------
BENEFIT = f"{LOCAL}/CodeSystem/benefit"  # share-of-cost
SHARE_OF_COST = "share-of-cost"
AID_CODE = f"{LOCAL}/CodeSystem/aid-code"
OHC_CODE = f"{LOCAL}/CodeSystem/ohc-code"
PAYER_TYPE = f"{LOCAL}/CodeSystem/payer-type"  # commercial | medicare | medicare_advantage
LOCAL_ADJUDICATION = f"{LOCAL}/CodeSystem/adjudication"
ADJUSTMENT_GROUP = f"{LOCAL}/CodeSystem/claim-adjustment-group"  # CO | OA | PR
ERROR = f"{LOCAL}/CodeSystem/error"  # the stable UPPER_SNAKE codes of the REST API

# --- extensions -----------------------------------------------------------------------------
# R5's Claim.patientPaid carried in R4/R4B by the FHIR cross-version extension: the Share of
# Cost the member paid toward this claim (CMS-1500 box 10D).
PATIENT_PAID = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Claim.patientPaid"
_EXT = f"{LOCAL}/StructureDefinition"
EXT_ELIGIBILITY_STATUS = f"{_EXT}/eligibility-status"  # MEDS status digit (valueCode)
EXT_COUNTY_CODE = f"{_EXT}/county-code"  # valueCode
EXT_SOC_CERTIFIED = f"{_EXT}/soc-certified"  # valueBoolean
EXT_SOC_CERTIFIED_BY = f"{_EXT}/soc-certified-by"  # clearances | county | ltc_auto
EXT_SOC_LTC = f"{_EXT}/soc-ltc"  # valueBoolean
EXT_SOC_CLEAR_ONLINE = f"{_EXT}/soc-clear-online"  # valueBoolean
EXT_SOC_PROGRAM = f"{_EXT}/soc-program"  # medi-cal | cmsp
EXT_HCP_STATUS = f"{_EXT}/hcp-status"  # plan status 01 | 55 | 00
EXT_CLAIM_STATUS = f"{_EXT}/claim-status"  # paid | partially_paid | denied
EXT_LINE_STATUS = f"{_EXT}/line-status"  # paid | denied
EXT_DELIVERY_SYSTEM = f"{_EXT}/delivery-system"  # ffs | plan
EXT_PLAN_CODE = f"{_EXT}/plan-code"  # valueCode
EXT_RECOVERY_FLAG = f"{_EXT}/recovery-flag"  # valueBoolean
EXT_AUTHORIZATION_ID = f"{_EXT}/authorization-id"  # valueString, on a ClaimResponse item

# --- operations -----------------------------------------------------------------------------
CLAIM_SUBMIT = "http://hl7.org/fhir/OperationDefinition/Claim-submit"
ELIGIBILITY_SUBMIT = f"{LOCAL}/OperationDefinition/CoverageEligibilityRequest-submit"
