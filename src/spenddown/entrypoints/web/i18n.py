"""English and Spanish with gettext: the Spanish catalog (``locale/es/LC_MESSAGES/messages.po``)
is compiled in memory at start-up with Babel, so no build step is needed.

The language is the one the visitor chose with the switch (kept in the session), else the
browser's ``Accept-Language``, else English."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "es")
DEFAULT = "en"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a string for translation where it is defined; it is translated when shown."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language`` (English: the messages themselves)."""
    if language == DEFAULT:
        return gettext.NullTranslations()
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def negotiate(accept_language: str) -> str:
    """The best of our languages for an ``Accept-Language`` header (quality values honoured)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT


def gettext_for(language: str) -> Callable[[str], str]:
    return translations(language).gettext


def long_date(value: date | str | None, language: str) -> str:
    """``November 3, 2026`` / ``3 de noviembre de 2026``."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, format="long", locale=Locale.parse(_babel_locale(language)))


def month_name(value: str, language: str) -> str:
    """``2026-11`` → ``November 2026`` / ``noviembre de 2026`` (as the notices write it)."""
    year, month = (int(p) for p in value.split("-"))
    pattern = "MMMM 'de' y" if language == "es" else "LLLL y"
    return format_date(
        date(year, month, 1), format=pattern, locale=Locale.parse(_babel_locale(language))
    )


def _babel_locale(language: str) -> str:
    return {"en": "en_US", "es": "es_US"}.get(language, "en_US")
