"""一次性告知 in two steps: the officer sees the notice ``request_supplement`` will generate, then sends it.

The composer on the approval page posts here instead of to the action; the preview page shows the notice
filled from the same context as the real one, with a confirm form that carries the same values to the action,
a way back to the composer with everything kept, and the paper itself (Word, PDF) to download. Plain forms:
it all works without JavaScript. Nothing here writes.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

import documents as paper
import storage
from agency.access import Actor
from agency.documents import preview as previews
from agency.documents.controllers import papers_of
from agency.documents.service import DOCX, PDF
from agency.errors import AgencyError
from agency.timeutil import today_local
from agency.web.pages_approval import ACTION_FIELDS, read_action_form, refused_action, render_approval
from agency.web.render import field_errors, page, zh

ACTION = previews.ACTION
CARRIED = (*ACTION_FIELDS[ACTION], "effective_on")  # what the confirm form posts on to the action


async def _preview(request: Request[Any, Any, Any], state: State, actor: Actor, db: AsyncSession,
                   approval_id: int) -> tuple[previews.NoticePreview | None, Template | Redirect | None,
                                              dict[str, Any]]:
    """The preview of what the composer posted, or the approval page again with the composer's messages."""
    values, body, errors = await read_action_form(request, action=ACTION)
    if body is None:
        return None, await refused_action(request, state, actor, db, approval_id, values, errors, 422), values
    try:
        found = await previews.one_time_notice(
            db, actor, papers_of(state), approval_id, body.missing_materials,
            previews.supplement_note(body.reason, body.note), today_local(), version=body.version)
    except AgencyError as error:
        if error.status_code == 404:
            raise
        errors = {k: zh(v) for k, v in field_errors(error).items()}
        return None, await refused_action(request, state, actor, db, approval_id, values, errors,
                                          error.status_code), values
    return found, None, values


@post("/app/approvals/{approval_id:int}/supplement/preview")
async def supplement_preview(request: Request[Any, Any, Any], approval_id: FromPath[int], state: State,
                             actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Template | Redirect:
    found, refused, values = await _preview(request, state, actor, db, approval_id)
    if found is None:
        assert refused is not None
        return refused
    return page(request, "supplement_preview.html", actor, p=found, n=found.context, values=values,
                carried=CARRIED, action=ACTION, cn_date=paper.cn_date, pdf=paper.pdf_available())


@post("/app/approvals/{approval_id:int}/supplement/preview-file", status_code=200)
async def supplement_preview_file(request: Request[Any, Any, Any], approval_id: FromPath[int], state: State,
                                  actor: NamedDependency[Actor],
                                  db: NamedDependency[AsyncSession]) -> Response[bytes] | Template | Redirect:
    """The notice as Word (or PDF) from the current template, for reading or printing; nothing is kept."""
    found, refused, _ = await _preview(request, state, actor, db, approval_id)
    if found is None:
        assert refused is not None
        return refused
    output = "pdf" if (await request.form()).get("format") == "pdf" else "docx"
    data, filename = await previews.notice_file(db, papers_of(state), found, output)
    return Response(content=data, media_type=PDF if output == "pdf" else DOCX, headers={
        "Content-Disposition": storage.content_disposition(filename), "Cache-Control": "private, no-store"})


@post("/app/approvals/{approval_id:int}/supplement/edit")
async def supplement_edit(request: Request[Any, Any, Any], approval_id: FromPath[int], state: State,
                          actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Template | Redirect:
    """Back from the preview to the composer, with the materials and the note as they were."""
    values, _, _ = await read_action_form(request, action=ACTION)
    return await render_approval(request, state, actor, db, approval_id, failed=ACTION, values=values)


HANDLERS: list[Any] = [supplement_preview, supplement_preview_file, supplement_edit]
