"""Refusals reach people in their language (zh and en) with the same facts as the English log
message: who, which record in words (a task's title, not a table and key), when, the version,
what to do. Each from a real store operation; plus a guard that no page shows str(error)."""

from __future__ import annotations

import ast
import io
import re
import sqlite3
import threading
from pathlib import Path

import pytest
from plan_builder import county_plan as county_entry
from plan_builder import write_plans
from plan_factory import county_plan

from xiancheng import i18n
from xiancheng import progress
from xiancheng import store as store_module
from xiancheng.export import progress_ledger
from xiancheng.ingest.pipeline import build_dataset
from xiancheng.refusals import describe
from xiancheng.store import progress as sp

ROOT = Path(__file__).resolve().parent.parent
QINSHUI = "140521"  # 晋城市沁水县
WANG = store_module.User("wang", "王", "editor", units=("县住建局",))
LI = store_module.User("li", "李", "editor", units=("县住建局",), areas=(QINSHUI,))
ZHAO = store_module.User("zhao", "赵", "editor", areas=("140522",))  # 晋城市阳城县
VIEWER = store_module.User("kan", "看", "viewer")


@pytest.fixture(scope="module")
def items(tmp_path_factory):
    entry = {**county_entry(QINSHUI), "title_lines": [1, 1]}
    folder = write_plans(tmp_path_factory.mktemp("plans"), {"900_qinshui.txt": (entry, county_plan("沁水县", tasks=3, extra=3))})
    dataset, report = build_dataset(folder)
    assert report.documents[0].status == "ok", report.documents[0].issues
    return progress.build_items(dataset)


def housing_item(items):
    return next(i for i in items.values() if "县住建局" in i.units)


def both(error, **kwargs) -> tuple[str, str]:
    return describe(error, "zh", **kwargs), describe(error, "en", **kwargs)


def no_raw_names(text: str) -> None:
    assert "progress_report" not in text and "|" not in text, text  # no table name, no raw item key


def test_a_stale_correction_names_who_the_task_when_and_the_versions(store, items):
    item = housing_item(items)
    seen = sp.report(store, WANG, item.scope, sp.check_values("2026-11", "in-progress", percent=40)).version
    theirs = sp.correct(store, LI, item.scope, seen, sp.check_values("2026-11", "in-progress", percent=60))
    with pytest.raises(store_module.StaleEdit) as refused:
        sp.correct(store, WANG, item.scope, seen, sp.check_values("2026-11", "in-progress", percent=45))
    error = refused.value
    at = theirs.created_at.strftime("%Y-%m-%d %H:%M:%S")
    zh, en = both(error)
    assert zh == (f"未保存：事项「{item.title}」的进展报告已被 li 于 {at}（UTC） 修改（现为第 2 版，您的修改基于第 1 版）。"
                  "请刷新页面查看对方的修改，再重新填写；您填写的内容仍保留在表单中。")
    assert en.startswith(f"Not saved: the progress report on “{item.title}” was changed by li at {at} UTC "
                         "(now version 2; your edit was based on version 1). Reload")
    no_raw_names(zh), no_raw_names(en)
    # the log keeps its English sentence and the structured facts
    assert str(error).startswith(f"progress_report {item.key!r} was changed by li at {at} UTC (now version 2)")
    assert (error.table, error.key, error.based_on, error.current_version, error.changed_by, error.title) == (
        "progress_report", item.key, 1, 2, "li", item.title)


def test_two_sessions_racing_on_one_record_the_loser_reads_who_won_in_chinese(store, items):
    item = housing_item(items)
    base = sp.report(store, WANG, item.scope, sp.check_values("2026-11", "in-progress")).version
    start, outcomes = threading.Barrier(2), {}

    def save(user, percent):
        start.wait()
        try:
            outcomes[user.username] = sp.correct(store, user, item.scope, base,
                                                 sp.check_values("2026-11", "in-progress", percent=percent))
        except store_module.StaleEdit as stale:
            outcomes[user.username] = stale

    threads = [threading.Thread(target=save, args=(u, p)) for u, p in ((WANG, 50), (LI, 70))]
    [t.start() for t in threads], [t.join() for t in threads]
    [loser] = [name for name, outcome in outcomes.items() if isinstance(outcome, store_module.StaleEdit)]
    winner = "li" if loser == "wang" else "wang"
    saved = outcomes[winner]
    zh, en = both(outcomes[loser])
    assert f"事项「{item.title}」的进展报告已被 {winner} 于 {saved.created_at:%Y-%m-%d %H:%M:%S}（UTC） 修改（现为第 2 版" in zh
    assert f"was changed by {winner} at {saved.created_at:%Y-%m-%d %H:%M:%S} UTC (now version 2" in en
    no_raw_names(zh)


