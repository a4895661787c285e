"""Seed generator for benchmarks: N projects of enterprises, with their approvals, in PostgreSQL.

Run: python tests/benchmarks/seed.py --projects 100000 [--database NAME] [--sweep]
     (creates the database NAME — default agency_bench — migrated and seeded, and keeps it; prints what it made)

The distributions follow a county's book of dossiers rather than a uniform fill:
- three routes' worth of plans: 3 in 4 projects on the 14-item new-industrial route, 1 in 4 on the
  12-item technical-upgrade route, each planned once through the real planning code and then copied
  (approvals with their snapshots, prerequisites and milestones), so every seeded project has the
  plan the service itself would have made;
- progress spread evenly: a project's items before its progress point are approved, the next one to
  three are open (60 % accepted, 15 % submitted, 10 % awaiting supplement, 5 % suspended, 10 % in
  preparation) and the rest planned; 1 project in 20 is complete; 1 in 50 is on the green channel;
- clock events as the service writes them: started on acceptance (0–29 days ago for open items),
  paused for supplements and suspensions, an extension on one accepted item in seven, stopped when
  approved;
- one enterprise per eight projects, ten clerks, one officer per department, users whose password
  is `PASSWORD` (real argon2 hashes) so a load test can log in.

Benchmarks seed their own database with `seeded_database(name, projects)` (it prints each step and
returns the counts as `Seeded`) and drop it afterwards with `drop_database(name)`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from agency import timeutil
from agency.access import Actor, Role
from agency.accounts.passwords import hash_password
from agency.approvals import clock_rows
from agency.approvals.models import Approval, ApprovalClock
from agency.db.engine import create_engine, create_sessionmaker
from agency.dossiers import service as projects
from agency.dossiers.schemas import ProjectIn
from agency.projects.models import Project

TODAY = date(2026, 11, 25)
PASSWORD = "Bench@2026x"
PG_URL_TEMPLATE = "postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"

# (name, SQL): each runs once, in order, with :projects, :enterprises and :today bound.
STEPS: list[tuple[str, str]] = [
    ("enterprises", """
INSERT INTO enterprises (credit_code, name, legal_representative, contact_name, contact_phone, address, park,
                         key_enterprise, version)
SELECT 'BENCH' || lpad(g::text, 13, '0'), '基准企业' || g || '有限公司', '法人' || g, '联系人' || g,
       '138' || lpad((g % 100000000)::text, 8, '0'), '示范县开发区' || g || '号', '开发区', g % 5 = 0, 1
FROM generate_series(1, :enterprises) AS g"""),
    ("projects", """
INSERT INTO projects (code, enterprise_id, name, route_id, route_code, catalog_version, investment_wan, location,
                      description, clerk_id, status, green_channel_status, facts, version, created_at, updated_at)
SELECT 'DB-B-' || lpad(g::text, 7, '0'),
       (SELECT min(id) FROM enterprises WHERE credit_code LIKE 'BENCH%') + g % :enterprises,
       '基准项目' || g || CASE WHEN g % 4 = 0 THEN '技术改造' ELSE '新建厂房' END,
       t.route_id, t.route_code, t.catalog_version, 500 + (g * 37) % 20000, '示范县开发区',
       '', (SELECT min(id) FROM users WHERE username LIKE 'bench-clerk%') + g % 10,
       CASE WHEN (g * 7919) % 100 >= 95 THEN 'completed' ELSE 'in_progress' END,
       CASE WHEN g % 50 = 0 THEN 'approved' ELSE 'none' END, '{}', 1,
       now() - make_interval(days => ((g * 7919) % 100) * 3), now()
FROM generate_series(1, :projects) AS g
JOIN bench_templates AS t ON t.route_code = CASE WHEN g % 4 = 0 THEN 'tech_upgrade' ELSE 'new_industrial' END"""),
    ("approvals", """
INSERT INTO approvals (project_id, catalog_item_id, item_code, name, department_code, stage, status, required,
                       snapshot, waits_for_milestones, version, submitted_on, status_since, decided_on,
                       deemed, supplement_rounds, commitment_breached)
