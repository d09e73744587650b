"""Notices of action in words: English and Spanish, as a document (JSON), an HTML page and a
PDF (fpdf2). The facts are the domain's (``domain/notices.py``); this module only says them
(docs/rules.md, "Notices of action")."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from fpdf import FPDF
from jinja2 import Environment

from spenddown.domain.errors import InvalidInput
from spenddown.domain.months import BenefitMonth
from spenddown.domain.notices import Notice
from spenddown.entrypoints.taglines import PHONE, TAGLINES, Tagline

LANGUAGES = ("en", "es")

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
    sections.append(Section(w["help"], tuple(f"{t.language}: {t.text}" for t in TAGLINES)))
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
        # The language-help taglines, each in its language (docs/rules.md §9.3)
        "taglines": [{"lang": t.lang, "language": t.language, "text": t.text} for t in TAGLINES],
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
{% if loop.last %}{% for t in taglines %}<p class="tagline"><span lang="en">{{ t.language }}:</span>
<span lang="{{ t.lang }}"{% if t.rtl %} dir="rtl"{% endif %}>{{ t.text }}</span></p>
{% endfor %}{% else %}{% for p in section.paragraphs %}<p>{{ p }}</p>
{% endfor %}{% endif %}</section>
{% endfor %}</main></body></html>
"""
)


def as_html(notice: Notice, lang: str, hearing: Any = None) -> str:
    title, sections = document(notice, lang, hearing)
    return _HTML.render(lang=lang, title=title, sections=sections, taglines=TAGLINES)


# --- PDF ---------------------------------------------------------------------------------------
# Unicode fonts (scripts/ensure-fonts installs Debian's packages): the body in DejaVu Sans, each
# tagline in a font of its script, shaped by HarfBuzz (uharfbuzz) where the script needs it.
FONT_DIRS = ("/usr/share/fonts",)
BODY_FONTS = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# script → (file, index in a TrueType collection, HarfBuzz script tag or None: no shaping)
SCRIPT_FONTS: dict[str, tuple[str, int, str | None]] = {
    "latin": ("DejaVuSans.ttf", 0, None),
    "cyrillic": ("DejaVuSans.ttf", 0, None),
    "armenian": ("DejaVuSans.ttf", 0, None),
    "arabic": ("NotoSansArabic-Regular.ttf", 0, "arab"),
    "devanagari": ("NotoSansDevanagari-Regular.ttf", 0, "deva"),
    "gurmukhi": ("NotoSansGurmukhi-Regular.ttf", 0, "guru"),
    "khmer": ("NotoSansKhmer-Regular.ttf", 0, "khmr"),
    "lao": ("NotoSansLao-Regular.ttf", 0, "lao"),
    "thai": ("NotoSansThai-Regular.ttf", 0, "thai"),
    # Noto Sans CJK Regular.ttc: 0 Japanese, 1 Korean, 2 Simplified, 3 Traditional Chinese
    "japanese": ("NotoSansCJK-Regular.ttc", 0, None),
    "hangul": ("NotoSansCJK-Regular.ttc", 1, None),
    "han-hans": ("NotoSansCJK-Regular.ttc", 2, None),
    "han-hant": ("NotoSansCJK-Regular.ttc", 3, None),
}
MISSING_FONT = (
    "{language}: this tagline is in the notice's web page and JSON (no font to print it)."
)


@cache
def find_font(name: str) -> Path | None:
    """A font file by name under ``SPENDDOWN_FONT_DIR`` or the system's font directories."""
    extra = os.environ.get("SPENDDOWN_FONT_DIR")
    for directory in ((extra,) if extra else ()) + FONT_DIRS:
        found = sorted(Path(directory).rglob(name))
        if found:
            return found[0]
    return None


@cache
def _tagline_font(file: str, index: int) -> Path:
    """The font a tagline script prints in, cut down to the characters the taglines use (their
    texts never change): loading and subsetting the whole Noto Sans CJK collection for every
    notice made a PDF take seconds. The cut-down font is kept in a cache directory
    (``SPENDDOWN_FONT_CACHE``, else ``~/.cache/spenddown/fonts``, else a temporary one), named
    by what it was made from, so it is made once per machine. The layout tables are kept
    whole: HarfBuzz shapes the cut-down font as it shapes the original."""
    source = find_font(file)
    if source is None:  # pragma: no cover - printable_taglines checks first
        raise FileNotFoundError(file)
    characters = sorted({ord(c) for t in TAGLINES for c in t.text} | set(range(0x20, 0x7F)))
    stat = source.stat()
    key = hashlib.sha256(
        f"{FONT_RECIPE}|{source}|{stat.st_size}|{stat.st_mtime_ns}|{index}|{characters}".encode()
    ).hexdigest()[:16]
    target = _font_cache() / f"{source.stem}-{index}-{key}.ttf"
    if target.is_file():
        return target
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    font = TTFont(source, fontNumber=index, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters)
    subsetter.subset(font)
    if "CFF " in font:
        _cff_to_truetype(font)  # fpdf2 re-subsets it for every PDF: quadratic outlines are cheap
    partial = target.with_suffix(f".{os.getpid()}.part")
    font.save(partial)
    partial.replace(target)  # atomic: another process never reads half a font
    return target


