"""The JSON shapes of docs/api.md and docs/cli.md "JSON", built from service results as plain dicts.

This is the one place that decides what a Verification, a Clearance, an Obligation, a
Determination, ... looks like on the wire; the CLI prints these dicts with ``--json`` and the
REST API returns them. Framework-free on purpose.

Conventions (docs/api.md "Conventions"): money is a string with two decimals (``"600.00"``), dates
``YYYY-MM-DD``, months ``YYYY-MM``, timestamps ISO 8601 in UTC (``2026-11-23T18:00:00Z``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from spenddown.domain.billing import BillingCheck
from spenddown.domain.cob.accumulators import AccumulatorStatement
from spenddown.domain.cob.adjudication import Adjudication
from spenddown.domain.cob.estimate import Estimate
from spenddown.domain.eligibility.verification import Verification
from spenddown.domain.errors import (
    AuthenticationFailed,
    Forbidden,
    ImportErrors,
    InvalidInput,
    NotFound,
    RuleRefusal,
    SpenddownError,
)
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.determination import Determination
from spenddown.domain.share_of_cost.ladder import LadderResult
from spenddown.domain.share_of_cost.ledger import EntryKind, LedgerEntry, Obligation
from spenddown.services.plans import ActivationPage, RosterEntry
from spenddown.services.share_of_cost import ClearanceResult, CycleResult, ObligationView
from spenddown.services.whatif import WhatIfReport

Json = dict[str, Any]


# --- scalars ---------------------------------------------------------------------------------
def money(value: Money | None) -> str | None:
    return None if value is None else str(value)


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC; a naive datetime is taken as UTC (how every time is stored)."""
    if value is None:
        return None
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat().replace("+00:00", "Z")


# --- eligibility -----------------------------------------------------------------------------
def verification(result: Verification) -> Json:
    soc = result.share_of_cost
    plan = result.plan
    return {
        "member_id": result.member_id,
        "service_date": day(result.service_date),
        "month": str(result.month),
        "eligible": result.eligible,
        "evc": result.evc,
        "eligibility_status": result.eligibility_status,
        "county_code": result.county_code,
        "aid_codes": [
            {"aid_code": c.aid_code, "scope": str(c.scope), "program": str(c.program)}
            for c in result.aid_codes
        ],
        "share_of_cost": None
        if soc is None
        else {
            "amount": money(soc.amount),
            "remaining": money(soc.remaining),
            "certified": soc.certified,
            "certified_by": None if soc.certified_by is None else str(soc.certified_by),
            "ltc": soc.ltc,
            "clear_online": soc.clear_online,
            "program": str(soc.program),
        },
        "plan": None
        if plan is None
        else {"code": plan.code, "name": plan.name, "hcp_status": str(plan.hcp_status)},
        "other_health_coverage": list(result.other_health_coverage),
        "restrictions": list(result.restrictions),
        "messages": list(result.messages),
    }


# --- share of cost ---------------------------------------------------------------------------
def clearance(result: ClearanceResult) -> Json:
    return {
        "clearance_id": result.clearance_id,
        "member_id": result.member_id,
        "case_id": result.case_id,
        "budget_unit": result.budget_unit,
        "month": str(result.month),
        "service_date": day(result.service_date),
        "billing_code": result.billing_code,
        "service_charge": money(result.service_charge),
        "payment": str(result.payment),
        "applied": money(result.applied),
        "remaining": money(result.remaining),
        "certified": result.certified,
        "evc": result.evc,
        "reversed": result.reversed,
        "provider_npi": result.provider_npi,
        "created_at": timestamp(result.created_at),
        # One expense can clear the Medi-Cal and the CMSP obligation of a unit (docs/rules.md §3).
        "programs": [
            {
                "program": str(p.program),
                "applied": money(p.applied),
                "remaining": money(p.remaining),
                "certified": p.certified,
            }
            for p in result.programs
        ],
        "messages": list(result.messages),
        "other_coverage_paid": money(result.other_coverage_paid),
        "service_type": result.service_type,
        "counted_date": day(result.counted_date),
    }


def clearances(results: Sequence[ClearanceResult]) -> list[Json]:
    return [clearance(r) for r in results]


