"""Progress in the app (issue 14): status beside each item, and reporting for editors.

Pages call these with the items they show; the logic is in xiancheng.progress (identity,
derived lateness, summaries) and xiancheng.store.progress (saving, scope checked there).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import progress as pg
from ..refusals import describe
from ..store import StoreError
from ..store import progress as sp
from . import auth, lang, md_quote, t
from .refusal import show_refusal

_FLASH = "progress_flash"


def snapshot() -> pg.Snapshot:
    """The items and their latest reports (re-read only when someone, anywhere, has written)."""
    from . import dataset

    return pg.snapshot(dataset(), auth.workspace())


def status_text(state: pg.ItemStatus | None) -> str:
    if state is None or state.status is None:
        return t("progress.status.unreported")
    return t(f"progress.status.{state.status}")


def item_of(snap: pg.Snapshot, kind: str, record) -> pg.Item | None:
    key = pg.record_key(snap.items, kind, record)
    return snap.items.get(key) if key else None


def meta(snap: pg.Snapshot, kind: str, record) -> str:
    """'进展：已完成（2026-11 · wang）' for a record's line on a page ("" if no item)."""
    item = item_of(snap, kind, record)
    if item is None:
        return ""
    state = snap.status_of[item.key]
    text = t("progress.meta", status=status_text(state))
    if state.derived_late:
        text = t("progress.meta", status=t("progress.late_derived", year=item.planned_year))
    if state.reported is not None:
        text += f"（{t('progress.status.' + state.reported)} · {state.period} · {state.reporter}）"
    return text


def scope_text(user) -> str:
    return "、".join([*user.units, *user.areas]) or user.role


def summary_metrics(summary: pg.Summary) -> None:
    done, late, reported, money = st.columns(4)
    done.metric(t("progress.metric.done"), f"{summary.tasks_done}/{summary.tasks}")
    late.metric(t("progress.metric.late"), summary.late)
    reported.metric(t("progress.metric.reported"), summary.reported)
    money.metric(t("progress.metric.investment"),
                 f"{summary.investment_done_yi:,.2f}/{summary.investment_planned_yi:,.2f}" if summary.investment_planned_yi else "—")


def status_rows(snap: pg.Snapshot, items: list[pg.Item]) -> list[list]:
    """Items with a report or shown late: item, status, period, percent, reporter."""
    rows = []
    for item in items:
        state = snap.status_of[item.key]
        if state.reported is None and not state.derived_late:
            continue
        rows.append([item.title, t(f"progress.kind.{item.kind}"), status_text(state), state.period or "—",
                     "" if state.percent is None else f"{state.percent:g}", state.reporter or "—"])
    return rows


def section(items: list[pg.Item], key: str, heading: bool = True) -> None:
    """Summary, the items with news, and the reporting panel (editors) for these items."""
    from . import markdown_table

    snap = snapshot()
    if heading:
        st.subheader(t("progress.section"))
    st.caption(t("progress.caption"))
    summary_metrics(pg.summarise(items, snap.status_of))
    rows = status_rows(snap, items)
    if rows:
        st.markdown(f"**{t('progress.table_items')}**")
        st.markdown(markdown_table([t("progress.col.item"), t("progress.col.kind"), t("progress.col.status"),
                                    t("progress.col.period"), t("progress.col.percent"), t("progress.col.reporter")], rows))
    else:
        st.caption(t("progress.nothing_yet"))
    report_panel(snap, items, key)


def report_panel(snap: pg.Snapshot, items: list[pg.Item], key: str) -> None:
    flash = st.session_state.pop(f"{_FLASH}_{key}", None)
    if flash:
        (st.success if flash[0] == "ok" else st.error)(flash[1])
    user = auth.current_user()
    if user is None:
        st.caption(t("progress.sign_in_to_report"))
        return
    if user.role == "viewer":
        st.info(t("progress.viewer_cannot"))
        return
    mine = [i for i in items if sp.may_report(user, i.scope)]
    if not mine:
        st.caption(t("progress.none_in_scope", scope=scope_text(user)))
        return
    st.markdown(f"#### {t('progress.report_title')}")
    st.caption(t("progress.in_scope", n=len(mine), scope=scope_text(user)))
    periods = pg.recent_periods(snap.today)
    period = st.selectbox(t("progress.period"), periods, key=f"{key}_period")
    one, many, excel = st.tabs([t("progress.report_one"), t("progress.report_many"), t("progress.excel")])
    with one:
        _one_item_form(snap, user, mine, period, key)
    with many:
        _table_editor(snap, user, mine, period, key)
    with excel:
        from . import progress_excel

        progress_excel.panel(snap, user, mine, period, key)


