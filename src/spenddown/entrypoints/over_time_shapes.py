"""The JSON of a Share of Cost over time (changes, hearing requests, receipts); used by the
CLI ``--json`` and the API alike (docs/api.md, docs/cli.md)."""

from __future__ import annotations

from typing import Any

from spenddown.domain.share_of_cost.ledger import LedgerEntry, Payment
from spenddown.services.medicare import BuyInPage
from spenddown.services.over_time_ports import ChangeRecord
from spenddown.services.soc_over_time import ChangeResult, HearingResult, ReceiptResult

Json = dict[str, Any]


def change(result: ChangeResult | ChangeRecord) -> Json:
    record = result.change if isinstance(result, ChangeResult) else result
    return {
        "change_id": record.change_id,
        "case_id": record.case_id,
        "budget_unit": record.budget_unit,
        "program": str(record.program),
        "direction": str(record.direction),
        "old_amount": str(record.old_amount),
        "amount": str(record.new_amount),
        "changed": record.changed_on.isoformat(),
        "reported": record.reported_on.isoformat(),
        "reason": record.reason,
        "effective_month": str(record.effective_month),
        "timely": record.timely,
        "correction": record.correction,
        "excess": record.excess,
        "excess_amount": str(record.excess_amount),
        "months_set": list(record.months.get("set", [])),
        "months_kept": list(record.months.get("kept", [])),
        "credited": dict(record.months.get("credited", {})),
        "status": record.status,
        "notice_id": record.notice_id,
    }


def hearing(result: HearingResult) -> Json:
    return {
        "notice_id": result.hearing.notice_id,
        "requested_on": result.hearing.requested_on.isoformat(),
        "aid_paid_pending": result.hearing.aid_paid_pending,
        "months_restored": list(result.restored_months),
    }


def receipt(result: ReceiptResult) -> Json:
    return {
        "receipt_id": result.receipt_id,
        "case_id": result.case_id,
        "budget_unit": result.budget_unit,
        "month": str(result.month),
        "provider_name": result.provider_name,
        "date": result.bill_date.isoformat(),
        "amount": str(result.amount),
        "paid": result.paid,
        "rule": result.rule,
        "used_before": str(result.used_before),
        "applied": str(result.applied),
        "remaining": str(result.remaining),
        "certified": result.certified,
        "programs": list(result.programs),
        "messages": list(result.messages),
    }


def receipt_entry(entry: LedgerEntry) -> Json:
    return {
        "receipt_id": entry.clearance_id,
        "entry_id": entry.entry_id,
        "case_id": entry.key.case_id,
        "budget_unit": entry.key.budget_unit,
        "month": str(entry.key.month),
        "program": str(entry.key.program),
        "provider_name": entry.provider_name,
        "date": None if entry.service_date is None else entry.service_date.isoformat(),
        "amount": None if entry.service_charge is None else str(entry.service_charge),
        "paid": entry.payment is Payment.PAID,
        "applied": str(entry.applied),
        "remaining_after": str(entry.remaining_after),
        "created_at": entry.created_at.isoformat(),
    }


def buy_ins(page: BuyInPage) -> Json:
    return {
        "buy_ins": [
            {
                "seq": b.seq,
                "member_id": b.cin,
                "month": str(b.month),
                "case_id": b.case_id,
                "budget_unit": b.budget_unit,
                "created_at": b.created_at.isoformat(),
            }
            for b in page.buy_ins
        ],
        "next_since": page.next_since,
    }
