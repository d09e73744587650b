"""The balance-billing check's sentences in the page's language.

The domain (``domain/billing/balance_billing.py``) writes its verdict in English, and the API
keeps that English. The family page translates each sentence here: a pattern of the English
sentence (its amounts, names and months captured) and a translatable template. A sentence with
no pattern stays in English and the page marks it ``lang="en"`` (docs/web.md, "Languages")."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from datetime import date

from spenddown.entrypoints.web import i18n
from spenddown.entrypoints.web.i18n import N_

_MONEY = r"\$[0-9,]+\.[0-9]{2}"
_MONTH = r"[A-Z][a-z]+ [0-9]{4}"

# (pattern of the English sentence, its translatable template). Groups are named; ``month``
# groups are written again in the page's language.
SENTENCES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Do not pay this bill\."), N_("Do not pay this bill.")),
    (
        re.compile(rf"Do not pay more than (?P<amount>{_MONEY}) on this bill\."),
        N_("Do not pay more than %(amount)s on this bill."),
    ),
    (
        re.compile(
            r"Ask the provider to bill (?P<first>your private insurance first, then )?"
            r"(?P<system>.+) for the rest, and to send you a corrected bill; mention "
            r"W&I §14019\.4 and 22 CCR §51002\."
        ),
        N_(
            "Ask the provider to bill Medi-Cal for the rest (after your private insurance, if "
            "you have one) and to send you a corrected bill; mention W&I §14019.4 and 22 CCR "
            "§51002."
        ),
    ),
    (
        re.compile(
            rf"If you already paid more than (?P<amount>{_MONEY}), ask the provider to "
            r"refund the difference \(W&I §14019\.3\)\."
        ),
        N_(
            "If you already paid more than %(amount)s, ask the provider to refund the "
            "difference (W&I §14019.3)."
        ),
    ),
    (
        re.compile(
            r"The provider may not seek this payment from you, including through a "
            r"collection agency \(W&I §14019\.4\)\."
        ),
        N_(
            "The provider may not seek this payment from you, including through a collection "
            "agency (W&I §14019.4)."
        ),
    ),
    (
        re.compile(
            r"If the provider does not correct the bill, call the Medi-Cal Managed Care "
            r"Ombudsman at 1-888-452-8609, or your plan's member services, or your "
            r"county Medi-Cal office\."
        ),
        N_(
            "If the provider does not correct the bill, call the Medi-Cal Managed Care "
            "Ombudsman at 1-888-452-8609, or your plan's member services, or your county "
            "Medi-Cal office."
        ),
    ),
    (
        re.compile(
            r"If the provider does not correct the bill, call your county Medi-Cal office "
            r"\(or the Medi-Cal Managed Care Ombudsman at 1-888-452-8609\)\."
        ),
        N_(
            "If the provider does not correct the bill, call your county Medi-Cal office (or "
            "the Medi-Cal Managed Care Ombudsman at 1-888-452-8609)."
        ),
    ),
    (
        re.compile(rf"You may pay this bill of (?P<amount>{_MONEY})\."),
        N_("You may pay this bill of %(amount)s."),
    ),
    (
        re.compile(
            r"Keep the receipt: it shows the Share of Cost you paid, and the county can "
            r"count it toward your Share of Cost if it was not recorded\."
        ),
        N_(
            "Keep the receipt: it shows the Share of Cost you paid, and the county can count it "
            "toward your Share of Cost if it was not recorded."
        ),
    ),
    (
        re.compile(
            rf"If the provider asks for more than (?P<amount>{_MONEY}) for this visit, "
            r"do not pay the difference: ask them to bill Medi-Cal instead "
            r"\(W&I §14019\.4\)\. If the provider insists, call (?P<rest>.+)$"
        ),
        N_(
            "If the provider asks for more than %(amount)s for this visit, do not pay the "
            "difference: ask them to bill Medi-Cal instead (W&I §14019.4). If the provider "
            "insists, call your county Medi-Cal office or the Medi-Cal Managed Care Ombudsman "
            "at 1-888-452-8609."
        ),
    ),
    (
        re.compile(
            r"(?P<name>.+) checked your Medi-Cal eligibility\. Checking it means "
            r"accepting you as a Medi-Cal patient \(W&I §14018\.2\)\."
        ),
        N_(
            "%(name)s checked your Medi-Cal eligibility. Checking it means accepting you as a "
            "Medi-Cal patient (W&I §14018.2)."
        ),
    ),
    (
        re.compile(
            r"(?P<name>.+) billed Medi-Cal(?P<claim> \(claim [^)]+\))? for your visit on "
            r"(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})\."
        ),
        N_("%(name)s billed Medi-Cal for your visit on %(day)s."),
    ),
    (
        re.compile(r"(?P<name>.+) is enrolled in (?P<system>.+) for that month\."),
        N_("%(name)s is enrolled in Medi-Cal for that month."),
    ),
    (
        re.compile(
            r"(?P<name>.+) is contracted with both your private insurance and Medi-Cal: "
            r"such a provider may not invoice you for a visit when authorizations were in "
            r"place with both; that is balance billing \((?P<source>.+)\)\."
        ),
        N_(
            "%(name)s is contracted with both your private insurance and Medi-Cal: such a "
            "provider may not invoice you for a visit when authorizations were in place with "
            "both; that is balance billing (%(source)s)."
        ),
    ),
    (
        re.compile(
            rf"So this provider may collect at most (?P<amount>{_MONEY}) for this service "
            r"\(22 CCR §51002: .+\)\."
        ),
        N_(
            "So this provider may collect at most %(amount)s for this service (22 CCR §51002: "
            "only the Share of Cost, an LTC resident's patient liability and Medi-Cal "
            "copayments)."
        ),
    ),
    (
        re.compile(
            rf"The bill of (?P<amount>{_MONEY}) is within that: the provider may collect "
            r"it\."
        ),
        N_("The bill of %(amount)s is within that: the provider may collect it."),
    ),
    (
        re.compile(
            rf"The bill of (?P<amount>{_MONEY}) is (?P<excess>{_MONEY}) more than that\. "
            r"Billing a Medi-Cal patient .+"
        ),
        N_(
            "The bill of %(amount)s is %(excess)s more than that. Billing a Medi-Cal patient for "
            "covered services beyond this is balance billing, and it is not allowed (W&I "
            "§14019.4); the provider gets the rest from Medi-Cal (after your private insurance, "
            "if any) or writes it off."
        ),
    ),
    (
        re.compile(
            rf"Your Share of Cost paid or promised to this provider for this visit is "
            rf"(?P<amount>{_MONEY}): the provider may collect it \(22 CCR §50653\)\."
        ),
        N_(
            "Your Share of Cost paid or promised to this provider for this visit is %(amount)s: "
            "the provider may collect it (22 CCR §50653)."
        ),
    ),
    (
        re.compile(
            rf"Your Share of Cost for (?P<month>{_MONTH}) is met, and none of it was "
            r"applied to this provider's visit: Medi-Cal covers it\."
        ),
        N_(
            "Your Share of Cost for %(month)s is met, and none of it was applied to this "
            "provider's visit: Medi-Cal covers it."
        ),
    ),
    (
        re.compile(rf"You had Medi-Cal without a Share of Cost in (?P<month>{_MONTH})\."),
        N_("You had Medi-Cal without a Share of Cost in %(month)s."),
    ),
    (
        re.compile(
            rf"Your Share of Cost for (?P<month>{_MONTH}) \((?P<soc>{_MONEY})\) is not met "
            rf"yet: (?P<remaining>{_MONEY}) remains\..+"
        ),
        N_(
            "Your Share of Cost for %(month)s (%(soc)s) is not met yet: %(remaining)s remains. "
            "What you pay toward it is yours to pay (22 CCR §50653); once it is met, Medi-Cal "
            "covers the whole month from the 1st, and the provider must bill Medi-Cal, not you, "
            "for the rest."
        ),
    ),
    (
        re.compile(rf"(?P<amount>{_MONEY}) of it is already applied to this provider's visit\."),
        N_("%(amount)s of it is already applied to this provider's visit."),
    ),
    (
        re.compile(rf"Medi-Cal copayments: (?P<amount>{_MONEY}) \(none for this service\)\."),
        N_("Medi-Cal copayments: %(amount)s (none for this service)."),
    ),
    (
        re.compile(rf"Medi-Cal copayments: (?P<amount>{_MONEY})\."),
        N_("Medi-Cal copayments: %(amount)s."),
    ),
]


# The savings estimate's sentences (domain/cob/estimate.py) and its providers' "why"
# (docs/web.md, "Languages"). Parts that vary in words, not only in numbers, are captured as a
# clause and translated by CLAUSES below.
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
SENTENCES += [
    (
        re.compile(
            rf"Each visit: (?P<code>\S+), (?P<units>[0-9]+) unit\(s\)\. Your insurance allows "
            rf"(?P<p1>{_MONEY}) × [0-9]+ = (?P<p2>{_MONEY}); Medi-Cal allows (?P<m1>{_MONEY}) × "
            rf"[0-9]+ = (?P<m2>{_MONEY}) \(Medi-Cal fee schedule\)\."
        ),
        N_(
            "Each visit: %(code)s, %(units)s unit(s). Your insurance allows %(p1)s × %(units)s = "
            "%(p2)s; Medi-Cal allows %(m1)s × %(units)s = %(m2)s (Medi-Cal fee schedule)."
        ),
    ),
    (
        re.compile(
            rf"(?P<per_week>[0-9]+) visit\(s\) a week for (?P<weeks>[0-9]+) weeks from "
            rf"(?P<day>{_DATE}): (?P<visits>[0-9]+) visits\."
        ),
        N_("%(per_week)s visit(s) a week for %(weeks)s weeks from %(day)s: %(visits)s visits."),
    ),
    (
        re.compile(
            rf"Your insurance has a (?P<deductible>{_MONEY}) deductible, then (?P<after>.+), up "
            rf"to an out-of-pocket maximum of (?P<maximum>{_MONEY})\."
        ),
        N_(
            "Your insurance has a %(deductible)s deductible, then %(after)s, up to an "
            "out-of-pocket maximum of %(maximum)s."
        ),
    ),
    (
        re.compile(
            r"Without Medi-Cal you pay the deductible first(?P<met> \(met at visit [0-9]+\))?, "
            r"then your copay or coinsurance on every visit(?P<oop>, until the out-of-pocket "
            r"maximum is reached at visit [0-9]+; after that the insurance pays everything)?\. "
            rf"Total: (?P<total>{_MONEY})\."
        ),
        N_(
            "Without Medi-Cal you pay the deductible first%(met)s, then your copay or "
            "coinsurance on every visit%(oop)s. Total: %(total)s."
        ),
    ),
    (
        re.compile(
            r"With Medi-Cal as secondary, at a provider that takes both: after your insurance "
            r"pays, Medi-Cal pays what it left you, up to Medi-Cal's rate: .+ The provider "
            r"writes off the rest and may not bill you for it \(W&I §14019\.4; 22 CCR "
            r"§51002\)\."
        ),
        N_(
            "With Medi-Cal as secondary, at a provider that takes both: after your insurance "
            "pays, Medi-Cal pays what it left you, up to Medi-Cal's rate. The provider writes off "
            "the rest and may not bill you for it (W&I §14019.4; 22 CCR §51002)."
        ),
    ),
    (
        re.compile(
            rf"Your Share of Cost is (?P<soc>{_MONEY}) a month: each month you pay at most that "
            r"\(less when the month's cost sharing is less\); Medi-Cal pays only after it is "
            r"met\. Other medical bills can meet it too, so you may pay less\."
        ),
        N_(
            "Your Share of Cost is %(soc)s a month: each month you pay at most that (less when "
            "the month's cost sharing is less); Medi-Cal pays only after it is met. Other medical "
            "bills can meet it too, so you may pay less."
        ),
    ),
    (
        re.compile(r"You have no Share of Cost: you pay nothing for these visits\."),
        N_("You have no Share of Cost: you pay nothing for these visits."),
    ),
    (
        re.compile(
            rf"(?P<ym>[0-9]{{4}}-[0-9]{{2}}): 1 visit; your insurance leaves (?P<a>{_MONEY}); "
            rf"Medi-Cal pays (?P<b>{_MONEY}); you pay (?P<c>{_MONEY}); the provider writes off "
            rf"(?P<d>{_MONEY})\."
        ),
        N_(
            "%(ym)s: 1 visit; your insurance leaves %(a)s; Medi-Cal pays %(b)s; you pay %(c)s; "
            "the provider writes off %(d)s."
        ),
    ),
    (
        re.compile(
            rf"(?P<ym>[0-9]{{4}}-[0-9]{{2}}): (?P<visits>[0-9]+) visits; your insurance leaves "
            rf"(?P<a>{_MONEY}); Medi-Cal pays (?P<b>{_MONEY}); you pay (?P<c>{_MONEY}); the "
            rf"provider writes off (?P<d>{_MONEY})\."
        ),
        N_(
            "%(ym)s: %(visits)s visits; your insurance leaves %(a)s; Medi-Cal pays %(b)s; you pay "
            "%(c)s; the provider writes off %(d)s."
        ),
    ),
    (
        re.compile(
            rf"In the year: (?P<a>{_MONEY}) without Medi-Cal, (?P<b>{_MONEY}) with it; you save "
            rf"(?P<c>{_MONEY})\."
        ),
        N_("In the year: %(a)s without Medi-Cal, %(b)s with it; you save %(c)s."),
    ),
    (
        re.compile(
            r"The deductible Medi-Cal pays counts toward your insurance's deductible as if you "
            r"had paid it yourself: tell your insurance's coordination-of-benefits department\. "
            r"Make sure the provider has the authorizations both plans need\."
        ),
        N_(
            "The deductible Medi-Cal pays counts toward your insurance's deductible as if you had "
            "paid it yourself: tell your insurance's coordination-of-benefits department. Make "
            "sure the provider has the authorizations both plans need."
        ),
    ),
    (
        re.compile(
            r"Name the providers you are considering to see which take both your insurance and "
            r"your Medi-Cal\."
        ),
        N_(
            "Name the providers you are considering to see which take both your insurance and "
            "your Medi-Cal."
        ),
    ),
    (
        re.compile(r"Providers that take both, where these savings apply: (?P<names>.+)\."),
        N_("Providers that take both, where these savings apply: %(names)s."),
    ),
    (
        re.compile(r"(?P<name>[^:]+): (?P<why>(?:Qualifies:|Takes) .+)"),
        N_("%(name)s: %(why)s"),
    ),
    # A provider's fit (domain/cob/estimate.py, provider_fit).
    (
        re.compile(
            r"Qualifies: (?P<primary>.+?) and (?P<medi>(?:not )?enrolled in .+); it can bill the "
            r"insurance first and Medi-Cal for what is left\."
        ),
        N_(
            "Takes both: %(primary)s and %(medi)s; it can bill your insurance first and Medi-Cal "
            "for what is left."
        ),
    ),
    (
        re.compile(
            r"Takes only the private insurance: (?P<primary>.+?) but (?P<medi>(?:not )?enrolled "
            r"in .+?), so Medi-Cal cannot pay the deductible and copays there and the family may "
            r"owe them\.(?P<plans> It contracts with Medi-Cal plans but does not take straight "
            r"Medi-Cal\.)?"
        ),
        N_(
            "Takes only your private insurance: %(primary)s but %(medi)s, so Medi-Cal cannot pay "
            "the deductible and copays there and you may owe them.%(plans)s"
        ),
    ),
    (
        re.compile(
            r"Takes only Medi-Cal: (?P<medi>(?:not )?enrolled in .+?) but (?P<primary>.+); the "
            r"insurance must be billed first, so this provider does not fit the pattern\."
        ),
        N_(
            "Takes only Medi-Cal: %(medi)s but %(primary)s; your insurance must be billed first, "
            "so this provider does not fit."
        ),
    ),
    (
        re.compile(r"Takes neither: (?P<primary>.+?) and (?P<medi>(?:not )?enrolled in .+)\."),
        N_("Takes neither: %(primary)s and %(medi)s."),
    ),
]

# A captured clause translated on its own: (pattern, template) by the group's name; the first
# that matches the whole clause wins; an empty (absent) clause stays empty.
CLAUSES: dict[str, Sequence[tuple[re.Pattern[str], str | None]]] = {
    "names": [
        (re.compile(r"none of those named"), N_("none of those named")),
        (re.compile(r".+"), None),  # the providers' names, as they are
    ],
    "after": [
        (
            re.compile(rf"a (?P<amount>{_MONEY}) copay per visit"),
            N_("a %(amount)s copay per visit"),
        ),
        (re.compile(r"(?P<pct>[0-9.]+) % coinsurance"), N_("%(pct)s%% coinsurance")),
        (re.compile(r"nothing"), N_("nothing")),
    ],
    "met": [(re.compile(r" \(met at visit (?P<n>[0-9]+)\)"), N_(" (met at visit %(n)s)"))],
    "oop": [
        (
            re.compile(
                r", until the out-of-pocket maximum is reached at visit (?P<n>[0-9]+); after "
                r"that the insurance pays everything"
            ),
            N_(
                ", until the out-of-pocket maximum is reached at visit %(n)s; after that the "
                "insurance pays everything"
            ),
        )
    ],
    "primary": [
        (re.compile(r"in the (?P<n>.+) network"), N_("in the %(n)s network")),
        (re.compile(r"not in the (?P<n>.+) network"), N_("not in the %(n)s network")),
        (
            re.compile(r"not checked against a private insurance \(none on file\)"),
            N_("not checked against a private insurance (none on file)"),
        ),
    ],
    "medi": [
        (
            re.compile(r"enrolled in the member's Medi-Cal plan (?P<plan>.+)"),
            N_("enrolled in your Medi-Cal plan %(plan)s"),
        ),
        (
            re.compile(r"not enrolled in the member's Medi-Cal plan (?P<plan>.+)"),
            N_("not enrolled in your Medi-Cal plan %(plan)s"),
        ),
        (re.compile(r"enrolled in fee-for-service Medi-Cal"), N_("enrolled in regular Medi-Cal")),
        (
            re.compile(r"not enrolled in fee-for-service Medi-Cal"),
            N_("not enrolled in regular Medi-Cal"),
        ),
    ],
    "plans": [
        (
            re.compile(r" It contracts with Medi-Cal plans but does not take straight Medi-Cal\."),
            N_(" It works with Medi-Cal plans but does not take regular Medi-Cal."),
        )
    ],
}


def _clause(name: str, text: str, language: str) -> str | None:
    """A clause in the page's language, or None when no pattern knows it (``why``: a provider's
    fit, a sentence of its own)."""
    if not text:
        return ""
    if name == "why":
        (shown,) = sentences([text], language)
        return None if shown["lang"] else shown["text"]
    for pattern, template in CLAUSES[name]:
        found = pattern.fullmatch(text)
        if found is not None:
            return (
                text
                if template is None
                else i18n.gettext_for(language)(template) % found.groupdict()
            )
    return None


_MONTHS = {name: number for number, name in enumerate(calendar.month_name) if name}


def _month(text: str, language: str) -> str:
    """``November 2026`` (the domain's English month) in the page's language."""
    name, year = text.split(" ")
    number = _MONTHS.get(name)
    return text if number is None else i18n.month_name(f"{year}-{number:02d}", language)


def sentences(lines: Sequence[str], language: str) -> list[dict[str, str | None]]:
    """Each sentence as ``{text, lang}``: translated when a pattern knows it (``lang`` None),
    else the English sentence with ``lang`` ``"en"``."""
    if language == i18n.DEFAULT:  # the domain's own English, word for word
        return [{"text": line, "lang": None} for line in lines]
    gettext: Callable[[str], str] = i18n.gettext_for(language)
    shown: list[dict[str, str | None]] = []
    for line in lines:
        for pattern, template in SENTENCES:
            found = pattern.fullmatch(line)
            if found is None:
                continue
            values = {k: v or "" for k, v in found.groupdict().items()}
            clauses = {
                k: _clause(k, v, language) for k, v in values.items() if k in CLAUSES or k == "why"
            }
            if any(v is None for v in clauses.values()):
                continue  # a clause no pattern knows: the sentence stays English
            values.update({k: v for k, v in clauses.items() if v is not None})
            if "ym" in values:
                values["ym"] = i18n.month_name(values["ym"], language)
            if "month" in values:
                values["month"] = _month(values["month"], language)
            if "day" in values:
                values["day"] = i18n.long_date(date.fromisoformat(values["day"]), language)
            shown.append({"text": gettext(template) % values, "lang": None})
            break
        else:
            shown.append({"text": line, "lang": "en"})
    return shown
