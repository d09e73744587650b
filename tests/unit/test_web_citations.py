"""The remittance page drops the docs section an adjudication's explanation ends with
(``(docs/rules.md §5.6)``: for API clients), and keeps the law it cites."""

from __future__ import annotations

from spenddown.entrypoints.web.app import without_design_citations


def test_the_pages_drop_the_docs_section_of_an_explanation() -> None:
    text = "Line 1: ... pays the lesser of $20.00 and $95.00 − $80.00: $15.00 (docs/rules.md §5.6)."
    assert (
        without_design_citations(text)
        == "Line 1: ... pays the lesser of $20.00 and $95.00 − $80.00: $15.00."
    )
    law = "The provider may not bill you for it (W&I §14019.4; 22 CCR §51002)."
    assert without_design_citations(law) == law
