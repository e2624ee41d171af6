"""The personal-data check of an entry: what must be fixed or justified before it is submitted.

Two sources of findings:
- the case's own terms, which only the case knows: the names of its persons and parties, and
  what identifies it (its reference, the two sides' national references, its id). Names are
  matched word by word, whatever the case and accents (`Müller` finds `MULLER`); references
  whatever the separators and leading zeros (`MLA-2026-000123` finds `MLA 2026 123`);
- patterns of personal data in any text: e-mail addresses, telephone numbers, IBANs (checked
  with their mod-97 digits) and other account numbers, passport numbers, full dates (a date of
  birth, or a date that pins the case down) and street addresses.

Why patterns and not a trained detector: the findings that matter most are the case's own
names and references, which no general detector knows and which are matched exactly here;
the rest has well-defined shapes. Microsoft Presidio would add named-entity recognition for
names not in the case, but it needs spaCy language models downloaded from a model hub at
install time (not possible on these machines), is tuned for English while the network writes
in many languages, and its other recognisers are regular expressions of the same kind. A
reviewer (the other side's focal point, then a moderator) reads every entry before it is
published; this check makes sure the known risks are looked at first.

Findings are grouped by (kind, field, matched text): one justification covers every place the
same text appears in a field, and survives edits that leave that text as it was.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Short words of names that are not names on their own (particles, legal forms).
_NAME_STOPWORDS = frozenset(
    {
        "al", "ap", "bin", "bint", "da", "das", "de", "del", "della", "der", "di", "dos", "du",
        "el", "la", "le", "van", "von", "ten", "ter", "y", "mr", "mrs", "ms", "dr",
        "ltd", "llc", "inc", "plc", "sa", "sas", "sarl", "srl", "spa", "gmbh", "ag", "bv", "nv",
        "co", "corp", "company", "limited", "the", "and",
    }
)  # fmt: skip
_MIN_NAME_PART = 3

MESSAGES = {
    "case_reference": "identifies the case (its reference or id): remove it",
    "case_person": "the name of a person or party in the case",
    "email": "an e-mail address",
    "phone": "a telephone number",
    "iban": "an IBAN (bank account)",
    "account_number": "an account or other long identifying number",
    "passport": "a passport or identity document number",
    "date_of_birth": "a full date: a date of birth, or a date that identifies the case",
    "address": "a street address",
}

_CASE_KINDS = frozenset({"case_reference", "case_person"})
# Earlier kinds win where findings of one source overlap.
_PRIORITY = (
    "case_reference",
    "case_person",
    "email",
    "iban",
    "date_of_birth",
    "phone",
    "passport",
    "account_number",
    "address",
)


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    field: str
    start: int
    end: int
    match: str


def _fold(text: str) -> tuple[str, list[int]]:
    """`text` without accents, case-folded, with the index in `text` of each character."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for part in unicodedata.normalize("NFKD", ch):
            if unicodedata.combining(part):
                continue
            for folded in part.casefold():
                chars.append(folded)
                index.append(i)
    return "".join(chars), index


def _fold_term(term: str) -> str:
    return _fold(term)[0]


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)


def name_patterns(names: Iterable[str]) -> list[re.Pattern[str]]:
    """One pattern per distinct word of the names (folded), whole words only."""
    parts = {
        word
        for name in names
        for word in _words(_fold_term(name))
        if len(word) >= _MIN_NAME_PART and word not in _NAME_STOPWORDS and not word.isdigit()
    }
    return [re.compile(rf"(?<![^\W_]){re.escape(w)}(?![^\W_])") for w in sorted(parts)]


def _chunk_pattern(chunk: str) -> str:
    if chunk.isdigit():
        significant = chunk.lstrip("0") or "0"
        return f"0*{re.escape(significant)}"
    return re.escape(chunk)


def reference_patterns(references: Iterable[str]) -> list[re.Pattern[str]]:
    """A reference whatever its separators and leading zeros; for a reference of three parts
    or more (`MLA-2026-000123`), its last parts alone too (`2026/123`)."""
    patterns: list[re.Pattern[str]] = []
    for reference in references:
        chunks = _words(_fold_term(reference))
        if not chunks:
            continue
        variants = [chunks]
        if len(chunks) >= 3:
            variants.append(chunks[1:])
        for variant in variants:
            body = r"[\W_]*".join(_chunk_pattern(c) for c in variant)
            patterns.append(re.compile(rf"(?<![^\W_]){body}(?![^\W_])"))
    return patterns


