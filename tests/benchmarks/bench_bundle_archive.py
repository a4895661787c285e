"""Stream a 500 MB bundle archive from a real server process; print its memory growth and throughput.

Run: python tests/benchmarks/bench_bundle_archive.py [MB]   (default 500; embedded SQLite + file storage,
the production server command `agency serve`). Target (issue 8): peak memory growth under 64 MB.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.bench_upload import PeakRss, process_tree
from tests.support import valid_credit_code

CHUNK = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pdf_body(megabytes: int, seed: bytes) -> Iterator[bytes]:
    # Random bytes, as incompressible as real scans (a 1 MB block repeats beyond deflate's 32 KB window).
    yield b"%PDF-1.7\n"
    block = os.urandom(CHUNK)
    for _ in range(megabytes):
        yield block


def multipart(name: str, megabytes: int, seed: bytes) -> tuple[dict[str, str], Iterator[bytes]]:
    boundary = "agencybench0123456789"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()

    def body() -> Iterator[bytes]:
        yield head
        yield from pdf_body(megabytes, seed)
        yield f"\r\n--{boundary}--\r\n".encode()

    return {"content-type": f"multipart/form-data; boundary={boundary}"}, body()


def main(total_mb: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="agency-bench-bundle-"))
    port = free_port()
    env = {**os.environ, "AGENCY_DATA_DIR": str(data), "AGENCY_SCHEDULER": "off", "AGENCY_UPLOAD_LIMIT_MB": "1024",
           "AGENCY_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([sys.executable, "-m", "agency.cli", "serve", "--demo", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        client = httpx.Client(base_url=base, timeout=600)
        for _ in range(300):
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        token = client.post("/api/auth/login", json={"username": "clerk", "password": "Agency@2026"}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        firm = client.post("/api/enterprises", headers=headers, json={
            "credit_code": valid_credit_code(), "name": "基准测试企业", "legal_representative": "甲",
            "contact_name": "乙", "contact_phone": "13800000000", "address": "示范县开发区"}).json()
        project = client.post("/api/projects", headers=headers, json={
            "enterprise_id": firm["id"], "name": "基准项目", "route_code": "new_industrial", "investment_wan": 100,
            "location": "示范县"}).json()
        xmba = next(a for a in project["approvals"] if a["item_code"] == "xmba")
        approval = client.get(f"/api/approvals/{xmba['id']}", headers=headers).json()
        client.post(f"/api/approvals/{xmba['id']}/actions", headers=headers,
                    json={"action": "prepare", "version": approval["version"]})
        required = [m for m in approval["materials"] if m["required"]]
        each = max(1, total_mb // len(required))
        for index, material in enumerate(required):
            extra, body = multipart(f"{material['name']}.pdf", each, f"扫描件{index}".encode())
            response = client.post(f"/api/approvals/{xmba['id']}/materials/{material['code']}/files",
                                   headers={**headers, **extra}, content=body)
            assert response.status_code == 201, response.text
        bundle = client.post("/api/bundles", headers=headers,
                             json={"project_id": project["id"], "approval_ids": [xmba["id"]]}).json()
        pids = process_tree(server.pid)
        received = 0
        with PeakRss(pids) as rss:
            started = time.perf_counter()
            with client.stream("GET", f"/api/bundles/{bundle['id']}/archive", headers=headers) as response:
                assert response.status_code == 200
                for chunk in response.iter_raw(CHUNK):
                    received += len(chunk)
            elapsed = time.perf_counter() - started
        growth = (rss.peak_total - rss.before_total) / 1024 / 1024
        print(f"bundle of {each * len(required)} MB in {len(required)} files: archive {received / 1024 / 1024:.0f} MB "
              f"streamed in {elapsed:.1f} s ({received / 1024 / 1024 / elapsed:.0f} MB/s); server peak RSS growth "
              f"{growth:.1f} MB over {len(pids)} processes (target < 64 MB)")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
