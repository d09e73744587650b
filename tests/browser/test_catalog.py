"""The Spanish catalog covers every message of the pages (templates and Python), and compiles."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from spenddown.entrypoints.web import i18n

WEB = Path(i18n.__file__).parent


def test_every_message_has_a_spanish_translation() -> None:
    extracted = {
        message
        for _, _, message, _, _ in extract_from_dir(
            WEB,
            method_map=[("templates/**.html", "jinja2"), ("*.py", "python")],
            keywords={"_": None, "N_": None},
        )
        if isinstance(message, str)
    }
    with (i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    translated = {m.id for m in catalog if m.id and m.string}
    assert len(extracted) > 200
    assert sorted(extracted - translated) == []
    gettext = i18n.gettext_for("es")
    assert gettext("Is this bill allowed?") == "¿Se permite esta factura?"


def test_language_negotiation() -> None:
    assert i18n.negotiate("es-MX,es;q=0.9,en;q=0.8") == "es"
    assert i18n.negotiate("en-US,en;q=0.9,es;q=0.5") == "en"
    assert i18n.negotiate("fr-FR, es;q=0.3") == "es"
    assert i18n.negotiate("") == "en"
    assert i18n.negotiate("es;q=0") == "en"
