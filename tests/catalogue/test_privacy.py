"""The personal-data check on its own: what each kind finds, and what it leaves alone."""

from __future__ import annotations

import pytest

from app.catalogue import privacy

CASE_ID = "3f1c2c8e-2b6e-4a53-9a59-0d3f4c3e1a11"


def _found(text: str, **terms: list[str]) -> list[tuple[str, str]]:
    return [(f.kind, f.match) for f in privacy.find({"lessons": text}, **terms)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to m.dupont@justice.fr", ("email", "m.dupont@justice.fr")),
        ("call +33 1 23 45 67 89 first", ("phone", "+33 1 23 45 67 89")),
        ("call 0044 20 7946 0958", ("phone", "0044 20 7946 0958")),
        ("call 01 23 45 67 89 first", ("phone", "01 23 45 67 89")),
        ("tel. 555 123 4567", ("phone", "555 123 4567")),
        ("IBAN FR76 3000 6000 0112 3456 7890 189.", ("iban", "FR76 3000 6000 0112 3456 7890 189")),
        ("account DE89370400440532013000", ("iban", "DE89370400440532013000")),
        ("account 1234567890123.", ("account_number", "1234567890123")),
        ("passport no. 12AB34567 was seized", ("passport", "12AB34567")),
        ("his passport X1234567", ("passport", "X1234567")),
        ("born on 12 March 1975", ("date_of_birth", "born on 12 March 1975")),
        ("on 04/05/1980 he", ("date_of_birth", "04/05/1980")),
        ("le 3 février 1990", ("date_of_birth", "3 février 1990")),
        ("on 1990-02-03", ("date_of_birth", "1990-02-03")),
        ("at 12 rue de la Paix", ("address", "12 rue de la Paix")),
        ("at 221B Baker Street", ("address", "221B Baker Street")),
        ("Via Roma 5, Milano", ("address", "Via Roma 5")),
        ("in Hauptstraße 5", ("address", "Hauptstraße 5")),
    ],
)
def test_each_kind_is_found(text: str, expected: tuple[str, str]) -> None:
    assert expected in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Between 2019-2021 the backlog halved; 150 requests in 2020, 30 per cent answered.",
        "Art. 18(13) and art. 16(4) of the Convention; paragraph 9 of article 18.",
        "The treaty of 2003 and the protocol of 12 December 2000 apply.",
        "Send it via Interpol or via the liaison magistrate.",
        "Requests took 8 weeks; 3 of 12 were refused.",
    ],
)
def test_ordinary_practice_text_is_left_alone(text: str) -> None:
    found = _found(text)
    # A full date is worth a look even in a treaty's title; nothing else is flagged here.
    assert all(kind == "date_of_birth" for kind, _ in found), found


def test_names_match_whatever_the_case_and_accents_word_by_word() -> None:
    names = ["José Müller-Ávila", "Acme Trading Ltd"]
    found = _found("MULLER and jose avila met at ACME; ltd and trading firms", names=names)
    assert [m for _, m in found] == ["MULLER", "jose", "avila", "ACME", "trading"]
    assert {k for k, _ in found} == {"case_person"}
    # A part of a word is not the name.
    assert _found("Acmeville", names=names) == []


def test_references_match_whatever_the_separators_and_leading_zeros() -> None:
    refs = ["MLA-2026-000123", "PNF/2026/17", CASE_ID]
    text = (
        "see mla 2026 123, then 2026/000123, PNF 2026-17, "
        f"{CASE_ID.upper()} and {CASE_ID.replace('-', '')}"
    )
    found = _found(text, references=refs)
    assert {k for k, _ in found} == {"case_reference"}
    assert [m for _, m in found] == [
        "mla 2026 123",
        "2026/000123",
        "PNF 2026-17",
        CASE_ID.upper(),
        CASE_ID.replace("-", ""),
    ]
    assert _found("MLA-2026-0001234", references=refs) == [("account_number", "2026-0001234")]


def test_iban_check_digits() -> None:
    assert privacy.iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not privacy.iban_valid("GB83 WEST 1234 5698 7654 32")


def test_flags_group_findings_and_keep_justifications_across_edits() -> None:
    first = privacy.flags_of(privacy.find({"summary": "Rossi, then ROSSI"}, names=["Rossi"]))
    assert len(first) == 1 and first[0]["spans"] == [[0, 5], [12, 17]]
    first[0]["justification"] = "a public company name"
    again = privacy.flags_of(
        privacy.find({"summary": "Later, Rossi again"}, names=["Rossi"]), first
    )
    assert again[0]["id"] == first[0]["id"]
    assert again[0]["justification"] == "a public company name"
    # The same text in another field is another flag, to justify there too.
    other = privacy.flags_of(privacy.find({"lessons": "Rossi"}, names=["Rossi"]), first)
    assert other[0]["justification"] is None
