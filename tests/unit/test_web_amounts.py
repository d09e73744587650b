"""Money as people type it on the pages (docs/web.md): read by the page's language, an
ambiguous amount asked back, never guessed. `12,50` once cleared $1,250.00 of a member's SOC."""

from __future__ import annotations

import pytest

from spenddown.domain.errors import InvalidInput
from spenddown.entrypoints.web.forms import money


@pytest.mark.parametrize(
    ("typed", "lang", "dollars"),
    [
        ("12,50", "es", "12.50"),
        ("12,50", "en", "12.50"),  # a comma before two digits can only be cents
        ("54,00", "es", "54.00"),
        ("12.50", "es", "12.50"),
        ("12.5", "en", "12.50"),
        ("$ 1,234.56", "en", "1234.56"),
        ("1.234,56", "es", "1234.56"),
        ("1,234.56", "es", "1234.56"),
        ("1,500", "en", "1500.00"),
        ("1,234,567", "en", "1234567.00"),
        ("1.234.567", "es", "1234567.00"),
        ("US$150", "en", "150.00"),
        (",75", "es", "0.75"),
        ("150", "es", "150.00"),
    ],
)
def test_amounts_read_the_way_the_page_language_writes_them(
    typed: str, lang: str, dollars: str
) -> None:
    parsed = money(typed, "amount", lang=lang)
    assert parsed is not None
    assert str(parsed.amount) == dollars


@pytest.mark.parametrize(
    ("typed", "lang"),
    [
        ("1.500", "es"),  # Spain: fifteen hundred; Mexico: one and a half
        ("1,500", "es"),
        ("1.500", "en"),
        ("12,5,0", "en"),
        ("1.234.56", "es"),
        ("1,23.456", "en"),
        ("1234,567", "en"),
    ],
)
def test_an_amount_that_reads_two_ways_is_asked_back(typed: str, lang: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        money(typed, "amount", lang=lang)
    assert refused.value.code == "AMBIGUOUS_AMOUNT"
    assert "1500 or 12.50" in refused.value.detail


def test_other_text_is_still_refused_as_an_amount() -> None:
    with pytest.raises(InvalidInput) as refused:
        money("twelve", "amount", lang="en")
    assert refused.value.code == "INVALID_AMOUNT"
