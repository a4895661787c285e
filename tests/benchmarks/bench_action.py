"""What one approval action costs on PostgreSQL: SQL statements and round trips per request, and its time.

Run: python tests/benchmarks/bench_action.py [--dossiers 30] [--repo PATH]
     Makes a throw-away database on 127.0.0.1:5432, walks N dossiers' 节能审查 through prepare, submit,
     accept, request_supplement, resubmit, extend and approve through the HTTP API in-process (one request
     at a time), and prints per action the statements the request sent to PostgreSQL (counted by
     SQLAlchemy's cursor events, so BEGIN/COMMIT are not among them; they are the round trips beside)
     up to its commit (the papers it asks for render after it) and the median and 90th percentile of
     its whole time. ``--repo`` runs it against another checkout
     of Agency (for a before/after comparison: the script uses only the HTTP API).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ACTIONS = ("prepare", "submit", "accept", "request_supplement", "resubmit", "extend", "approve")
PG = "postgresql://postgres@127.0.0.1:5432"


async def _pg(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(f"{PG}/postgres")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def throwaway_app(kind: str) -> AsyncIterator[Any]:
    """The app on a fresh PostgreSQL database of its own (migrated, with the calendar and the demo catalog),
    dropped afterwards: one benchmark run's."""
    from agency.app import create_app
    from agency.db import migrate
    from agency.settings import Settings
    from tests.conftest import seed_reference_data

    name = f"agency_bench_{kind}_{uuid.uuid4().hex[:8]}"
    await _pg(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        await seed_reference_data(url)
        yield create_app(Settings.from_env({
            "AGENCY_DATABASE_URL": url, "AGENCY_DATA_DIR": f"/tmp/agency-bench-{kind}",
            "AGENCY_STORAGE_URL": f"file:///tmp/agency-bench-{kind}/storage", "AGENCY_SCHEDULER": "off",
            "AGENCY_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789", "AGENCY_LOG_LEVEL": "WARNING",
            "AGENCY_CHANGE_FEED": "off"}))
    finally:
        await _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run(dossiers: int, show: bool = False) -> dict[str, dict[str, float]]:
    import httpx
    from sqlalchemy import event

    from tests.support import valid_credit_code

    async with throwaway_app("action") as app:
        # Statements up to the action's commit: what follows it (the papers it asked for, rendered after the
        # commit) is not the action's cost.
        counted: dict[str, int | None] = {"n": 0, "at_commit": None}
        shown: list[str] = []
        figures: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                      base_url="http://bench.local") as client:
            def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
                counted["n"] = (counted["n"] or 0) + 1
                if show and counted["at_commit"] is None:
                    shown.append(" ".join(sql.split())[:160])

            def committed(*_: Any) -> None:
                if counted["at_commit"] is None:
                    counted["at_commit"] = counted["n"]

            event.listen(app.state.engine.sync_engine, "before_cursor_execute", statement)
            event.listen(app.state.engine.sync_engine, "commit", committed)
            admin = await _user(app, "admin", "bench-admin")
            clerk = await _user(app, "clerk", "bench-clerk")
            officer = await _user(app, "department", "bench-fgj", department_code="fgj")
            headers = {role: await _login(client, username) for role, username in
                       (("admin", admin), ("clerk", clerk), ("officer", officer))}
            for _ in range(dossiers):
                enterprise = (await client.post("/api/enterprises", headers=headers["clerk"], json={
                    "credit_code": valid_credit_code(), "name": f"基准企业{uuid.uuid4().hex[:6]}",
                    "legal_representative": "张三", "contact_name": "李四", "contact_phone": "13800001111",
                    "address": "示范县", "park": "开发区"})).json()
                project = (await client.post("/api/projects", headers=headers["clerk"], json={
                    "enterprise_id": enterprise["id"], "name": f"基准项目{uuid.uuid4().hex[:6]}",
                    "route_code": "new_industrial", "investment_wan": 1000, "location": "示范县"})).json()
                ids = {a["item_code"]: a["id"] for a in project["approvals"]}
                await _force_approved(app, ids["xmba"])
                jnsc = ids["jnsc"]
                for action in ACTIONS:
                    if action in ("submit", "resubmit"):
                        await _scan(app, client, headers["clerk"], jnsc)
                    body: dict[str, Any] = {"action": action}
                    if action == "request_supplement":
                        body |= {"missing_materials": ["jnbg"], "reason": "节能报告缺少能耗计算"}
                    elif action == "extend":
                        body |= {"days": 2, "reason": "需组织专家论证"}
                    elif action == "approve":
                        body |= {"certificate_no": "节能审查意见001"}
                    who = headers["clerk"] if action in ("prepare", "submit", "resubmit") else headers["officer"]
                    version = (await client.get(f"/api/approvals/{jnsc}", headers=who)).json()["version"]
                    counted["n"], counted["at_commit"] = 0, None
                    shown.clear()
                    started = time.perf_counter()
                    response = await client.post(f"/api/approvals/{jnsc}/actions", headers=who,
                                                 json={**body, "version": version})
                    elapsed = time.perf_counter() - started
                    assert response.status_code == 200, (action, response.text)
                    figures[action]["statements"].append(counted["at_commit"] or 0)
                    figures[action]["ms"].append(elapsed * 1000)
                    if show and _ == dossiers - 1:
                        print(f"-- {action}: {len(shown)} statements up to the commit")
                        print("\n".join(f"   {n + 1:>2}. {sql}" for n, sql in enumerate(shown)))
        return {action: {"statements": statistics.median(f["statements"]), "max_statements": max(f["statements"]),
                         "median_ms": statistics.median(f["ms"]),
                         "p90_ms": sorted(f["ms"])[int(0.9 * (len(f["ms"]) - 1))]}
                for action, f in figures.items()}


