"""数据导入 · Import: an Excel/CSV table → preview with a correctable mapping → save as a new version."""

import hashlib
from pathlib import Path

import streamlit as st

from xiancheng import imports, store, ui
from xiancheng.store import imports as stored
from xiancheng.ui import auth
from xiancheng.ui.refusal import show_refusal

t = ui.t
st.title(t("imports.title"))
st.caption(t("imports.caption"))
user = auth.require_role("admin", "editor")
workspace = auth.workspace()
st.download_button(t("imports.template"), imports.template_workbook(), file_name="县城一张图_导入模板.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
                   key="imports_template")

upload = st.file_uploader(t("imports.upload"), type=["xlsx", "xls", "csv"], key="imports_file")


def column_label(grid, mapping, index) -> str:
    if index is None:
        return t("imports.none")
    header = " · ".join(imports.cell_text(grid.rows[r][index]) for r in mapping.header_rows
                        if index < len(grid.rows[r]) and grid.rows[r][index] not in (None, ""))
    return f"{imports.column_letter(index)}：{header}" if header else imports.column_letter(index)


if upload is not None:
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:12]
    try:
        sheets = imports.read_grid(data, upload.name).sheet_names
        sheet = st.selectbox(t("imports.sheet"), sheets, key=f"sheet-{digest}") if len(sheets) > 1 else None
        grid = imports.read_grid(data, upload.name, sheet)
        detected = imports.detect(grid)
    except imports.ImportFileError as error:
        st.error(t("imports.error", error=str(error)))
        st.stop()
    prefix = f"{digest}-{grid.sheet}"
    # The mapping the user corrects: every widget starts from the detected value and keeps its own.
    st.subheader(t("imports.mapping"))
    mapping = imports.Mapping.from_dict(detected.to_dict())
    width = grid.width
    left, middle, right = st.columns(3)
    with left:
        mapping.layout = st.selectbox(t("imports.layout"), ["wide", "long"], index=["wide", "long"].index(detected.layout),
                                      format_func=lambda x: t(f"imports.layout.{x}"), key=f"{prefix}-layout")
        mapping.value_kind = st.radio(t("imports.value_kind"), list(imports.KINDS), index=0, horizontal=True,
                                      format_func=lambda x: t(f"imports.kind.{x}"), key=f"{prefix}-kind")
    with middle:
        mapping.unit_column = st.selectbox(t("imports.unit_column"), list(range(width)), index=detected.unit_column,
                                           format_func=lambda i: column_label(grid, detected, i), key=f"{prefix}-unitcol")
        city_options = [None, *range(width)]
        mapping.city_column = st.selectbox(t("imports.city_column"), city_options, index=city_options.index(detected.city_column),
                                           format_func=lambda i: column_label(grid, detected, i), key=f"{prefix}-citycol")
    with right:
        header_text = st.text_input(t("imports.header_rows"), ", ".join(str(r + 1) for r in detected.header_rows),
                                    key=f"{prefix}-headers")
        mapping.header_rows = tuple(int(x) - 1 for x in header_text.replace("，", ",").split(",") if x.strip().isdigit()
                                    and 0 < int(x) <= len(grid.rows))
        mapping.first_data_row = int(st.number_input(t("imports.first_data_row"), 1, len(grid.rows),
                                                     detected.first_data_row + 1, key=f"{prefix}-first")) - 1
        year = st.number_input(t("imports.default_year"), 1949, 2100, detected.default_year, step=1,
                               key=f"{prefix}-year", placeholder="—")
        mapping.default_year = int(year) if year is not None else None

    if mapping.layout == "long":
        roles = ("indicator_column", "value_column", "year_column", "measure_column", "source_column")
        columns = st.columns(len(roles))
        options = [None, *range(width)]
        for column, role in zip(columns, roles):
            with column:
                current = getattr(detected, role)
                setattr(mapping, role, st.selectbox(t(f"imports.{role}"), options, index=options.index(current),
                                                    format_func=lambda i: column_label(grid, detected, i), key=f"{prefix}-{role}"))
        if mapping.indicator_column is None or mapping.value_column is None:
            st.warning(t("imports.nothing"))
            st.stop()
    else:
        if detected.layout == "long" or not mapping.columns:
            # The user switched a long table to wide (or detection found no value columns): every other column is offered.
            taken = {mapping.unit_column, mapping.city_column}
            labels = imports.header_labels(grid, mapping.header_rows, width)
            mapping.columns = [imports.ColumnSpec(c, labels[c], imports.split_label(labels[c])[0] or labels[c] or imports.column_letter(c),
                                                  imports.split_label(labels[c])[1], imports.split_label(labels[c])[2], "numeric")
                               for c in range(width) if c not in taken]
        st.markdown(f"**{t('imports.columns')}**")
        kinds = ["numeric", "categorical", "skip"]
        for spec in mapping.columns:
            letter = imports.column_letter(spec.index)
            a, b, c, d = st.columns([3, 1, 1, 1])
            spec.name = a.text_input(f"{letter} · {t('imports.col.name')}", spec.name, key=f"{prefix}-name-{spec.index}",
                                     help=spec.label or None)
            column_year = b.number_input(f"{letter} · {t('imports.col.year')}", 1949, 2100, spec.year, step=1,
                                         key=f"{prefix}-cyear-{spec.index}", placeholder="—")
            spec.year = int(column_year) if column_year is not None else None
            spec.unit = c.text_input(f"{letter} · {t('imports.col.unit')}", spec.unit, key=f"{prefix}-cunit-{spec.index}")
            spec.kind = d.selectbox(f"{letter} · {t('imports.col.kind')}", kinds, index=kinds.index(spec.kind),
                                    format_func=lambda k: t(f"imports.colkind.{k}"), key=f"{prefix}-ckind-{spec.index}")

    preview = imports.preview(grid, mapping)
    unnamed = [imports.column_letter(c.index) for c in mapping.columns if mapping.layout == "wide" and c.kind != "skip" and not c.name.strip()]
    if unnamed:
        st.warning(t("imports.unnamed", columns="、".join(unnamed)))
    st.info(t("imports.summary", values=len(preview.records), units=len(preview.resolved_units),
              indicators=len(preview.indicators), rejected=len(preview.rejected_rows), skipped=len(preview.skipped)))
    if preview.rejected:
        st.markdown(f"**{t('imports.rejected_title')}**")
        st.markdown(ui.markdown_table(
            [t("imports.col.row"), t("imports.col.cell"), t("imports.col.text"), t("imports.col.reason")],
            [[r.row, r.cell, r.text, t(f"imports.reason.{r.reason}") + (f"（{r.detail}）" if r.detail else "")] for r in preview.rejected]))
    if preview.skipped:
        with st.expander(t("imports.skipped_title")):
            st.markdown(ui.markdown_table([t("imports.col.row"), t("imports.col.text"), t("imports.col.reason")],
                                          [[s.row, s.text, t(f"imports.reason.{s.reason}")] for s in preview.skipped]))
    if preview.records:
        shown = preview.records[:200]
        with st.expander(t("imports.preview_values", n=len(shown))):
            st.markdown(ui.markdown_table(
                [t("imports.col.row"), t("imports.col.cell"), t("imports.col.text"), t("col.indicator"), t("col.year"), t("col.value")],
                [[r.row, r.cell, r.name_as_written, f"{r.indicator}（{r.unit}）" if r.unit else r.indicator, r.year or "",
                  r.category if r.categorical else imports.cell_text(r.value)] for r in shown]))

    name = st.text_input(t("imports.name"), Path(upload.name).stem, key=f"{prefix}-batchname").strip()
    accept = True
    if preview.rejected:
        accept = st.checkbox(t("imports.accept", n=len(preview.rejected_rows)), key=f"{prefix}-accept")
    if st.button(t("imports.save"), type="primary", disabled=not (preview.records and accept and name), key=f"{prefix}-save"):
        unit = user.units[0] if user.units else None
        try:
            batch = stored.save(workspace, user, preview, data, name=name, based_on=stored.latest_version(workspace, name),
                                unit=unit, accept_rejected=accept, client=auth.client_address())
        except store.StoreError as error:
            show_refusal(error)
        else:
            st.success(t("imports.saved", name=name, version=batch.version, n=batch.record_count))

