"""Fixed vocabularies of the catalogue (API values).

Cooperation types and measures are the directory's own lists (an entry's facets then line up
with the finder's); outcomes are the cases domain's. Crime types are the Convention's
categories: the offences it establishes (arts. 5, 6, 8, 23), serious crime (art. 2(b)), the
three Protocols' offences, and `other`.
"""

from __future__ import annotations

from typing import Literal, get_args

from app.cases.constants import OUTCOME_STATUSES
from app.directory.constants import AUTHORITY_TYPES, MEASURES

COOPERATION_TYPES: tuple[str, ...] = AUTHORITY_TYPES
ENTRY_MEASURES: tuple[str, ...] = MEASURES
OUTCOMES: tuple[str, ...] = OUTCOME_STATUSES

CrimeType = Literal[
    "participation_in_organized_criminal_group",  # art. 5
    "laundering_of_proceeds_of_crime",  # art. 6
    "corruption",  # art. 8
    "obstruction_of_justice",  # art. 23
    "serious_crime",  # art. 2(b): four years or more
    "trafficking_in_persons",  # Trafficking in Persons Protocol
    "smuggling_of_migrants",  # Smuggling of Migrants Protocol
    "trafficking_in_firearms",  # Firearms Protocol
    "other",
]
CRIME_TYPES: tuple[str, ...] = get_args(CrimeType)

LegalBasis = Literal["convention", "treaty", "reciprocity", "domestic_law"]
LEGAL_BASES: tuple[str, ...] = get_args(LegalBasis)
# A case's legal basis (cases' LegalBasisKind) as the catalogue names it; `other` has no
# counterpart: the nominator says which.
CASE_BASIS = {
    "untoc_art16": "convention",
    "untoc_art18": "convention",
    "treaty": "treaty",
    "reciprocity": "reciprocity",
}

EntryKind = Literal["case", "practice"]
Disclosure = Literal["states", "regions"]

EntryStatus = Literal[
    "draft",
    "awaiting_consent",
    "declined",
    "in_review",
    "changes_requested",
    "rejected",
    "published",
    "withdrawn",
]
ENTRY_STATUSES: tuple[str, ...] = get_args(EntryStatus)
# Where the author may still edit and submit.
EDITABLE = ("draft", "changes_requested", "declined")
# Where an authority's focal point may withdraw its consent (a case entry).
CONSENT_WITHDRAWABLE = ("awaiting_consent", "in_review", "changes_requested", "published")

Action = Literal[
    "submit",
    "consent",
    "decline",
    "approve",
    "request_changes",
    "reject",
    "withdraw_consent",
    "withdraw",
]

FlagKind = Literal[
    "case_reference",
    "case_person",
    "email",
    "phone",
    "iban",
    "account_number",
    "passport",
    "date_of_birth",
    "address",
]
# What identifies the case cannot be justified away: the entry must never carry it.
UNJUSTIFIABLE = frozenset({"case_reference"})
# Kinds found from the case itself: their matched text is shown only to who sees the case.
CASE_DERIVED = frozenset({"case_reference", "case_person"})

TEXT_FIELDS = ("title", "summary", "obstacles", "solutions", "lessons")

# A count of cases is shown only where at least this many cases stand behind it.
MIN_CASES = 3
