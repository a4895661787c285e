from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from agency.schemas import RequestBody, ResponseBody

RoleName = Literal["admin", "clerk", "department", "leader", "enterprise"]
Username = Annotated[str, msgspec.Meta(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")]
Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class LoginIn(RequestBody):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Secret


class UserOut(ResponseBody):
    id: int
    username: str
    display_name: str
    role: RoleName
    department_code: str | None
    enterprise_id: int | None
    phone: str | None
    email: str | None
    must_change_password: bool
    is_active: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime


class LoginOut(ResponseBody):
    token: str
    token_type: str
    expires_at: datetime
    user: UserOut


class PasswordChangeIn(RequestBody):
    current_password: Secret
    new_password: Secret


class UserCreateIn(RequestBody):
    username: Username
    password: Secret
    role: RoleName
    display_name: DisplayName
    department_code: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    enterprise_id: int | None = None
    phone: Annotated[str, msgspec.Meta(pattern=r"^[0-9+\- ]{5,20}$")] | None = None
    email: Annotated[str, msgspec.Meta(max_length=128, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    must_change_password: bool = True
