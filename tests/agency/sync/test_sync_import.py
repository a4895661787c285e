"""`agency sync import FILE [--dry-run]` and `agency integration create-key NAME`, as an operator runs them."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from agency.accounts.models import IntegrationKey
from agency.cli import main
from agency.db.engine import create_engine, create_sessionmaker
from agency.errors import Invalid
from agency.settings import Settings, get_settings
from agency.sync import decision_files, fileformat
from agency.sync.models import SyncRecord

SAMPLES = Path(__file__).resolve().parents[3] / "docs" / "samples"


def _run(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("AGENCY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("AGENCY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("AGENCY_SECRET_KEY", "x" * 40)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


def _count(settings: Settings, *where: Any, model: Any = SyncRecord) -> int:
    async def count() -> int:
        engine = create_engine(settings.database_url, pool_size=1)
        try:
            async with create_sessionmaker(engine)() as session:
                return int((await session.execute(select(func.count()).select_from(model).where(*where)))
                           .scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(count())


@pytest.mark.parametrize("sample", ["sync-gongai.jsonl", "sync-gongai.csv"])
def test_the_samples_import_once_and_a_dry_run_changes_nothing(settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                                              sample: str) -> None:
    file = SAMPLES / sample
    lines = len([line for line in file.read_text(encoding="utf-8").splitlines()[
        1 if sample.endswith(".csv") else 0:] if line.strip()])
    source_ids = SyncRecord.record_id.like("GG-2025-0001%" if sample.endswith("jsonl") else "GG-2025-0002%")
    already = _count(settings, source_ids)
    code, output = _run(settings, monkeypatch, "sync", "import", str(file), "--dry-run")
    assert code == 0, output
    assert output.startswith("dry run: ") and _count(settings, source_ids) == already
    code, output = _run(settings, monkeypatch, "sync", "import", str(file))
    assert code == 0, output
    assert _count(settings, source_ids) == lines
    # No dossier of the test database holds the samples' project code: kept for review, with the reason.
    assert "未找到项目代码为" in output or already == lines
    code, output = _run(settings, monkeypatch, "sync", "import", str(file))
    assert code == 0 and f"applied 0, unchanged {lines}, queued 0" in output


def test_a_malformed_file_is_refused_naming_the_line(settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"source": "gongai", "record_id": "x", "act": "approved"}\n', encoding="utf-8")
    code, output = _run(settings, monkeypatch, "sync", "import", str(bad))
    assert code == 1 and "第 1 条记录有误" in output


def test_create_key_prints_the_key_once_and_keeps_its_hash(settings: Settings,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"cli-{id(settings) % 100000}"
    code, output = _run(settings, monkeypatch, "integration", "create-key", name)
    assert code == 0, output
    key = output.strip().splitlines()[-1]
    assert key.startswith("agi_") and len(key) > 40
    assert _count(settings, IntegrationKey.name == name, IntegrationKey.key_hash != key, model=IntegrationKey) == 1
    code, output = _run(settings, monkeypatch, "integration", "create-key", name)
    assert code == 1 and "已存在" in output


def test_revoke_key_revokes_the_named_key(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"cli-revoke-{id(settings) % 100000}"
    assert _run(settings, monkeypatch, "integration", "create-key", name)[0] == 0
    code, output = _run(settings, monkeypatch, "integration", "revoke-key", name)
    assert code == 0 and f"key for {name} revoked" in output, output
    assert _count(settings, IntegrationKey.name == name, IntegrationKey.revoked_at.is_not(None),
                  model=IntegrationKey) == 1
    code, output = _run(settings, monkeypatch, "integration", "revoke-key", "no-such-system")
    assert code == 1 and "不存在" in output


def test_an_import_files_decision_file_is_read_from_its_path_beside_the_file(tmp_path: Path) -> None:
    (tmp_path / "scans").mkdir()
    (tmp_path / "scans" / "pifu.pdf").write_bytes(b"%PDF-1.7\n scan")
    (tmp_path / "big.pdf").write_bytes(b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024))
    line = ('{"source": "gongai", "record_id": "%s", "investment_code": "2025-339001-29-03-000001", '
            '"item_external_code": "xmba", "act": "approved", "effective_on": "2025-01-02", "decision_file": "%s"}')
    file = tmp_path / "records.jsonl"
    file.write_text("\n".join([line % ("r1", "scans/pifu.pdf"), line % ("r2", "big.pdf")]), encoding="utf-8")
    small, big = fileformat.read_records(file)
    assert small.decision_file is not None and decision_files.decode(small.decision_file) == b"%PDF-1.7\n scan"
    # Read no further than one byte over the limit: the record is refused for its size, not the whole file.
    assert big.decision_file is not None and len(base64.b64decode(big.decision_file)) == decision_files.LIMIT + 1
    with pytest.raises(Invalid, match="10 MB"):
        decision_files.decode(big.decision_file)
    file.write_text(line % ("r3", "missing.pdf"), encoding="utf-8")
    with pytest.raises(Invalid, match=r"missing\.pdf 不存在"):
        fileformat.read_records(file)
