"""Fixed vocabularies of the directory (API values; see API.md "Directory")."""

from __future__ import annotations

from typing import Literal, get_args

AuthorityType = Literal[
    "mla",
    "extradition",
    "transfer_of_sentenced_persons",
    "transfer_of_proceedings",
    "migrant_smuggling_art8",
    "confiscation",
    "law_enforcement_cooperation",
    "other",
]
AUTHORITY_TYPES: tuple[str, ...] = get_args(AuthorityType)

Channel = Literal["direct_transmission", "diplomatic_channel", "interpol"]
CHANNELS: tuple[str, ...] = get_args(Channel)

Measure = Literal[
    "search_and_seizure",
    "freezing",
    "confiscation",
    "taking_of_evidence",
    "witness_hearing",
    "videoconference",
    "service_of_documents",
    "banking_information",
    "interception",
    "controlled_delivery",
    "joint_investigation_team",
    "temporary_transfer",
    "other",
]
MEASURES: tuple[str, ...] = get_args(Measure)

Requirement = Literal[
    "dual_criminality",
    "certified_translation",
    "original_signed_request",
    "issued_by_judicial_authority",
    "reciprocity_assurance",
    "specialty_undertaking",
    "confidentiality_undertaking",
    "court_order_in_requesting_state",
]
REQUIREMENTS: tuple[str, ...] = get_args(Requirement)

TreatyKind = Literal["bilateral", "regional", "multilateral"]
TREATY_KINDS: tuple[str, ...] = get_args(TreatyKind)

# What a caller may do to an entry (AuthorityRead.allowed_actions).
AuthorityAction = Literal["edit", "verify", "change_state"]
# What a caller may do to a requirement sheet (RequirementSheetDetail.allowed_actions).
SheetAction = Literal["edit", "verify"]

FailureChannel = Literal["email", "phone", "fax", "website", "address", "other"]

# ISO 639-1 (two letters) and ISO 3166-1 alpha-3; the schemas normalise the case.
LANGUAGE_PATTERN = r"^[A-Za-z]{2}$"
STATE_CODE_PATTERN = r"^[A-Za-z]{3}$"
