"""A refusal of the store (or of an upload it guards, or of a plan being added) as a person reads
it, in their language.

The errors carry a message_key and the facts as params (xiancheng.store.errors,
xiancheng.ingest.intake); the sentences are i18n "refusal.<message_key>" in Chinese and
English. This module turns params into words an official understands: a task's title instead
of a table name and key, place names beside adcodes, roles and fields by their labels, times
as UTC. No Streamlit here (ui.refusal_text calls describe with the page's language).
"""

from __future__ import annotations

from datetime import datetime

from .i18n import STRINGS, t

_RECORD_WORDS = ("progress_report", "account", "import_batch")
_PROGRESS_FIELDS = {"period": "progress.period", "status": "progress.col.status", "percent": "progress.col.percent",
                    "invest_period_yi": "progress.col.invest_period",
                    "invest_cumulative_yi": "progress.col.invest_cumulative", "note": "progress.col.note"}


def describe(error, lang: str = "zh", *, record: str | None = None) -> str:
    """The refusal in lang; record (e.g. the task title the page shows) names the record when given.
    error: an exception, or anything with message_key and params (a 台账 row's Problem)."""
    key = getattr(error, "message_key", None)
    params = dict(getattr(error, "params", None) or {})
    if not key or f"refusal.{key}" not in STRINGS:
        return t("refusal.other", lang, message=str(error))
    sep = t("refusal.list_sep", lang)
    values = {name: _word(value, lang, sep) for name, value in params.items()}
    values["record"] = _record(params, lang, record)
    if "who" in params:
        values["who"] = params["who"] or "?"
    if "based_on" in params:
        values["based"] = (t("refusal.stale.based_new", lang) if params["based_on"] is None
                           else t("refusal.stale.based_on", lang, n=params["based_on"]))
    if "role" in params:
        values["role"] = _role(params["role"], lang)
    if "units" in params:
        values["unit"] = params.get("unit") or t("refusal.no_unit", lang)
    if "areas" in params:
        values["areas"] = sep.join(_place(a, lang) for a in params["areas"])
        values["area"] = _place(params["adcode"], lang) if params.get("adcode") else t("refusal.no_area", lang)
    if "field" in params:
        values["field"] = t(_PROGRESS_FIELDS[params["field"]], lang) if params["field"] in _PROGRESS_FIELDS else params["field"]
    if key in ("progress.bad_status", "ledger.bad_status"):
        from .store.progress import STATUSES

        values["choices"] = sep.join(t(f"progress.status.{s}", lang) for s in STATUSES)
    if key == "account.bad_role":
        from .store.scope import ROLES

        values["roles"] = sep.join(_role(r, lang) for r in ROLES)
    if key == "ledger.no_sheet":
        from .export.progress_ledger import IDENTITY_HEADER

        values["status"] = t("progress.col.status", lang)
        values["identity"] = IDENTITY_HEADER[1] if lang == "en" else IDENTITY_HEADER[0]
    if key == "database_setting":
        values["detail"] = str(error)
    if "problems" in params:  # a refusal made of several findings (ingest.intake.add)
        values["problems"] = t("refusal.intake.problem_sep", lang).join(describe(p, lang) for p in params["problems"])
    if "entry_field" in params:
        label = f"manage.field.{params['entry_field']}"
        values["entry_field"] = t(label, lang) if label in STRINGS else params["entry_field"]
    for name in ("scope", "named"):  # adcodes: the place's name beside the code
        if params.get(name):
            values[name] = _place(params[name], lang)
    return t(f"refusal.{key}", lang, **values)


def _word(value, lang: str, sep: str):
    if isinstance(value, datetime):
        return t("refusal.at", lang, at=value)
    if isinstance(value, (list, tuple)):
        return sep.join(str(v) for v in value)
    return value


def _record(params: dict, lang: str, override: str | None) -> str:
    table, key, title = params.get("table", ""), params.get("record", ""), params.get("title", "")
    name = override or title
    if not name and table == "progress_report" and key.count("|") >= 3:
        name = key.split("|")[3]  # the item key is kind|document|action|title[|#number]
    name = name or key
    if not name:
        return t("refusal.record.none", lang)
    return t(f"refusal.record.{table if table in _RECORD_WORDS else 'other'}", lang, name=name)


def _role(role: str, lang: str) -> str:
    return t(f"auth.role.{role}", lang) if f"auth.role.{role}" in STRINGS else role


def _place(adcode: str, lang: str) -> str:
    from . import geo

    try:
        name = geo.full_name(adcode)
    except Exception:  # noqa: BLE001 - no geodata: the code alone still names the place
        name = ""
    if name == adcode:  # a code geo does not know
        name = ""
    return f"{name}（{adcode}）" if name and lang != "en" else f"{name} ({adcode})" if name else adcode
