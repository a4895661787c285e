"""A 100 MB scan uploaded through the API to S3: the server's peak memory growth, and the throughput
as a ratio to a plain minio put_object of the same file to the same S3 server in the same run.

Run: ``python tests/benchmarks/bench_upload.py [--size-mb 100] [--repeat 3] [--database sqlite|postgresql]``

Targets (issue 6): peak RSS growth of the server process under 32 MB; throughput ≥ 0.5 × plain SDK.

- moto's S3 server runs as a subprocess, so its memory is not the server's;
- the real server runs as `agency serve --demo` (granian, one worker) with AGENCY_STORAGE_URL pointing
  at moto; the clerk of the demo data opens a dossier through the API;
- the client streams the multipart body from a generator (it never holds the file either), with a
  Content-Length, as a browser does;
- a thread samples VmRSS of every process of the server (granian's main process and its worker)
  from /proc every 2 ms; the figure is the peak minus the value just before the upload;
- the plain upload is ``Minio.put_object`` of the same file (known length, default part size) in this
  process, to another bucket of the same moto server, alternating with the API uploads;
- also timed: the server-side self-copy S3BlobStore makes after a multipart upload to record the
  sha256 in the object's metadata (moto and AWS copy the bytes; MinIO updates metadata only), so the
  share of the gap that is moto's copying shows.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.benchmarks.bench_storage import start_moto  # noqa: E402
from tests.support import valid_credit_code  # noqa: E402

MiB = 1024 * 1024
READ = MiB
ACCESS, SECRET = "bench-access", "bench-secret"
PASSWORD = "Bench@2026pw"


# -- memory of the server's processes -----------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (granian runs the app in a worker process)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def vm_rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def command_of(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


class PeakRss:
    """Peak VmRSS of each given process (and of their sum) while the block runs."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.before = {pid: vm_rss(pid) for pid in pids}
        self.peak = dict(self.before)
        self.before_total = sum(self.before.values())
        self.peak_total = self.before_total
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        values = {pid: vm_rss(pid) for pid in self.pids}
        for pid, value in values.items():
            self.peak[pid] = max(self.peak[pid], value)
        self.peak_total = max(self.peak_total, sum(values.values()))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            time.sleep(0.002)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def growth(self, pid: int) -> int:
        return self.peak[pid] - self.before[pid]


