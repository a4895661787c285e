"""Schemathesis over the OpenAPI document, against a real server process, logged in as each role:
no operation answers 5xx to anything the schema allows (or to what it merely tries)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES

ROLES = ["admin", "clerk", "dept-zrzy", "enterprise", "leader"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which("schemathesis", path=str(Path(sys.executable).parent)) is None:
        if REQUIRE_SERVICES:
            pytest.fail("AGENCY_REQUIRE_SERVICES=1 but schemathesis is not installed")
        pytest.skip("SKIPPED: schemathesis is not installed")
    port = _free_port()
    env = {**os.environ, "AGENCY_DATA_DIR": str(tmp_path_factory.mktemp("fuzz")), "AGENCY_SCHEDULER": "off",
           "AGENCY_LOG_LEVEL": "WARNING"}
    for name in ("AGENCY_DATABASE_URL", "AGENCY_REDIS_URL", "AGENCY_STORAGE_URL"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "-m", "agency.cli", "serve", "--demo", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               cwd=Path(__file__).resolve().parents[2])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{base}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        process.wait(30)


def _token(base: str, username: str) -> str:
    request = urllib.request.Request(f"{base}/api/auth/login", method="POST", data=json.dumps(
        {"username": username, "password": os.environ.get("AGENCY_DEMO_PASSWORD", "Agency@2026")}).encode(),
        headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)["token"])


@pytest.mark.integration
@pytest.mark.parametrize("role", ROLES)
def test_no_operation_answers_a_server_error(server: str, role: str) -> None:
    token = _token(server, role)
    command = [str(Path(sys.executable).parent / "schemathesis"), "run", f"{server}/schema/openapi.json",
               "-H", f"Authorization: Bearer {token}", "--checks", "not_a_server_error",
               "--max-examples", "8", "--phases", "examples,coverage,fuzzing", "--seed", "20261125",
               # Logging out or changing the password would end the session the rest of the run uses.
               "--exclude-path-regex", "logout|password"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-4000:]
