"""Password policy (等保 2.0: ≥ 8 characters of ≥ 3 classes) and argon2id hashing."""

from __future__ import annotations

import asyncio
import os
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from agency.errors import Invalid

MIN_LENGTH = 8
MIN_CLASSES = 3

# argon2id with the library's memory-hard defaults. The test suite alone may ask for the cheapest
# parameters (AGENCY_TEST_FAST_PASSWORD_HASH=1): it hashes thousands of throw-away passwords.
_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) \
    if os.environ.get("AGENCY_TEST_FAST_PASSWORD_HASH") == "1" else PasswordHasher()
# Verifying against this when the user does not exist keeps timing the same for both cases.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0A!")


def character_classes(password: str) -> int:
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


# The one password rule of the service, in the words every form and error shows (create, change, reset).
RULE_ZH = f"至少 {MIN_LENGTH} 位，含大写字母、小写字母、数字、符号中的至少三类，不能包含用户名"


def check_policy(password: str, *, username: str | None = None, field: str = "password") -> None:
    """Raises Invalid naming ``field`` with the rule itself, so the message says what would pass."""
    if len(password) < MIN_LENGTH:
        raise Invalid(f"密码太短（{len(password)} 位）。密码规则：{RULE_ZH}。", field=field)
    if character_classes(password) < MIN_CLASSES:
        raise Invalid(f"密码的字符种类不足。密码规则：{RULE_ZH}。", field=field)
    if username and username.lower() in password.lower():
        raise Invalid(f"密码不能包含用户名。密码规则：{RULE_ZH}。", field=field)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# argon2 takes tens of milliseconds of CPU by design; run in a thread, it no longer stalls every
# other request of the server worker while one user logs in.
async def hashed(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verified(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)
