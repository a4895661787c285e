"""Schemathesis over the OpenAPI document, against a real server process, logged in as each role:
no operation answers 5xx to anything the schema allows (or to what it merely tries)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from agency.settings import DEFAULT_DEMO_PASSWORD
from tests.conftest import REQUIRE_SERVICES
from tests.support import demo_server

ROLES = ["admin", "clerk", "dept-zrzy", "enterprise", "leader"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which("schemathesis", path=str(Path(sys.executable).parent)) is None:
        if REQUIRE_SERVICES:
            pytest.fail("AGENCY_REQUIRE_SERVICES=1 but schemathesis is not installed")
        pytest.skip("SKIPPED: schemathesis is not installed")
    with demo_server(tmp_path_factory.mktemp("fuzz"), AGENCY_LOG_LEVEL="WARNING") as base:
        yield base


def _token(base: str, username: str) -> str:
    request = urllib.request.Request(f"{base}/api/auth/login", method="POST", data=json.dumps(
        {"username": username, "password": DEFAULT_DEMO_PASSWORD}).encode(),
        headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)["token"])


@pytest.fixture(scope="module")
def tokens(server: str) -> dict[str, str]:
    # Every role logs in before any fuzzing: the administrator's run locks random accounts.
    return {role: _token(server, role) for role in ROLES}


@pytest.mark.integration
@pytest.mark.parametrize("role", ROLES)
def test_no_operation_answers_a_server_error(server: str, tokens: dict[str, str], role: str) -> None:
    token = tokens[role]
    command = [str(Path(sys.executable).parent / "schemathesis"), "run", f"{server}/schema/openapi.json",
               "-H", f"Authorization: Bearer {token}", "--checks", "not_a_server_error",
               "--max-examples", "8", "--phases", "examples,coverage,fuzzing", "--seed", "20261125",
               # Logging out or changing the password would end the session the rest of the run uses.
               "--exclude-path-regex", "logout|password"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-4000:]
