"""A batch of messages goes to the outbox whole, on either database, however many there are: SQLite takes at
most 500 terms in one compound SELECT, so a large batch (a sweep's new firings) is cut to fit."""

from __future__ import annotations

from sqlalchemy import func, select

from agency.accounts.models import User
from agency.notifications import service as outbox
from agency.notifications.models import Notification
from tests.support import Api


async def test_a_batch_of_more_messages_than_sqlite_takes_in_one_statement_reaches_the_outbox_whole(
        api: Api) -> None:
    admin = await api.create_user("admin")
    messages = [outbox.Message(key=f"batch-test:{i}", subject=f"提醒 {i}", body="测试消息", object_type="escalation",
                               object_id=i, project_id=None, users=User.id == admin.id) for i in range(1200)]
    messages.append(outbox.Message(key="batch-test:sms", subject="短信", body="测试短信", object_type="escalation",
                                   object_id=0, project_id=None, address="13800000000", name="联系人"))
    async with api.sessions() as session:
        await outbox.write(session, messages)
        await outbox.write(session, messages)  # the same batch again: each message is kept once
        await session.commit()
    async with api.sessions() as session:
        in_app = (await session.execute(select(func.count()).select_from(Notification).where(
            Notification.recipient_user_id == admin.id, Notification.dedupe_key.like("batch-test:%")))).scalar_one()
        sms = (await session.execute(select(Notification.recipient_address, Notification.status).where(
            Notification.dedupe_key.like("batch-test:sms%")))).all()
    assert in_app == 1200
    assert sms == [("13800000000", "pending")]
