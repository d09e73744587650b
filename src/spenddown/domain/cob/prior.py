"""Every prior payer's adjudication of a claim, as the 837P carries it (docs/rules.md "COB
amounts"; docs/x12.md "837P COB").

A claim Medi-Cal receives as the payer of last resort may have been adjudicated by one or more
other payers first (commercial primary, Medicare secondary, Medi-Cal third). Each prior payer
reports what it paid and its adjustments at the claim level (2320 AMT*D, CAS), at the line
level (2430 SVD, CAS) or both. This module

- checks the balancing of each payer's amounts (``balance_problems``):

      claim:  claim charge − payer paid = Σ claim-level adjustments + Σ line-level adjustments
      lines:  Σ line paid (2430 SVD02) − Σ claim-level adjustments = payer paid (2320 AMT*D)
      line:   line charge − Σ line paid = Σ line-level adjustments   (for each line it reported)

  (X222A1 section 1.4.4 and X12 RFI 524; a claim that fails is refused before adjudication);

- turns them into one ``PrimaryLine`` per line for the adjudication (``combined_lines``):
  P = what ALL prior payers paid on the line, L = the patient responsibility (group PR) the LAST
  payer left. Claim-level amounts are spread over the lines: with line-level payments, the
  claim-level adjustments reduce the lines' payments in proportion to them; without any, the
  payer's payment and adjustments are spread in proportion to the lines' charges (the last line
  takes the rounding cents).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from spenddown.domain.cob.model import Claim, ClaimPrimary, PayerType, PrimaryLine
from spenddown.domain.errors import InvalidInput
from spenddown.domain.money import Money

_ZERO = Money.zero()
# Order of payer responsibility (SBR01): primary, secondary, tertiary, then payers 4 to 11.
RESPONSIBILITY_ORDER = "PSTABCDEFGH"
DEDUCTIBLE, COINSURANCE, COPAY = "1", "2", "3"
PATIENT_SHARES = frozenset({DEDUCTIBLE, COINSURANCE, COPAY})
# Adjustments that are not a denial of the service: the patient's shares, the contractual
# reduction (45) and the prior payers' own payment (23).
NOT_A_DENIAL = PATIENT_SHARES | {"45", "23"}
PATIENT = "PR"


def rank(responsibility: str) -> int:
    """The position of an SBR01 code in the order of payment (unknown codes last)."""
    found = RESPONSIBILITY_ORDER.find(responsibility) if responsibility else -1
    return len(RESPONSIBILITY_ORDER) if found < 0 else found


@dataclass(frozen=True, slots=True)
class PayerAdjustment:
    group: str  # CO, OA, PI, PR
    carc: str
    amount: Money


@dataclass(frozen=True, slots=True)
class PayerLine:
    """One payer's adjudication of one claim line (2430)."""

    line: int  # 1-based, the claim's line
    paid: Money
    adjustments: tuple[PayerAdjustment, ...] = ()


@dataclass(frozen=True, slots=True)
class PriorPayer:
    """One prior payer's adjudication of the claim (2320/2330B with its 2430 loops)."""

    responsibility: str  # SBR01: P, S, T, A..H
    payer_type: PayerType
    payer_name: str
    claim_number: str
    adjudication_date: date
    paid: Money | None  # 2320 AMT*D; None when the payer reported line-level payments only
    adjustments: tuple[PayerAdjustment, ...] = ()  # 2320 CAS
    lines: tuple[PayerLine, ...] = ()  # 2430
    prior_authorization: str | None = None

    @property
    def rank(self) -> int:
        return rank(self.responsibility)

    def as_claim_primary(self) -> ClaimPrimary:
        return ClaimPrimary(
            self.payer_type, self.payer_name, self.claim_number, self.adjudication_date
        )


def _total(values: list[Money] | tuple[Money, ...]) -> Money:
    result = Money.zero()
    for value in values:
        result = result + value
    return result


def ordered(payers: list[PriorPayer] | tuple[PriorPayer, ...]) -> list[PriorPayer]:
    """The payers in the order they paid (SBR01), the order of the file among equals (a
    single payer, most claims, as it is: no sort)."""
    if len(payers) < 2:
        return list(payers)
    return sorted(payers, key=lambda p: p.rank)


def _sum(values: list[Decimal]) -> Decimal:
    return sum(values, _NO_CENTS)


_NO_CENTS = Decimal("0.00")


def _who(payer: PriorPayer) -> str:
    """The payer a sentence of ``balance_problems`` is about (written only for a problem)."""
    return f"2320 SBR*{payer.responsibility} ({payer.payer_name})"