# -- patterns of personal data ----------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IBAN = re.compile(
    r"(?<![^\W_])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)"
    r"(?![^\W_])",
    re.IGNORECASE,
)
_PHONE_INTERNATIONAL = re.compile(r"(?<![\w+])(?:\+|00)[1-9][\d\s().\-/]{5,20}\d(?!\w)")
_PHONE_NATIONAL = re.compile(r"(?<![\w/.\-])\(?0\d{1,4}\)?(?:[ .\-/]\d{2,4}){2,5}(?![\w/.\-])")
_PHONE_KEYWORD = re.compile(
    r"(?i:\b(?:tel|tél|phone|telephone|téléphone|telefono|teléfono|mobile|cell|fax)\b\.?:?\s*)"
    r"(\+?[\d][\d\s().\-/]{5,20}\d)"
)
_ACCOUNT = re.compile(r"(?<![\w+])(?<![\w.\-/]\d)\d(?:[ \-]?\d){7,}(?!\w|[.\-/]\d)")
_YEAR_RANGE = re.compile(r"(?:1[89]|20)\d{2}\s*-\s*(?:1[89]|20)\d{2}")
_PASSPORT_KEYWORD = re.compile(
    r"(?i:\b(?:passport|passeport|pasaporte|passaporto|passaporte|reisepass|paspoort|"
    r"identity card|id card|carte d'identité)\b\W{0,3}"
    r"(?:(?:no|nr|number|num|n°|numéro)\.?\W{0,3})?)"
    r"([A-Za-z0-9]{6,10})(?!\w)"
)
_PASSPORT_SHAPE = re.compile(r"(?<![^\W_])[A-Z]{1,2}\d{6,8}(?![^\W_])")

_MONTHS = (
    r"(?:jan(?:uary|vier)?|feb(?:ruary)?|f[ée]v(?:rier)?|mar(?:ch|s)?|apr(?:il)?|avr(?:il)?|"
    r"may|mai|june?|juin|july?|juil(?:let)?|aug(?:ust)?|ao[uû]t|sept?(?:ember|embre)?|"
    r"oct(?:ober|obre)?|nov(?:ember|embre)?|dec(?:ember)?|d[ée]c(?:embre)?|"
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    r"gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|"
    r"januar|februar|märz|juni|juli|oktober|dezember)"
)
_YEAR = r"(?:1[89]|20)\d{2}"
_DATES = (
    re.compile(rf"(?<![\w./\-])\d{{1,2}}[./\-]\d{{1,2}}[./\-]{_YEAR}(?![\w./\-])"),
    re.compile(rf"(?<![\w./\-]){_YEAR}[./\-]\d{{1,2}}[./\-]\d{{1,2}}(?![\w./\-])"),
    re.compile(
        rf"(?i)\b\d{{1,2}}(?:st|nd|rd|th|er|º)?\.?\s+(?:of\s+|de\s+)?{_MONTHS}\.?,?\s+(?:de\s+)?"
        rf"{_YEAR}\b"
    ),
    re.compile(rf"(?i)\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+{_YEAR}\b"),
    re.compile(rf"(?i)\b(?:born|n[ée]e?|date of birth|d\.o\.b|dob)\b[^.\n]{{0,25}}?\b{_YEAR}\b"),
)

_STREET_WORDS_AFTER = (
    r"(?i:street|st\.|road|rd\.|avenue|ave\.|boulevard|blvd\.?|lane|drive|way|place|square|"
    r"terrace|court)"
)
_STREET_WORDS_BEFORE = (
    r"(?i:rue|avenue|av\.|boulevard|bd|via|viale|piazza|corso|calle|avenida|rua|plaza|praça|"
    r"chemin|allée|quai|ulica|ul\.)"
)
_PARTICLES = r"(?:(?i:de|del|della|di|des|du|la|le|los|las|dos|das|do|d')\s*)"
_CAPWORD = r"[A-ZÀ-ÝĀ-Ž][\w'’\-]+"
_ADDRESSES = (
    re.compile(rf"\b\d{{1,5}}[a-zA-Z]?,?\s+(?:{_CAPWORD}\s+){{1,4}}{_STREET_WORDS_AFTER}(?!\w)"),
    re.compile(
        rf"\b\d{{1,5}}[a-zA-Z]?,?\s+{_STREET_WORDS_BEFORE}\s+{_PARTICLES}*{_CAPWORD}"
        rf"(?:\s+{_CAPWORD}){{0,3}}"
    ),
    re.compile(
        rf"\b{_STREET_WORDS_BEFORE}\s+{_PARTICLES}*{_CAPWORD}(?:\s+{_CAPWORD}){{0,3}},?\s+"
        r"\d{1,5}[a-zA-Z]?\b"
    ),
    re.compile(r"\b[A-ZÄÖÜ]\w+(?:straße|strasse|str\.|weg|platz|gasse|allee)\s+\d{1,5}[a-zA-Z]?\b"),
    re.compile(r"(?i)\b(?:p\.?\s?o\.?\s?box|postfach|boîte postale|apartado)\s+\d+"),
)