def ledger_entry(entry: LedgerEntry, reversed_ids: frozenset[str] = frozenset()) -> Json:
    return {
        "entry_id": entry.entry_id,
        "clearance_id": entry.clearance_id,
        "kind": str(entry.kind),
        "member_id": entry.cin or None,  # a county certification has no member
        "provider_npi": entry.provider_npi,
        "service_date": day(entry.service_date),
        "billing_code": entry.billing_code,
        "service_charge": money(entry.service_charge),
        "payment": None if entry.payment is None else str(entry.payment),
        "applied": money(entry.applied),
        "remaining_after": money(entry.remaining_after),
        "reverses": entry.reverses,
        "reversed": entry.kind is EntryKind.CLEARANCE and entry.entry_id in reversed_ids,
        "evc": entry.evc,
        "created_at": timestamp(entry.created_at),
        "other_coverage_paid": money(entry.other_coverage_paid),
        "provider_name": entry.provider_name,
        "change_id": entry.change_id,
        "service_type": entry.service_type,
        "counted_date": day(entry.counted_date),
    }


def obligation(item: Obligation | ObligationView, *, with_ledger: bool = False) -> Json:
    """One budget unit's SOC for a month and program; ``with_ledger`` adds its entries."""
    view = item if isinstance(item, ObligationView) else ObligationView(item)
    o = view.obligation
    shaped: Json = {
        "case_id": o.key.case_id,
        "budget_unit": o.key.budget_unit,
        "month": str(o.key.month),
        "program": str(o.key.program),
        "amount": money(o.amount),
        "remaining": money(o.remaining),
        "applied": money(o.applied),
        "certified": o.certified,
        "certified_by": None if o.certified_by is None else str(o.certified_by),
        "certified_at": timestamp(o.certified_at),
        "ltc": o.ltc,
    }
    if with_ledger:
        shaped["ledger"] = [ledger_entry(e, view.reversed_ids) for e in view.entries]
    return shaped


def obligation_group(views: Sequence[ObligationView], *, with_ledger: bool = False) -> Json:
    """Several obligations answered as one Obligation: the first (Medi-Cal before CMSP, the
    member's units in order) with the rest under ``other_obligations`` (always present)."""
    if not views:
        raise ValueError("obligation_group needs at least one obligation")
    first, *rest = views
    shaped = obligation(first, with_ledger=with_ledger)
    shaped["other_obligations"] = [obligation(v, with_ledger=with_ledger) for v in rest]
    return shaped


def cycle(result: CycleResult) -> Json:
    return {"month": str(result.month), "ltc_certified": result.ltc_certified}


def ladder(result: LadderResult) -> Json:
    """A determination with its program ladder (``soc compute``, POST /v1/soc/determinations)."""
    mn = result.determination
    allocations = result.allocations
    countable = result.countable_income
    return {
        "month": str(result.month),
        "program": result.program,
        "household_size": result.household_size,
        "budget": result.budget if mn is None else mn.budget,
        "ltc": result.ltc,
        "net_nonexempt_income": money(mn.net_nonexempt_income)
        if mn is not None
        else (None if countable is None else money(countable)),
        "rounded_income": money(mn.rounded_income)
        if mn is not None
        else (
            None if countable is None else money(Money.round_half_up_to_dollar(countable.amount))
        ),
        "maintenance_need_level": None if mn is None else money(mn.maintenance_need_level),
        "soc": money(result.soc),
        "screened": [
            {"program": s.program, "eligible": s.eligible, "reason": s.reason, "rule": s.rule}
            for s in result.screened
        ],
        "steps": [
            {"rule": s.rule, "description": s.description, "amount": money(s.amount)}
            for s in result.steps
        ],
        "msp": result.msp,
        "allocations": None
        if allocations is None
        else {
            "spouse": None if allocations.spouse is None else money(allocations.spouse),
            "dependents": None if allocations.dependents is None else money(allocations.dependents),
            "home_upkeep": None
            if allocations.home_upkeep is None
            else money(allocations.home_upkeep),
        },
        "premium_at_least": None
        if result.premium_at_least is None
        else money(result.premium_at_least),
        "notes": list(result.notes),
    }


