"""HTTP load test: the production server (`agency serve`, granian) on a seeded PostgreSQL, loaded by wrk.

Run: python tests/benchmarks/bench_http.py [--projects 100000] [--reuse] [--workers 2] [--duration 10s] [--warmup 5s]
     [--mixed 60s] [--only detail,list1,...] [--job-worker]

Seeds database `agency_bench` with tests/benchmarks/seed.py (or reuses it with --reuse), starts
`agency serve` with file storage, and measures, each at 50 connections from wrk in another process:
login, project list page 1 and a deep page, project detail (16 approvals), the clerk's unfiltered worklist
(page 1), an approval action (suspend/resume by the department officer, each request carrying the version it
got back), a 1 MB upload; then 60 s of mixed traffic from 200 concurrent clients (reads from wrk, actions from the
action driver). Every figure is printed beside the same machine's figure for a bare Litestar route
returning a fixed msgspec Struct, served the same way, so figures compare across machines as ratios.

The papers an action asks for render after its answer is sent: in the API process (the default here, as in
the embedded mode), or, with --job-worker, in an `agency worker` started beside the server on Redis (as
production runs). Either way on this machine's cores: after the action scenario the run waits until every
paper job has finished and prints how many there were and how long they took to catch up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.benchmarks import seed
from tests.benchmarks.action_driver import pick_approvals
from tests.benchmarks.loadgen import LoadResult, free_port, lua_string, wait_up, wrk

ROOT = Path(__file__).resolve().parents[2]
CONNECTIONS = 50
SECRET = "bench-secret-key-that-is-long-enough-0123456789"


def login(base: str, username: str) -> str:
    body = json.dumps({"username": username, "password": seed.PASSWORD}).encode()
    request = urllib.request.Request(f"{base}/api/auth/login", method="POST", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.loads(response.read())["token"])


def get_json(base: str, path: str, token: str) -> object:
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def bearer(token: str) -> str:
    return f'wrk.headers["Authorization"] = {lua_string("Bearer " + token)}\n'


def multipart_pdf(size: int) -> tuple[str, bytes]:
    boundary = "benchboundary7d93"
    pdf = b"%PDF-1.4\n%" + os.urandom(size - 20) + b"\n%%EOF\n"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + pdf + f"\r\n--{boundary}--\r\n".encode()
    return boundary, body


def upload_script(token: str, body_file: Path, boundary: str) -> str:
    return (bearer(token) + 'wrk.method = "POST"\n'
            f'wrk.headers["Content-Type"] = "multipart/form-data; boundary={boundary}"\n'
            f'local f = io.open({lua_string(str(body_file))}, "rb")\nwrk.body = f:read("*a")\nf:close()\n')


def mixed_script(token: str, project_ids: list[int], approval_ids: list[int], pages: int, worklist: bool) -> str:
    projects = ",".join(map(str, project_ids))
    approvals = ",".join(map(str, approval_ids))
    return bearer(token) + f"""
