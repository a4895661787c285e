"""The production processes and the servers a fault test stops: `agency serve`, `agency worker`, the
`agency` operator commands, a Redis of the test's own, and a front for the S3 server that can be
"switched off" while the objects behind it survive (moto keeps them in memory only).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

import httpx

from agency.db.engine import create_engine, create_sessionmaker
from tests.conftest import make_settings, service_missing
from tests.storage.blob_helpers import free_port
from tests.support import REPOSITORY, Api, same_clock

T = TypeVar("T")
SECRET = "test-secret-key-that-is-long-enough-0123456789"


async def poll_until(check: Callable[[], Awaitable[T]], what: str, within: float = 30.0,
                     every: float = 0.1) -> T:
    """``check()`` until it returns something true; fails naming ``what`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what} (last: {value!r})")
        await asyncio.sleep(every)


def server_env(database_url: str, data_dir: Path, **overrides: str) -> dict[str, str]:
    """What an operator puts in the environment of `agency serve` / `agency worker` / `agency …`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENCY_")}
    env.update(AGENCY_DATABASE_URL=database_url, AGENCY_DATA_DIR=str(data_dir),
               AGENCY_STORAGE_URL=f"file://{data_dir}/storage", AGENCY_SECRET_KEY=SECRET,
               AGENCY_SCHEDULER="off", AGENCY_LOG_LEVEL="INFO", AGENCY_TEST_FAST_PASSWORD_HASH="1",
               AGENCY_LOGIN_FAILURES_PER_ADDRESS="1000000", AGENCY_LOGIN_FAILURES_PER_ADDRESS_AND_USER="1000000",
               **same_clock())
    env.update(overrides)
    return env


class Service:
    """One child process (cwd: the repository) with its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.argv, cwd=REPOSITORY, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, no transaction is finished."""
        if self.alive:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.alive:
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, chars: int = 3000) -> str:
        return f"--- {self.name} log ---\n{self.output()[-chars:]}"


def agency(*args: str) -> list[str]:
    return [sys.executable, "-m", "agency.cli", *args]


async def start_server(env: dict[str, str], log: Path) -> tuple[Service, str]:
    """`agency serve` on a free port; returns it once /health answers."""
    port = free_port()
    server = Service("agency serve", agency("serve", "--host", "127.0.0.1", "--port", str(port)), env, log)
    server.start()
    url = f"http://127.0.0.1:{port}"

    async def up() -> bool:
        assert server.alive, server.tail()
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                return (await client.get(url + "/health")).status_code == 200
        except httpx.HTTPError:
            return False

    await poll_until(up, "agency serve to answer /health", within=60, every=0.2)
    return server, url


def start_worker(env: dict[str, str], log: Path) -> Service:
    worker = Service("agency worker", agency("worker"), env, log)
    worker.start()
    return worker


async def operator(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """An `agency …` operator command, run as the operator runs it."""
    return await asyncio.to_thread(subprocess.run, agency(*args), cwd=REPOSITORY, env=env, capture_output=True,
                                   text=True, timeout=120, check=False)


async def assert_audit_chain_intact(env: dict[str, str]) -> None:
    verified = await operator(env, "audit", "verify")
    assert verified.returncode == 0 and "audit chain intact" in verified.stdout, verified.stdout + verified.stderr


async def assert_storage_consistent(env: dict[str, str]) -> None:
    checked = await operator(env, "storage", "check")
    assert checked.returncode == 0 and "storage consistent" in checked.stdout, checked.stdout + checked.stderr


@asynccontextmanager
async def http_api(base_url: str, database_url: str, data_dir: Path) -> AsyncIterator[Api]:
    """The test helpers' ``Api`` speaking HTTP to a real server; users are created in its database."""
    engine = create_engine(database_url, pool_size=2)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        api = Api(client, create_sessionmaker(engine), make_settings(database_url, data_dir))  # type: ignore[arg-type]
        await api.bootstrap_admin()
        try:
            yield api
        finally:
            await engine.dispose()


async def health(base_url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(base_url + "/health")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- Redis of the test's own ------------------------------------------------------------------------


class RedisServer:
    """redis-server on a free port, no persistence: stop() loses every queued job, as a crash would."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15.0) -> None:
        with self.log.open("ab") as out:
            self._process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--daemonize", "no"], stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process.poll() is None, self.log.read_text(errors="replace")[-800:]
            with suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer: " + self.log.read_text(errors="replace")[-800:])

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(10)


def own_redis(log: Path) -> RedisServer:
    if shutil.which("redis-server") is None:
        service_missing("redis-server (to start a Redis of the test's own)", FileNotFoundError("redis-server"))
    server = RedisServer(log)
    try:
        server.start()
    except Exception as error:
        service_missing("a Redis of the test's own", error)
    return server


# -- a front for the S3 server --------------------------------------------------------------------


class TcpFront:
    """A TCP relay on a fixed port to ``target``. stop() is the S3 server going away as seen from the
    network: the port refuses connections and every open connection is reset. start() brings it back
    on the same port, with the objects still there."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._acceptor: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener
        self._acceptor = self._spawn(self._accept, listener)

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            for sock in self._open:
                with suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.shutdown(socket.SHUT_RDWR)  # wakes the relay threads blocked on it
                    sock.close()  # linger 0: a reset, as from a server that died
            self._open.clear()
        if self._acceptor is not None:
            self._acceptor.join(5)
            self._acceptor = None

    def _spawn(self, target: Callable[..., None], *args: Any) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        return thread

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open |= {client, upstream}
            self._spawn(self._pump, client, upstream)
            self._spawn(self._pump, upstream, client)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass
