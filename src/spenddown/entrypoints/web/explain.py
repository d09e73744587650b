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
SENTENCES: Sequence[tuple[re.Pattern[str], str]] = [
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
            if "month" in values:
                values["month"] = _month(values["month"], language)
            if "day" in values:
                values["day"] = i18n.long_date(date.fromisoformat(values["day"]), language)
            shown.append({"text": gettext(template) % values, "lang": None})
            break
        else:
            shown.append({"text": line, "lang": "en"})
    return shown
