"""The savings estimate's sentences and the providers' reasons in Spanish (docs/web.md,
"Languages"): each known sentence translated with its amounts, months and clauses; an unknown
one, or one with a clause no pattern knows, stays English and is marked so."""

from __future__ import annotations

from spenddown.entrypoints.web import explain, i18n


def es(line: str) -> dict[str, str | None]:
    (shown,) = explain.sentences([line], "es")
    return shown


def test_the_estimates_sentences_are_translated_with_their_clauses() -> None:
    assert es(
        "Your insurance has a $1,500.00 deductible, then a $30.00 copay per visit, up to an "
        "out-of-pocket maximum of $6,000.00."
    ) == {
        "text": "Su seguro tiene un deducible de $1,500.00, después un copago de $30.00 por "
        "visita, hasta un máximo de gastos de bolsillo de $6,000.00.",
        "lang": None,
    }
    assert es(
        "Your insurance has a $500.00 deductible, then 20 % coinsurance, up to an "
        "out-of-pocket maximum of $3,000.00."
    )["text"] == (
        "Su seguro tiene un deducible de $500.00, después un coseguro del 20%, hasta un máximo "
        "de gastos de bolsillo de $3,000.00."
    )
    assert es(
        "Without Medi-Cal you pay the deductible first (met at visit 13), then your copay or "
        "coinsurance on every visit. Total: $6,000.00."
    )["text"] == (
        "Sin Medi-Cal usted paga primero el deducible (cubierto en la visita 13), y después su "
        "copago o coseguro en cada visita. Total: $6,000.00."
    )
    month = es(
        "2026-12: 1 visit; your insurance leaves $30.00; Medi-Cal pays $30.00; you pay $0.00; "
        "the provider writes off $0.00."
    )
    december = i18n.month_name("2026-12", "es")  # the month written the Spanish way
    assert str(month["text"]).startswith(f"{december}: 1 visita;")
    assert "2026-12" not in str(month["text"])
    assert es("4 visit(s) a week for 52 weeks from 2026-12-07: 208 visits.")["text"] == (
        "4 visita(s) por semana durante 52 semanas desde el 7 de diciembre de 2026: 208 visitas."
    )


def test_a_providers_reason_is_translated_inside_its_line() -> None:
    line = (
        "Bright Steps ABA Therapy: Takes only the private insurance: in the BLUE-SHIELD-PPO "
        "network but not enrolled in the member's Medi-Cal plan HN, so Medi-Cal cannot pay the "
        "deductible and copays there and the family may owe them."
    )
    assert es(line)["text"] == (
        "Bright Steps ABA Therapy: Acepta solo su seguro privado: en la red BLUE-SHIELD-PPO "
        "pero no inscrito en su plan de Medi-Cal HN, así que Medi-Cal no puede pagar allí el "
        "deducible ni los copagos y usted podría deberlos."
    )
    assert es("Providers that take both, where these savings apply: none of those named.")[
        "text"
    ] == (
        "Proveedores que aceptan los dos, con los que se aplican estos ahorros: ninguno de los "
        "indicados."
    )


def test_an_unknown_clause_or_sentence_stays_english() -> None:
    odd = (
        "Your insurance has a $500.00 deductible, then a surprise, up to an out-of-pocket "
        "maximum of $3,000.00."
    )
    assert es(odd) == {"text": odd, "lang": "en"}
    assert es("A sentence the domain added later.")["lang"] == "en"
    # English pages show the domain's words as they are.
    assert explain.sentences([odd], "en") == [{"text": odd, "lang": None}]