def test_scope_refusals_name_the_user_their_scope_and_the_record(sqlite_url, items):
    store = store_module.open(sqlite_url)
    housing = housing_item(items)
    industry = next(i for i in items.values() if i.units == ("县工信局", "县商务局"))
    cases = {}
    for user, item in ((WANG, industry), (ZHAO, housing), (VIEWER, housing), (None, housing)):
        with pytest.raises(store_module.ScopeError) as refused:
            sp.report(store, user, item.scope, sp.check_values("2026-11", "done"))
        cases[user.username if user else None] = both(refused.value)
    zh, en = cases["wang"]
    assert zh == f"未保存：wang 只能为 县住建局 填报，事项「{industry.title}」的进展报告属于县工信局。"
    assert en == f"Not saved: wang may write for 县住建局 only; the progress report on “{industry.title}” belongs to 县工信局."
    zh, en = cases["zhao"]
    assert zh == f"未保存：zhao 只能填报 晋城市阳城县（140522） 的事项，事项「{housing.title}」的进展报告属于晋城市沁水县（140521）。"
    assert en.endswith(f"is in 晋城市沁水县 (140521).") and "may write for 晋城市阳城县 (140522) only" in en
    zh, en = cases["kan"]
    assert zh.startswith(f"未保存：kan（查看者）无权填报事项「{housing.title}」的进展报告。")
    assert en.startswith(f"Not saved: kan (viewer) may not write the progress report on “{housing.title}”.")
    assert cases[None] == ("未保存：填报需要先登录（侧栏“登录”）。", "Not saved: writing needs sign-in (Sign in, in the sidebar).")
    # an admin-only step refused to an editor
    with pytest.raises(store_module.ScopeError) as refused:
        sp.reattach(store, LI, "task|gone|-|旧标题", housing.scope)
    assert describe(refused.value, "zh") == "未保存：只有管理员可以修改事项「旧标题」的进展报告，li 是填报员。"


def test_sign_in_refusals_wrong_password_and_too_many(sqlite_url):
    store = store_module.open(sqlite_url)
    admin = store_module.system_user("test")
    store.add_user(admin, "keeper", "a long password", "admin")
    with pytest.raises(store_module.SignInRefused) as refused:
        store.sign_in("keeper", "wrong password", client="10.0.0.1")
    assert both(refused.value) == ("用户名或密码错误。", "Wrong user name or password.")
    for _ in range(10):
        try:
            store.sign_in("keeper", "wrong password", client="10.0.0.1")
        except store_module.SignInRefused as error:
            last = error
    assert last.retry_after_seconds > 0
    minutes = last.retry_after_seconds // 60 + 1
    assert both(last) == (f"登录失败次数过多，请 {minutes} 分钟后再试。", f"Too many failed sign-ins; try again in {minutes} min.")


def test_account_refusals_name_the_account_who_saved_it_and_when(sqlite_url):
    store = store_module.open(sqlite_url)
    admin = store_module.system_user("test")
    first = store.add_user(admin, "zhang", "a long password", "editor", units=["市住建局"])
    saved = store.history(store_module.Account, "zhang")[-1]
    with pytest.raises(store_module.StoreError) as refused:
        store.add_user(admin, "zhang", "another password", "viewer")
    zh, en = both(refused.value)
    assert zh == f"未添加：用户“zhang”已存在（第 {first.version} 版，system:test 于 {saved.created_at:%Y-%m-%d %H:%M:%S}（UTC） 保存）。"
    assert en == f"Not added: user “zhang” already exists (version 1, saved by system:test at {saved.created_at:%Y-%m-%d %H:%M:%S} UTC)."
    with pytest.raises(store_module.StoreError) as refused:
        store.add_user(admin, "li", "short", "viewer")
    assert both(refused.value)[0].startswith("未保存：密码太短，至少 ")
    with pytest.raises(store_module.StoreError) as refused:
        store.add_user(admin, "li", "a long password", "editor", areas=["1408"])
    assert both(refused.value) == ("未添加：地区“1408”不是 6 位行政区划代码（如市 140800、县 140821）。",
                                   "Not added: area “1408” is not a 6-digit adcode (e.g. 140800 for a city, 140821 for a county).")
    with pytest.raises(store_module.StoreError) as refused:
        store.add_user(admin, "li", "a long password", "boss")
    assert both(refused.value)[0] == "未保存：未知角色“boss”，可选：管理员、填报员、查看者。"


