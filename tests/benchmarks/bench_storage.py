"""Upload throughput and memory of S3BlobStore.put against a plain minio put_object.

Run: ``python tests/benchmarks/bench_storage.py [--size-mb 100] [--repeat 3]``

Both upload the same file to the same moto S3 server (a subprocess, so its memory is not
ours). Each measured upload runs in a fresh child process: the peak resident set of a
process never goes down, so one upload would hide the next. A thread samples
/proc/self/statm every millisecond; the figure is peak RSS minus RSS just before the upload.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Callable
from pathlib import Path

MiB = 1024 * 1024
CHUNK = int(os.environ.get("BENCH_CHUNK", MiB))
PAGE = os.sysconf("SC_PAGE_SIZE")
ROOT = Path(__file__).resolve().parents[2]


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class PeakRss:
    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss())
            time.sleep(0.001)

    def __enter__(self) -> PeakRss:
        self.peak = rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


# -- child: one measured upload -----------------------------------------------------------


def measure(upload: Callable[[], object], warm_up: Callable[[], object]) -> dict[str, float]:
    warm_up()  # imports, connection pool, bucket: not part of the figure
    before = rss()
    with PeakRss() as peak:
        started = time.perf_counter()
        upload()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_growth": peak.peak - before, "rss_before": before}


def child_plain(endpoint: str, bucket: str, path: Path, then_copy: bool) -> dict[str, float]:
    from minio import Minio
    from minio.commonconfig import REPLACE, CopySource
    from minio.helpers import DictType

    client = Minio(endpoint, access_key="bench", secret_key="bench", secure=False, region="us-east-1")
    size = path.stat().st_size

    def warm_up() -> None:
        if not client.bucket_exists(bucket):
            client.make_bucket(bucket)

    def upload() -> None:
        with path.open("rb") as data:
            client.put_object(bucket, "plain/object", data, length=size, content_type="application/pdf")
        if then_copy:
            # What S3BlobStore adds to record the digest of a multipart upload.
            metadata: DictType = {"sha256": "0" * 64, "Content-Type": "application/pdf"}
            source = CopySource(bucket, "plain/object")
            client.copy_object(bucket, "plain/object", source, metadata=metadata, metadata_directive=REPLACE)

    return measure(upload, warm_up)


def child_store(endpoint: str, bucket: str, path: Path, parallel_parts: int) -> dict[str, float]:
    from storage import S3BlobStore

    loop = asyncio.new_event_loop()
    store = S3BlobStore(
        endpoint=endpoint,
        access_key="bench",
        secret_key="bench",
        bucket=bucket,
        secure=False,
        parallel_parts=parallel_parts,
    )

    async def chunks() -> AsyncIterator[bytes]:
        # As the service would feed it: a spooled upload file read in a thread, 1 MiB at a time.
        with path.open("rb") as data:
            while chunk := await asyncio.to_thread(data.read, CHUNK):
                yield chunk

    async def small() -> AsyncIterator[bytes]:
        yield b"%PDF-1.7\nwarm-up"

    def warm_up() -> None:
        loop.run_until_complete(store.put(small(), max_size=MiB))

    def upload() -> None:
        stored = loop.run_until_complete(store.put(chunks(), max_size=200 * MiB))
        assert stored.size == path.stat().st_size

    result = measure(upload, warm_up)
    loop.run_until_complete(store.aclose())
    loop.close()
    return result


# -- parent: server, file, table ----------------------------------------------------------


def start_moto(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://{endpoint}/", timeout=1):
                return process, endpoint
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"moto_server did not start; see {log}")


def run_child(case: str, endpoint: str, bucket: str, path: Path, parallel_parts: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    output = subprocess.run(
        [sys.executable, __file__, "--child", case, endpoint, bucket, str(path), str(parallel_parts)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        folder = Path(tmp)
        process, endpoint = start_moto(folder / "moto.log")
        try:
            path = folder / "scan.pdf"
            block = os.urandom(MiB)
            with path.open("wb") as out:
                out.write(b"%PDF-1.7\n")
                for _ in range(args.size_mb):
                    out.write(block)
            size = path.stat().st_size
            cases = [
                ("plain", 0, "minio put_object (file, defaults)"),
                ("plain", 1, "  the same + self-copy recording sha256"),
                ("store", 1, "S3BlobStore.put, 1 part in flight"),
                ("store", 2, "S3BlobStore.put, 2 parts in flight"),
            ]
            print(f"{size / MiB:.0f} MiB to moto S3 at {endpoint}, median of {args.repeat}, one process per run")
            print(f"{'case':<40} {'MiB/s':>8} {'seconds':>8} {'peak RSS growth MiB':>20}")
            medians: dict[str, float] = {}
            for case, parallel, label in cases:
                runs = [
                    run_child(case, endpoint, f"bench-{case}-{parallel}", path, parallel) for _ in range(args.repeat)
                ]
                seconds = statistics.median(r["seconds"] for r in runs)
                growth = max(r["rss_growth"] for r in runs) / MiB
                medians[label] = size / MiB / seconds
                print(f"{label:<40} {size / MiB / seconds:8.1f} {seconds:8.2f} {growth:20.1f} (max of runs)")
            plain = medians[cases[0][2]]
            for _, _, label in cases[1:]:
                print(f"throughput ratio {label.strip()} / plain: {medians[label] / plain:.2f}")
        finally:
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, case, endpoint, bucket, file, parallel = sys.argv
        if case == "plain":
            figures = child_plain(endpoint, bucket, Path(file), then_copy=parallel == "1")
        else:
            figures = child_store(endpoint, bucket, Path(file), int(parallel))
        print(json.dumps(figures))
    else:
        main()
