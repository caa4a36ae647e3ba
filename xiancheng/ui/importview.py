"""Imported values on the county page (issue 13): the county's figures and the compare table."""

from __future__ import annotations

import streamlit as st

from .. import geo, imported, queries
from ..classes import format_number
from . import imported_snapshot, md_quote, source_link, t


def _label(unit_value, unit: str) -> str:
    if unit_value is None or unit_value.value is None:
        return t("county.compare_unknown")
    return f"{format_number(unit_value.value)} {unit}".strip()


def county_section(data, adcode: str) -> None:
    """The county's imported figures, and one indicator compared with its city, the province and its type peers."""
    snap = imported_snapshot()
    mine = imported.county_values(snap, adcode)
    if not mine:
        return
    st.subheader(t("county.imported"))
    rows = []
    for value in mine:
        shown = value.category if value.categorical else f"{format_number(value.value)} {value.unit}".strip()
        kind = t(f"indicators.group.import-{'category' if value.categorical else value.kind}")
        rows.append(f"| {md_quote(value.indicator)} | {value.year or ''} | {md_quote(shown)} | {kind} | "
                    f"{source_link(imported.citation(snap, value))} |")
    st.markdown("\n".join([f"| {t('col.indicator')} | {t('col.year')} | {t('col.value')} | {t('imports.col.kind')} | {t('col.source')} |",
                           "|---|---|---|---|---|", *rows]))

    numeric = {k: i for k, i in imported.catalogue(snap).items()
               if not i.categorical and any(v.indicator == i.name and v.unit == i.unit and v.kind == i.kinds[0] and not v.categorical
                                            for v in mine)}
    if not numeric:
        return
    st.markdown(f"**{t('county.compare')}**")
    key = st.selectbox(t("county.compare_pick"), list(numeric), key="compare_indicator",
                       format_func=lambda k: f"{numeric[k].name}（{numeric[k].unit}）" if numeric[k].unit else numeric[k].name)
    all_types = queries.county_types(data)
    my_types = set(all_types[adcode].types)
    peers = [a for a, ct in all_types.items() if my_types & set(ct.types)]
    result = imported.compare(snap, key, adcode, peers)
    unit = result.indicator.unit
    county = geo.counties()[adcode]
    lines = [
        f"| {t('county.compare_county')} · {md_quote(county.name)} | {_label(result.county, unit)} |",
        f"| {t('county.compare_city')} · {md_quote(county.city_name)} | {_label(result.city, unit)} |",
        f"| {t('county.compare_province')} | {_label(result.province, unit)} |",
    ]
    if my_types:
        median = f"{format_number(result.peer_median)} {unit}".strip() if result.peer_median is not None else t("county.compare_unknown")
        lines.append(f"| {t('county.compare_peers', n=len(result.peers))} | {median} |")
    st.markdown("\n".join(["| | |", "|---|---:|", *lines]))
    if my_types and result.peer_min is not None:
        st.caption(t("county.compare_range", low=f"{format_number(result.peer_min)} {unit}".strip(),
                     high=f"{format_number(result.peer_max)} {unit}".strip()))
    elif not my_types:
        st.caption(t("county.compare_no_type"))
