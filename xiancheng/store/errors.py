"""What the store refuses, each with a message a person can act on.

Every refusal has two faces: str(error) is an English sentence for logs, the CLI and the audit
trail (it may name tables and settings), and error.message_key + error.params name the same refusal
for a person: the text is i18n.STRINGS["refusal.<message_key>"] in the user's language, formatted by
xiancheng.refusals (this module stays free of any UI).
"""

from __future__ import annotations

from datetime import datetime


class StoreError(Exception):
    """Base of every error the store raises on purpose.

    message_key: the i18n key after "refusal." (None: no person-facing text, the English message is shown);
    params: the facts the text names (user names, versions, times, adcodes, ...).
    """

    message_key: str | None = None

    def __init__(self, message: str = "", *, message_key: str | None = None, **params):
        super().__init__(message)
        if message_key is not None:
            self.message_key = message_key
        self.params = params


class DatabaseSettingError(StoreError):
    """The database named by XIANCHENG_DATABASE_URL cannot be used; the message says how to fix it."""

    message_key = "database_setting"


class StoreBusy(StoreError):
    """SQLite: other saves held the database file for longer than the busy timeout; nothing was saved."""

    message_key = "busy"


class StaleEdit(StoreError):
    """Someone else saved the record after the version this edit was based on."""

    message_key = "stale"

    def __init__(self, table: str, key: str, based_on: int | None, current_version: int,
                 changed_by: str, changed_at: datetime, title: str = ""):
        self.table = table
        self.key = key
        self.based_on = based_on
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.title = title  # what a person calls the record (a task's title), when the store knows it
        based = "a new record" if based_on is None else f"version {based_on}"
        super().__init__(
            f"{table} {key!r} was changed by {changed_by} at {changed_at:%Y-%m-%d %H:%M:%S} UTC "
            f"(now version {current_version}); this edit was based on {based}. "
            "Reload the record and apply the edit again.",
            table=table, record=key, title=title, based_on=based_on, version=current_version,
            who=changed_by, at=changed_at,
        )


class ScopeError(StoreError):
    """The account may not write this record (role or scope); every raise names its message_key."""


class SignInRefused(StoreError):
    """Wrong user name or password, a disabled account, or too many failed attempts."""

    message_key = "sign_in.wrong"

    def __init__(self, message: str, retry_after_seconds: int = 0):
        super().__init__(message, message_key="sign_in.too_many" if retry_after_seconds else None,
                         minutes=retry_after_seconds // 60 + 1)
        self.retry_after_seconds = retry_after_seconds