def whatif(report: WhatIfReport) -> Json:
    """The population what-if (``spenddown whatif``, GET /v1/soc/whatif)."""
    return {
        "month": str(report.month),
        "reform": report.reform,
        "overrides": report.overrides,
        "units": report.units,
        "moved_to_free": report.moved_to_free,
        "lower_soc": report.lower_soc,
        "higher_soc": report.higher_soc,
        "unchanged": report.unchanged,
        "refused": report.refused,
        "total_soc_before": money(report.total_before),
        "total_soc_after": money(report.total_after),
        "counties": [
            {
                "county_code": row.county_code,
                "units": row.units,
                "moved_to_free": row.moved_to_free,
                "lower_soc": row.lower_soc,
                "total_soc_before": money(row.total_before),
                "total_soc_after": money(row.total_after),
            }
            for row in sorted(report.counties.values(), key=lambda r: r.county_code)
        ],
        "bands": [
            {"band": band, "before": report.bands_before[band], "after": report.bands_after[band]}
            for band in report.bands_before
        ],
    }


def determination(result: Determination) -> Json:
    return {
        "month": str(result.month),
        "household_size": result.household_size,
        "budget": result.budget,
        "ltc": result.ltc,
        "net_nonexempt_income": money(result.net_nonexempt_income),
        "rounded_income": money(result.rounded_income),
        "maintenance_need_level": money(result.maintenance_need_level),
        "soc": money(result.soc),
        "steps": [
            {"rule": s.rule, "description": s.description, "amount": money(s.amount)}
            for s in result.steps
        ],
    }


# --- plans -----------------------------------------------------------------------------------
def roster(plan_code: str, month: BenefitMonth, entries: Sequence[RosterEntry]) -> Json:
    return {
        "plan_code": plan_code,
        "month": str(month),
        "members": [
            {
                "member_id": e.cin,
                "aid_codes": list(e.aid_codes),
                "hcp_status": str(e.hcp_status),
            }
            for e in entries
        ],
    }


def activations(page: ActivationPage) -> Json:
    return {
        "plan_code": page.plan_code,
        "activations": [
            {
                "seq": a.seq,
                "member_id": a.cin,
                "month": str(a.month),
                "case_id": a.case_id,
                "budget_unit": a.budget_unit,
                "certified_by": a.certified_by,
                "hcp_status": "01",
                "created_at": timestamp(a.created_at),
            }
            for a in page.activations
        ],
        "cursor": page.cursor,
    }


# --- imports and audit -----------------------------------------------------------------------
def import_counts(counts: Mapping[str, int]) -> Json:
    """Records read per kind (docs/formats.md §1: ``POST /v1/imports`` → counts per kind)."""
    return dict(counts)


def audit(violations: Sequence[str]) -> Json:
    return {"ok": not violations, "violations": list(violations)}


# --- errors ----------------------------------------------------------------------------------
TITLES: tuple[tuple[type[SpenddownError], str], ...] = (
    (ImportErrors, "The dataset has errors"),
    (InvalidInput, "Invalid input"),
    (RuleRefusal, "Refused by a rule"),
    (NotFound, "Not found"),
    (AuthenticationFailed, "Authentication failed"),
    (Forbidden, "Forbidden"),
)


def problem_type(code: str) -> str:
    """A stable URI reference per error code (RFC 9457 ``type``)."""
    return "/problems/" + code.lower().replace("_", "-")


def problem(error: SpenddownError, status: int | None = None) -> Json:
    """RFC 9457 problem details for a SpenddownError; ``status`` is given by HTTP callers."""
    title = next((t for kind, t in TITLES if isinstance(error, kind)), "Error")
    shaped: Json = {"type": problem_type(error.code), "title": title}
    if status is not None:
        shaped["status"] = status
    shaped["detail"] = error.detail
    shaped["code"] = error.code
    field = error.context.get("field")
    if isinstance(field, str):
        shaped["field"] = field
    # The sign-in lockout (docs/api.md "Credentials"): what the caller has left.
    for key in ("tries_left", "locked_until"):
        if key in error.context:
            shaped[key] = error.context[key]
    if isinstance(error, ImportErrors):
        shaped["errors"] = list(error.errors)
    return shaped


