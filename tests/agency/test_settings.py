"""Settings: the embedded default, and one clear line for every bad value."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from agency.settings import Settings, SettingsError


def test_no_variables_means_embedded_default(tmp_path: Path) -> None:
    settings = Settings.from_env({"AGENCY_DATA_DIR": str(tmp_path)})
    assert settings.embedded
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/agency.db"
    assert settings.storage_url == f"file://{tmp_path}/storage"
    assert settings.redis_url is None
    assert settings.upload_limit_mb == 100 and settings.token_ttl_minutes == 480
    # The generated signing key is kept, so tokens survive a restart.
    assert Settings.from_env({"AGENCY_DATA_DIR": str(tmp_path)}).secret_key == settings.secret_key


def test_postgres_url_is_normalised_to_asyncpg() -> None:
    settings = Settings.from_env({"AGENCY_DATABASE_URL": "postgresql://u@db:5432/agency",
                                  "AGENCY_SECRET_KEY": "k" * 32})
    assert settings.database_url == "postgresql+asyncpg://u@db:5432/agency"
    assert not settings.embedded


@pytest.mark.parametrize(("env", "named"), [
    ({"AGENCY_DATABASE_URL": "mysql://x/y", "AGENCY_SECRET_KEY": "k" * 32}, "AGENCY_DATABASE_URL"),
    ({"AGENCY_DATABASE_URL": "postgresql://u@db/agency"}, "AGENCY_SECRET_KEY"),
    ({"AGENCY_SECRET_KEY": "short"}, "AGENCY_SECRET_KEY"),
    ({"AGENCY_TOKEN_TTL_MINUTES": "abc"}, "AGENCY_TOKEN_TTL_MINUTES"),
    ({"AGENCY_UPLOAD_LIMIT_MB": "0"}, "AGENCY_UPLOAD_LIMIT_MB"),
    ({"AGENCY_REDIS_URL": "http://x"}, "AGENCY_REDIS_URL"),
    ({"AGENCY_STORAGE_URL": "ftp://x"}, "AGENCY_STORAGE_URL"),
    ({"AGENCY_STORAGE_URL": "file://relative/path"}, "AGENCY_STORAGE_URL"),
    ({"AGENCY_LOG_LEVEL": "LOUD"}, "AGENCY_LOG_LEVEL"),
    ({"AGENCY_DOWNLOAD_MODE": ""}, "AGENCY_DOWNLOAD_MODE"),
    ({"AGENCY_SEAL_P12_ZRZY": "/no/such/seal.p12"}, "AGENCY_SEAL_P12_ZRZY"),
    ({"AGENCY_ACT_PAPERS": "odt"}, "AGENCY_ACT_PAPERS"),
])
def test_bad_value_names_the_variable(env: dict[str, str], named: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"AGENCY_DATA_DIR": str(tmp_path), **env})
    assert str(error.value).startswith(named + ":")
    assert "\n" not in str(error.value)


def test_a_department_has_its_own_seal_by_its_code(tmp_path: Path) -> None:
    key = tmp_path / "zrzy.p12"
    key.write_bytes(b"a PKCS#12 file")
    settings = Settings.from_env({"AGENCY_DATA_DIR": str(tmp_path), "AGENCY_SEAL_P12_ZRZY": str(key),
                                  "AGENCY_SEAL_PASSWORD_ZRZY": "secret", "AGENCY_SEAL_PASSWORD": "center"})
    assert settings.department_seals == (("zrzy", key, "secret"),)
    assert settings.seal_p12 is None and settings.act_papers == "docx"


def test_process_stops_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "agency.cli", "db", "current"],
        env={"AGENCY_DATA_DIR": str(tmp_path), "AGENCY_TOKEN_TTL_MINUTES": "forever", "PATH": "/usr/bin"},
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == ("agency: configuration error: AGENCY_TOKEN_TTL_MINUTES: must be a whole "
                                     "number, got 'forever'")


def test_a_server_can_run_on_another_day(tmp_path: Path) -> None:
    """AGENCY_TODAY (training, a rehearsal of a holiday): the process's clock starts that morning."""
    from agency import timeutil

    settings = Settings.from_env({"AGENCY_DATA_DIR": str(tmp_path), "AGENCY_TODAY": "2026-10-05"})
    assert settings.clock_offset_seconds is not None
    clock = timeutil.ShiftedClock(timedelta(seconds=settings.clock_offset_seconds))
    assert clock.now().astimezone(timeutil.CHINA).date() == date(2026, 10, 5)
    with pytest.raises(SettingsError, match="AGENCY_TODAY"):
        Settings.from_env({"AGENCY_DATA_DIR": str(tmp_path), "AGENCY_TODAY": "5 October"})
