from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, TimestampMixin, UTCDateTime


class User(TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin','clerk','department','leader','enterprise')", name="role"),
        # A department officer belongs to a department, an enterprise user to an enterprise.
        CheckConstraint("role <> 'department' OR department_code IS NOT NULL", name="department_bound"),
        CheckConstraint("role <> 'enterprise' OR enterprise_id IS NOT NULL", name="enterprise_bound"),
    )

    id: Mapped[IntPK]
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    department_code: Mapped[str | None] = mapped_column(String(32), index=True)
    # The service site the user works at (agency/sites); none: the county center.
    site_code: Mapped[str | None] = mapped_column(String(32), ForeignKey("sites.code"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(IdType, index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    must_change_password: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class AuthToken(Base):
    """One issued bearer token (or web session): lets a token be revoked before it expires."""

    __tablename__ = "auth_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="api")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    client_addr: Mapped[str | None] = mapped_column(String(64))
    # Web sessions end after AGENCY_SESSION_IDLE_MINUTES without a request.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IntegrationKey(Base):
    """A long-lived bearer key of an outside system (role ``integration``): only its sha256 is kept."""

    __tablename__ = "integration_keys"

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