SELECT p.id, a.catalog_item_id, a.item_code, a.name, a.department_code, a.stage, s.status, a.required,
       a.snapshot, a.waits_for_milestones, 1,
       CASE WHEN s.status NOT IN ('planned', 'preparing') THEN CAST(:today AS date) - 40 - (p.id % 60)::int END,
       CAST(:today AS date) - (p.id % 30)::int, CASE WHEN s.status = 'approved' THEN CAST(:today AS date) - 30 END,
       false, CAST('[]' AS jsonb), false
FROM (SELECT id, route_code, (id * 7919) % 100 AS progress, 1 + id % 3 AS width FROM projects
      WHERE code LIKE 'DB-B-%') AS p
JOIN bench_template_approvals AS a ON a.route_code = p.route_code
CROSS JOIN LATERAL (SELECT CASE
    WHEN p.progress >= 95 OR a.idx < p.progress * a.total / 100 THEN 'approved'
    WHEN a.idx < p.progress * a.total / 100 + p.width THEN (ARRAY[
        'accepted', 'accepted', 'accepted', 'accepted', 'accepted', 'accepted', 'accepted', 'accepted',
        'accepted', 'accepted', 'accepted', 'accepted', 'submitted', 'submitted', 'submitted',
        'supplement_requested', 'supplement_requested', 'suspended', 'preparing', 'preparing'])[
        1 + (p.id * 31 + a.idx * 17) % 20]
    ELSE 'planned' END AS status) AS s"""),
    ("prerequisites", """
INSERT INTO approval_prerequisites (approval_id, prerequisite_id)
SELECT dependent.id, prerequisite.id
FROM bench_template_links AS l
JOIN projects AS p ON p.route_code = l.route_code AND p.code LIKE 'DB-B-%'
JOIN approvals AS dependent ON dependent.project_id = p.id AND dependent.item_code = l.item_code
JOIN approvals AS prerequisite ON prerequisite.project_id = p.id AND prerequisite.item_code = l.prerequisite_code"""),
    ("milestones", """
INSERT INTO project_milestones (project_id, code, name, after)
SELECT p.id, m.code, m.name, m.after FROM projects AS p
JOIN bench_template_milestones AS m ON m.route_code = p.route_code WHERE p.code LIKE 'DB-B-%'"""),
    ("clock events", """
INSERT INTO clock_events (approval_id, kind, "on", days, reason, action, recorded_at)
SELECT a.id, e.kind, e.on, e.days, '', e.action, now()
FROM approvals AS a JOIN projects AS p ON p.id = a.project_id AND p.code LIKE 'DB-B-%'
CROSS JOIN LATERAL (VALUES
    ('started', CASE WHEN a.status = 'approved' THEN CAST(:today AS date) - 60 - (a.id % 200)::int
                     ELSE CAST(:today AS date) - (a.id % 30)::int END, 0, 'accept', true),
    ('paused', CAST(:today AS date) - (a.id % 30)::int + 1, 0, 'request_supplement',
     a.status IN ('supplement_requested', 'suspended') AND a.id % 30 > 1),
    ('extended', CAST(:today AS date) - (a.id % 30)::int + 1, 5, 'extend', a.status = 'accepted' AND a.id % 7 = 0
     AND a.id % 30 > 1),
    ('stopped', CAST(:today AS date) - 40 - (a.id % 200)::int, 0, 'approve', a.status = 'approved')
) AS e(kind, "on", days, action, wanted)
WHERE a.status IN ('accepted', 'supplement_requested', 'suspended', 'approved') AND e.wanted"""),
    ("counters", """
