"""How long one `agency sync import` of many records takes on PostgreSQL.

Run: python tests/benchmarks/bench_sync.py [--dossiers 2000]
     Makes a throw-away database on 127.0.0.1:5432 where 发展和改革局 acts in the provincial system
     (mode external), opens N dossiers with a project code through the HTTP API in-process, then applies
     5 records per dossier (submitted, accepted, supplement_requested, resubmitted, approved of 企业投资项目备案)
     in one transaction as `agency sync import` does (agency.sync.service.receive: the batch's lookups once,
     50 records to a savepoint), and prints the records, the seconds up to the commit
     and the records per second. The papers the acts ask for render afterwards, in their jobs: not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.bench_action import _login, _user, throwaway_app


async def run(dossiers: int, profile: str | None = None) -> dict[str, float]:
    import httpx
    from sqlalchemy import event, update

    from agency import timeutil
    from agency.access import SYSTEM
    from agency.catalog.models import Department
    from agency.sync import decision_files, service
    from agency.sync.schemas import SyncRecordIn
    from tests.support import valid_credit_code

    async with throwaway_app("sync") as app:
        records: list[SyncRecordIn] = []
        day = timeutil.today()
        async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                      base_url="http://bench.local") as client:
            async with app.state.sessionmaker() as session:
                await session.execute(update(Department).where(Department.code == "fgj").values(mode="external"))
                await session.commit()
            clerk = await _login(client, await _user(app, "clerk", "bench-clerk"))
            for number in range(dossiers):
                enterprise = (await client.post("/api/enterprises", headers=clerk, json={
                    "credit_code": valid_credit_code(), "name": f"基准企业{uuid.uuid4().hex[:6]}",
                    "legal_representative": "张三", "contact_name": "李四", "contact_phone": "13800001111",
                    "address": "示范县", "park": "开发区"})).json()
                code = f"2025-339001-29-03-{number:06d}"
                response = await client.post("/api/projects", headers=clerk, json={
                    "enterprise_id": enterprise["id"], "name": f"基准项目{number}", "route_code": "new_industrial",
                    "investment_wan": 1000, "location": "示范县", "investment_code": code})
                assert response.status_code == 201, response.text
                for act, extra in (("submitted", {}), ("accepted", {}),
                                   ("supplement_requested", {"missing_materials": ["sqb"], "reason": "未盖章"}),
                                   ("resubmitted", {}), ("approved", {"certificate_no": code})):
                    records.append(SyncRecordIn(
                        source="gongai", record_id=f"{code}-{act}", investment_code=code,
                        item_external_code="11330521MB0000001-0101", act=act,  # type: ignore[arg-type]
                        effective_on=day, officer="基准经办人", **extra))
            counted = {"statements": 0, "sql_seconds": 0.0, "at": 0.0}

            def before(*_: Any) -> None:
                counted["statements"] += 1
                counted["at"] = time.perf_counter()

            def after(*_: Any) -> None:
                counted["sql_seconds"] += time.perf_counter() - counted["at"]

            event.listen(app.state.engine.sync_engine, "before_cursor_execute", before)
            event.listen(app.state.engine.sync_engine, "after_cursor_execute", after)
            profiler = None
            if profile:
                import cProfile

                profiler = cProfile.Profile()
            async with app.state.sessionmaker() as session:
                counted["statements"], counted["sql_seconds"] = 0, 0.0
                if profiler:
                    profiler.enable()
                started, cpu = time.perf_counter(), time.process_time()
                outcome = await service.receive(session, SYSTEM, records, timeutil.today(),
                                                decision_files.Stored(app.state.blob_store))
                await session.commit()
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
                if profiler:
                    profiler.disable()
                    profiler.dump_stats(profile)
        assert outcome.applied == len(records), outcome.queued[:3]
        return {"records": len(records), "seconds": elapsed, "per_second": len(records) / elapsed,
                "statements": counted["statements"] / len(records), "sql_seconds": counted["sql_seconds"],
                "cpu_seconds": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the import to FILE")
    args = parser.parse_args()
    figures: dict[str, Any] = asyncio.run(run(args.dossiers, args.profile))
    print(f"{figures['records']} records applied in {figures['seconds']:.1f} s "
          f"({figures['per_second']:.0f} records/s, one transaction, PostgreSQL); "
          f"{figures['statements']:.1f} statements per record, {figures['sql_seconds']:.1f} s of them "
          "between sending a statement and its answer, "
          f"{figures['cpu_seconds']:.1f} s of this process's CPU")


if __name__ == "__main__":
    main()
