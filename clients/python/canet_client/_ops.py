"""The API's operations as plans (see _engine): written once, run by both clients."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import httpx

from canet_client._engine import Call, Plan, RetryPolicy, perform, request_json
from canet_client.models import (
    Attachment,
    Authority,
    AuthoritySummary,
    Case,
    CaseCreate,
    CaseExport,
    CaseSummary,
    EventBatch,
    FinderAnswer,
    Me,
    Message,
    MessageCreate,
    Model,
    Participant,
    TimelineEntry,
    TransitionRequest,
)
from canet_client.transfer import FileUpload

M = TypeVar("M", bound=Model)
PageFetch = Callable[[str | None], Plan[tuple[list[M], str | None]]]


class Operations:
    """Every operation the clients offer, as a plan over the shared retry policy."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy

    def _json(self, call: Call) -> Plan[Any]:
        return request_json(call, self.policy)

    def _page(
        self, model: type[M], path: str, params: dict[str, Any], cursor: str | None
    ) -> Plan[tuple[list[M], str | None]]:
        data = yield from self._json(Call("GET", path, params={**params, "cursor": cursor}))
        return [model.from_dict(item) for item in data["items"]], data.get("next_cursor")

    def pages(self, model: type[M], path: str, **params: Any) -> PageFetch[M]:
        return lambda cursor: self._page(model, path, params, cursor)

    # -- me --------------------------------------------------------------------------------
    def me(self) -> Plan[Me]:
        return Me.from_dict((yield from self._json(Call("GET", "/me"))))

    def logout(self) -> Plan[None]:
        yield from self._json(Call("POST", "/auth/logout", replayable=True, reauthenticate=False))

    # -- cases -----------------------------------------------------------------------------
    def list_cases(
        self,
        *,
        box: str | None = None,
        status: list[str] | str | None = None,
        type: list[str] | str | None = None,
        urgency: str | None = None,
        overdue: bool | None = None,
        counterpart: str | None = None,
        sort: str | None = None,
        limit: int = 50,
    ) -> PageFetch[CaseSummary]:
        return self.pages(
            CaseSummary,
            "/cases",
            box=box,
            status=[status] if isinstance(status, str) else status,
            type=[type] if isinstance(type, str) else type,
            urgency=urgency,
            overdue=None if overdue is None else str(overdue).lower(),
            counterpart=counterpart,
            sort=sort,
            limit=limit,
        )

    def get_case(self, case_id: str) -> Plan[Case]:
        return Case.from_dict((yield from self._json(Call("GET", f"/cases/{case_id}"))))

    def create_case(self, data: CaseCreate, idempotency_key: str | None = None) -> Plan[Case]:
        call = Call.create("POST", "/cases", json=data.to_dict(), idempotency_key=idempotency_key)
        return Case.from_dict((yield from self._json(call)))

    def update_case(self, case_id: str, fields: dict[str, Any]) -> Plan[Case]:
        call = Call("PATCH", f"/cases/{case_id}", json=fields)
        return Case.from_dict((yield from self._json(call)))

    def transition(self, case_id: str, request: TransitionRequest) -> Plan[Case]:
        call = Call("POST", f"/cases/{case_id}/transitions", json=request.to_dict())
        return Case.from_dict((yield from self._json(call)))

    def messages(self, case_id: str, limit: int = 100) -> PageFetch[Message]:
        return self.pages(Message, f"/cases/{case_id}/messages", limit=limit)

    def post_message(
        self, case_id: str, data: MessageCreate, idempotency_key: str | None = None
    ) -> Plan[Message]:
        call = Call.create(
            "POST",
            f"/cases/{case_id}/messages",
            json=data.to_dict(),
            idempotency_key=idempotency_key,
        )
        return Message.from_dict((yield from self._json(call)))

    def attachments(self, case_id: str) -> Plan[list[Attachment]]:
        data = yield from self._json(Call("GET", f"/cases/{case_id}/attachments"))
        return [Attachment.from_dict(item) for item in data]

    def upload(self, case_id: str, body: FileUpload) -> Plan[Attachment]:
        # The server honours the key on uploads as on every create, and the body reads the
        # file from the start on each attempt: a lost answer is retried, never stored twice.
        call = Call.create("POST", f"/cases/{case_id}/attachments", body=body)
        attachment = Attachment.from_dict((yield from self._json(call)))
        body.check(attachment.sha256)
        return attachment

    def download(self, case_id: str, attachment_id: str) -> Plan[httpx.Response]:
        """The open streamed response; the caller reads it into a DownloadSink."""
        call = Call("GET", f"/cases/{case_id}/attachments/{attachment_id}", stream=True)
        return (yield from perform(call, self.policy))

    def attachment(self, case_id: str, attachment_id: str) -> Plan[Attachment]:
        for item in (yield from self.attachments(case_id)):
            if item.id == attachment_id:
                return item
        from canet_client.errors import NotFound

        raise NotFound("No such attachment in this case.", status=404, title="Not found")

    def timeline(self, case_id: str) -> Plan[list[TimelineEntry]]:
        data = yield from self._json(Call("GET", f"/cases/{case_id}/timeline"))
        return [TimelineEntry.from_dict(item) for item in data]

    def participants(self, case_id: str) -> Plan[list[Participant]]:
        data = yield from self._json(Call("GET", f"/cases/{case_id}/participants"))
        return [Participant.from_dict(item) for item in data]

    def export_raw(self, case_id: str) -> Plan[dict[str, Any]]:
        data = yield from self._json(Call("GET", f"/cases/{case_id}/export"))
        return dict(data)

    def export(self, case_id: str) -> Plan[CaseExport]:
        return CaseExport.from_dict((yield from self.export_raw(case_id)))

    # -- events ----------------------------------------------------------------------------
    def poll_events(self, after: int | None, timeout: float = 25.0) -> Plan[EventBatch]:
        call = Call("GET", "/events", params={"after": after, "timeout": timeout}, timeout=timeout)
        return EventBatch.from_dict((yield from self._json(call)))

    # -- directory -------------------------------------------------------------------------
    def search_authorities(
        self,
        *,
        q: str | None = None,
        state: str | None = None,
        type: str | None = None,
        language: str | None = None,
        region: str | None = None,
        limit: int = 50,
    ) -> PageFetch[AuthoritySummary]:
        return self.pages(
            AuthoritySummary,
            "/authorities",
            q=q,
            state=state,
            type=type,
            language=language,
            region=region,
            limit=limit,
        )

    def authority(self, authority_id: str) -> Plan[Authority]:
        data = yield from self._json(Call("GET", f"/authorities/{authority_id}"))
        return Authority.from_dict(data)

    def finder(
        self,
        *,
        requesting_state: str,
        requested_state: str,
        request_type: str,
        measure: str | None = None,
        urgent: bool | None = None,
    ) -> Plan[FinderAnswer]:
        params = {
            "requesting_state": requesting_state,
            "requested_state": requested_state,
            "request_type": request_type,
            "measure": measure,
            "urgent": None if urgent is None else str(urgent).lower(),
        }
        data = yield from self._json(Call("GET", "/finder", params=params))
        return FinderAnswer.from_dict(data)


def transition_request(
    action: str,
    *,
    note: str | None = None,
    ground: str | None = None,
    ground_text: str | None = None,
    new_deadline: date | str | None = None,
    missing_essentials_reason: str | None = None,
) -> TransitionRequest:
    deadline = date.fromisoformat(new_deadline) if isinstance(new_deadline, str) else new_deadline
    return TransitionRequest(
        action=action,
        note=note,
        ground=ground,
        ground_text=ground_text,
        new_deadline=deadline,
        missing_essentials_reason=missing_essentials_reason,
    )


__all__ = ["Operations", "PageFetch", "transition_request"]