# --- what has been imported: every version readable, any one restorable, the original file kept
st.subheader(t("imports.existing"))
wanted_batch = ui.query_param("batch")
for batch in stored.batches(workspace):
    with st.expander(f"{batch.key} · v{batch.version}", expanded=batch.key == wanted_batch):
        for version in reversed(workspace.history(stored.ImportBatch, batch.key)):
            line = t("imports.version_line", version=version.version, file=version.file_name, sheet=version.sheet,
                     n=version.record_count, by=version.created_by, at=version.created_at.strftime("%Y-%m-%d %H:%M UTC"))
            if version.restored_from:
                line += t("imports.restored_from", version=version.restored_from)
            st.markdown(ui.md_quote(line))
            a, b = st.columns(2)
            a.download_button(t("imports.download_original"), version.content, file_name=version.file_name,
                              key=f"orig-{batch.key}-{version.version}")
            if version.version != batch.version and b.button(t("imports.restore"), key=f"restore-{batch.key}-{version.version}"):
                try:
                    stored.restore(workspace, user, batch.key, version.version, based_on=batch.version, client=auth.client_address())
                except store.StoreError as error:
                    show_refusal(error)
                else:
                    st.rerun()
            if version.rejected:
                st.caption(t("imports.rejected_kept"))
                st.markdown(ui.markdown_table(
                    [t("imports.col.row"), t("imports.col.cell"), t("imports.col.text"), t("imports.col.reason")],
                    [[r["row"], r["cell"], r["text"], t(f"imports.reason.{r['reason']}")] for r in version.rejected]))