local projects = {{{projects}}}
local approvals = {{{approvals}}}
math.randomseed(7)
request = function()
  local r = math.random(100)
  local path
  if r <= 40 then path = "/api/projects/" .. projects[math.random(#projects)]
  elseif r <= 65 then path = "/api/projects?page=" .. math.random({pages}) .. "&page_size=20"
  elseif r <= 85 then path = "/api/approvals/" .. approvals[math.random(#approvals)]
  elseif r <= 95 and {"true" if worklist else "false"} then
    path = "/api/approvals?page=" .. math.random(20) .. "&page_size=20"
  elseif r <= 95 then path = "/api/projects/" .. projects[math.random(#projects)]
  else path = "/api/projects?q=" .. math.random(100000) .. "&page_size=20" end
  return wrk.format("GET", path)
end
"""


def start(command: list[str], env: dict[str, str], health: str, log: Path) -> subprocess.Popen[bytes]:
    # The server's output goes to a file: a pipe nobody reads fills up and stops the server mid-run.
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_up(health, process)
    except RuntimeError:
        process.kill()
        raise SystemExit(f"{' '.join(command)} did not start:\n{log.read_text(errors='replace')[-4000:]}") from None
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def driver(base: str, token: str, approvals: list[int], clients: int, seconds: float) -> subprocess.Popen[str]:
    """The action driver, in its own process: loops suspend → resume on its own approvals."""
    return subprocess.Popen([sys.executable, str(Path(__file__).with_name("action_driver.py")), base, token,
                             ",".join(map(str, approvals[:clients])), str(seconds)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


async def unfinished_jobs(url: str, after: int) -> int:
    """Jobs after id ``after`` (those of this run: not one an earlier run's stopped worker left running)
    still pending or running; with ``after`` -1, the newest job's id."""
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        count = (await connection.execute(text(
            "SELECT coalesce(max(id), 0) FROM jobs" if after < 0 else
            "SELECT count(*) FROM jobs WHERE status IN ('pending', 'running') AND id > :after"),
            {"after": after})).scalar_one()
    await engine.dispose()
    return int(count)


def papers_caught_up(url: str, after: int, limit: float = 600) -> str:
    """Waits until no job of this run is pending or running; says how many were left when the load ended and
    how long."""
    started = time.monotonic()
    left = asyncio.run(unfinished_jobs(url, after))
    remaining = left
    while remaining and time.monotonic() - started < limit:
        time.sleep(1)
        remaining = asyncio.run(unfinished_jobs(url, after))
    return (f"paper jobs unfinished when the load ended: {left}; all done {time.monotonic() - started:.0f} s later"
            if not remaining else f"paper jobs: {left} unfinished at the end, {remaining} still after {limit:.0f} s")


def start_job_worker(env: dict[str, str], log: Path, niceness: int) -> subprocess.Popen[bytes]:
    """`agency worker` on the bench's Redis database (at ``niceness``), once it has told Redis it is alive."""
    from redis import Redis

    redis = Redis.from_url(env["AGENCY_REDIS_URL"])
    redis.flushdb()
    with log.open("ab") as out:
        process = subprocess.Popen(["nice", "-n", str(niceness), sys.executable, "-m", "agency.cli", "worker"], env=env,
                                   cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    for _ in range(150):
        if redis.exists("arq:queue:health-check"):
            return process
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"agency worker did not start:\n{log.read_text(errors='replace')[-4000:]}")


def _processes() -> dict[int, tuple[str, int, float]]:
    """Every process: its command name, parent, and CPU seconds used so far (user + system)."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, tuple[str, int, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        found[int(stat.parent.name)] = (name, int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return found


def cpu_of(server: int) -> tuple[float, float]:
    """CPU seconds used so far by the server's processes (it and its workers) and by PostgreSQL's."""
    processes = _processes()
    tree, grew = {server}, True
    while grew:
        more = {pid for pid, (_, parent, _) in processes.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    api = sum(processes[pid][2] for pid in tree if pid in processes)
    database = sum(cpu for name, _, cpu in processes.values() if name.startswith("postgres"))
    return api, database


async def checkpoints(url: str) -> int:
    """PostgreSQL's checkpoints so far (timed and requested): one during a run flushes the dirty pages, and the
    commits that wait for the WAL meanwhile make the run's tail."""
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        count = (await connection.execute(text(
            "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"))).scalar_one()
    await engine.dispose()
    return int(count)


def driver_result(process: subprocess.Popen[str]) -> LoadResult:
    out, _ = process.communicate(timeout=600)
    data = json.loads(out.strip().splitlines()[-1])
    return LoadResult(**data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--database", default="agency_bench")
    parser.add_argument("--reuse", action="store_true", help="use the already seeded database")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default: one per core)")
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--warmup", default="5s",
                        help="unrecorded load before each scenario but login and upload ('0' skips it): "
                             "the figures are the steady state, not a server's first seconds")
    parser.add_argument("--mixed", default="60s", help="duration of the 200-client mixed run ('0' skips it)")
    parser.add_argument("--no-worklist", action="store_true",
                        help="leave the unfiltered worklist (GET /api/approvals) out of the mixed run")
    parser.add_argument("--writers", type=int, default=20, help="acting clients among the mixed run's 200")
    parser.add_argument("--only", default="", help="comma-separated scenarios to run")
    parser.add_argument("--job-worker", action="store_true",
                        help="Redis and an `agency worker` beside the server: papers render in the worker")
    parser.add_argument("--job-worker-nice", type=int, default=0,
                        help="the worker's niceness (19: it renders with what the server leaves of the CPU)")
    parser.add_argument("--job-worker-paused", action="store_true",
                        help="stop the worker (SIGSTOP) while the actions run, resume it after: the papers wait in "
                             "Redis as for a worker on another machine, and the figure is the action's own "
                             "(issue 18's definition); the worker's alive-key lasts 31 s, so keep warm-up + "
                             "duration under 25 s")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))

    def wanted(name: str) -> bool:
        return not only or name in only

    url = seed.PG_URL_TEMPLATE.format(name=args.database)
    if not args.reuse:
        print(f"seeding {args.projects:,} projects …", flush=True)
        seeded = asyncio.run(seed.seeded_database(args.database, args.projects, sweep=True))
        print(f"seeded {seeded.approvals:,} approvals in {seeded.seconds:.0f} s", flush=True)
    data = Path(tempfile.mkdtemp(prefix="agency-bench-http-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AGENCY_DATABASE_URL": url,
           "AGENCY_STORAGE_URL": f"file://{data}/storage", "AGENCY_DATA_DIR": str(data),
           "AGENCY_SECRET_KEY": SECRET, "AGENCY_SCHEDULER": "off", "AGENCY_LOG_LEVEL": "WARNING",
           "AGENCY_LOGIN_FAILURES_PER_ADDRESS": "1000000", "AGENCY_LOGIN_FAILURES_PER_ADDRESS_AND_USER": "1000000"}
    if args.job_worker:
        env["AGENCY_REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    results: list[tuple[str, LoadResult]] = []
    caught_up = ""
    server_log = Path(tempfile.gettempdir()) / "agency-bench-http-server.log"
    server_log.unlink(missing_ok=True)
    port = free_port()
    bare = start([sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
                  "--workers", str(args.workers), "--log-level", "warning", "tests.benchmarks.bare_app:app"],
                 env, f"http://127.0.0.1:{port}/bare", data / "bare.log")
    try:
        if args.warmup != "0":
            wrk(f"http://127.0.0.1:{port}/bare", connections=CONNECTIONS, duration=args.warmup)
        yardstick = wrk(f"http://127.0.0.1:{port}/bare", connections=CONNECTIONS, duration=args.duration)
    finally:
        stop(bare)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start([sys.executable, "-m", "agency.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                    "--workers", str(args.workers), "--no-migrate"], env, f"{base}/health", server_log)
    job_worker = start_job_worker(env, data / "worker.log", args.job_worker_nice) if args.job_worker else None
    try:
        clerk = login(base, "bench-clerk1")
        listing = get_json(base, "/api/projects?page=1&page_size=20", clerk)
        total = int(listing["total"])  # type: ignore[index]
        deep_page = max(1, total // 20 // 2)
        detail_id = asyncio.run(seed.detail_project_id(url))
        department, action_ids = asyncio.run(pick_approvals(url, "accepted", 200))
        officer = login(base, f"bench-{department}")
        upload_to = asyncio.run(seed.material_slot(url))
        print(f"{total:,} projects; detail of project {detail_id}; deep page {deep_page}; "
              f"actions by bench-{department}; server workers {args.workers}; wrk -c{CONNECTIONS} -d{args.duration}",
              flush=True)
        scenarios: list[tuple[str, str, str]] = [
            ("login", "/api/auth/login", 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
             f'wrk.body = {lua_string(json.dumps({"username": "bench-clerk2", "password": seed.PASSWORD}))}\n'),
            ("list1", "/api/projects?page=1&page_size=20", bearer(clerk)),
            ("listdeep", f"/api/projects?page={deep_page}&page_size=20", bearer(clerk)),
            ("detail", f"/api/projects/{detail_id}", bearer(clerk)),
            # the clerk's unfiltered worklist, page 1: every open clock of the book is in his scope
            ("worklist", "/api/approvals?page=1&page_size=20", bearer(clerk)),
        ]
        for name, path, script in scenarios:
            if wanted(name):
                if args.warmup != "0" and name != "login":
                    wrk(base + path, connections=CONNECTIONS, duration=args.warmup, script=script)
                results.append((name, wrk(base + path, connections=CONNECTIONS, duration=args.duration,
                                          script=script)))
                print(f"{name:10} {results[-1][1].line()}", flush=True)
        if wanted("action"):
            seconds = float(args.duration.rstrip("s"))
            jobs_before = asyncio.run(unfinished_jobs(url, -1))
            if job_worker is not None and args.job_worker_paused:
                job_worker.send_signal(signal.SIGSTOP)
            if args.warmup != "0":  # as for the reads: the steady state, not a fresh server's first seconds
                driver_result(driver(base, officer, action_ids, CONNECTIONS, float(args.warmup.rstrip("s"))))
            cpu_before = cpu_of(server.pid)
            checkpoints_before = asyncio.run(checkpoints(url))
            results.append(("action", driver_result(driver(base, officer, action_ids, CONNECTIONS, seconds))))
            api_cpu, database_cpu = (after - before for after, before in zip(cpu_of(server.pid), cpu_before,
                                                                            strict=True))
            done = max(1, results[-1][1].requests)
            print(f"{'action':10} {results[-1][1].line()}", flush=True)
            print(f"{'':10} CPU per action: server {api_cpu / done * 1000:.1f} ms, PostgreSQL "
                  f"{database_cpu / done * 1000:.1f} ms ({done:,} actions); PostgreSQL checkpoints during the run: "
                  f"{asyncio.run(checkpoints(url)) - checkpoints_before}", flush=True)
            if job_worker is not None and args.job_worker_paused:
                job_worker.send_signal(signal.SIGCONT)
            caught_up = papers_caught_up(url, jobs_before)
            print(f"{'':10} {caught_up}", flush=True)
        if wanted("upload"):
            boundary, body = multipart_pdf(1024 * 1024)
            body_file = data / "upload.body"
            body_file.write_bytes(body)
            approval_id, material = upload_to
            results.append(("upload", wrk(f"{base}/api/approvals/{approval_id}/materials/{material}/files",
                                          connections=CONNECTIONS, duration=args.duration,
                                          script=upload_script(clerk, body_file, boundary))))
            print(f"{'upload':10} {results[-1][1].line()}", flush=True)
        if args.mixed != "0" and wanted("mixed"):
            project_ids = asyncio.run(seed.sample_project_ids(url, 2000))
            approval_ids = asyncio.run(seed.sample_approval_ids(url, 2000))
            seconds = float(args.mixed.rstrip("s"))
            actions = driver(base, officer, action_ids[CONNECTIONS:], args.writers, seconds) if args.writers else None
            reads = wrk(base + "/", connections=200 - args.writers, duration=args.mixed, timeout="30s",
                        script=mixed_script(clerk, project_ids, approval_ids, max(1, total // 20),
                                           not args.no_worklist))
            results.append(("mixed-reads", reads))
            if actions is not None:
                results.append(("mixed-writes", driver_result(actions)))
            print(f"{'mixed':10} {200 - args.writers} reading + {args.writers} acting clients for {args.mixed}: "
                  + "; ".join(f"{name} {r.line()}" for name, r in results if name.startswith("mixed")), flush=True)
    finally:
        stop(server)
        if job_worker is not None:
            stop(job_worker)
        shutil.rmtree(data, ignore_errors=True)
    problems = [line for line in server_log.read_text(errors="replace").splitlines()
                if "ERROR" in line or "Traceback" in line]
    print(f"\nserver log {server_log}: {len(problems)} error lines" + "".join(f"\n  {p}" for p in problems[:5]))
    print(f"bare route: {yardstick.line()}")
    where = (f"in an agency worker beside the server (nice {args.job_worker_nice}"
             f"{', stopped during the actions' if args.job_worker_paused else ''})" if args.job_worker
             else "in the API after each answer")
    print(f"papers: {where}"
          + (f"; {caught_up}" if caught_up else ""))
    print(f"{'scenario':13} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs bare':>8}")
    for name, result in results:
        print(f"{name:13} {result.rps:8.0f} {result.p50_ms:8.1f} {result.p95_ms:8.1f} {result.p99_ms:8.1f} "
              f"{result.errors:7} {result.rps / yardstick.rps:8.3f}")


if __name__ == "__main__":
    main()