@pytest.mark.parametrize(("args", "zh", "en"), [
    (("2026-13", "done"), "未保存：填报期“2026-13”不是年月（如 2026-11）。", "Not saved: the period “2026-13” is not a month like 2026-11."),
    (("2026-11", "finished"), "未保存：状态“finished”无效，可选：未启动、推进中、已完成、滞后、暂缓。", "Not saved: the status “finished” is not one of "),
    (("2026-11", "done", 150), "未保存：完成进度（%） 150 超出范围（0–100）。", "Not saved: Percent done 150 is out of range (0–100)."),
    (("2026-11", "done", "多"), "未保存：完成进度（%）应为数字，填写的是“多”。", "Not saved: Percent done must be a number, not “多”."),
])
def test_invalid_progress_values_name_the_field_by_its_label(args, zh, en):
    with pytest.raises(sp.InvalidProgress) as refused:
        sp.check_values(*args)
    shown_zh, shown_en = both(refused.value)
    assert shown_zh == zh and shown_en.startswith(en)


def test_a_busy_sqlite_file_says_to_try_again_in_both_languages(tmp_path, items, monkeypatch):
    from xiancheng.store import db

    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "busy.sqlite"
    busy = store_module.open(f"sqlite:///{path}")
    admin = store_module.system_user("test")
    item = housing_item(items)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the file
    try:
        with pytest.raises(store_module.StoreBusy) as refused:
            with busy.write(admin, "progress.report") as tx:
                tx.append_after_latest(sp.ProgressReport, item.key, **sp._row_values(admin, item.scope, sp.check_values("2026-11", "done")))
    finally:
        holder.close()
        store_module.forget(f"sqlite:///{path}")
    zh, en = both(refused.value)
    from xiancheng.store.workspace import SQLITE_BUSY_TIMEOUT_MS

    seconds = SQLITE_BUSY_TIMEOUT_MS // 1000  # what the message states (the test shortened the real wait)
    assert zh.startswith(f"未保存：数据库正忙（其他人同时在保存，等待超过 {seconds} 秒）。请稍后再试") and str(path) not in zh
    assert en.startswith(f"Not saved: the database was busy with other saves for more than {seconds} s. Try again")


def test_an_unreadable_ledger_names_the_file_in_both_languages(items):
    with pytest.raises(progress_ledger.UnreadableLedger) as refused:
        progress_ledger.read_upload(b"plain text", "进展.xlsx", items, {}, LI)
    zh, en = both(refused.value)
    assert zh.startswith("无法读取 进展.xlsx：不是 .xlsx 工作簿（") and en.startswith("Cannot read 进展.xlsx: not an .xlsx workbook (")
    from openpyxl import Workbook

    other = Workbook()
    other.active.append(["名称", "数值"])
    buffer = io.BytesIO()
    other.save(buffer)
    with pytest.raises(progress_ledger.UnreadableLedger) as refused:
        progress_ledger.read_upload(buffer.getvalue(), "other.xlsx", items, {}, LI)
    assert both(refused.value) == (
        "无法读取 other.xlsx：没有含“状态”和“标识（请勿修改）”列的工作表。请上传从本页下载的台账。",
        "Cannot read other.xlsx: no sheet has the columns “Status” and “Identity (do not edit)”. Upload the ledger downloaded from this page.",
    )