def balance_problems(
    claim_charge: Money, line_charges: list[Money], payers: list[PriorPayer]
) -> list[str]:
    """What does not balance, one sentence each (empty: every payer balances).

    Summed as plain Decimals of whole cents (exact, no ``Money`` per intermediate sum): this
    runs for every claim an 837P carries (docs/architecture.md "Streaming X12")."""
    problems: list[str] = []
    charge = claim_charge.amount
    for payer in payers:
        claim_adjusted = _sum([a.amount.amount for a in payer.adjustments])
        line_adjusted = _sum([a.amount.amount for pl in payer.lines for a in pl.adjustments])
        line_paid = _sum([pl.paid.amount for pl in payer.lines])
        if payer.paid is None and not payer.lines:
            problems.append(f"{_who(payer)}: the payer paid amount (AMT*D) is missing.")
            continue
        if any(pl.paid.amount < 0 for pl in payer.lines) or (
            payer.paid is not None and payer.paid.amount < 0
        ):
            problems.append(f"{_who(payer)}: a paid amount is negative.")
            continue
        paid = payer.paid.amount if payer.paid is not None else line_paid - claim_adjusted
        if charge - paid != claim_adjusted + line_adjusted:
            problems.append(
                f"{_who(payer)}: claim charge {claim_charge} - paid {paid} does not equal "
                f"adjustments {claim_adjusted + line_adjusted} (claim {claim_adjusted} + lines "
                f"{line_adjusted})."
            )
        if (
            payer.lines
            and payer.paid is not None
            and line_paid - claim_adjusted != payer.paid.amount
        ):
            problems.append(
                f"{_who(payer)}: the sum of line paid (2430 SVD02) {line_paid} - claim adjustments "
                f"{claim_adjusted} does not equal AMT*D {payer.paid}."
            )
        by_line: dict[int, tuple[Decimal, Decimal]] = {}
        for pl in payer.lines:
            paid_sum, adjusted = by_line.get(pl.line, (_NO_CENTS, _NO_CENTS))
            by_line[pl.line] = (
                paid_sum + pl.paid.amount,
                adjusted + _sum([a.amount.amount for a in pl.adjustments]),
            )
        for number, (paid_sum, adjusted) in sorted(by_line.items()):
            if not 1 <= number <= len(line_charges):
                continue
            if line_charges[number - 1].amount - paid_sum != adjusted:
                problems.append(
                    f"{_who(payer)}, line {number}: charge {line_charges[number - 1]} - paid "
                    f"{paid_sum} does not equal line adjustments {adjusted}."
                )
    return problems


def check_balance(claim_charge: Money, line_charges: list[Money], payers: list[PriorPayer]) -> None:
    problems = balance_problems(claim_charge, line_charges, payers)
    if problems:
        raise InvalidInput(
            "COB_UNBALANCED",
            "The prior payers' amounts do not balance: " + " ".join(problems),
        )


def spread(total: Money, weights: list[Money]) -> list[Money]:
    """``total`` in proportion to ``weights`` (cents rounded down; the rest on the last line with
    a weight, else the last line)."""
    if not weights:
        return []
    weights = [w.clamp_zero() for w in weights]  # a negative weight takes no share
    base = _total(weights)
    if not base.is_positive():
        weights = [Money.of(1)] * len(weights)
        base = Money.of(len(weights))
    shares = [
        Money((total.amount * w.amount / base.amount).quantize(Decimal("0.01"), ROUND_DOWN))
        for w in weights
    ]
    rest = total - _total(shares)
    last = max(i for i, w in enumerate(weights) if w.is_positive())
    shares[last] = shares[last] + rest
    return shares


@dataclass(slots=True)
class _PerLine:
    paid: Money
    adjustments: list[PayerAdjustment]


def payer_by_line(payer: PriorPayer, line_charges: list[Money]) -> list[_PerLine]:
    """One payer's payment and adjustments on each line, claim-level amounts spread."""
    out = [_PerLine(_ZERO, []) for _ in line_charges]
    for pl in payer.lines:
        if 1 <= pl.line <= len(out):
            per_line = out[pl.line - 1]
            per_line.paid = per_line.paid + pl.paid
            per_line.adjustments.extend(pl.adjustments)
    if payer.lines:
        # Claim-level adjustments reduce the line payments (RFI 524), in proportion to them.
        weights = [p.paid for p in out] if payer.adjustments else []
        for adjustment in payer.adjustments:
            shares = spread(adjustment.amount, weights)
            for per_line, share in zip(out, shares, strict=True):
                if share:
                    per_line.paid = per_line.paid - share
                    per_line.adjustments.append(
                        PayerAdjustment(adjustment.group, adjustment.carc, share)
                    )
        return out
    paid = payer.paid if payer.paid is not None else Money.zero()
    for per_line, share in zip(out, spread(paid, line_charges), strict=True):
        per_line.paid = share
    for adjustment in payer.adjustments:
        shares = spread(adjustment.amount, line_charges)
        for per_line, share in zip(out, shares, strict=True):
            if share:
                per_line.adjustments.append(
                    PayerAdjustment(adjustment.group, adjustment.carc, share)
                )
    return out


