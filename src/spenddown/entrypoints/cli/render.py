"""Rich output for people. Every renderer takes the ``shapes`` dict that ``--json`` prints, so
what a person sees and what a script reads never drift apart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

Json = dict[str, Any]

STATUS_NAMES = {
    "0": "eligible, no conditions",
    "1": "eligible, LTC SOC (auto-certified)",
    "3": "eligible with conditions",
    "4": "eligible through a plan",
    "5": "SOC unmet: not eligible yet",
    "9": "not eligible",
}
HCP_NAMES = {"01": "enrolled", "55": "potential enrollee, held until SOC is met", "00": "no plan"}


def console(*, stderr: bool = False) -> Console:
    return Console(highlight=False, stderr=stderr)


def _yes(value: bool) -> Text:
    return Text("yes", style="bold green") if value else Text("no", style="bold red")


def _fields(rows: Sequence[tuple[str, Any]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim")
    table.add_column()
    for label, value in rows:
        table.add_row(label, value if isinstance(value, Text) else Text(str(value)))
    return table


def _messages(messages: Sequence[str]) -> Text:
    return Text("\n".join(messages), style="italic")


def verification(v: Json) -> None:
    soc = v["share_of_cost"]
    plan = v["plan"]
    status = v["eligibility_status"]
    rows: list[tuple[str, Any]] = [
        ("Member", v["member_id"]),
        ("Date of service", f"{v['service_date']} (month {v['month']})"),
        ("Eligible", _yes(v["eligible"])),
        ("Status", f"{status} — {STATUS_NAMES.get(status, '')}"),
        ("EVC", Text(v["evc"], style="bold cyan") if v["evc"] else "-"),
        ("County", v["county_code"] or "-"),
        (
            "Aid codes",
            ", ".join(f"{a['aid_code']} ({a['scope']}, {a['program']})" for a in v["aid_codes"])
            or "-",
        ),
    ]
    if soc is not None:
        certified = f"certified by {soc['certified_by']}" if soc["certified"] else "not certified"
        rows.append(
            (
                "Share of Cost",
                f"${soc['amount']}, remaining ${soc['remaining']}, {certified}"
                + (", LTC" if soc["ltc"] else ""),
            )
        )
        rows.append(("Clear online", _yes(soc["clear_online"])))
    if plan is not None:
        rows.append(
            (
                "Plan",
                f"{plan['name']} ({plan['code']}), status {plan['hcp_status']} — "
                f"{HCP_NAMES.get(plan['hcp_status'], '')}",
            )
        )
    if v["other_health_coverage"]:
        rows.append(("Other coverage", ", ".join(v["other_health_coverage"])))
    if v["restrictions"]:
        rows.append(("Restrictions", "; ".join(v["restrictions"])))
    style = "green" if v["eligible"] else "yellow"
    body = Group(_fields(rows), Text(""), _messages(v["messages"]))
    console().print(Panel(body, title="Eligibility verification", border_style=style))


def clearance(c: Json) -> None:
    rows: list[tuple[str, Any]] = [
        ("Clearance ID", Text(c["clearance_id"], style="bold")),
        ("Member", c["member_id"]),
        ("Budget unit", f"{c['case_id']}/{c['budget_unit']} (month {c['month']})"),
        ("Service", f"{c['billing_code']} on {c['service_date']}, charge ${c['service_charge']}"),
    ]
    if c.get("service_type") not in (None, "other"):  # docs/rules.md §9.1
        rows.append(("Counts on", f"{c['counted_date']} ({c['service_type']})"))
    rows += [
        ("Payment", c["payment"]),
        ("Applied", f"${c['applied']}"),
        ("Remaining", f"${c['remaining']}"),
        ("Certified", _yes(c["certified"])),
        ("EVC", Text(c["evc"], style="bold cyan") if c["evc"] else "-"),
    ]
    if len(c["programs"]) > 1:
        rows.append(
            (
                "Programs",
                "; ".join(
                    f"{p['program']}: applied ${p['applied']}, remaining ${p['remaining']}"
                    for p in c["programs"]
                ),
            )
        )
    if c["reversed"]:
        rows.append(("Reversed", _yes(True)))
    title = "Clearance reversed" if c["reversed"] else "Share of Cost clearance"
    style = "green" if c["certified"] else "blue"
    body = Group(_fields(rows), Text(""), _messages(c["messages"]))
    console().print(Panel(body, title=title, border_style=style))


def _obligation_rows(o: Json) -> list[tuple[str, Any]]:
    certified = (
        f"yes, by {o['certified_by']} at {o['certified_at']}" if o["certified"] else Text("no")
    )
    return [
        ("Budget unit", f"{o['case_id']}/{o['budget_unit']}"),
        ("Month", o["month"]),
        ("Program", o["program"]),
        ("SOC", f"${o['amount']}"),
        ("Applied", f"${o['applied']}"),
        ("Remaining", f"${o['remaining']}"),
        ("Certified", certified),
        ("LTC", "yes" if o["ltc"] else "no"),
    ]


def _ledger(entries: Sequence[Json]) -> Table:
    table = Table(title="Ledger", title_justify="left", show_lines=False)
    for name in ("entry", "kind", "member", "provider", "service", "charge", "applied", "left"):
        table.add_column(name, justify="right" if name in ("charge", "applied", "left") else "left")
    for e in entries:
        service = f"{e['billing_code']} {e['service_date']}" if e["billing_code"] else ""
        if e.get("provider_name"):  # a receipt or old bill (docs/rules.md)
            service = f"{e['service_date']} {e['provider_name']}"
        kind = e["kind"] + (" (reversed)" if e["reversed"] else "")
        table.add_row(
            e["clearance_id"],
            kind,
            e["member_id"] or "",
            e["provider_npi"] or "county",
            service,
            e["service_charge"] or "",
            e["applied"],
            e["remaining_after"],
        )
    return table


def obligations(group: Json) -> None:
    for o in [group, *group.get("other_obligations", [])]:
        parts: list[Any] = [_fields(_obligation_rows(o))]
        if "ledger" in o:
            parts += [Text(""), _ledger(o["ledger"]) if o["ledger"] else Text("No entries.")]
        style = "green" if o["certified"] else "yellow"
        console().print(Panel(Group(*parts), title="Share of Cost", border_style=style))


def determination(d: Json) -> None:
    out = console()
    ladder = Table(title=f"Programs screened for {d['month']}", title_justify="left")
    ladder.add_column("program")
    ladder.add_column("fits")
    ladder.add_column("why")
    ladder.add_column("rule", style="dim")
    for s in d["screened"]:
        ladder.add_row(s["program"], "yes" if s["eligible"] else "no", s["reason"], s["rule"])
    out.print(ladder)
    table = Table(title=f"Share of Cost determination for {d['month']}", title_justify="left")
    table.add_column("rule", style="dim")
    table.add_column("step")
    table.add_column("amount", justify="right")
    for step in d["steps"]:
        table.add_row(step["rule"], step["description"], step["amount"])
    table.add_section()
    if d["net_nonexempt_income"] is not None:
        label = "Net nonexempt income" if d["maintenance_need_level"] else "Countable income"
        table.add_row("", label, d["net_nonexempt_income"])
        table.add_row("", "Rounded to the dollar", d["rounded_income"])
    table.add_row("", Text("Share of Cost", style="bold"), Text(d["soc"], style="bold"))
    out.print(table)
    budget = "LTC" if d["ltc"] else d["budget"].upper()
    out.print(
        f"Household of {d['household_size']}, {budget} budget: program {d['program']}, "
        f"SOC ${d['soc']} a month."
    )
    if d["msp"]:
        out.print(f"Medicare Savings Program: {d['msp'].upper()} (pays Part B).")
    if d["premium_at_least"]:
        out.print(f"Working Disabled Program premium: at least ${d['premium_at_least']} a month.")
    for note in d["notes"]:
        out.print(note)


def whatif(w: Json) -> None:
    out = console()
    change = w["reform"] or ", ".join(w["overrides"])
    out.print(
        f"What-if {change} for {w['month']}: {w['units']} budget units, "
        f"{w['moved_to_free']} move to no SOC, {w['lower_soc']} to a lower SOC, "
        f"{w['higher_soc']} to a higher one, {w['unchanged']} unchanged"
        + (f", {w['refused']} refused by today's rules" if w["refused"] else "")
        + ".",
        markup=False,
    )
    out.print(
        f"Total monthly SOC: ${w['total_soc_before']} before, ${w['total_soc_after']} after.",
        markup=False,
    )
    counties = Table(title="By county", title_justify="left")
    for name in ("county", "units", "no SOC", "lower", "SOC before", "SOC after"):
        counties.add_column(name, justify="left" if name == "county" else "right")
    for c in w["counties"]:
        counties.add_row(
            c["county_code"],
            str(c["units"]),
            str(c["moved_to_free"]),
            str(c["lower_soc"]),
            c["total_soc_before"],
            c["total_soc_after"],
        )
    out.print(counties)
    bands = Table(title="Units by monthly SOC", title_justify="left")
    for name in ("band", "before", "after"):
        bands.add_column(name, justify="left" if name == "band" else "right")
    for b in w["bands"]:
        bands.add_row(b["band"], str(b["before"]), str(b["after"]))
    out.print(bands)


def roster(r: Json) -> None:
    table = Table(title=f"Plan {r['plan_code']} members, {r['month']}", title_justify="left")
    table.add_column("member")
    table.add_column("aid codes")
    table.add_column("HCP status")
    for m in r["members"]:
        status = f"{m['hcp_status']} {HCP_NAMES.get(m['hcp_status'], '')}"
        table.add_row(m["member_id"], ", ".join(m["aid_codes"]), status)
    out = console()
    out.print(table if r["members"] else f"Plan {r['plan_code']} has no members in {r['month']}.")


def activations(page: Json) -> None:
    out = console()
    if not page["activations"]:
        out.print(f"No new activations for {page['plan_code']} (cursor {page['cursor']}).")
        return
    table = Table(title=f"Plan {page['plan_code']} activations", title_justify="left")
    for name in ("seq", "member", "month", "budget unit", "certified by", "at (UTC)"):
        table.add_column(name)
    for a in page["activations"]:
        table.add_row(
            str(a["seq"]),
            a["member_id"],
            a["month"],
            f"{a['case_id']}/{a['budget_unit']}",
            a["certified_by"],
            a["created_at"][:19].replace("T", " "),
        )
    out.print(table)
    out.print(f"Next: --since {page['cursor']}")


def cycle(c: Json) -> None:
    console().print(
        f"Month {c['month']} started: {c['ltc_certified']} long-term-care Share of Cost "
        "obligation(s) certified automatically.",
        soft_wrap=True,
    )


def import_counts(name: str, counts: Json) -> None:
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
    console().print(f"Imported {name}: {summary or 'nothing'}.")


def audit(result: Json) -> None:
    out = console()
    if result["ok"]:
        out.print("Ledger audit: no violations.")
        return
    for violation in result["violations"]:
        out.print(Text(violation), style="red", soft_wrap=True)  # one line each, for grep
    out.print(f"Ledger audit: {len(result['violations'])} violation(s).")


def adjudication(data: dict[str, Any]) -> None:
    """A claim's adjudication: one row per line, then the totals and the explanation."""
    table = Table(title=f"Claim {data['claim_id']}: {data['status']} ({data['delivery_system']})")
    for column in (
        "Line",
        "Status",
        "Allowed",
        "Primary paid",
        "Liability",
        "Medi-Cal paid",
        "SOC",
        "Member owes",
        "Write-off",
        "Denial",
    ):
        table.add_column(column, justify="right" if column not in ("Status", "Denial") else "left")
    for line in data["lines"]:
        denial = line["denial"]
        table.add_row(
            str(line["line"]),
            line["status"],
            line["medi_cal_allowed"],
            line["primary_paid"],
            line["patient_liability_after_primary"],
            line["medi_cal_paid"],
            line["soc_applied"],
            line["member_owes"],
            line["provider_write_off"],
            f"{denial['carc']} {denial['reason']}" if denial else "",
        )
    out = console()
    out.print(table)
    totals = data["totals"]
    out.print(
        f"Medi-Cal pays ${totals['medi_cal_paid']}; the member owes ${totals['member_owes']}; "
        f"the provider writes off ${totals['provider_write_off']}.",
        markup=False,
    )
    for sentence in data["explanation"]:
        out.print(f"- {sentence}", markup=False, soft_wrap=True)