def test_a_ledger_rows_problems_are_shown_in_both_languages(items):
    from openpyxl import load_workbook

    mine = [i for i in items.values() if "县住建局" in i.units]
    data = progress_ledger.download(mine, {}, period="2026-11", title="台账")
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    header = next(r for r in range(1, 30) if sheet.cell(r, 14).value == "标识（请勿修改）")
    first, second = header + 1, header + 2
    sheet.cell(first, 8, "完成了")                 # not a status
    sheet.cell(second, 8, "推进中")
    sheet.cell(second, 10, 150)                    # percent out of range
    sheet.append([sheet.cell(second, c).value for c in range(1, sheet.max_column + 1)])  # the same item twice
    third = sheet.max_row
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = progress_ledger.read_upload(buffer.getvalue(), "台账.xlsx", items, {}, LI, period="2026-11")
    shown = {p.row: both(p) for p in preview.problems}
    assert shown[first] == ("状态“完成了”无效，可选：未启动、推进中、已完成、滞后、暂缓。",
                            "The status “完成了” is not one of Not started, In progress, Done, Late, Paused.")
    assert shown[second] == ("未保存：完成进度（%） 150 超出范围（0–100）。", "Not saved: Percent done 150 is out of range (0–100).")
    assert shown[third] == ("该事项在表中出现了两次，请只保留一行。", "The item appears twice; keep one row.")
    assert all("row" in p.message and "台账.xlsx" in p.message for p in preview.problems)  # the log line keeps file and row


def test_every_refusal_the_store_can_name_has_both_languages_and_the_same_placeholders():
    for key, (zh, en) in i18n.STRINGS.items():
        assert zh.strip() and en.strip(), key
        fields = lambda text: sorted(set(re.findall(r"\{(\w+)", text)))  # noqa: E731
        assert fields(zh) == fields(en), key
    raised = set()
    for path in (ROOT / "xiancheng").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["message_key"]:
                raised.add(node.value.value)
            if not isinstance(node, ast.Call):
                continue
            raised |= {k.value.value for k in node.keywords if k.arg == "message_key" and isinstance(k.value, ast.Constant)}
            raised |= {v.value for k in node.keywords if k.arg == "message_key" and isinstance(k.value, ast.IfExp)
                       for v in (k.value.body, k.value.orelse) if isinstance(v, ast.Constant)}
            position = {"InvalidProgress": 2, "UnreadableLedger": 1, "Problem": 4, "Finding": 1, "refuse": 1}.get(getattr(node.func, "id", ""))
            if position is not None and len(node.args) > position and isinstance(node.args[position], ast.Constant):
                raised.add(node.args[position].value)
    raised.discard(None)
    assert len(raised) > 25
    missing = sorted(k for k in raised if f"refusal.{k}" not in i18n.STRINGS)
    assert not missing


# Exceptions whose str() is an English log line: a page shows them through ui.refusal.
_REFUSALS = {"StoreError", "StaleEdit", "ScopeError", "SignInRefused", "StoreBusy", "InvalidProgress",
             "UnreadableLedger", "RejectedRowsNotAccepted", "refused", "invalid", "IntakeError", "DatabaseSettingError"}
# Lists of findings whose str() is English (ingest.intake's Check.errors / .warnings, a ledger's problems).
_FINDINGS = {"errors", "warnings", "problems"}


def _caught_names(handler: ast.ExceptHandler) -> set[str]:
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type] if handler.type else []
    return {t.attr if isinstance(t, ast.Attribute) else getattr(t, "id", "") for t in types}


def _shown_raw(body: list[ast.stmt], name: str) -> list[int]:
    """Lines in body that show `name` as its English str: str(name), f"{name}", or key=name
    (into t(), st.error, ...). Passing it positionally (show_refusal(name)) is the way; print()
    writes to the server's log, where the English line belongs."""
    lines = []
    module = ast.Module(body=body, type_ignores=[])
    logged = {id(n) for call in ast.walk(module) if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "print"
              for n in ast.walk(call)}
    for node in ast.walk(module):
        if id(node) in logged:
            continue
        shows_str = (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "str"
                     and any(isinstance(a, ast.Name) and a.id == name for a in node.args))
        in_fstring = isinstance(node, ast.FormattedValue) and isinstance(node.value, ast.Name) and node.value.id == name
        passed_raw = isinstance(node, ast.keyword) and isinstance(node.value, ast.Name) and node.value.id == name
        if shows_str or in_fstring or passed_raw:
            lines.append(getattr(node, "lineno", None) or body[0].lineno)
    return lines


