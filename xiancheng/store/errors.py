"""What the store refuses, each with a message a person can act on."""

from __future__ import annotations

from datetime import datetime


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class DatabaseSettingError(StoreError):
    """The database named by XIANCHENG_DATABASE_URL cannot be used; the message says how to fix it."""


class StoreBusy(StoreError):
    """SQLite: other saves held the database file for longer than the busy timeout; nothing was saved."""


class StaleEdit(StoreError):
    """Someone else saved the record after the version this edit was based on."""

    def __init__(self, table: str, key: str, based_on: int | None, current_version: int,
                 changed_by: str, changed_at: datetime):
        self.table = table
        self.key = key
        self.based_on = based_on
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at
        based = "a new record" if based_on is None else f"version {based_on}"
        super().__init__(
            f"{table} {key!r} was changed by {changed_by} at {changed_at:%Y-%m-%d %H:%M:%S} UTC "
            f"(now version {current_version}); this edit was based on {based}. "
            "Reload the record and apply the edit again."
        )


class ScopeError(StoreError):
    """The account may not write this record (role or scope)."""


class SignInRefused(StoreError):
    """Wrong user name or password, a disabled account, or too many failed attempts."""

    def __init__(self, message: str, retry_after_seconds: int = 0):
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