# --- claims (docs/rules.md §5) --------------------------------------------------------------------
def adjudication(result: Adjudication) -> Json:
    totals = result.totals
    return {
        "claim_id": result.claim_id,
        "status": str(result.status),
        "delivery_system": result.delivery_system,
        "plan_code": result.plan_code,
        "lines": [
            {
                "line": line.line,
                "status": str(line.status),
                "medi_cal_allowed": money(line.medi_cal_allowed),
                "primary_paid": money(line.primary_paid),
                "patient_liability_after_primary": money(line.patient_liability_after_primary),
                "soc_applied": money(line.soc_applied),
                "medi_cal_paid": money(line.medi_cal_paid),
                "member_owes": money(line.member_owes),
                "provider_write_off": money(line.provider_write_off),
                "deductible_credit": money(line.deductible_credit),
                "adjustments": [
                    {"group": a.group, "carc": a.carc, "amount": money(a.amount)}
                    for a in line.adjustments
                ],
                "denial": None
                if line.denial is None
                else {"carc": line.denial.carc, "reason": line.denial.reason},
                "authorization_id": line.authorization_id,
                "explanation": list(line.explanation),
            }
            for line in result.lines
        ],
        "totals": {
            "charge": money(totals.charge),
            "primary_paid": money(totals.primary_paid),
            "medi_cal_paid": money(totals.medi_cal_paid),
            "member_owes": money(totals.member_owes),
            "provider_write_off": money(totals.provider_write_off),
        },
        "recovery_flag": result.recovery_flag,
        "explanation": list(result.explanation),
    }


def billing_check(result: BillingCheck) -> Json:
    return {
        "allowed": result.allowed,
        "may_collect": money(result.may_collect),
        "rule": result.rule,
        "protected": result.protected,
        "explanation": list(result.explanation),
        "what_to_do": list(result.what_to_do),
    }


def accumulators(statements: Sequence[AccumulatorStatement]) -> list[Json]:
    return [
        {
            "member_id": s.cin,
            "carrier": s.carrier,
            "network": s.network,
            "ohc_code": s.ohc_code,
            "plan_year_start": day(s.plan_year_start),
            "plan_year_end": day(s.plan_year_end),
            "deductible": money(s.deductible),
            "deductible_applied": money(s.deductible_applied),
            "paid_by_medi_cal": money(s.paid_by_medi_cal),
            "paid_by_member": money(s.paid_by_member),
            "written_off": money(s.written_off),
            "deductible_remaining": money(s.deductible_remaining),
            "out_of_pocket": money(s.out_of_pocket),
            "out_of_pocket_max": money(s.out_of_pocket_max),
            "out_of_pocket_remaining": money(s.out_of_pocket_remaining),
            "items": [
                {
                    "claim_id": i.claim_id,
                    "line": i.line,
                    "service_date": day(i.service_date),
                    "procedure_code": i.procedure_code,
                    "deductible_applied": money(i.deductible_applied),
                    "paid_by_medi_cal": money(i.paid_by_medi_cal),
                    "paid_by_member": money(i.paid_by_member),
                    "written_off": money(i.written_off),
                    "out_of_pocket": money(i.out_of_pocket),
                }
                for i in s.items
            ],
            "statement": list(s.statement),
        }
        for s in statements
    ]


def estimate(result: Estimate) -> Json:
    return {
        "procedure_code": result.procedure_code,
        "units_per_visit": result.units_per_visit,
        "visits_per_week": result.visits_per_week,
        "weeks": result.weeks,
        "visits": result.visits,
        "start": day(result.start),
        "primary_allowed_per_visit": money(result.primary_allowed_per_visit),
        "medi_cal_allowed_per_visit": money(result.medi_cal_allowed_per_visit),
        "monthly_soc": money(result.monthly_soc),
        "without_medi_cal": money(result.without_medi_cal),
        "with_medi_cal": money(result.with_medi_cal),
        "savings": money(result.savings),
        "primary_paid": money(result.primary_paid),
        "medi_cal_paid": money(result.medi_cal_paid),
        "provider_write_off": money(result.provider_write_off),
        "deductible_met_at_visit": result.deductible_met_at_visit,
        "out_of_pocket_max_at_visit": result.out_of_pocket_max_at_visit,
        "months": [
            {
                "month": str(m.month),
                "visits": m.visits,
                "primary_allowed": money(m.primary_allowed),
                "primary_paid": money(m.primary_paid),
                "cost_sharing": money(m.cost_sharing),
                "medi_cal_paid": money(m.medi_cal_paid),
                "family_pays": money(m.family_pays),
                "provider_write_off": money(m.provider_write_off),
            }
            for m in result.months
        ],
        "providers": [
            {
                "npi": p.npi,
                "name": p.name,
                "takes_primary": p.takes_primary,
                "takes_medi_cal": p.takes_medi_cal,
                "qualifies": p.qualifies,
                "why": p.why,
            }
            for p in result.providers
        ],
        "explanation": list(result.explanation),
    }