def show_offenders(paths) -> list[str]:
    offenders = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for handler in (n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)):
            if handler.name and _caught_names(handler) & _REFUSALS:
                offenders += [f"{path.name}:{line}" for line in _shown_raw(handler.body, handler.name)]
        for loop in (n for n in ast.walk(tree) if isinstance(n, ast.For)):
            if (isinstance(loop.target, ast.Name) and isinstance(loop.iter, ast.Attribute) and loop.iter.attr in _FINDINGS):
                offenders += [f"{path.name}:{line}" for line in _shown_raw(loop.body, loop.target.id)]
    return offenders


def test_no_page_shows_the_english_str_of_a_refusal():
    paths = [*(ROOT / "pages").glob("*.py"), *(ROOT / "xiancheng" / "ui").glob("*.py"), ROOT / "app.py"]
    offenders = show_offenders(paths)
    assert not offenders, "show these through xiancheng.ui.refusal (show_refusal / refusal_text): " + ", ".join(offenders)


def test_the_guard_finds_the_manage_page_as_it_showed_intake_errors(tmp_path):
    # pages/manage.py before its errors were worded: str(error) of an IntakeError, and each
    # finding of check() passed as message= into the page's text
    before = tmp_path / "manage.py"
    before.write_text(
        "try:\n    proposal = intake.propose(upload.name, data)\nexcept intake.IntakeError as error:\n"
        "    st.error(ui.md_quote(str(error)))\n"
        "for message in result.errors:\n    st.error(ui.md_quote(t('manage.refused', message=message)))\n"
        "for message in added.warnings:\n    st.warning(f'{message}')\n"
        "try:\n    workspace()\nexcept DatabaseSettingError as error:\n    st.error(t('auth.store_unavailable', error=error))\n",
        encoding="utf-8")
    assert show_offenders([before]) == ["manage.py:4", "manage.py:12", "manage.py:6", "manage.py:8"]


def test_the_county_page_shows_a_stale_correction_in_chinese_and_keeps_what_was_entered():
    from test_page_progress import LINYI, run

    from xiancheng.ui import dataset

    workspace = store_module.open()
    editor = store_module.User(f"zhu-stale-{id(workspace)}", "住建", "editor", units=("市住建局",))
    rival = store_module.User("rival", "对方", "editor", units=("市住建局",))
    mine = [i for i in progress.items_of_place(progress.items_of(dataset()), LINYI) if "市住建局" in i.units]
    item = next(i for i in mine if i.kind == "task" and sp.current(workspace).get(i.key) is None)
    sp.report(workspace, editor, item.scope, sp.check_values("2026-11", "in-progress", percent=30))
    app = run("pages/county.py", editor, county=LINYI)
    app.selectbox(key="county_progress_item").select(item.key).run()  # the form starts from version 1
    theirs = sp.report(workspace, rival, item.scope, sp.check_values("2026-11", "in-progress", percent=60))
    app.number_input(key=f"county_progress_percent_{item.key}").set_value(55.0)
    app.text_area(key=f"county_progress_note_{item.key}").input("复核后更正")
    app.checkbox(key=f"county_progress_correct_{item.key}").check()
    app.button[[b.label for b in app.button].index("保存报告")].click().run()
    assert not app.exception, app.exception
    [shown] = [re.sub(r"\\(.)", r"\1", e.value) for e in app.error]  # as read: Markdown-escaped
    assert shown.startswith(f"未保存：事项「{item.title}」的进展报告已被 rival 于 {theirs.created_at:%Y-%m-%d %H:%M:%S}（UTC） "
                            "修改（现为第 2 版，您的修改基于第 1 版）。")
    assert "progress_report" not in shown and "changed by" not in shown
    assert app.number_input(key=f"county_progress_percent_{item.key}").value == 55.0
    assert app.text_area(key=f"county_progress_note_{item.key}").value == "复核后更正"
    assert [r.percent for r in workspace.history(sp.ProgressReport, item.key)] == [30, 60]


# --- the database setting: each cause in the user's language with the fix, from a real store.open