def _item_label(item: pg.Item) -> str:
    units = "、".join(item.units[:2]) + ("…" if len(item.units) > 2 else "")
    return f"{item.title} · {t('progress.kind.' + item.kind)}" + (f" · {units}" if units else "")


def _one_item_form(snap: pg.Snapshot, user, mine: list[pg.Item], period: str, key: str) -> None:
    by_key = {i.key: i for i in mine}
    chosen = st.selectbox(t("progress.pick_item"), list(by_key), format_func=lambda k: _item_label(by_key[k]),
                          key=f"{key}_item", index=None, placeholder=t("progress.pick_item"))
    if chosen is None:
        return
    item = by_key[chosen]
    state = snap.status_of[item.key]
    st.caption(t("progress.last", status=status_text(state), period=state.period, who=state.reporter)
               if state.reported else t("progress.last_none"))
    # The version this edit starts from, kept until it is saved (a correction based on it is
    # refused if someone saved in between).
    seen_key = f"{key}_seen_{item.key}"
    st.session_state.setdefault(seen_key, state.version)
    with st.form(f"{key}_form_{item.key}", border=True):
        status = st.selectbox(t("progress.col.status"), sp.STATUSES, format_func=lambda s: t(f"progress.status.{s}"),
                              index=sp.STATUSES.index(state.reported) if state.reported in sp.STATUSES else None,
                              key=f"{key}_status_{item.key}", placeholder=t("progress.col.status"))
        percent = st.number_input(t("progress.col.percent"), min_value=0.0, max_value=100.0, value=state.percent,
                                  step=5.0, key=f"{key}_percent_{item.key}")
        invest_period = invest_total = None
        if item.kind == "project":
            left, right = st.columns(2)
            invest_period = left.number_input(t("progress.col.invest_period"), min_value=0.0, value=None,
                                              format="%.4f", key=f"{key}_ip_{item.key}")
            invest_total = right.number_input(t("progress.col.invest_cumulative"), min_value=0.0,
                                              value=state.invest_cumulative_yi, format="%.4f", key=f"{key}_ic_{item.key}")
            if item.planned_investment_yi:
                st.caption(f"{t('progress.col.invest_planned')}：{item.planned_investment_yi:g}")
        note = st.text_area(t("progress.col.note"), key=f"{key}_note_{item.key}", max_chars=2000)
        correct = st.checkbox(t("progress.correct"), key=f"{key}_correct_{item.key}", disabled=state.version is None)
        submitted = st.form_submit_button(t("progress.save"), type="primary")
    if not submitted:
        return
    try:
        values = sp.check_values(period, status or "", percent, invest_period, invest_total, note)
        workspace = auth.workspace()
        if correct and state.version is not None:
            sp.correct(workspace, user, item.scope, st.session_state[seen_key], values, client=auth.client_address())
        else:
            sp.report(workspace, user, item.scope, values, client=auth.client_address(), detail="form")
    except StoreError as refused:  # stale, out of scope, invalid value, busy: the form keeps what was entered
        show_refusal(refused, record=item.title)
        return
    st.session_state.pop(seen_key, None)
    st.session_state[f"{_FLASH}_{key}"] = ("ok", t("progress.saved", title=item.title,
                                                  status=t(f"progress.status.{values.status}"), period=period))
    st.rerun()


def _table_editor(snap: pg.Snapshot, user, mine: list[pg.Item], period: str, key: str) -> None:
    labels = {s: t(f"progress.status.{s}") for s in sp.STATUSES}
    codes = {v: k for k, v in labels.items()}
    rows = []
    for item in mine:
        state = snap.status_of[item.key]
        rows.append({"key": item.key, "item": item.title, "kind": t(f"progress.kind.{item.kind}"),
                     "status": labels.get(state.reported) if state.reported else None,
                     "percent": state.percent, "invest_period": None, "invest_cumulative": state.invest_cumulative_yi,
                     "note": ""})
    original = pd.DataFrame(rows)
    column = st.column_config
    edited = st.data_editor(
        original, key=f"{key}_editor_{period}", hide_index=True, width="stretch", num_rows="fixed",
        column_order=["item", "kind", "status", "percent", "invest_period", "invest_cumulative", "note"],
        disabled=["item", "kind"],
        column_config={
            "item": column.TextColumn(t("progress.col.item"), width="large"),
            "kind": column.TextColumn(t("progress.col.kind"), width="small"),
            "status": column.SelectboxColumn(t("progress.col.status"), options=list(labels.values())),
            "percent": column.NumberColumn(t("progress.col.percent"), min_value=0, max_value=100),
            "invest_period": column.NumberColumn(t("progress.col.invest_period"), min_value=0, format="%.4f"),
            "invest_cumulative": column.NumberColumn(t("progress.col.invest_cumulative"), min_value=0, format="%.4f"),
            "note": column.TextColumn(t("progress.col.note"), max_chars=2000),
        },
    )
    changed = [i for i in range(len(original)) if not _same_row(original.iloc[i], edited.iloc[i])]
    if not st.button(t("progress.save_many", n=len(changed)), key=f"{key}_save_many", disabled=not changed):
        return
    by_key = {i.key: i for i in mine}
    entries = []
    try:
        for i in changed:
            row = edited.iloc[i]
            item = by_key[row["key"]]
            values = sp.check_values(period, codes.get(row["status"], row["status"] or ""), _num(row["percent"]),
                                     _num(row["invest_period"]), _num(row["invest_cumulative"]), row["note"] or "")
            entries.append((item.scope, values))
        sp.report_many(auth.workspace(), user, entries, client=auth.client_address(), detail="table")
    except sp.InvalidProgress as invalid:
        st.error(md_quote(t("progress.item_refused", item=by_key[edited.iloc[i]['key']].title,
                            text=describe(invalid, lang()))), icon=":material/block:")
        return
    except StoreError as refused:  # the edited table stays as the user left it
        show_refusal(refused)
        return
    st.session_state[f"{_FLASH}_{key}"] = ("ok", t("progress.saved_many", n=len(entries)))
    st.session_state.pop(f"{key}_editor_{period}", None)
    st.rerun()


