"""The one way a page shows a refusal (StoreError, InvalidProgress, UnreadableLedger, ...):
in the page's language, with who, what, when and the version (xiancheng.refusals), never the
English str(error) meant for logs. The page keeps its form, so what the user typed stays."""

from __future__ import annotations

import streamlit as st

from ..refusals import describe
from . import lang, md_quote, t


def refusal_text(error: Exception, *, record: str | None = None, within: str | None = None) -> str:
    """The refusal as Markdown-safe text in the current language; record names the record
    in the page's words (e.g. the task title) when the store does not know them; within is
    an i18n key whose {message} the refusal fills (e.g. "manage.refused": 未添加：…).
    error may also be anything with message_key and params (a check's finding)."""
    text = describe(error, lang(), record=record)
    return md_quote(t(within, message=text) if within else text)


def show_refusal(error: Exception, *, record: str | None = None, container=st) -> None:
    container.error(refusal_text(error, record=record), icon=":material/block:")