@pytest.mark.parametrize(("url", "zh", "en"), [
    ("not a database url",
     "数据库设置 XIANCHENG_DATABASE_URL 不是数据库地址（“not a database url”）。请改为 sqlite:///文件路径.sqlite 或 "
     "postgresql+psycopg://用户:密码@主机:5432/数据库名，或删除该设置以使用默认的 SQLite 文件。",
     "XIANCHENG_DATABASE_URL is not a database URL (“not a database url”). Use sqlite:///path/to/file.sqlite or "
     "postgresql+psycopg://user:password@host:5432/dbname, or unset it for the default SQLite file."),
    ("mysql://root@localhost/x",
     "数据库设置 XIANCHENG_DATABASE_URL 指定的是 mysql，本系统只支持 sqlite:/// 和 postgresql+psycopg://。",
     "XIANCHENG_DATABASE_URL names mysql; the store supports sqlite:/// and postgresql+psycopg:// only."),
    ("sqlite://",
     "数据库设置 XIANCHENG_DATABASE_URL 指向内存中的 SQLite 数据库，保存的内容都会丢失。请指定一个文件。",
     "XIANCHENG_DATABASE_URL names an in-memory SQLite database, which would lose every write; name a file."),
    ("postgresql+pg8000://someone@localhost/x",
     "数据库设置 XIANCHENG_DATABASE_URL：PostgreSQL 请使用 psycopg 驱动，即 postgresql+psycopg://…",
     "XIANCHENG_DATABASE_URL: use the psycopg driver, postgresql+psycopg://…"),
])
def test_a_database_setting_that_cannot_work_is_named_with_the_fix_in_both_languages(url, zh, en):
    with pytest.raises(store_module.DatabaseSettingError) as refused:
        store_module.open(url)
    assert both(refused.value) == (zh, en)
    assert str(refused.value).startswith("XIANCHENG_DATABASE_URL")  # the log line stays English


def test_an_unreachable_database_and_a_newer_one_are_named_in_both_languages(tmp_path):
    from appserver import free_port
    from sqlalchemy import text

    from xiancheng.store.db import engine_for
    from xiancheng.store.migrate import head_revision

    port = free_port()
    with pytest.raises(store_module.DatabaseSettingError) as refused:
        store_module.open(f"postgresql+psycopg://someone:s3cret-pw@127.0.0.1:{port}/xiancheng")
    zh, en = both(refused.value)
    url = f"postgresql+psycopg://someone:***@127.0.0.1:{port}/xiancheng"
    assert zh.startswith(f"无法连接数据库 XIANCHENG_DATABASE_URL={url}。请确认数据库服务器正在运行、地址（主机、端口、用户、密码、数据库名）正确，"
                         "或删除该设置以使用本地 SQLite 文件；未作任何更改。\n技术信息：")  # the driver's words beneath
    assert en.startswith(f"Cannot reach the database at XIANCHENG_DATABASE_URL={url}. Check that the server is running")
    assert "s3cret-pw" not in zh + en and str(port) in zh.split("\n")[1]
    newer = f"sqlite:///{tmp_path}/newer.sqlite"
    store_module.open(newer)
    with engine_for(newer).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    store_module.forget(newer)
    with pytest.raises(store_module.DatabaseSettingError) as refused:
        store_module.open(newer)
    head = head_revision()
    assert both(refused.value) == (
        f"XIANCHENG_DATABASE_URL 所指数据库的迁移版本为 0099_from_the_future，本版本的应用不认识（已知最新：{head}），它是由更新版本的应用写入的。"
        "请更新应用（git pull; make run），或将 XIANCHENG_DATABASE_URL 指向其他数据库；未作任何更改。",
        f"The database at XIANCHENG_DATABASE_URL is at migration 0099_from_the_future, which this version of the app does not know "
        f"(newest known: {head}); it was written by a newer version. Update the app (git pull; make run), or point "
        "XIANCHENG_DATABASE_URL at another database; nothing was changed.",
    )
    store_module.forget(newer)


def test_a_bad_commit_sync_setting_is_named_in_both_languages(monkeypatch):
    from xiancheng.store.db import commit_sync

    monkeypatch.setenv("XIANCHENG_COMMIT_SYNC", "sometimes")
    with pytest.raises(store_module.DatabaseSettingError) as refused:
        commit_sync()
    assert both(refused.value) == ("设置 XIANCHENG_COMMIT_SYNC 的值“sometimes”无效：请使用 full（默认）或 normal。",
                                   "XIANCHENG_COMMIT_SYNC is “sometimes”: use full (default) or normal.")
