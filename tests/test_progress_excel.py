"""The progress 台账 round trip (issue 14), on SQLite and PostgreSQL: download for a scope and
period, edit the workbook here (good rows, a bad status, a number as text, a row outside
scope, a deleted row, an added row), upload, check the preview, confirm, check the store."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from plan_builder import county_plan as county_entry
from plan_builder import write_plans
from plan_factory import county_plan

from xiancheng import progress as pg
from xiancheng import store as store_module
from xiancheng.export import progress_ledger
from xiancheng.ingest.pipeline import build_dataset
from xiancheng.store import progress as sp

QINSHUI = "140521"
ZHU = store_module.User("zhu", "住建发改", "editor", units=("县住建局", "县发改局"), areas=(QINSHUI,))
FA = store_module.User("fa", "发改局", "editor", units=("县发改局",))


@pytest.fixture(scope="module")
def items(tmp_path_factory):
    folder = write_plans(tmp_path_factory.mktemp("plans"), {"900_qinshui.txt": (county_entry(QINSHUI), county_plan("沁水县", tasks=3, extra=3))})
    dataset, _report = build_dataset(folder)
    return pg.build_items(dataset)


def workbook_rows(data: bytes):
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    header = next(r for r in range(1, 20) if sheet.cell(r, 14).value == "标识（请勿修改）")
    return workbook, sheet, header


def test_download_has_the_items_the_period_a_status_list_and_a_hidden_identity(store, items):
    housing = [i for i in items.values() if "县住建局" in i.units]
    ps_first = housing[0]
    sp.report(store, ZHU, ps_first.scope, sp.check_values("2026-10", "in-progress", percent=30))
    status_of = pg.statuses(items, sp.current(store), today=date(2026, 11, 5))
    data = progress_ledger.download(list(items.values()), status_of, period="2026-11", title="沁水县进展台账")
    _workbook, sheet, header = workbook_rows(data)
    assert [sheet.cell(header, c).value for c in (3, 8, 9, 10)] == ["事项", "状态", "填报期", "完成进度（%）"]
    assert sheet.column_dimensions["N"].hidden
    rows = list(sheet.iter_rows(min_row=header + 1, values_only=True))
    assert [r[13] for r in rows] == list(items)
    first = rows[0]
    assert (first[2], first[7], first[8], first[9]) == (ps_first.title, "推进中", "2026-11", 30)
    assert all(r[7] in (None, "") for r in rows[1:]) and {r[8] for r in rows} == {"2026-11"}
    (validation,) = sheet.data_validations.dataValidation
    assert validation.formula1 == '"未启动,推进中,已完成,滞后,暂缓"'
    empty = progress_ledger.download(list(items.values()), status_of, period="2026-11", title="t", prefill=False)
    assert all(r[7] in (None, "") for r in list(workbook_rows(empty)[1].iter_rows(min_row=header + 1, values_only=True)))


def test_the_round_trip_validates_every_cell_previews_and_saves_only_on_confirmation(store, items):
    titles = {i.title: i for i in items.values()}
    risk, green = titles["增强城乡风险防控能力"], titles["推进县城绿色低碳建设"]
    industry = titles["完善县城产业平台"]  # 县工信局: outside ZHU's scope
    work1, work2, work3 = titles["推进第1项重点工作"], titles["推进第2项重点工作"], titles["推进第3项重点工作"]
    assert "县住建局" in risk.units and "县住建局" in green.units and "县住建局" not in industry.units
    sp.report(store, ZHU, green.scope, sp.check_values("2026-10", "in-progress", percent=40, note="施工中"))
    snapshot_rows = sp.current(store)
    status_of = pg.statuses(items, snapshot_rows, today=date(2026, 11, 5))
    data = progress_ledger.download(list(items.values()), status_of, period="2026-11", title="沁水县进展台账")

    # The office fills it in offline.
    workbook, sheet, header = workbook_rows(data)
    row_of = {sheet.cell(r, 14).value: r for r in range(header + 1, sheet.max_row + 1)}
    sheet.cell(row_of[risk.key], 8, "已完成")                       # good row
    sheet.cell(row_of[risk.key], 10, 100)
    sheet.cell(row_of[risk.key], 13, "已验收")
    sheet.cell(row_of[green.key], 10, 75)                           # good row: prefilled status kept, percent changed
    sheet.cell(row_of[industry.key], 8, "推进中")                  # outside the uploader's scope
    sheet.cell(row_of[work1.key], 8, "完成了")                      # a bad status
    sheet.cell(row_of[work2.key], 8, "推进中")
    sheet.cell(row_of[work2.key], 10, "80")                         # a number typed as text
    sheet.delete_rows(row_of[work3.key])                            # a deleted row
    added = sheet.max_row + 1                                       # an added row, no identity
    sheet.cell(added, 3, "新增：县城供热管网改造")
    sheet.cell(added, 8, "推进中")
    buffer = io.BytesIO()
    workbook.save(buffer)

    upload_as = pg.statuses(items, sp.current(store), today=date(2026, 11, 5))
    preview = progress_ledger.read_upload(buffer.getvalue(), "沁水县台账.xlsx", items, upload_as, ZHU,
                                          expected=list(items), period="2026-11")
    assert [(c.item.key, dict((f, (b, a)) for f, b, a in c.changes)) for c in preview.changes] == [
        (risk.key, {"status": (None, "done"), "period": ("", "2026-11"), "percent": (None, 100.0), "note": ("", "已验收")}),
        (green.key, {"period": ("2026-10", "2026-11"), "percent": (40.0, 75.0), "note": ("施工中", "")}),
    ]
    assert progress_ledger.change_text(preview.changes[0]) == "状态：— → 已完成；填报期：— → 2026-11；完成进度（%）：— → 100；备注：— → 已验收"
    problems = {(p.row, p.column): p.message for p in preview.problems}
    assert set(problems) == {(row_of[work1.key], "状态"), (row_of[work2.key], "完成进度（%）")}
    assert "'完成了' is not one of 未启动/推进中/已完成/滞后/暂缓" in problems[(row_of[work1.key], "状态")]
    assert "'80' is text; type a number" in problems[(row_of[work2.key], "完成进度（%）")]
    assert "沁水县台账.xlsx row" in problems[(row_of[work1.key], "状态")]
    assert [(r, title) for r, title, _units in preview.refused] == [(row_of[industry.key], industry.title)]
    assert [text for _row, text in preview.unknown] == ["新增：县城供热管网改造 推进中"]
    assert [i.key for i in preview.missing] == [work3.key]
    assert not preview.ok
    # Nothing is saved before the confirmation.
    assert {k: r.version for k, r in sp.current(store).items()} == {k: r.version for k, r in snapshot_rows.items()}

    assert progress_ledger.save(store, ZHU, preview) == 2
    rows = sp.current(store)
    assert (rows[risk.key].status, rows[risk.key].percent, rows[risk.key].created_by) == ("done", Decimal("100.0"), "zhu")
    assert (rows[green.key].status, rows[green.key].percent, rows[green.key].version) == ("in-progress", Decimal("75.0"), 2)
    assert rows[green.key].note == ""
    for untouched in (industry, work1, work2, work3):
        assert untouched.key not in rows
    assert store.audit_log(action="progress.upload")[0].detail == "ledger upload 沁水县台账.xlsx"
    # Uploading the same file again changes nothing.
    again = progress_ledger.read_upload(buffer.getvalue(), "沁水县台账.xlsx", items,
                                        pg.statuses(items, sp.current(store), today=date(2026, 11, 5)), ZHU,
                                        period="2026-11")
    assert again.changes == [] and {c.item.key for c in again.unchanged} == {risk.key, green.key}


def test_an_uploader_outside_scope_has_every_row_refused_and_the_store_refuses_a_forged_save(store, items):
    titles = {i.title: i for i in items.values()}
    risk = titles["增强城乡风险防控能力"]
    status_of = pg.statuses(items, {}, today=date(2026, 11, 5))
    workbook, sheet, header = workbook_rows(progress_ledger.download([risk], status_of, period="2026-11", title="t"))
    sheet.cell(header + 1, 8, "已完成")
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = progress_ledger.read_upload(buffer.getvalue(), "x.xlsx", items, status_of, FA, period="2026-11")
    assert preview.changes == [] and [r[1] for r in preview.refused] == [risk.title]
    forged = progress_ledger.Preview("x.xlsx", changes=[progress_ledger.Change(
        header + 1, risk, sp.check_values("2026-11", "done"), (("status", None, "done"),))])
    with pytest.raises(store_module.ScopeError):
        progress_ledger.save(store, FA, forged)
    assert sp.current(store) == {}  # nothing saved


def test_a_file_that_is_not_a_ledger_is_refused_with_its_name(items):
    with pytest.raises(progress_ledger.UnreadableLedger, match="notes.xlsx: not an .xlsx"):
        progress_ledger.read_upload(b"plain text", "notes.xlsx", items, {}, ZHU)
    from openpyxl import Workbook

    other = Workbook()
    other.active.append(["名称", "数值"])
    buffer = io.BytesIO()
    other.save(buffer)
    with pytest.raises(progress_ledger.UnreadableLedger, match="other.xlsx: no sheet with the columns 状态"):
        progress_ledger.read_upload(buffer.getvalue(), "other.xlsx", items, {}, ZHU)
