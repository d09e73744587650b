"""The Claim request of interfaces.md, parsed with pydantic into a domain ``Claim``.

Used by the REST API (as its request body, so OpenAPI documents it) and by the CLI
(``spenddown adjudicate CLAIM.json`` and ``--batch FILE.jsonl``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

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


class ClaimPrimaryIn(_Model):
    payer_type: PayerType
    payer_name: str = Field(max_length=100)
    claim_number: str = Field(default="", max_length=60)
    adjudication_date: date


class ClaimIn(_Model):
    claim_id: str = Field(min_length=1, max_length=40, examples=["CLM-1001"])
    provider_npi: str = Field(examples=["1234567893"])
    member_id: str = Field(examples=["12345678A"])
    soc_amount: MoneyText = "0"
    primary: ClaimPrimaryIn | None = None
    lines: list[ClaimLineIn] = Field(min_length=1, max_length=50)

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
        return Claim(
            self.claim_id,
            parse_npi(self.provider_npi, "provider_npi"),
            parse_cin(self.member_id, "member_id"),
            money(self.soc_amount, "soc_amount"),
            primary_claim,
            tuple(lines),
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
