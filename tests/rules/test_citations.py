"""Every citation points inside the repository (issue 15; docs/architecture.md "Tests that mean
something"): a cited document (``docs/X.md``, a Markdown link) exists, a cited section
(``docs/rules.md §5.6``) is a numbered heading of that document, and no design document outside
the repository (the design's ``rules.md``, ``interfaces.md``, ``engineering.md``, ``system.md``)
is cited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("src", "tests", "bench", "docs", "README.md")
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".html", ".json", ".txt", ".toml", ".cfg", ".j2"}
THIS = Path(__file__).resolve()

# docs/X.md (or docs/adr/X.md), not part of a longer path or name.
DOCUMENT = re.compile(r"(?<![\w/.-])docs/([\w./-]+?\.md)\b")
# Sections following a citation: "§3", "§ 3.2", "§3, §4 and §1.8", "§5–6".
FIRST_SECTION = re.compile(r"\s*§\s*(\d+(?:\.\d+)*)")
NEXT_SECTION = re.compile(
    r"(?:\s*(?:,|;|/|\band\b|\bor\b)\s*|\s+)§\s*(\d+(?:\.\d+)*)|[–-]\s*§?\s*(\d+(?:\.\d+)*)"
)
# A section cited after a bare document name: only docs/X.md is a stable citation.
BARE_SECTION = re.compile(r"(?<![\w/.-])([\w-]+\.md)\s*§")
# The design documents (outside the repository), by name or by path.
DESIGN = re.compile(r"(?<![\w/.-])(?:interfaces|engineering|system|rules)\.md\b|shared/design\b")
# A relative Markdown link to a document: [text](adr/0002-x.md#part).
LINK = re.compile(r"\]\((?!https?:|mailto:)([^)\s#]+\.md)(?:#[^)]*)?\)")
HEADING = re.compile(r"^#{1,6}\s*§\s*(\d+(?:\.\d+)*)\b", re.M)


def scanned_files() -> Iterator[Path]:
    for name in SCANNED:
        path = ROOT / name
        if path.is_file():
            yield path
            continue
        for file in sorted(path.rglob("*")):
            if (
                file.is_file()
                and file.suffix in SUFFIXES
                and file.resolve() != THIS
                and "__pycache__" not in file.parts
                and file.stat().st_size < 2_000_000
            ):
                yield file


@cache
def sections(document: Path) -> frozenset[str]:
    return frozenset(HEADING.findall(document.read_text(encoding="utf-8")))


def cited_sections(text: str, end: int) -> list[str]:
    found = FIRST_SECTION.match(text, end)
    if found is None:
        return []
    numbers = [found.group(1)]
    position = found.end()
    while (more := NEXT_SECTION.match(text, position)) is not None:
        if more.group(1) is not None:
            numbers.append(more.group(1))
        else:  # "§5–6": both ends
            numbers.append(more.group(2))
        position = more.end()
    return numbers


def problems(file: Path, text: str) -> list[str]:
    where = file.relative_to(ROOT)
    found: list[str] = []

    def line(position: int) -> str:
        return f"{where}:{text.count(chr(10), 0, position) + 1}"

    for match in DOCUMENT.finditer(text):
        document = ROOT / "docs" / match.group(1)
        if not document.is_file():
            found.append(f"{line(match.start())}: docs/{match.group(1)} does not exist")
            continue
        for number in cited_sections(text, match.end()):
            if number not in sections(document):
                found.append(f"{line(match.start())}: docs/{match.group(1)} has no §{number}")
    for match in BARE_SECTION.finditer(text):
        found.append(f"{line(match.start())}: cite a section as docs/{match.group(1)} §N")
    for match in DESIGN.finditer(text):
        found.append(
            f"{line(match.start())}: {match.group(0)} is a design document outside the repository"
        )
    if file.suffix == ".md":
        for match in LINK.finditer(text):
            target = (file.parent / match.group(1)).resolve()
            if not target.is_file():
                found.append(f"{line(match.start())}: the link {match.group(1)} leads nowhere")
    return found


def test_every_citation_in_the_repository_points_inside_it() -> None:
    files = list(scanned_files())
    assert len(files) > 100, "the scan found almost no files: wrong root?"
    found = [p for file in files for p in problems(file, file.read_text(encoding="utf-8"))]
    assert found == [], "\n".join(found)


def test_the_rule_sections_cited_by_the_code_are_headings_of_docs_rules_md() -> None:
    numbered = sections(ROOT / "docs" / "rules.md")
    for number in ("1", "1.3", "1.8", "2", "3", "4", "5", "5.6", "5.9", "6", "7", "8"):
        assert number in numbered


FAKE = Path("src/example.py")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see docs/rules.md §5.6 and docs/api.md", []),
        ("(docs/rules.md §3, §4, §1.8)", []),
        ("docs/rules.md §5–6", []),
        ("see docs/rules.md §5.42", ["docs/rules.md has no §5.42"]),
        ("(docs/rules.md §3, §77)", ["docs/rules.md has no §77"]),
        ("docs/rules.md §5–12", ["docs/rules.md has no §12"]),
        ("docs/rules.md §1.9–§1.42", ["docs/rules.md has no §1.42"]),
        ("see docs/nowhere.md", ["docs/nowhere.md does not exist"]),
        ("as rules.md §5.6 says", ["cite a section as docs/rules.md §N", "rules.md is a design"]),
        ("interfaces.md: the family's view", ["interfaces.md is a design document"]),
        ("the design's engineering.md", ["engineering.md is a design document"]),
        ("../shared/design/system.md", ["shared/design is a design document"]),
    ],
)
def test_the_check_finds_what_it_should(text: str, expected: list[str]) -> None:
    found = problems(ROOT / FAKE, text)
    assert len(found) == len(expected), found
    for problem, words in zip(found, expected, strict=True):
        assert problem.startswith(f"{FAKE}:1: ")
        assert words in problem


def test_a_markdown_link_to_a_missing_document_is_found() -> None:
    page = ROOT / "docs" / "example.md"
    assert problems(page, "[the FHIR release](adr/0002-fhir-release.md)") == []
    found = problems(page, "[gone](adr/9999-gone.md#part)")
    assert found == ["docs/example.md:1: the link adr/9999-gone.md leads nowhere"]
