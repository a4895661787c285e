"""Settings, read once from ``AGENCY_*`` environment variables and validated at start.

A bad value stops the process with one line naming the variable (``SettingsError``). With no
variable set at all Agency runs the embedded default: a SQLite file and a storage folder under
``AGENCY_DATA_DIR`` (``./var``) and the sweep on an in-process timer.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

PREFIX = "AGENCY_"
DEFAULT_DEMO_PASSWORD = "Agency@2026"
DEFAULT_RANKING_WEIGHTS = (("on_time_rate", 0.4), ("speedup_rate", 0.2), ("satisfaction_rate", 0.3),
                           ("same_day_rate", 0.1))


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line that names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    storage_url: str
    storage_public_endpoint: str | None
    secret_key: str
    token_ttl_minutes: int
    session_idle_minutes: int
    upload_limit_mb: int
    lockout_threshold: int
    lockout_minutes: int
    login_failures_per_address: int
    login_failures_per_address_and_user: int
    demo_password: str
    log_level: str
    sweep_interval_seconds: int
    db_pool_size: int
    change_feed: bool
    download_mode: Literal["stream", "redirect"]
    center_name: str
    reconsideration_body: str
    court: str
    sms_gateway_url: str | None = None
    sms_gateway_key: str | None = None
    smtp_url: str | None = None
    mail_from: str = "agency@localhost"
    outbox_max_attempts: int = 8
    center_leaders: tuple[str, ...] = ()
    county_leaders: tuple[str, ...] = ()
    # Days before an obligation's due date at which the clerk and the enterprise are reminded.
    obligation_reminder_days: tuple[int, ...] = (30, 10, 3)
    # The monthly rankings (agency/reports/rankings.py, docs/obligations.md): the weights of the four rates, the points
    # taken per violation or overdue rectification, the score a 红旗窗口 / 服务标兵 needs and the items it must
    # have completed. Printed with every ranking.
    ranking_weights: tuple[tuple[str, float], ...] = DEFAULT_RANKING_WEIGHTS
    ranking_penalty: int = 5
    ranking_flag_at_least: int = 90
    ranking_model_at_least: int = 90
    ranking_min_completed: int = 1
    # The fee account (收费专户: the finance bureau's non-tax collection account) printed on payment notices.
    fee_account_name: str = "示范县财政局非税收入汇缴结算户"
    fee_account_bank: str = "中国工商银行示范县支行"
    fee_account_no: str = "1702025009200012345"
    scheduler: Literal["auto", "off"] = "auto"
    # `serve --demo`: "year" replays a year of the office before today (agency/demo_history.py, about a
    # minute and a half); "today" loads only the current dossiers (what the browser tests walk).
    demo_history: Literal["year", "today"] = "year"
    public_url: str | None = None
    # The seal (docs/SECURITY.md, "Sealed papers"): a PKCS#12 key and certificate; without one, a demo
    # certificate generated into the data folder at first use.
    seal_p12: Path | None = None
    seal_password: str | None = None
    # A department's own seal: AGENCY_SEAL_P12_<CODE> / AGENCY_SEAL_PASSWORD_<CODE> (code in capitals), as
    # (department code in lower case, file, password); its papers are sealed with it, the others by the center.
    department_seals: tuple[tuple[str, Path, str | None], ...] = ()
    # The papers acts call for (notices, mandate papers, minutes): Word (default) or sealed PDF, rendered and
    # sealed by jobs after the act committed (docs/verification.md).
    act_papers: Literal["docx", "pdf"] = "docx"
    verify_requests_per_minute: int = 30
    # Seconds added to the real time by this process's clock (agency.timeutil): AGENCY_TODAY runs a
    # server on another day (training, a rehearsal of a holiday); the tests pass their day on this way.
    clock_offset_seconds: float | None = None
    embedded: bool = field(default=True)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def upload_limit_bytes(self) -> int:
        return self.upload_limit_mb * 1024 * 1024

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        source = os.environ if env is None else env
        reader = _Reader(source)
        data_dir = Path(reader.text("DATA_DIR", "./var")).expanduser().resolve()
        database_url = reader.parse("DATABASE_URL", _database_url, f"sqlite+aiosqlite:///{data_dir}/agency.db")
        redis_url = reader.parse("REDIS_URL", _redis_url, None)
        storage_url = reader.parse("STORAGE_URL", _storage_url, f"file://{data_dir}/storage")
        embedded = not any(f"{PREFIX}{name}" in source for name in ("DATABASE_URL", "REDIS_URL", "STORAGE_URL"))
        secret_key = reader.parse("SECRET_KEY", _secret_key, None)
        if secret_key is None:
            if not embedded:
                raise SettingsError(
                    f"{PREFIX}SECRET_KEY: required when a database, Redis or storage server is configured "
                    "(at least 32 characters; generate one with `python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))'`)"
                )
            secret_key = _embedded_secret(data_dir)
        today = reader.parse("TODAY", _day, None)
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            redis_url=redis_url,
            storage_url=storage_url,
            storage_public_endpoint=reader.parse("STORAGE_PUBLIC_ENDPOINT", _http_url, None),
            secret_key=secret_key,
            token_ttl_minutes=reader.integer("TOKEN_TTL_MINUTES", 480, 1, 7 * 24 * 60),
            session_idle_minutes=reader.integer("SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
            upload_limit_mb=reader.integer("UPLOAD_LIMIT_MB", 100, 1, 10 * 1024),
            lockout_threshold=reader.integer("LOCKOUT_THRESHOLD", 5, 1, 100),
            lockout_minutes=reader.integer("LOCKOUT_MINUTES", 30, 1, 24 * 60),
            # docs/SECURITY.md says why these figures: the strict limit is one person at one address, the
            # per-address one is far above what an office behind one NAT address mistypes.
            login_failures_per_address=reader.integer("LOGIN_FAILURES_PER_ADDRESS", 200, 1, 1_000_000),
            login_failures_per_address_and_user=reader.integer("LOGIN_FAILURES_PER_ADDRESS_AND_USER", 10, 1,
                                                               1_000_000),
            demo_password=reader.text("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD),
            log_level=reader.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            sweep_interval_seconds=reader.integer("SWEEP_INTERVAL_SECONDS", 300, 10, 24 * 3600),
            db_pool_size=reader.integer("DB_POOL_SIZE", 20, 1, 500),
            change_feed=reader.choice("CHANGE_FEED", "on", ("on", "off")) == "on",
            download_mode=reader.choice("DOWNLOAD_MODE", "stream", ("stream", "redirect")),  # type: ignore[arg-type]
            center_name=reader.text("CENTER_NAME", "示范县行政服务中心"),
            fee_account_name=reader.text("FEE_ACCOUNT_NAME", "示范县财政局非税收入汇缴结算户"),
            fee_account_bank=reader.text("FEE_ACCOUNT_BANK", "中国工商银行示范县支行"),
            fee_account_no=reader.text("FEE_ACCOUNT_NO", "1702025009200012345"),
            reconsideration_body=reader.text("RECONSIDERATION_BODY", "示范县人民政府"),
            court=reader.text("COURT", "示范县人民法院"),
            sms_gateway_url=reader.parse("SMS_GATEWAY_URL", _http_url, None),
            sms_gateway_key=reader.parse("SMS_GATEWAY_KEY", str, None),
            smtp_url=reader.parse("SMTP_URL", _smtp_url, None),
            mail_from=reader.text("MAIL_FROM", "agency@localhost"),
            outbox_max_attempts=reader.integer("OUTBOX_MAX_ATTEMPTS", 8, 1, 50),
            center_leaders=reader.parse("CENTER_LEADERS", _usernames, ()),
            county_leaders=reader.parse("COUNTY_LEADERS", _usernames, ()),
            obligation_reminder_days=reader.parse("OBLIGATION_REMINDER_DAYS", _day_counts, (30, 10, 3)),
            ranking_weights=reader.parse("RANKING_WEIGHTS", _ranking_weights, DEFAULT_RANKING_WEIGHTS),
            ranking_penalty=reader.integer("RANKING_PENALTY", 5, 0, 100),
            ranking_flag_at_least=reader.integer("RANKING_FLAG_AT_LEAST", 90, 0, 100),
            ranking_model_at_least=reader.integer("RANKING_MODEL_AT_LEAST", 90, 0, 100),
            ranking_min_completed=reader.integer("RANKING_MIN_COMPLETED", 1, 0, 10_000),
            scheduler=reader.choice("SCHEDULER", "auto", ("auto", "off")),  # type: ignore[arg-type]
            demo_history=reader.choice("DEMO_HISTORY", "year", ("year", "today")),  # type: ignore[arg-type]
            public_url=reader.parse("PUBLIC_URL", _http_url, None),
            seal_p12=reader.parse("SEAL_P12", _readable_file, None),
            seal_password=reader.parse("SEAL_PASSWORD", str, None),
            department_seals=_department_seals(source, reader),
            act_papers=reader.choice("ACT_PAPERS", "docx", ("docx", "pdf")),  # type: ignore[arg-type]
            verify_requests_per_minute=reader.integer("VERIFY_REQUESTS_PER_MINUTE", 30, 1, 100_000),
            clock_offset_seconds=_offset_to(today) if today else reader.parse("CLOCK_OFFSET_SECONDS", float, None),
            embedded=embedded,
        )


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def _raw(self, name: str) -> str | None:
        value = self._env.get(PREFIX + name)
        if value is None:
            return None
        value = value.strip()
        if not value:
            raise SettingsError(f"{PREFIX}{name}: is set but empty; unset it to use the default")
        return value

    def text(self, name: str, default: str) -> str:
        return self._raw(name) or default

    def parse(self, name: str, parser: Callable[[str], Any], default: Any) -> Any:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            return parser(raw)
        except ValueError as error:
            raise SettingsError(f"{PREFIX}{name}: {error}") from None

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{PREFIX}{name}: must be a whole number, got {raw!r}") from None
        if not low <= value <= high:
            raise SettingsError(f"{PREFIX}{name}: must be between {low} and {high}, got {value}")
        return value

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        raw = self._raw(name)
        if raw is None:
            return default
        if raw not in allowed:
            raise SettingsError(f"{PREFIX}{name}: must be one of {', '.join(allowed)}, got {raw!r}")
        return raw


def _database_url(raw: str) -> str:
    scheme = urlsplit(raw).scheme
    if scheme in ("postgresql", "postgres", "postgresql+asyncpg"):
        return "postgresql+asyncpg" + raw[len(scheme) :]
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        return "sqlite+aiosqlite" + raw[len(scheme) :]
    raise ValueError(f"must start with postgresql:// or sqlite:///, got scheme {scheme or 'none'!r}")


def _redis_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError("must look like redis://host:6379/0")
    return raw


def _storage_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError("file:// URLs need an absolute path, e.g. file:///srv/agency/storage")
        return raw
    if parts.scheme == "s3":
        if not parts.hostname or not parts.path.strip("/"):
            raise ValueError("must look like s3://ACCESS:SECRET@host:9000/bucket?secure=false")
        return raw
    raise ValueError(f"must start with file:// or s3://, got {raw.split(':', 1)[0]!r}")


def _http_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL")
    return raw.rstrip("/")


def _smtp_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("must look like smtp://user:password@host:25 or smtps://host:465")
    return raw


def _usernames(raw: str) -> tuple[str, ...]:
    names = tuple(n.strip().lower() for n in raw.split(",") if n.strip())
    if not names:
        raise ValueError("a comma-separated list of usernames")
    return names


def _day_counts(raw: str) -> tuple[int, ...]:
    counts = tuple(sorted({int(n) for n in raw.split(",") if n.strip()}, reverse=True))
    if not counts or any(not 1 <= n <= 365 for n in counts):
        raise ValueError("a comma-separated list of days between 1 and 365")
    return counts


RANKED_RATES = ("on_time_rate", "speedup_rate", "satisfaction_rate", "same_day_rate")


def _ranking_weights(raw: str) -> tuple[tuple[str, float], ...]:
    """``on_time_rate:0.4,speedup_rate:0.2,...``: every rate named once, weights of 0 or more, not all 0."""
    weights: dict[str, float] = {}
    for part in raw.split(","):
        name, _, value = part.strip().partition(":")
        if name not in RANKED_RATES or name in weights:
            raise ValueError(f"name each of {', '.join(RANKED_RATES)} once as name:weight, got {part.strip()!r}")
        try:
            weights[name] = float(value)
        except ValueError:
            raise ValueError(f"the weight of {name} must be a number, got {value!r}") from None
        if not 0 <= weights[name] <= 100:
            raise ValueError(f"the weight of {name} must be between 0 and 100, got {value}")
    if set(weights) != set(RANKED_RATES) or not sum(weights.values()):
        raise ValueError(f"name each of {', '.join(RANKED_RATES)} once, the weights not all 0")
    return tuple((name, weights[name]) for name in RANKED_RATES)


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"must be a date YYYY-MM-DD, got {raw!r}") from None


def _offset_to(day: date) -> float:
    from agency.timeutil import ShiftedClock

    return ShiftedClock.on_day(day).offset.total_seconds()


def _department_seals(source: Mapping[str, str], reader: _Reader) -> tuple[tuple[str, Path, str | None], ...]:
    start = f"{PREFIX}SEAL_P12_"
    codes = sorted(name[len(start):] for name in source if name.startswith(start) and len(name) > len(start))
    return tuple((code.lower(), reader.parse(f"SEAL_P12_{code}", _readable_file, None),
                  reader.parse(f"SEAL_PASSWORD_{code}", str, None)) for code in codes)


def _readable_file(raw: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return path


def _secret_key(raw: str) -> str:
    if len(raw) < 32:
        raise ValueError(f"must be at least 32 characters, got {len(raw)}")
    return raw


def _embedded_secret(data_dir: Path) -> str:
    """The embedded default keeps its signing key in the data folder so tokens survive a restart."""
    path = data_dir / "secret_key"
    try:
        if path.exists():
            return path.read_text(encoding="ascii").strip()
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key, encoding="ascii")
        path.chmod(0o600)
        return key
    except OSError as error:
        raise SettingsError(f"{PREFIX}DATA_DIR: cannot keep the secret key in {path}: {error.strerror}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
