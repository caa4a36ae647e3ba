"""Passwords (argon2) and sign-in limits: how accounts are checked, apart from where they are stored."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .errors import StoreError

# argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane): a sign-in costs tens of ms on a
# small shared server instead of the library default's ~1 s at 64 MiB × 4 lanes.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")

MIN_PASSWORD_LENGTH = 8
# Failed sign-ins allowed within the window before further attempts are refused.
FAILURES_PER_USER = 5
FAILURES_PER_CLIENT = 20
FAILURE_WINDOW_SECONDS = 15 * 60


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters",
                         message_key="account.short_password", n=MIN_PASSWORD_LENGTH)
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