INSERT INTO counters (name, last) VALUES ('project:2026', 0) ON CONFLICT (name) DO NOTHING"""),
]


OPEN_STATUSES = ("preparing", "submitted", "accepted", "supplement_requested", "suspended")
CLOCKED_STATUSES = ("accepted", "supplement_requested", "suspended")


@dataclass(slots=True)
class Seeded:
    url: str
    projects: int
    approvals: int
    open_approvals: int  # with a running or paused clock (CLOCKED_STATUSES)
    seconds: float
    open_items: int = 0  # in an open status (OPEN_STATUSES): what the escalation sweep checks
    running: int = 0  # accepted, so with a running clock
    clock_events: int = 0

    def summary(self) -> str:
        return (f"{self.projects:,} projects, {self.approvals:,} approvals: {self.open_items:,} open, "
                f"{self.open_approvals:,} clocked ({self.running:,} running, the rest paused), "
                f"{self.clock_events:,} clock events; seeded in {self.seconds:.0f} s")


async def _users(session: AsyncSession) -> None:
    digest = hash_password(PASSWORD)
    departments = [row[0] for row in await session.execute(text("SELECT code FROM departments ORDER BY code"))]
    rows = [{"username": f"bench-clerk{i}", "name": f"代办员{i}", "role": "clerk", "dept": None} for i in range(10)]
    rows += [{"username": f"bench-{code}", "name": f"{code}经办人", "role": "department", "dept": code}
             for code in departments]
    rows.append({"username": "bench-leader", "name": "基准领导", "role": "leader", "dept": None})
    await session.execute(text(
        "INSERT INTO users (username, display_name, role, department_code, password_hash, must_change_password, "
        "failed_logins, is_active, version) VALUES (:username, :name, :role, :dept, :hash, false, 0, true, 1)"),
        [{**row, "hash": digest} for row in rows])


async def _templates(session: AsyncSession) -> None:
    """Plans one project per route through the service; the SQL steps copy those plans."""
    clerk_id = (await session.execute(text("SELECT min(id) FROM users WHERE username LIKE 'bench-clerk%'"))).scalar()
    enterprise_id = (await session.execute(text(
        "SELECT min(id) FROM enterprises WHERE credit_code LIKE 'BENCH%'"))).scalar()
    clerk = Actor(user_id=int(clerk_id), username="bench-clerk0", role=Role.CLERK)  # type: ignore[arg-type]
    ids = []
    for route in ("new_industrial", "tech_upgrade"):
        project = await projects.create(session, clerk, ProjectIn(
            enterprise_id=int(enterprise_id), name=f"模板项目 {route}", route_code=route,  # type: ignore[arg-type]
            investment_wan=1000, location="示范县开发区"))
        ids.append(project.id)
    await session.flush()
    await session.execute(text("""
CREATE TEMP TABLE bench_templates AS
SELECT route_id, route_code, catalog_version, id AS project_id FROM projects WHERE id = ANY(:ids)"""), {"ids": ids})
    await session.execute(text("""
CREATE TEMP TABLE bench_template_approvals AS
SELECT p.route_code, a.*, row_number() OVER (PARTITION BY a.project_id ORDER BY a.id) - 1 AS idx,
       count(*) OVER (PARTITION BY a.project_id) AS total
FROM approvals AS a JOIN projects AS p ON p.id = a.project_id WHERE p.id = ANY(:ids)"""), {"ids": ids})
    await session.execute(text("""
CREATE TEMP TABLE bench_template_links AS
SELECT p.route_code, d.item_code, q.item_code AS prerequisite_code
FROM approval_prerequisites AS l JOIN approvals AS d ON d.id = l.approval_id
JOIN approvals AS q ON q.id = l.prerequisite_id JOIN projects AS p ON p.id = d.project_id
WHERE p.id = ANY(:ids)"""), {"ids": ids})
    await session.execute(text("""
