"""X12 code lists this adapter reads or writes, as Enums over the official codes.

Sources: ASC X12 005010X279A1 (270/271: EB01 element 1390, EB06 615, AAA03 901, AAA04 889),
005010X221A1 (835: CLP02 1029, CAS01 1033 group codes, CARC from the X12 external code list
139), 005010X231A1 (999: IK304 720, IK403 723, IK501 717, IK502 618, AK905 716) and the
interchange control structure (TA1: TA104 I17, TA105 I18).
"""

from __future__ import annotations

from enum import StrEnum


# --- 271 ------------------------------------------------------------------------------------
class Benefit(StrEnum):
    """EB01 Eligibility or Benefit Information Code."""

    ACTIVE_COVERAGE = "1"
    INACTIVE = "6"
    MANAGED_CARE_COORDINATOR = "MC"
    OTHER_OR_ADDITIONAL_PAYER = "R"
    SPEND_DOWN = "Y"


class TimePeriod(StrEnum):
    """EB06 Time Period Qualifier."""

    REMAINING = "29"
    MONTH = "34"


class InsuranceType(StrEnum):
    """EB04 Insurance Type Code."""

    MEDICAID = "MC"
    HMO = "HM"
    OTHER = "OT"


class RejectReason(StrEnum):
    """AAA03 Reject Reason Code, as used by the 271 loops named in each comment."""

    REQUIRED_DATA_MISSING = "15"  # 2100C: no card issue date
    AUTHORIZATION_ACCESS_RESTRICTIONS = "41"  # 2100B: wrong PIN, NPI locked
    UNABLE_TO_RESPOND_NOW = "42"  # 2100C: the NPI was locked during this interchange
    INVALID_PROVIDER_ID = "43"  # 2100B: NM109 is not the authenticated NPI
    INVALID_DATES_OF_SERVICE = "57"  # 2100C/2110C
    DATE_NOT_IN_INQUIRY_PERIOD = "62"  # 2100C: more than 12 months back
    DATE_IN_FUTURE = "63"  # 2100C
    INVALID_PATIENT_ID = "64"  # 2100D: Medi-Cal members are always subscribers
    INVALID_SUBSCRIBER_ID = "72"  # 2100C: not a CIN nor a card ID
    SUBSCRIBER_NOT_FOUND = "75"  # 2100C: unknown ID *or* wrong issue date (docs/rules.md §2)


class FollowUp(StrEnum):
    """AAA04 Follow-up Action Code."""

    CORRECT_AND_RESUBMIT = "C"
    RESUBMISSION_NOT_ALLOWED = "N"
    RESUBMISSION_ALLOWED = "R"


class TraceType(StrEnum):
    """TRN01: 1 = this transaction's own trace (ours: the EVC), 2 = referenced (the 270's)."""

    CURRENT = "1"
    REFERENCED = "2"


# --- 835 ------------------------------------------------------------------------------------
class ClaimStatus(StrEnum):
    """CLP02 Claim Status Code."""

    PROCESSED_AS_PRIMARY = "1"
    PROCESSED_AS_SECONDARY = "2"
    DENIED = "4"
    PROCESSED_AS_PRIMARY_FORWARDED = "19"  # not used: Medi-Cal is the last payer
    REVERSAL = "22"  # not used: spenddown does not reverse adjudicated claims


class AdjustmentGroup(StrEnum):
    """CAS01 Claim Adjustment Group Code."""

    CONTRACTUAL = "CO"
    OTHER = "OA"
    PAYER_INITIATED = "PI"
    PATIENT_RESPONSIBILITY = "PR"
    CORRECTION_REVERSAL = "CR"


class Carc(StrEnum):
    """Claim Adjustment Reason Codes the 835 writer adds itself (the adjudication's own come
    from the domain)."""

    DEDUCTIBLE = "1"
    COINSURANCE = "2"
    COPAY = "3"
    LACKS_INFORMATION = "16"  # a claim the use case refused as invalid
    DUPLICATE = "18"
    PRIOR_PAYER = "23"
    PATIENT_NOT_IDENTIFIED = "31"
    ABOVE_ALLOWED = "45"
    SHARE_OF_COST = "142"


# --- 999 / TA1 ------------------------------------------------------------------------------
class InterchangeNote(StrEnum):
    """TA105 Interchange Note Code."""

    NO_ERROR = "000"
    CONTROL_NUMBER_MISMATCH = "001"
    VERSION_NOT_SUPPORTED = "017"  # ISA12 other than 00501
    INVALID_SEGMENT_TERMINATOR = "004"
    INVALID_SENDER_QUALIFIER = "005"
    INVALID_SENDER = "006"
    INVALID_RECEIVER_QUALIFIER = "007"
    INVALID_RECEIVER = "008"
    INVALID_AUTH = "010"
    INVALID_SECURITY = "012"
    INVALID_DATE = "014"
    INVALID_TIME = "015"
    INVALID_CONTROL_NUMBER = "018"
    INVALID_ACK_REQUESTED = "019"
    INVALID_TEST_INDICATOR = "020"
    INVALID_GROUP_COUNT = "021"
    INVALID_CONTROL_STRUCTURE = "022"
    IMPROPER_END_OF_FILE = "023"
    INVALID_CONTENT = "024"
    INVALID_ELEMENT_SEPARATOR = "026"
    INVALID_COMPONENT_SEPARATOR = "027"


class SegmentError(StrEnum):
    """IK304 Implementation Segment Syntax Error Code."""

    UNRECOGNIZED = "1"
    UNEXPECTED = "2"
    REQUIRED_MISSING = "3"
    HAS_ELEMENT_ERRORS = "8"


class ElementError(StrEnum):
    """IK403 Implementation Data Element Syntax Error Code."""

    REQUIRED_MISSING = "1"
    TOO_LONG = "5"
    INVALID_CHARACTER = "6"
    INVALID_CODE = "7"
    INVALID_DATE = "8"


class SetError(StrEnum):
    """IK502 Implementation Transaction Set Syntax Error Code."""

    NOT_SUPPORTED = "1"
    TRAILER_MISSING = "2"
    CONTROL_NUMBER_MISMATCH = "3"
    SEGMENT_COUNT_MISMATCH = "4"
    SEGMENTS_IN_ERROR = "5"
    INVALID_CONTROL_NUMBER = "7"
    IMPLEMENTATION_NOT_SUPPORTED = "I6"
    IMPLEMENTATION_SEGMENTS_IN_ERROR = "I5"


class GroupError(StrEnum):
    """AK905 Functional Group Syntax Error Code."""

    NOT_SUPPORTED = "1"
    VERSION_NOT_SUPPORTED = "2"
    CONTROL_NUMBER_MISMATCH = "4"
    SET_COUNT_MISMATCH = "5"


class Acknowledgment(StrEnum):
    """IK501 / AK901 (A, E, P, R) and TA104 (A, E, R)."""

    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    PARTIALLY_ACCEPTED = "P"
    REJECTED = "R"
