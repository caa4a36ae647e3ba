"""Signed sign-in tokens (the app keeps one in a cookie): who, which account version, until when.

The key is a random secret kept in the database, so every app process behind the proxy
accepts the others' tokens. A token dies when it expires, when the account changes (a new
password, role or scope, or disabling makes a new account version) and when its session
is signed out (a sign_out audit row names the token's nonce).
"""

from __future__ import annotations

import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import exc, select

from .db import utcnow
from .models import AppSecret, AuditEntry
from .scope import User

SALT = "xiancheng-sign-in"


def shared_secret(store, name: str) -> str:
    """The secret called name, created once (the first process to ask wins the insert)."""
    with store.read() as session:
        value = session.scalar(select(AppSecret.value).where(AppSecret.name == name))
    if value:
        return value
    session = store._sessions(bind=store._write_engine)
    session.info["internal"] = True
    try:
        session.add(AppSecret(name=name, value=secrets.token_urlsafe(48), created_at=utcnow()))
        session.commit()
    except exc.IntegrityError:
        session.rollback()
    finally:
        session.close()
    with store.read() as session:
        return session.scalar(select(AppSecret.value).where(AppSecret.name == name))


def _serializer(store) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(shared_secret(store, "sign_in_cookie"), salt=SALT)


def issue(store, user: User) -> tuple[str, str]:
    """(token, nonce) for a user who just signed in."""
    nonce = secrets.token_urlsafe(12)
    return _serializer(store).dumps({"u": user.username, "v": user.version, "n": nonce}), nonce


def nonce_of(store, token: str) -> str | None:
    try:
        return _serializer(store).loads(token)["n"]
    except (BadSignature, KeyError, TypeError):
        return None


def user_for(store, token: str, max_age_seconds: int) -> User | None:
    """The account a token was issued to, if it is still valid; else None."""
    try:
        payload = _serializer(store).loads(token, max_age=max_age_seconds)
        username, version, nonce = payload["u"], payload["v"], payload["n"]
    except (SignatureExpired, BadSignature, KeyError, TypeError):
        return None
    user = store.user(username)
    if user is None or user.version != version:
        return None
    with store.read() as session:
        revoked = session.scalar(select(AuditEntry.id).where(
            AuditEntry.actor == username, AuditEntry.action == "sign_out", AuditEntry.target == f"session:{nonce}"))
    return None if revoked else user