# -- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                health = json.loads(response.read())
                if health["storage"] == "ok" and health["database"] == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not become healthy in {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def multipart_stream(path: Path, boundary: str, filename: str) -> tuple[Iterator[bytes], int]:
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + path.stat().st_size + len(tail)

    def chunks() -> Iterator[bytes]:
        yield head
        with path.open("rb") as data:
            while chunk := data.read(READ):
                yield chunk
        yield tail

    return chunks(), length


def upload(client: httpx.Client, headers: dict[str, str], approval_id: int, path: Path) -> dict[str, object]:
    boundary = f"bench{uuid.uuid4().hex}"
    body, length = multipart_stream(path, boundary, "扫描件.pdf")
    response = client.post(f"/api/approvals/{approval_id}/materials/sqb/files", content=body, headers={
        **headers, "Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(length)})
    if response.status_code != 201:
        raise SystemExit(f"upload failed: {response.status_code} {response.text}")
    result: dict[str, object] = response.json()
    return result


def open_dossier(client: httpx.Client, password: str) -> tuple[dict[str, str], int]:
    login = client.post("/api/auth/login", json={"username": "clerk", "password": password})
    login.raise_for_status()
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    enterprise = client.post("/api/enterprises", headers=headers, json={
        "credit_code": valid_credit_code(), "name": f"基准测试企业{uuid.uuid4().hex[:6]}",
        "legal_representative": "张三", "contact_name": "李四", "contact_phone": "13800001111",
        "address": "示范县开发区1号", "park": "开发区"})
    enterprise.raise_for_status()
    project = client.post("/api/projects", headers=headers, json={
        "enterprise_id": enterprise.json()["id"], "name": f"基准测试项目{uuid.uuid4().hex[:6]}",
        "route_code": "new_industrial", "investment_wan": 1000, "location": "示范县开发区"})
    project.raise_for_status()
    approval_id = next(a["id"] for a in project.json()["approvals"] if a["item_code"] == "xmba")
    return headers, int(approval_id)


# -- the run --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    from minio import Minio
    from minio.commonconfig import REPLACE, CopySource

    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp:
        folder = Path(tmp)
        path = folder / "scan.pdf"
        with path.open("wb") as out:
            out.write(b"%PDF-1.7\n")
            for _ in range(args.size_mb):
                out.write(os.urandom(MiB))
        size = path.stat().st_size

        moto, endpoint = start_moto(folder / "moto.log")
        database_url = f"sqlite+aiosqlite:///{folder / 'agency.db'}"
        if args.database == "postgresql":
            from tests.conftest import new_database

            database_url = new_database("postgresql", folder)
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "AGENCY_DATA_DIR": str(folder / "data"),
            "AGENCY_DATABASE_URL": database_url,
            "AGENCY_STORAGE_URL": f"s3://{ACCESS}:{SECRET}@{endpoint}/bench-api?secure=false&region=us-east-1",
            "AGENCY_SECRET_KEY": secrets.token_urlsafe(48),
            "AGENCY_UPLOAD_LIMIT_MB": str(max(200, args.size_mb * 2)),
            "AGENCY_DEMO_PASSWORD": PASSWORD,
            "AGENCY_LOG_LEVEL": "WARNING",
        }
        log = folder / "server.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "agency.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                 "--demo", "--migrate"],
                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_up(f"http://127.0.0.1:{port}/health", server, log)
            pids = process_tree(server.pid)
            plain = Minio(endpoint, access_key=ACCESS, secret_key=SECRET, secure=False, region="us-east-1")
            if not plain.bucket_exists("bench-plain"):
                plain.make_bucket("bench-plain")
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
                headers, approval_id = open_dossier(client, PASSWORD)
                # Warm up: imports, connection pools, the bucket, the code paths — with a small file.
                small = folder / "small.pdf"
                small.write_bytes(b"%PDF-1.7\n" + os.urandom(MiB))
                upload(client, headers, approval_id, small)
                time.sleep(0.5)

                print(f"{size / MiB:.0f} MiB scan, moto S3 at {endpoint}, agency serve (granian, 1 worker), "
                      f"{args.database}, {os.cpu_count()} cores")
                for pid in pids:
                    print(f"  server process {pid}: {command_of(pid)[:90]}  VmRSS {vm_rss(pid) / MiB:.1f} MiB")
                print(f"{'run':<5} {'API MiB/s':>10} {'plain MiB/s':>12} {'ratio':>6}   peak RSS growth MiB "
                      "(per server process; sum)")
                api_rates, plain_rates, growths, totals = [], [], [], []
                copy_seconds: list[float] = []
                with_copy_rates: list[float] = []
                for run in range(1, args.repeat + 1):
                    with PeakRss(pids) as peak:
                        started = time.perf_counter()
                        result = upload(client, headers, approval_id, path)
                        api_seconds = time.perf_counter() - started
                    assert result["size"] == size, result
                    started = time.perf_counter()
                    with path.open("rb") as data:
                        plain.put_object("bench-plain", f"plain-{run}", data, length=size,
                                         content_type="application/pdf")
                    plain_seconds = time.perf_counter() - started
                    # What S3BlobStore adds after a multipart upload to record the sha256 in the object's
                    # metadata: a server-side self-copy (metadata only on MinIO; moto and AWS copy the bytes).
                    started = time.perf_counter()
                    plain.copy_object("bench-plain", f"plain-{run}", CopySource("bench-plain", f"plain-{run}"),
                                      metadata={"sha256": "0" * 64, "Content-Type": "application/pdf"},
                                      metadata_directive=REPLACE)
                    copy_seconds.append(time.perf_counter() - started)
                    plain.remove_object("bench-plain", f"plain-{run}")  # keep moto's memory flat
                    with_copy_rates.append(size / MiB / (plain_seconds + copy_seconds[-1]))
                    api_rate, plain_rate = size / MiB / api_seconds, size / MiB / plain_seconds
                    api_rates.append(api_rate)
                    plain_rates.append(plain_rate)
                    per_process = [peak.growth(pid) / MiB for pid in pids]
                    growths.append(max(per_process))
                    totals.append((peak.peak_total - peak.before_total) / MiB)
                    print(f"{run:<5} {api_rate:10.1f} {plain_rate:12.1f} {api_rate / plain_rate:6.2f}   "
                          + ", ".join(f"{g:.1f}" for g in per_process) + f"; sum {totals[-1]:.1f}")
                api_median, plain_median = statistics.median(api_rates), statistics.median(plain_rates)
                ratio = api_median / plain_median
                paired = statistics.median(a / p for a, p in zip(api_rates, plain_rates, strict=True))
                print(f"median: API {api_median:.1f} MiB/s, plain minio put_object {plain_median:.1f} MiB/s, "
                      f"ratio {ratio:.2f} (target >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'}); "
                      f"median of the runs' ratios {paired:.2f}")
                copy, with_copy = statistics.median(copy_seconds), statistics.median(with_copy_rates)
                print(f"  the self-copy that records the sha256 takes moto {copy:.2f} s of the API upload; "
                      f"API vs plain put_object + that self-copy: {api_median / with_copy:.2f}")
                worst = max(growths)
                print(f"peak RSS growth of the server's app process: worst {worst:.1f} MiB, first run "
                      f"{growths[0]:.1f} MiB (target < 32 MB: {'met' if worst * MiB < 32e6 else 'NOT met'}); "
                      f"all server processes together: worst {max(totals):.1f} MiB")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(5)
            moto.terminate()
            moto.wait(10)
            if args.database == "postgresql":
                from tests.conftest import drop_database

                drop_database(database_url)


if __name__ == "__main__":
    main()
