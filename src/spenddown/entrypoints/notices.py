"""Notices of action in words: English and Spanish, as a document (JSON), an HTML page and a
PDF (fpdf2). The facts are the domain's (``domain/notices.py``); this module only says them
(docs/rules.md, "Notices of action")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date
from fpdf import FPDF
from jinja2 import Environment

from spenddown.domain.errors import InvalidInput
from spenddown.domain.months import BenefitMonth
from spenddown.domain.notices import Notice

LANGUAGES = ("en", "es")

# Language-help taglines (ACA section 1557, 45 CFR 92.11; DHCS notices carry them in the
# threshold languages). Only Latin-script languages are printed here: the PDF's core font is
# Latin-1 (docs/rules.md, "Notices of action").
TAGLINES = (
    (
        "English",
        "ATTENTION: If you need help in your language, call your county office. Aids and "
        "services for people with disabilities, like documents in braille and large print, are "
        "also available at no cost.",
    ),
    (
        "Español",
        "ATENCIÓN: Si necesita ayuda en su idioma, llame a la oficina de su condado. También "
        "hay ayudas y servicios para personas con discapacidades, como documentos en braille y "
        "con letra grande, sin costo.",
    ),
    (
        "Tagalog",
        "PAUNAWA: Kung kailangan mo ng tulong sa iyong wika, tumawag sa tanggapan ng iyong "
        "county. Mayroon ding mga tulong at serbisyo para sa mga taong may kapansanan, gaya ng "
        "mga dokumento sa braille at malalaking letra, nang walang bayad.",
    ),
)

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Notice of Action: Medi-Cal Share of Cost",
        "header": "Case {case}, budget unit {unit}. Notice {id}, dated {issued}.",
        "what": "What is changing",
        "increase": "Your monthly Share of Cost goes up from ${old} to ${new} starting {month}.",
        "decrease": "Your monthly Share of Cost goes down from ${old} to ${new} starting {month}.",
        "correction": "The county corrected your Share of Cost for {month}: it is ${new}, "
        "not ${old}.",
        "why": "Why",
        "reason": "Reason: {reason}. The change happened on {changed} and was reported on "
        "{reported}.",
        "how": "How it was computed",
        "difference": "New Share of Cost ${new} minus the old ${old}: a change of ${diff} a month.",
        "timely": "You reported the change on time, so the lower Share of Cost counts from the "
        "month of the change.",
        "late": "The change was not reported within 10 days, so it counts from the month after "
        "the report.",
        "excess": "In {month} you paid or owed ${excess} more than your new Share of Cost.",
        "credited": "As you chose, it lowers your Share of Cost of {month} by ${amount}.",
        "corrected": "As you chose, {month} is corrected instead; your medical bills above the "
        "new Share of Cost for that month can be paid by Medi-Cal.",
        "kept": "These months were already met and keep their Share of Cost: {months}.",
        "conlan": "If you paid a provider more than your Share of Cost for {month}, ask that "
        "provider for a refund; if the provider does not pay you back, ask Medi-Cal for "
        "reimbursement (Conlan v. Shewry; the DHCS Beneficiary Reimbursement process).",
        "rules": "The rules",
        "rule": "This action follows {rule}; the notice is required by 22 CCR 50179.",
        "hearing": "Your right to a State Hearing",
        "deadline": "If you disagree, you may ask for a State Hearing within 90 days, by "
        "{deadline} (Welfare and Institutions Code 10951). Ask your county office or the "
        "California Department of Social Services, State Hearings Division.",
        "pending": "If you ask for a hearing before {day}, your Share of Cost stays ${old} "
        "until the hearing decision (aid paid pending).",
        "requested": "A hearing was requested on {day}.",
        "held": "Aid paid pending: the Share of Cost stays ${old} until the decision.",
        "help": "Language help",
    },
    "es": {
        "title": "Aviso de Acción: Parte del Costo de Medi-Cal",
        "header": "Caso {case}, unidad de presupuesto {unit}. Aviso {id}, fecha {issued}.",
        "what": "Qué cambia",
        "increase": "Su Parte del Costo mensual sube de ${old} a ${new} a partir de {month}.",
        "decrease": "Su Parte del Costo mensual baja de ${old} a ${new} a partir de {month}.",
        "correction": "El condado corrigió su Parte del Costo de {month}: es ${new}, no ${old}.",
        "why": "Por qué",
        "reason": "Motivo: {reason}. El cambio ocurrió el {changed} y se informó el {reported}.",
        "how": "Cómo se calculó",
        "difference": "Nueva Parte del Costo ${new} menos la anterior ${old}: un cambio de "
        "${diff} al mes.",
        "timely": "Usted informó el cambio a tiempo: la Parte del Costo más baja cuenta desde "
        "el mes del cambio.",
        "late": "El cambio no se informó dentro de 10 días: cuenta desde el mes siguiente al "
        "informe.",
        "excess": "En {month} usted pagó o debía ${excess} más que su nueva Parte del Costo.",
        "credited": "Como usted eligió, eso baja su Parte del Costo de {month} en ${amount}.",
        "corrected": "Como usted eligió, se corrige {month}; Medi-Cal puede pagar sus cuentas "
        "médicas por encima de la nueva Parte del Costo de ese mes.",
        "kept": "Estos meses ya se cumplieron y conservan su Parte del Costo: {months}.",
        "conlan": "Si pagó a un proveedor más que su Parte del Costo de {month}, pídale un "
        "reembolso; si el proveedor no le devuelve el dinero, pida el reembolso a Medi-Cal "
        "(Conlan v. Shewry; el proceso de Reembolso al Beneficiario de DHCS).",
        "rules": "Las reglas",
        "rule": "Esta acción sigue {rule}; el aviso lo exige 22 CCR 50179.",
        "hearing": "Su derecho a una Audiencia Estatal",
        "deadline": "Si no está de acuerdo, puede pedir una Audiencia Estatal dentro de 90 "
        "días, a más tardar el {deadline} (Código de Bienestar e Instituciones 10951). Pídala "
        "en la oficina de su condado o al Departamento de Servicios Sociales de California, "
        "División de Audiencias Estatales.",
        "pending": "Si pide una audiencia antes del {day}, su Parte del Costo sigue en ${old} "
        "hasta la decisión (ayuda pagada pendiente).",
        "requested": "Se pidió una audiencia el {day}.",
        "held": "Ayuda pagada pendiente: la Parte del Costo sigue en ${old} hasta la decisión.",
        "help": "Ayuda con el idioma",
    },
}


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise InvalidInput(
            "UNSUPPORTED_LANGUAGE", f"lang: {lang!r} is not one of en, es.", field="lang"
        )
    return lang


def _day(value: date | str, lang: str) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, "long", locale=lang)


def _month(value: BenefitMonth | str, lang: str) -> str:
    month = BenefitMonth.parse(value) if isinstance(value, str) else value
    pattern = "MMMM 'de' y" if lang == "es" else "MMMM y"
    return format_date(month.first_day, pattern, locale=lang)


def document(notice: Notice, lang: str, hearing: Any = None) -> tuple[str, list[Section]]:
    """The notice's title and sections in ``lang``."""
    w = _WORDS[check_language(lang)]
    f = notice.facts
    old, new = f["old_amount"], f["new_amount"]
    month = _month(notice.effective_month, lang)
    sections: list[Section] = []
    header = w["header"].format(
        case=notice.case_id,
        unit=notice.budget_unit,
        id=notice.notice_id,
        issued=_day(notice.issued_on, lang),
    )
    what = "correction" if f.get("correction") else f["direction"]
    sections.append(Section(w["what"], (header, w[what].format(old=old, new=new, month=month))))
    why = [
        w["reason"].format(
            reason=f["reason"],
            changed=_day(f["changed_on"], lang),
            reported=_day(f["reported_on"], lang),
        )
    ]
    if f["direction"] == "decrease" and not f.get("correction"):
        why.append(w["timely"] if f.get("timely") else w["late"])
    sections.append(Section(w["why"], tuple(why)))
    how = [
        f"{s['label']}: ${s['amount']}" + (f" ({s['citation']})" if s.get("citation") else "")
        for s in f.get("steps", [])
    ]
    how.append(w["difference"].format(new=new, old=old, diff=f["difference"]))
    if f.get("excess") and f["excess"] != "0.00":
        how.append(w["excess"].format(month=_month(f["changed_on"][:7], lang), excess=f["excess"]))
        credited = f.get("credited") or {}
        for credited_month, amount in credited.items():
            how.append(w["credited"].format(month=_month(credited_month, lang), amount=amount))
        if not credited:
            how.append(w["corrected"].format(month=_month(f["changed_on"][:7], lang)))
            how.append(w["conlan"].format(month=_month(f["changed_on"][:7], lang)))
    if f.get("kept_months"):
        kept = ", ".join(_month(m, lang) for m in f["kept_months"])
        how.append(w["kept"].format(months=kept))
    sections.append(Section(w["how"], tuple(how)))
    sections.append(Section(w["rules"], (w["rule"].format(rule=f["rule"]),)))
    rights = [w["deadline"].format(deadline=_day(notice.hearing_deadline, lang))]
    if notice.aid_paid_pending_until is not None:
        rights.append(
            w["pending"].format(day=_day(notice.effective_month.first_day, lang), old=old)
        )
    if hearing is not None:
        rights.append(w["requested"].format(day=_day(hearing.requested_on, lang)))
        if hearing.aid_paid_pending:
            rights.append(w["held"].format(old=old))
    sections.append(Section(w["hearing"], tuple(rights)))
    sections.append(Section(w["help"], tuple(f"{name}: {text}" for name, text in TAGLINES)))
    return w["title"], sections