def _num(value):
    return None if value is None or (isinstance(value, float) and value != value) else float(value)


def _same_row(a, b) -> bool:
    for name in ("status", "percent", "invest_period", "invest_cumulative", "note"):
        x, y = a[name], b[name]
        if (x is None or x != x or x == "") and (y is None or y != y or y == ""):
            continue
        if x != y:
            return False
    return True


def items_of_rows(table, rows) -> list[pg.Item]:
    """The items behind the explorer's filtered rows (tasks and projects)."""
    snap = snapshot()
    result = []
    for kind in ("task", "project"):
        for record in table.records_of(rows, kind):
            item = item_of(snap, kind, record)
            if item is not None:
                result.append(item)
    return result


def expanded() -> bool:
    """Open the explorer's progress section for editors (they come to report)."""
    user = auth.current_user()
    return user is not None and user.role in ("editor", "admin")


def slide(adcode: str, limit: int = 8) -> None:
    """Presentation mode's progress slide: done / in progress / late, the late items named
    with their departments."""
    from .. import geo

    snap = snapshot()
    items = snap.place_items(adcode)
    summary = pg.summarise(items, snap.status_of)
    st.markdown(f"### {t('progress.slide_title', name=geo.place_name(adcode))}")
    done, going, late = st.columns(3)
    done.metric(t("progress.status.done"), summary.counts.get("done", 0))
    going.metric(t("progress.status.in-progress"), summary.counts.get("in-progress", 0))
    late.metric(t("progress.status.late"), summary.late)
    st.caption(t("progress.metric.done") + f" {summary.tasks_done}/{summary.tasks} · "
               + t("progress.metric.reported") + f" {summary.reported}")
    late_items = [i for i in items if snap.status_of[i.key].status == pg.LATE]
    from . import md_quote

    if late_items:
        st.markdown(f"#### {t('progress.slide_late_items')}")
        lines = [f"- {md_quote(i.title)} — {md_quote('、'.join(i.units) or t('progress.unit_none'))}" for i in late_items[:limit]]
        if len(late_items) > limit:
            lines.append(f"- {t('export.more', n=len(late_items) - limit)}")
        st.markdown("\n".join(lines))
    else:
        st.caption(t("progress.briefing_late_none"))


def briefing_bytes(place: str, period: str, fmt: str) -> bytes:
    """The 调度会 briefing as PDF or .docx, at the store's current state (cached per data version)."""
    from . import lang

    snap = snapshot()
    return _briefing(place, period, fmt, lang(), snap.data_version, snap.today)


_BRIEFINGS: dict = {}


def _briefing(place: str, period: str, fmt: str, language: str, version: int, today) -> bytes:
    from ..export import briefing
    from . import dataset

    key = (place, period, fmt, language, version, today)
    if key in _BRIEFINGS:
        return _BRIEFINGS[key]
    if len(_BRIEFINGS) > 16:
        _BRIEFINGS.clear()
    made = briefing.gather(dataset(), snapshot(), auth.workspace(), place, period, language)
    map_key = (place, period, "map", language, version, today)
    if map_key not in _BRIEFINGS:  # the PDF and the .docx share the map
        _BRIEFINGS[map_key] = briefing.completion_map_png(made)
    writer = briefing.briefing_pdf if fmt == "pdf" else briefing.briefing_docx
    _BRIEFINGS[key] = writer(made, _BRIEFINGS[map_key])
    return _BRIEFINGS[key]
