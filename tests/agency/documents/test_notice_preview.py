"""The 一次性告知单 preview is filled by the same function as the notice the flow stores: same facts, no writes."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select

import storage
from agency.access import Actor, Role
from agency.documents import preview
from agency.documents.models import Document
from agency.documents.service import Papers
from agency.errors import Conflict, Invalid
from agency.timeutil import today_local
from tests.agency.approvals.flow import open_dossier
from tests.support import Api


async def test_preview_context_is_the_stored_notice_context_but_for_its_number(api: Api) -> None:
    d = await open_dossier(api)
    user = await api.create_user("department", department_code="fgj")
    officer = Actor(user_id=user.id, username=user.username, role=Role.DEPARTMENT, department_code="fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    materials = (await d.get(xmba))["materials"]
    asked = [materials[1]["code"], materials[0]["code"]]
    store = storage.open_store(api.settings.storage_url)
    try:
        async with api.sessions() as session:
            shown = await preview.one_time_notice(session, officer, Papers(store, api.settings), xmba, asked,
                                                  preview.supplement_note("  缺少盖章  ", None), today_local())
            data, filename = await preview.notice_file(session, Papers(store, api.settings), shown, "docx")
            assert not session.new and not session.dirty and not session.deleted  # nothing to write
            with pytest.raises(Invalid):
                await preview.one_time_notice(session, officer, Papers(store, api.settings), xmba, ["nope"], "",
                                              today_local())
            with pytest.raises(Conflict):
                await preview.one_time_notice(session, officer, Papers(store, api.settings), xmba, asked, "",
                                              today_local(), version=99)
    finally:
        await store.aclose()
    assert data[:2] == b"PK" and filename.endswith(".docx") and "预览" in filename
    assert [m.name for m in shown.context.materials] == [materials[1]["name"], materials[0]["name"]]
    assert {m.note for m in shown.context.materials} == {"缺少盖章"}
    headers = await api.login(user.username)
    await d.ok(xmba, "request_supplement", headers, missing_materials=asked, reason="  缺少盖章  ")
    async with api.sessions() as session:
        stored: Any = (await session.execute(select(Document.context).where(
            Document.approval_id == xmba, Document.template_code == "one_time_notice"))).scalar_one()
        assert (await session.execute(select(func.count()).select_from(Document).where(
            Document.approval_id == xmba))).scalar_one() == 1  # the preview left no paper behind
    previewed = msgspec.json.decode(msgspec.json.encode(shown.context))  # as the document row keeps it
    assert previewed.pop("doc_number") == preview.PREVIEW_NUMBER
    assert str(stored.pop("doc_number")).startswith("示发改告〔")  # the department's series
    assert previewed == stored