async def _user(app: Any, role: str, username: str, **binding: Any) -> str:
    from agency.access import SYSTEM
    from agency.accounts import service as accounts
    from agency.accounts.schemas import UserCreateIn

    async with app.state.sessionmaker() as session:
        await accounts.create_user(session, SYSTEM, UserCreateIn(
            username=username, password="Bench@2026pass", role=role, display_name=username,
            must_change_password=False, **binding))
        await session.commit()
    return username


async def _login(client: Any, username: str) -> dict[str, str]:
    response = await client.post("/api/auth/login", json={"username": username, "password": "Bench@2026pass"})
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def _force_approved(app: Any, approval_id: int) -> None:
    from sqlalchemy import text

    async with app.state.sessionmaker() as session:
        await session.execute(text("UPDATE approvals SET status = 'approved', decided_on = '2025-01-02', "
                                   "status_since = '2025-01-02' WHERE id = :id"), {"id": approval_id})
        await session.commit()


async def _scan(app: Any, client: Any, headers: dict[str, str], approval_id: int) -> None:
    """One small PDF per required material, through the upload API."""
    approval = (await client.get(f"/api/approvals/{approval_id}", headers=headers)).json()
    pdf = b"%PDF-1.4\n" + uuid.uuid4().hex.encode() * 20 + b"\n%%EOF\n"
    for material in approval["materials"]:
        if material["required"]:
            response = await client.post(f"/api/approvals/{approval_id}/materials/{material['code']}/files",
                                         headers=headers, files={"file": ("scan.pdf", pdf, "application/pdf")})
            assert response.status_code == 201, response.text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=30)
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parents[2]))
    parser.add_argument("--show", action="store_true", help="print the last dossier's statements per action")
    args = parser.parse_args()
    sys.path.insert(0, args.repo)
    import os

    os.environ.setdefault("AGENCY_TEST_FAST_PASSWORD_HASH", "1")
    figures = asyncio.run(run(args.dossiers, args.show))
    print(f"approval actions on PostgreSQL, {args.dossiers} dossiers, one request at a time, in-process ({args.repo})")
    print(f"{'action':<20}{'statements':>11}{'max':>6}{'median ms':>11}{'p90 ms':>9}")
    for action in ACTIONS:
        f = figures[action]
        print(f"{action:<20}{f['statements']:>11.0f}{f['max_statements']:>6.0f}{f['median_ms']:>11.1f}"
              f"{f['p90_ms']:>9.1f}")


if __name__ == "__main__":
    main()
