"""The Claim request of docs/formats.md §2, parsed with pydantic into a domain ``Claim``.

Used by the REST API (as its request body, so OpenAPI documents it) and by the CLI
(``spenddown adjudicate CLAIM.json`` and ``--batch FILE.jsonl``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from spenddown.domain.cob import prior
from spenddown.domain.cob.model import (
    Claim,
    ClaimLine,
    ClaimPrimary,
    PayerType,
    PrimaryLine,
    ServiceScope,
)
from spenddown.domain.errors import InvalidInput, SpenddownError
from spenddown.domain.identifiers import parse_cin, parse_npi
from spenddown.domain.money import Money


def _exact(value: Any) -> Any:
    """A JSON number becomes the shortest text that reads back as it (``repr``), so 150.25 stays
    "150.25" and 1.234 is refused by ``Money.parse``; no float arithmetic ever happens."""
    if isinstance(value, float):
        return repr(value)
    return value


MoneyText = Annotated[
    str | int,
    BeforeValidator(_exact),
    Field(examples=["240.00"], description="Money: a string with at most two decimals"),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PrimaryLineIn(_Model):
    allowed: MoneyText = "0"
    paid: MoneyText = "0"
    deductible: MoneyText = "0"
    coinsurance: MoneyText = "0"
    copay: MoneyText = "0"
    denial_carc: str | None = Field(default=None, max_length=5)


class AuthorizationsIn(_Model):
    medi_cal: str | None = Field(default=None, max_length=40)
    primary: str | None = Field(default=None, max_length=40)


class ClaimLineIn(_Model):
    service_date: date
    procedure_code: str = Field(min_length=1, max_length=20, examples=["97153"])
    units: int = Field(ge=1, le=9999)
    charge: MoneyText
    primary: PrimaryLineIn | None = None
    authorizations: AuthorizationsIn | None = None
    scope: ServiceScope = ServiceScope.MEDICAL


class PayerAdjustmentIn(_Model):
    """A claim-level adjustment of a prior payer (837P 2320 CAS): group, CARC, amount."""

    group: str = Field(pattern="^(CO|OA|PI|PR)$", examples=["PR"])
    carc: str = Field(min_length=1, max_length=5, examples=["1"])
    amount: MoneyText


class ClaimPrimaryIn(_Model):
    payer_type: PayerType
    payer_name: str = Field(max_length=100)
    claim_number: str = Field(default="", max_length=60)
    adjudication_date: date
    # Claim-level adjudication (docs/rules.md "COB amounts"): what the payer paid for the whole
    # claim (2320 AMT*D) and its claim-level adjustments (2320 CAS), for a payer that did not
    # adjudicate line by line. Given, they are checked to balance and spread over the lines.
    paid: MoneyText | None = None
    adjustments: list[PayerAdjustmentIn] = Field(default_factory=list, max_length=30)


class ClaimIn(_Model):
    claim_id: str = Field(min_length=1, max_length=40, examples=["CLM-1001"])
    provider_npi: str = Field(examples=["1234567893"])
    member_id: str = Field(examples=["12345678A"])
    soc_amount: MoneyText = "0"
    primary: ClaimPrimaryIn | None = None
    # The payers after the primary, in the order they paid (secondary, tertiary, ...), each with
    # its claim-level amounts: Medi-Cal then pays after all of them.
    other_payers: list[ClaimPrimaryIn] = Field(default_factory=list, max_length=9)
    lines: list[ClaimLineIn] = Field(min_length=1, max_length=50)
    # Late filing (docs/rules.md, "Claim timeliness"): the X12 CLM20 delay reason code, and
    # whether the county's authorization letter is on file (claims over one year).
    delay_reason_code: str | None = Field(default=None, min_length=1, max_length=2)
    county_authorization: bool = False

    def to_domain(self) -> Claim:
        def money(value: str | int, field: str) -> Money:
            if isinstance(value, int) and not isinstance(value, bool):
                return Money.parse(value, field)
            return Money.parse(str(value), field)

        lines = []
        for i, line in enumerate(self.lines):
            where = f"lines[{i}]"
            primary = None
            if line.primary is not None:
                p = line.primary
                primary = PrimaryLine(
                    money(p.allowed, f"{where}.primary.allowed"),
                    money(p.paid, f"{where}.primary.paid"),
                    money(p.deductible, f"{where}.primary.deductible"),
                    money(p.coinsurance, f"{where}.primary.coinsurance"),
                    money(p.copay, f"{where}.primary.copay"),
                    p.denial_carc,
                )
            auth = line.authorizations or AuthorizationsIn()
            lines.append(
                ClaimLine(
                    line.service_date,
                    line.procedure_code.upper(),
                    line.units,
                    money(line.charge, f"{where}.charge"),
                    primary,
                    auth.medi_cal,
                    auth.primary,
                    line.scope,
                )
            )
        primary_claim = None
        if self.primary is not None:
            claim_primary = self.primary
            primary_claim = ClaimPrimary(
                claim_primary.payer_type,
                claim_primary.payer_name,
                claim_primary.claim_number,
                claim_primary.adjudication_date,
            )
        claim = Claim(
            self.claim_id,
            parse_npi(self.provider_npi, "provider_npi"),
            parse_cin(self.member_id, "member_id"),
            money(self.soc_amount, "soc_amount"),
            primary_claim,
            tuple(lines),
            delay_reason_code=self.delay_reason_code,
            county_authorization=self.county_authorization,
        )
        claim_level = self.other_payers or (
            self.primary is not None
            and (self.primary.paid is not None or bool(self.primary.adjustments))
        )
        if not claim_level:
            return claim
        if self.primary is None:
            raise InvalidInput("INVALID_CLAIM", "other_payers: the primary comes first (primary).")
        payers = [
            self._prior(p, rank, money)
            for rank, p in zip(
                prior.RESPONSIBILITY_ORDER, [self.primary, *self.other_payers], strict=False
            )
        ]
        # The primary's line-level answers, where given, are its 2430.
        first = payers[0]
        line_level = tuple(
            prior.payer_line_of(number, line.charge, line.primary)
            for number, line in enumerate(claim.lines, start=1)
            if line.primary is not None
        )
        if line_level:
            payers[0] = replace(first, lines=line_level)
        return prior.with_prior_payers(claim, payers)

    @staticmethod
    def _prior(
        payer: ClaimPrimaryIn, responsibility: str, money: Callable[[str | int, str], Money]
    ) -> prior.PriorPayer:
        where = f"payer {responsibility}"
        return prior.PriorPayer(
            responsibility=responsibility,
            payer_type=payer.payer_type,
            payer_name=payer.payer_name,
            claim_number=payer.claim_number,
            adjudication_date=payer.adjudication_date,
            paid=None if payer.paid is None else money(payer.paid, f"{where}.paid"),
            adjustments=tuple(
                prior.PayerAdjustment(a.group, a.carc, money(a.amount, f"{where}.adjustments"))
                for a in payer.adjustments
            ),
        )


def parse_claim(document: Any) -> Claim:
    """A claim from decoded JSON; bad input → InvalidInput with the field path."""
    try:
        return ClaimIn.model_validate(document).to_domain()
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        path = ".".join(str(p) for p in first["loc"]) or "(claim)"
        raise InvalidInput("INVALID_CLAIM", f"{path}: {first['msg']}", field=path) from None
    except SpenddownError:
        raise
