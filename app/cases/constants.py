"""The fixed vocabularies of cases (see API.md "Values")."""

from __future__ import annotations

from typing import Literal

CaseType = Literal[
    "mla",
    "extradition",
    "transfer_of_sentenced_persons",
    "transfer_of_proceedings",
    "confiscation",
    "other",
]
CASE_TYPES: tuple[str, ...] = CaseType.__args__  # type: ignore[attr-defined]

REFERENCE_PREFIX = {
    "mla": "MLA",
    "extradition": "EXT",
    "transfer_of_sentenced_persons": "TSP",
    "transfer_of_proceedings": "TOP",
    "confiscation": "CONF",
    "other": "OTH",
}

Urgency = Literal["normal", "urgent"]
LegalBasisKind = Literal["untoc_art16", "untoc_art18", "treaty", "reciprocity", "other"]
CONVENTION_BASES = ("untoc_art16", "untoc_art18")

CaseStatus = Literal[
    "draft",
    "submitted",
    "received",
    "acknowledged",
    "in_execution",
    "information_requested",
    "executed",
    "partially_executed",
    "refused",
    "postponed",
    "withdrawn",
    "closed",
]
CASE_STATUSES: tuple[str, ...] = CaseStatus.__args__  # type: ignore[attr-defined]
# Statuses in which the requested side still owes an answer: these can be overdue.
OPEN_STATUSES = (
    "submitted",
    "received",
    "acknowledged",
    "in_execution",
    "information_requested",
    "postponed",
)
OUTCOME_STATUSES = ("executed", "partially_executed", "refused", "withdrawn")

Action = Literal[
    "submit",
    "provide_information",
    "withdraw",
    "close",
    "acknowledge",
    "start_execution",
    "request_information",
    "report_delay",
    "execute",
    "execute_partially",
    "refuse",
    "postpone",
]

Side = Literal["requesting", "requested", "observer"]

MessageKind = Literal["message", "consultation"]
HandlingCode = Literal["H0", "H1", "H2", "H3"]
HANDLING_CODES = {
    "H0": "use for this case only",
    "H1": "not for use in judicial proceedings without the sender's consent",
    "H2": "no onward sharing without the sender's consent",
    "H3": "other restriction (stated)",
}

# Grounds for refusal in the Convention (art. 16(7)-(8), (14)-(15); art. 18(21)-(22)), or other.
RefusalGround = Literal[
    "not_in_accordance_with_convention",
    "sovereignty_security_ordre_public",
    "domestic_law_prohibits",
    "contrary_to_legal_system",
    "absence_of_dual_criminality",
    "fiscal_matters",
    "discrimination",
    "political_offence",
    "nationality",
    "statute_of_limitations",
    "ne_bis_in_idem",
    "death_penalty",
    "other",
]

ParticipantRole = Literal["assigned", "observer"]