def as_json(notice: Notice, lang: str, hearing: Any = None) -> dict[str, Any]:
    title, sections = document(notice, lang, hearing)
    return {
        "notice_id": notice.notice_id,
        "kind": notice.kind,
        "case_id": notice.case_id,
        "budget_unit": notice.budget_unit,
        "change_id": notice.change_id,
        "issued_on": notice.issued_on.isoformat(),
        "effective_month": str(notice.effective_month),
        "hearing_deadline": notice.hearing_deadline.isoformat(),
        "aid_paid_pending_until": (
            None
            if notice.aid_paid_pending_until is None
            else notice.aid_paid_pending_until.isoformat()
        ),
        "hearing": None
        if hearing is None
        else {
            "requested_on": hearing.requested_on.isoformat(),
            "aid_paid_pending": hearing.aid_paid_pending,
        },
        "facts": dict(notice.facts),
        "lang": lang,
        "title": title,
        "sections": [{"heading": s.heading, "paragraphs": list(s.paragraphs)} for s in sections],
    }


_HTML = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;
line-height:1.5;color:#111}h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:1.5rem}
@media print{body{margin:0}}
</style></head>
<body><main><h1>{{ title }}</h1>
{% for section in sections %}<section><h2>{{ section.heading }}</h2>
{% for p in section.paragraphs %}<p>{{ p }}</p>
{% endfor %}</section>
{% endfor %}</main></body></html>
"""
)


def as_html(notice: Notice, lang: str, hearing: Any = None) -> str:
    title, sections = document(notice, lang, hearing)
    return _HTML.render(lang=lang, title=title, sections=sections)


def as_pdf(notice: Notice, lang: str, hearing: Any = None) -> bytes:
    title, sections = document(notice, lang, hearing)
    pdf = FPDF(format="Letter")
    pdf.set_title(title)
    pdf.set_lang(lang)
    pdf.set_creator("spenddown")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10.5)
        for paragraph in section.paragraphs:
            pdf.multi_cell(0, 5.5, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
    return bytes(pdf.output())