FONT_RECIPE = "1"  # change it when the way fonts are cut changes: the cache is made again
_TEMPORARY = tempfile.TemporaryDirectory(prefix="spenddown-fonts-")


@cache
def _font_cache() -> Path:
    configured = os.environ.get("SPENDDOWN_FONT_CACHE")
    for candidate in (
        Path(configured) if configured else None,
        Path.home() / ".cache" / "spenddown" / "fonts",
    ):
        if candidate is None:
            continue
        try:
            candidate.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(candidate, os.W_OK):
            return candidate
    return Path(_TEMPORARY.name)


def _cff_to_truetype(font: TTFont) -> None:
    """Turn a (cut-down) CFF font into TrueType outlines, in place (fontTools' otf2ttf recipe:
    cubic curves approximated by quadratic ones within 1 unit)."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attribute in [
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ]:
        setattr(maxp, attribute, 1 if attribute == "maxZones" else 0)
    maxp.numGlyphs = len(glyph_order)
    font["head"].indexToLocFormat = 0
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 2.0
    font["post"].extraNames = []
    font["post"].mapping = {}
    font["post"].glyphOrder = None
    font.sfntVersion = "\x00\x01\x00\x00"
    font.recalcBBoxes = True


def _shaping_available() -> bool:
    """fpdf2 shapes text with HarfBuzz (``uharfbuzz``, a dependency)."""
    return importlib.util.find_spec("uharfbuzz") is not None


def printable_taglines() -> list[tuple[Tagline, str | None]]:
    """Each tagline with the PDF font family it prints in, or None when it cannot be printed
    correctly (its font is missing, or its script needs shaping and HarfBuzz is missing)."""
    found = []
    for tagline in TAGLINES:
        file, index, shaping = SCRIPT_FONTS[tagline.script]
        usable = find_font(file) is not None and (shaping is None or _shaping_available())
        family = f"{Path(file).stem.lower()}-{index}"
        found.append((tagline, family if usable else None))
    return found


def as_pdf(notice: Notice, lang: str, hearing: Any = None) -> bytes:
    title, sections = document(notice, lang, hearing)
    pdf = FPDF(format="Letter")
    pdf.set_title(title)
    pdf.set_lang(lang)
    pdf.set_creator("spenddown")
    regular, bold = find_font(BODY_FONTS[""]), find_font(BODY_FONTS["B"])
    body = "Helvetica"  # Latin-1 only: enough for the English and Spanish body
    if regular is not None and bold is not None:
        pdf.add_font("body", "", regular)
        pdf.add_font("body", "B", bold)
        body = "body"
    taglines = printable_taglines()
    added: set[str] = set()
    for tagline, family in taglines:
        if family is None or family in added:
            continue
        file, index, _ = SCRIPT_FONTS[tagline.script]
        pdf.add_font(family, "", _tagline_font(file, index))
        added.add(family)
    if body == "body":
        pdf.set_fallback_fonts(["body"])  # digits and Latin letters inside other scripts
    pdf.add_page()
    pdf.set_font(body, "B", 15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    for number, section in enumerate(sections):
        pdf.ln(3)
        pdf.set_font(body, "B", 12)
        pdf.multi_cell(0, 7, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(body, "", 10.5)
        if number == len(sections) - 1:
            _print_taglines(pdf, body, taglines)
            continue
        for paragraph in section.paragraphs:
            pdf.multi_cell(0, 5.5, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
    return bytes(pdf.output())


def _print_taglines(pdf: FPDF, body: str, taglines: list[tuple[Tagline, str | None]]) -> None:
    for tagline, family in taglines:
        pdf.set_font(body, "B", 9)
        name = tagline.language.split(" (")[0]  # in English: the body font has no CJK
        if family is None:
            pdf.set_font(body, "", 9)
            text = MISSING_FONT.format(language=tagline.language.split(" (")[0])
            pdf.multi_cell(0, 4.5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
            continue
        pdf.multi_cell(0, 4.5, name, new_x="LMARGIN", new_y="NEXT")
        shaping = SCRIPT_FONTS[tagline.script][2]
        if shaping is not None:
            pdf.set_text_shaping(
                True,
                direction="rtl" if tagline.rtl else "ltr",
                script=shaping,
                language=tagline.lang,
            )
        pdf.set_font(family, "", 9.5)
        align = "R" if tagline.rtl else "L"
        text = tagline.text
        if tagline.rtl:
            # fpdf2's bidi reverses the groups of "1-800-541-5555" inside right-to-left text;
            # a left-to-right embedding keeps the number as it is written.
            text = text.replace(PHONE, f"\u202a{PHONE}\u202c")
        pdf.multi_cell(0, 5, text, align=align, new_x="LMARGIN", new_y="NEXT")
        if shaping is not None:
            pdf.set_text_shaping(False)
        pdf.ln(1)
