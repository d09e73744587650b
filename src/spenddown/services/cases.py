"""The county's reads of a case (docs/web.md, "County pages"): find a case by its ID, by a
member's ID (CIN), or by a member's name and date of birth; see the case (its budget units and
members, each month's Share of Cost and the ledger's entries) before acting on it.

Names and birth dates are compared here and never logged or put in an error's detail."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from spenddown.domain.eligibility.model import Member
from spenddown.domain.errors import InvalidInput, NotFound
from spenddown.domain.identifiers import MemberId
from spenddown.domain.money import Money
from spenddown.domain.share_of_cost.ledger import EntryKind, LedgerEntry, Obligation
from spenddown.services.ports import Repository, UnitOfWork

MAX_MATCHES = 50
MIN_PREFIX = 3  # a case ID's beginning ("C-19") lists the cases that start with it


@dataclass(frozen=True, slots=True)
class CaseMember:
    cin: str
    first_name: str
    last_name: str
    birth_date: date | None
    role: str  # eligible | IE | RR


@dataclass(frozen=True, slots=True)
class CaseUnit:
    budget_unit: str
    members: tuple[CaseMember, ...]


@dataclass(frozen=True, slots=True)
class CaseMatch:
    """One case found: enough to tell several apart in a results list."""

    case_id: str
    county_code: str
    units: tuple[CaseUnit, ...]
    matched: tuple[str, ...]  # the CINs that matched the search (none for a case ID)


@dataclass(frozen=True, slots=True)
class CaseEntry:
    """A ledger entry as the county reads it: who, when, how much, and whether it still counts."""

    entry_id: str
    kind: EntryKind
    created_at: datetime
    applied: Money
    provider_name: str | None  # a clearance's provider by name, or a receipt's
    service_date: date | None  # a clearance's date of service, a receipt's bill date
    charge: Money | None
    payment: str | None
    reversed: bool  # a clearance undone by a reversal entry
    reverses: str | None


@dataclass(frozen=True, slots=True)
class CaseMonth:
    obligation: Obligation
    entries: tuple[CaseEntry, ...]


@dataclass(frozen=True, slots=True)
class CaseView:
    case_id: str
    county_code: str
    units: tuple[CaseUnit, ...]
    months: tuple[CaseMonth, ...]  # newest month first, then budget unit and program


def folded(text: str) -> list[str]:
    """The words of a name compared without case or accents: ``María  GARCÍA-López`` →
    ``["maria", "garcia", "lopez"]``."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return [word for word in re.split(r"[^0-9a-z]+", plain, flags=re.ASCII) if word]


def name_matches(typed: str, member: Member) -> bool:
    """Every word typed is one of the member's first or last name words (``garcia``,
    ``maria garcia``, ``Garcia, María`` all find María García)."""
    wanted = folded(typed)
    have = set(folded(f"{member.first_name} {member.last_name}"))
    return bool(wanted) and all(word in have for word in wanted)


def find_cases(
    uow: UnitOfWork,
    *,
    key: str = "",
    member_id: MemberId | None = None,
    name: str = "",
    birth_date: date | None = None,
) -> list[CaseMatch]:
    """The cases that match: ``key`` as a case ID (or the beginning of case IDs, at least
    three characters, when no case has it exactly), ``member_id`` (the cases the member is on),
    or ``name`` with ``birth_date`` (both needed: a name alone finds too many people). An empty
    list when nothing matches."""
    if name.strip() and birth_date is None:
        raise InvalidInput(
            "BIRTH_DATE_REQUIRED", "birth_date: needed with a name.", field="birth_date"
        )
    if birth_date is not None and not folded(name):
        raise InvalidInput("NAME_REQUIRED", "name: needed with a date of birth.", field="name")
    if not key.strip() and member_id is None and birth_date is None:
        raise InvalidInput("SEARCH_EMPTY", "key: enter what to search for.", field="key")
    with uow:
        repo = uow.repo
        found: dict[str, set[str]] = {}
        typed = key.strip()
        if typed and repo.case_exists(typed):
            found.setdefault(typed, set())
        elif len(typed) >= MIN_PREFIX and member_id is None:
            for case_id in repo.case_ids_starting(typed, MAX_MATCHES):
                found.setdefault(case_id, set())
        cins: list[str] = []
        if member_id is not None:
            cins.append(member_id.cin)
        if birth_date is not None:
            cins += [m.cin for m in repo.members_born_on(birth_date) if name_matches(name, m)]
        for cin in cins:
            for membership in repo.memberships_of(cin):
                found.setdefault(membership.case_id, set()).add(cin)
        return [
            CaseMatch(
                case_id, repo.case_county(case_id) or "", _units(repo, case_id), tuple(sorted(who))
            )
            for case_id, who in sorted(found.items())[:MAX_MATCHES]
        ]


def _units(repo: Repository, case_id: str) -> tuple[CaseUnit, ...]:
    units = []
    people: dict[str, Member | None] = {}
    for _, unit in sorted(repo.existing_budget_units({case_id})):
        members = []
        for membership in repo.members_of_budget_unit(case_id, unit):
            if membership.cin not in people:
                people[membership.cin] = repo.get_member(membership.cin)
            person = people[membership.cin]
            members.append(
                CaseMember(
                    membership.cin,
                    person.first_name if person else "",
                    person.last_name if person else "",
                    person.birth_date if person else None,
                    str(membership.role),
                )
            )
        units.append(CaseUnit(unit, tuple(members)))
    return tuple(units)


def case_view(case_id: str, uow: UnitOfWork) -> CaseView:
    """A case as the county sees it before acting: units and members, every month's Share of
    Cost (amount, remaining, certified) and its ledger entries with provider names."""
    with uow:
        repo = uow.repo
        county = repo.case_county(case_id)
        if county is None:
            raise NotFound("CASE_NOT_FOUND", "No case with this ID.", field="case_id")
        obligations = sorted(
            repo.obligations_of_cases({case_id}),
            key=lambda o: (o.key.budget_unit, str(o.key.program) != "medi-cal"),
        )
        obligations.sort(key=lambda o: str(o.key.month), reverse=True)  # stable: newest first
        names: dict[str, str] = {}
        months = []
        for obligation in obligations:
            entries = repo.entries_of(obligation.key)
            months.append(CaseMonth(obligation, tuple(_entries(repo, entries, names))))
        return CaseView(case_id, county, _units(repo, case_id), tuple(months))


def _entries(
    repo: Repository, entries: list[LedgerEntry], names: dict[str, str]
) -> list[CaseEntry]:
    reversed_ids = {e.reverses for e in entries if e.kind is EntryKind.REVERSAL}
    by_id = {e.entry_id: e for e in entries}
    shown = []
    for entry in entries:
        npi = entry.provider_npi
        if entry.kind is EntryKind.REVERSAL and entry.reverses in by_id:
            npi = npi or by_id[entry.reverses].provider_npi
        name = entry.provider_name
        if name is None and npi is not None:
            if npi not in names:
                provider = repo.get_provider(npi)
                names[npi] = provider.name if provider else npi
            name = names[npi]
        shown.append(
            CaseEntry(
                entry_id=entry.entry_id,
                kind=entry.kind,
                created_at=entry.created_at,
                applied=entry.applied,
                provider_name=name,
                service_date=entry.service_date,
                charge=entry.service_charge,
                payment=None if entry.payment is None else str(entry.payment),
                reversed=entry.entry_id in reversed_ids,
                reverses=entry.reverses,
            )
        )
    return shown
