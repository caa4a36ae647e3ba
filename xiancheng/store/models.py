"""The store's own tables: accounts (versioned), the audit trail and the data-version counter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UTCDateTime
from .history import History


class Account(History, Base):
    """One row per saved version of an account; key = user name. Retired = disabled."""

    __tablename__ = "account"
    __scope__ = None  # admins only

    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    units: Mapped[list] = mapped_column(JSON, default=list)   # departments, e.g. ["市住建局"]
    areas: Mapped[list] = mapped_column(JSON, default=list)   # adcodes, e.g. ["140800"]


class AuditEntry(Base):
    """Every write and every sign-in attempt; append-only like the history tables."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))         # user name, or the name tried at sign-in
    action: Mapped[str] = mapped_column(String(100))        # sign_in, account.add, import.indicators, …
    outcome: Mapped[str] = mapped_column(String(20))        # ok, refused, failed
    target: Mapped[str] = mapped_column(Text, default="")   # table:key of the records written
    client: Mapped[str] = mapped_column(String(100), default="")  # address of the browser, when known
    detail: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ix_audit_actor_action_at", "actor", "action", "at"),
        Index("ix_audit_client_action_at", "client", "action", "at"),
    )


class DataVersion(Base):
    """A single row bumped by every write: caches in every app process key on it."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AppSecret(Base):
    """Random secrets shared by every app process on this database (e.g. the sign-in cookie key)."""

    __tablename__ = "app_secret"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
