"""Profiles one API request path in-process with pyinstrument, against a seeded database.

Run: python tests/benchmarks/profile_request.py PATH [--database agency_bench] [--user bench-clerk1] [-n 200]
     (seed first: python tests/benchmarks/seed.py). Prints the mean time per request and the
     pyinstrument call tree of the whole run, so the cost of each layer (auth, queries, encoding) shows.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from agency.app import create_app
from agency.settings import Settings
from tests.benchmarks import seed


async def main(path: str, database: str, user: str, count: int, method: str) -> None:
    from pyinstrument import Profiler

    settings = Settings.from_env({
        "AGENCY_DATABASE_URL": seed.PG_URL_TEMPLATE.format(name=database), "AGENCY_DATA_DIR": "/tmp/agency-profile",
        "AGENCY_STORAGE_URL": "file:///tmp/agency-profile/storage", "AGENCY_SCHEDULER": "off",
        "AGENCY_SECRET_KEY": "profile-secret-key-that-is-long-enough-0123456789", "AGENCY_LOG_LEVEL": "WARNING"})
    app = create_app(settings)
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                  base_url="http://bench.local") as client:
        login = await client.post("/api/auth/login", json={"username": user, "password": seed.PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        for _ in range(20):  # warm caches (calendar, catalog) and the pool
            assert (await client.request(method, path, headers=headers)).status_code < 300
        profiler = Profiler(async_mode="enabled")
        started = time.perf_counter()
        with profiler:
            for _ in range(count):
                await client.request(method, path, headers=headers)
        elapsed = time.perf_counter() - started
    print(f"{method} {path}: {elapsed / count * 1000:.2f} ms a request, one at a time, in-process")
    profiler.print(show_all=False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--database", default="agency_bench")
    parser.add_argument("--user", default="bench-clerk1")
    parser.add_argument("--method", default="GET")
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.path, args.database, args.user, args.n, args.method))