CREATE TEMP TABLE bench_template_milestones AS
SELECT p.route_code, m.code, m.name, m.after FROM project_milestones AS m JOIN projects AS p ON p.id = m.project_id
WHERE p.id = ANY(:ids)"""), {"ids": ids})


async def seed(url: str, project_count: int, *, log: bool = True) -> Seeded:
    """Seeds a migrated database that holds the reference data (calendar, demo catalog)."""
    started = time.perf_counter()
    # Not agency's engine: its 60 s statement timeout is for requests, not for writing a million rows.
    engine = create_async_engine(url, connect_args={"command_timeout": 3600})
    sessions = create_sessionmaker(engine)
    params = {"projects": project_count, "enterprises": max(1, project_count // 8), "today": TODAY}
    async with sessions() as session:
        await _users(session)
        await session.execute(text(STEPS[0][1]), params)
        await _templates(session)
        for name, statement in STEPS[1:]:
            step_started = time.perf_counter()
            result = await session.execute(text(statement), params)
            # Fresh statistics, or the next step plans its joins for the empty tables it saw before.
            await session.execute(text("ANALYZE"))
            if log:
                print(f"  {name:14} {result.rowcount:>10,} rows  {time.perf_counter() - step_started:6.1f} s",
                      flush=True)
        # The events went in as SQL text, not through the actions that write the clock rows: built here.
        step_started = time.perf_counter()
        await clock_rows.rebuild(session, timeutil.today())
        if log:
            opened = (await session.execute(select(func.count()).select_from(ApprovalClock))).scalar_one()
            print(f"  {'clock rows':14} {opened:>10,} rows  {time.perf_counter() - step_started:6.1f} s", flush=True)
        await session.commit()
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE"))
    async with sessions() as session:
        by_status = dict((await session.execute(
            select(Approval.status, func.count()).group_by(Approval.status))).tuples().all())
        events = (await session.execute(text("SELECT count(*) FROM clock_events"))).scalar_one()
    await engine.dispose()
    return Seeded(url, project_count, sum(by_status.values()), sum(by_status.get(s, 0) for s in CLOCKED_STATUSES),
                  time.perf_counter() - started, open_items=sum(by_status.get(s, 0) for s in OPEN_STATUSES),
                  running=by_status.get("accepted", 0), clock_events=events)


async def seeded_database(name: str, project_count: int, *, sweep: bool = False) -> Seeded:
    """Drops and re-creates database NAME, migrates it, loads the reference data and seeds it."""
    from agency.db import migrate
    from tests.conftest import PG_ADMIN_URL, _pg_execute, seed_reference_data

    await _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _pg_execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"
    await asyncio.to_thread(migrate.upgrade, url)
    await seed_reference_data(url)
    result = await seed(url, project_count)
    if sweep:
        await first_sweep(url)
    return result


async def drop_database(name: str) -> None:
    """Drops database NAME (a benchmark's own, once it has measured)."""
    from tests.conftest import _pg_execute

    await _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def first_sweep(url: str) -> None:
    """Fires the backlog's escalations once, as a deployment's first cron run would."""
    from agency.supervision import service as supervision
    from tests.conftest import make_settings

    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        started = time.perf_counter()
        result = await supervision.run(session, TODAY, make_settings(url, Path("/tmp/agency-bench-seed")))
        await session.execute(text("ANALYZE"))  # as autovacuum would soon after such a burst
        await session.commit()
        fired = sum(result.fired.values())
        print(f"  first sweep   {fired:>10,} firings  {time.perf_counter() - started:6.1f} s", flush=True)
    await engine.dispose()


async def _scalars(url: str, query: Any) -> list[Any]:
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        rows = list((await session.execute(query)).all())
    await engine.dispose()
    return rows


async def detail_project_id(url: str) -> int:
    """An in-progress new-industrial project with its 14 approvals, from the middle of the book."""
    rows = await _scalars(url, select(Project.id).where(
        Project.code.like("DB-B-%"), Project.route_code == "new_industrial", Project.status == "in_progress",
        Project.green_channel_status == "none").order_by(Project.id).offset(1000).limit(1))
    return int(rows[0][0])


async def sample_project_ids(url: str, count: int) -> list[int]:
    return [int(r[0]) for r in await _scalars(url, select(Project.id).order_by(func.random()).limit(count))]


async def sample_approval_ids(url: str, count: int) -> list[int]:
    return [int(r[0]) for r in await _scalars(url, select(Approval.id).order_by(func.random()).limit(count))]


async def material_slot(url: str) -> tuple[int, str]:
    """An approval in preparation and the code of its first material that takes PDF."""
    rows = await _scalars(url, select(Approval.id, Approval.snapshot).where(Approval.status == "preparing")
                          .order_by(Approval.id).limit(50))
    for approval_id, snapshot in rows:
        for material in snapshot.get("materials") or []:
            if "pdf" in (material.get("accepted_types") or []):
                return int(approval_id), str(material["code"])
    raise SystemExit("no approval in preparation takes a PDF")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--database", default="agency_bench")
    parser.add_argument("--sweep", action="store_true", help="run the first escalation sweep afterwards")
    args = parser.parse_args()
    result = asyncio.run(seeded_database(args.database, args.projects, sweep=args.sweep))
    print(f"seeded {result.url}: {result.projects:,} projects, {result.approvals:,} approvals "
          f"({result.open_approvals:,} with a running or paused clock) in {result.seconds:.0f} s; "
          f"users bench-clerk0…9, bench-<department>, bench-leader, password {PASSWORD}")


if __name__ == "__main__":
    main()
