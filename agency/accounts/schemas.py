from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from agency.schemas import Id, RequestBody, ResponseBody

RoleName = Literal["admin", "clerk", "department", "leader", "enterprise"]
Username = Annotated[str, msgspec.Meta(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")]
Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Phone = Annotated[str, msgspec.Meta(pattern=r"^[0-9+\- ]{5,20}$")]


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
    site_code: str | None
    phone: str | None
    email: str | None
    must_change_password: bool
    is_active: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime
    version: int = 1


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
    enterprise_id: Id | None = None
    site_code: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    phone: Phone | None = None
    email: Annotated[str, msgspec.Meta(max_length=128, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    must_change_password: bool = True


class UserPatch(RequestBody):
    """An administrator's edit of a user; a field left out (or null) stays as it is. ``phone`` and ``site_code``
    "" clear theirs. A change of role drops the department or enterprise the new role does not have (and needs
    the one it has). ``is_active`` false ends every session, as deactivation does. ``version``, if given, must
    be the user's current one (409 otherwise)."""

    display_name: DisplayName | None = None
    phone: Annotated[str, msgspec.Meta(pattern=r"^([0-9+\- ]{5,20})?$")] | None = None
    role: RoleName | None = None
    department_code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] | None = None
    enterprise_id: Id | None = None
    site_code: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    is_active: bool | None = None
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None


class UserRef(ResponseBody):
    """A person as other objects name him: the clerk of a dossier, the handler of an approval."""

    id: int
    display_name: str


class IntegrationKeyIn(RequestBody):
    name: Annotated[str, msgspec.Meta(min_length=2, max_length=64)]


class IntegrationKeyOut(ResponseBody):
    id: int
    name: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    # Only in the answer that made it: afterwards only the key's sha256 is kept.
    key: str | None = None