def _patient_shares(adjustments: list[PayerAdjustment]) -> tuple[Money, Money, Money]:
    """What the payer left the patient (group PR) as deductible, coinsurance and copay (CARC
    1, 2, 3), each summed in the order of ``adjustments``, all three in one pass."""
    deductible = coinsurance = copay = _ZERO
    for adjustment in adjustments:
        if adjustment.group == PATIENT:
            carc = adjustment.carc
            if carc == DEDUCTIBLE:
                deductible = deductible + adjustment.amount
            elif carc == COINSURANCE:
                coinsurance = coinsurance + adjustment.amount
            elif carc == COPAY:
                copay = copay + adjustment.amount
    return deductible, coinsurance, copay


def combined_lines(line_charges: list[Money], payers: list[PriorPayer]) -> list[PrimaryLine | None]:
    """What the prior payers together decided on each line (None without a prior payer): paid
    = every payer's payment, deductible/coinsurance/copay = the last payer's PR-1/2/3; a line
    nobody paid and the last payer left nothing on is denied with its largest other CARC."""
    if not payers:
        return [None] * len(line_charges)
    chain = ordered(payers)
    per_payer = [payer_by_line(p, line_charges) for p in chain]
    result: list[PrimaryLine | None] = []
    for index in range(len(line_charges)):
        paid = _total([lines[index].paid for lines in per_payer])
        last = per_payer[-1][index].adjustments
        deductible, coinsurance, copay = _patient_shares(last)
        liability = deductible + coinsurance + copay
        denial = None
        if not paid.is_positive() and not liability.is_positive():
            others = [a for a in last if a.carc not in NOT_A_DENIAL]
            if others:
                denial = max(others, key=lambda a: a.amount.amount).carc[:5]
        result.append(
            PrimaryLine(
                allowed=paid + liability,
                paid=paid,
                deductible=deductible,
                coinsurance=coinsurance,
                copay=copay,
                denial_carc=denial,
            )
        )
    return result


def claim_patient_responsibility(payers: list[PriorPayer]) -> Money:
    """What the last prior payer left the patient (every PR adjustment, claim and line level)."""
    if not payers:
        return Money.zero()
    last = ordered(payers)[-1]
    return _total(
        [a.amount for a in last.adjustments if a.group == PATIENT]
        + [a.amount for pl in last.lines for a in pl.adjustments if a.group == PATIENT]
    )


def payer_line_of(number: int, charge: Money, decided: PrimaryLine) -> PayerLine:
    """A line-level answer given as allowed/paid/deductible/coinsurance/copay (the claim
    format's ``lines[].primary``) as the payer's 2430: PR-1/2/3 for the patient's shares, CO-45
    for the charge above the allowed amount, or the denial's CARC for what it left unpaid."""
    adjustments = [
        PayerAdjustment(PATIENT, carc, amount)
        for carc, amount in (
            (DEDUCTIBLE, decided.deductible),
            (COINSURANCE, decided.coinsurance),
            (COPAY, decided.copay),
        )
        if amount.is_positive()
    ]
    rest = charge - decided.paid - decided.patient_liability
    if rest.is_positive():
        adjustments.append(PayerAdjustment("CO", decided.denial_carc or "45", rest))
    return PayerLine(number, decided.paid, tuple(adjustments))


@dataclass(frozen=True, slots=True)
class PriorDecision:
    """What the prior payers decided on a claim (``decided``): the first payer, the others in
    the order they paid, what they decided on each line (None without a prior payer) and the
    first payer's prior authorization, which a line they decided on carries unless it has its
    own."""

    primary: ClaimPrimary | None
    other_payers: tuple[ClaimPrimary, ...]
    lines: list[PrimaryLine | None]
    authorization: str | None


def decided(
    charges: list[Money], payers: list[PriorPayer], claim_charge: Money | None = None
) -> PriorDecision:
    """What ``payers`` decided on lines charging ``charges`` (``combined_lines``), after the
    balancing edits (``check_balance``) against the sum of the charges and, first, against
    ``claim_charge`` when given (the 837P's CLM02 as sent, which may differ from that sum):
    each charge checked once. ``with_prior_payers`` applies it to a claim; the 837P mapping
    builds its lines with it, each line once."""
    total = _total(charges)
    chain = ordered(payers)
    # Checked against CLM02 unless it is the sum as written (-0.00 is not 0.00 in a sentence).
    if claim_charge is not None and str(claim_charge) != str(total):
        check_balance(claim_charge, charges, chain)
    check_balance(total, charges, chain)
    lines = combined_lines(charges, chain)
    first = chain[0] if chain else None
    return PriorDecision(
        first.as_claim_primary() if first else None,
        tuple([p.as_claim_primary() for p in chain[1:]]),
        lines,
        first.prior_authorization if first else None,
    )


def with_prior_payers(
    claim: Claim, payers: list[PriorPayer], claim_charge: Money | None = None
) -> Claim:
    """``claim`` with what its prior payers decided on each line (``decided``)."""
    decision = decided([line.charge for line in claim.lines], payers, claim_charge)
    authorization = decision.authorization
    return claim.with_payers(
        decision.primary,
        decision.other_payers,
        tuple(
            [
                line.with_primary(
                    found, line.primary_authorization or (authorization if found else None)
                )
                for line, found in zip(claim.lines, decision.lines, strict=True)
            ]
        ),
    )
