"""The language-help taglines of a notice of action (docs/rules.md §9.3): every tagline of the
DHCS list in the JSON and on the page (with its language), and printed in the PDF in a font of
its script; a tagline whose font is missing is not printed as empty boxes but replaced by a
line saying where to read it."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader

from spenddown.domain.months import BenefitMonth
from spenddown.domain.notices import Notice
from spenddown.entrypoints import notices
from spenddown.entrypoints.taglines import PHONE, TAGLINES

NOTICE = Notice(
    notice_id="n_1",
    kind="soc_change",
    case_id="C-1001",
    budget_unit="A",
    issued_on=date(2026, 11, 23),
    effective_month=BenefitMonth(2027, 1),
    hearing_deadline=date(2027, 2, 21),
    change_id="chg_1",
    facts={
        "direction": "increase",
        "old_amount": "600.00",
        "new_amount": "700.00",
        "difference": "100.00",
        "changed_on": "2026-11-20",
        "reported_on": "2026-11-23",
        "reason": "Earnings went up",
        "rule": "22 CCR 50653(b)",
    },
)
# Scripts whose glyphs are reordered or joined by shaping: their extracted text is compared
# word by word, not as one string.
SHAPED = {"arabic", "devanagari", "gurmukhi", "khmer", "lao", "thai"}


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\x00", ""))
    return re.sub(r"[\s\u202a\u202c\u200c\u200e]+", "", text)


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_the_list_has_english_and_the_threshold_languages() -> None:
    languages = {t.lang for t in TAGLINES}
    # W&I 14029.92(b): English and the top 15 languages; DHCS' tagline list
    assert {"en", "es", "tl", "vi", "zh-Hant", "ko", "hy", "ru", "fa", "ar", "km", "hmn"} <= (
        languages
    )
    assert len(TAGLINES) >= 16
    assert all(t.text.count(PHONE) == 2 for t in TAGLINES)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_tagline_is_in_the_json_and_on_the_page(lang: str) -> None:
    document = notices.as_json(NOTICE, lang)
    assert [t["text"] for t in document["taglines"]] == [t.text for t in TAGLINES]
    help_section = document["sections"][-1]["paragraphs"]
    assert all(any(t.text in p for p in help_section) for t in TAGLINES)
    page = notices.as_html(NOTICE, lang)
    for tagline in TAGLINES:
        marked = f'<span lang="{tagline.lang}"' + (' dir="rtl"' if tagline.rtl else "")
        assert f"{marked}>{tagline.text}</span>" in page, tagline.lang


def test_every_tagline_is_printed_in_the_pdf() -> None:
    missing = [t.lang for t, family in notices.printable_taglines() if family is None]
    assert missing == [], f"fonts missing for {missing}: run scripts/ensure-fonts"
    text = _pdf_text(notices.as_pdf(NOTICE, "es"))
    plain = _plain(text)
    assert "no font to print it" not in text
    for tagline in TAGLINES:
        if tagline.script in SHAPED:
            words = [w for w in tagline.text.split() if len(w) > 3 and PHONE not in w]
            found = [w for w in words if _plain(w) in plain]
            assert len(found) >= len(words) // 2, (tagline.lang, found, words)
        else:
            assert _plain(tagline.text) in plain, tagline.lang
    assert plain.count(_plain("1-800-541-5555")) == 2 * len(TAGLINES)


def test_a_tagline_without_its_font_says_where_to_read_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = notices.find_font

    def without_khmer(name: str) -> object:
        return None if "Khmer" in name else real(name)

    monkeypatch.setattr(notices, "find_font", without_khmer)
    text = _pdf_text(notices.as_pdf(NOTICE, "en"))
    assert "Cambodian: this tagline is in the notice's web page and JSON" in text
    khmer = next(t for t in TAGLINES if t.script == "khmer")
    assert _plain(khmer.text)[:20] not in _plain(text)