def iban_valid(candidate: str) -> bool:
    """ISO 13616: the country's length range aside, the mod-97 check of the rearranged IBAN."""
    compact = re.sub(r"\s+", "", candidate).upper()
    if not 15 <= len(compact) <= 34 or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def _digit_count(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _pattern_findings(field: str, text: str) -> list[Finding]:
    found: list[Finding] = []

    def add(kind: str, start: int, end: int) -> None:
        found.append(Finding(kind, field, start, end, text[start:end]))

    for m in _EMAIL.finditer(text):
        add("email", m.start(), m.end())
    for m in _IBAN.finditer(text):
        if iban_valid(m.group()):
            add("iban", m.start(), m.end())
        elif _digit_count(m.group()) >= 10:
            add("account_number", m.start(), m.end())
    for pattern in _DATES:
        for m in pattern.finditer(text):
            add("date_of_birth", m.start(), m.end())
    for m in _PHONE_INTERNATIONAL.finditer(text):
        if 7 <= _digit_count(m.group()) <= 15:
            add("phone", m.start(), m.end())
    for m in _PHONE_NATIONAL.finditer(text):
        if 9 <= _digit_count(m.group()) <= 12:
            add("phone", m.start(), m.end())
    for m in _PHONE_KEYWORD.finditer(text):
        if 6 <= _digit_count(m.group(1)) <= 15:
            add("phone", m.start(1), m.end(1))
    for m in _PASSPORT_KEYWORD.finditer(text):
        if any(ch.isdigit() for ch in m.group(1)):
            add("passport", m.start(1), m.end(1))
    for m in _PASSPORT_SHAPE.finditer(text):
        add("passport", m.start(), m.end())
    for m in _ACCOUNT.finditer(text):
        if not _YEAR_RANGE.fullmatch(m.group()):
            add("account_number", m.start(), m.end())
    for pattern in _ADDRESSES:
        for m in pattern.finditer(text):
            add("address", m.start(), m.end())
    return found


def _term_findings(
    field: str,
    text: str,
    kind: str,
    patterns: list[re.Pattern[str]],
    folded: tuple[str, list[int]],
) -> list[Finding]:
    found: list[Finding] = []
    folded_text, index = folded
    for pattern in patterns:
        for m in pattern.finditer(folded_text):
            if m.end() == m.start():
                continue
            start, end = index[m.start()], index[m.end() - 1] + 1
            found.append(Finding(kind, field, start, end, text[start:end]))
    return found


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    """One finding per stretch of text within each source (the case's terms, the patterns):
    a name inside an e-mail address is flagged as both, a date never also as a phone; a
    reference of the case (removed in any case) is flagged as nothing else."""
    rank = {kind: i for i, kind in enumerate(_PRIORITY)}
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (rank[f.kind], f.start, -(f.end - f.start))):
        own = (finding.kind in _CASE_KINDS, finding.field)
        if any(
            ((k.kind in _CASE_KINDS, k.field) == own or k.kind == "case_reference")
            and k.field == finding.field
            and k.start < finding.end
            and finding.start < k.end
            for k in kept
        ):
            continue
        kept.append(finding)
    return sorted(kept, key=lambda f: (f.field, f.start))


def find(
    texts: Mapping[str, str], *, names: Iterable[str] = (), references: Iterable[str] = ()
) -> list[Finding]:
    """Every finding in the texts (by field), overlaps resolved in favour of the case's terms."""
    names_re = name_patterns(names)
    references_re = reference_patterns(references)
    findings: list[Finding] = []
    for field, text in texts.items():
        if not text:
            continue
        folded = _fold(text)
        findings += _term_findings(field, text, "case_reference", references_re, folded)
        findings += _term_findings(field, text, "case_person", names_re, folded)
        findings += _pattern_findings(field, text)
    return _without_overlaps(findings)


def flag_id(kind: str, field: str, match: str) -> str:
    """A stable id for the same text of the same kind in the same field."""
    key = f"{kind}\x1f{field}\x1f{_fold_term(match.strip())}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def flags_of(
    findings: list[Finding], previous: Iterable[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    """Findings grouped into flags, each keeping the justification it had (by id)."""
    justified = {
        str(f.get("id")): f.get("justification") for f in previous if f.get("justification")
    }
    flags: dict[str, dict[str, Any]] = {}
    for finding in findings:
        fid = flag_id(finding.kind, finding.field, finding.match)
        flag = flags.get(fid)
        if flag is None:
            flag = flags[fid] = {
                "id": fid,
                "kind": finding.kind,
                "field": finding.field,
                "match": finding.match,
                "spans": [],
                "justification": justified.get(fid),
            }
        flag["spans"].append([finding.start, finding.end])
    return list(flags.values())
