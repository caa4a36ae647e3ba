"""AppTest of the 管理 page: only a signed-in administrator gets the upload form; a plan that
cannot be added is refused in the user's language with the file, the line and the fix."""

from __future__ import annotations

import hashlib
import re

import pytest
from plan_factory import county_plan, docx_of, pdf_of
from streamlit.testing.v1 import AppTest

from xiancheng import store as st_store

TIMEOUT = 60
PAGE = "pages/manage.py"


@pytest.fixture(scope="module")
def accounts():
    """Accounts in the store the app under test uses (conftest points it at a temp file)."""
    store = st_store.open()
    system = st_store.system_user("test")
    for name, role, extra in (("manage_admin", "admin", {}), ("manage_editor", "editor", {"units": ["市住建局"]})):
        if store.user(name) is None:
            store.add_user(system, name, "manage password 1", role, **extra)
    return store


def run(user=None) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    if user is not None:
        app.session_state["xiancheng_user"] = user
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def uploaders(app: AppTest) -> list:
    return app.get("file_uploader")


def test_signed_out_visitors_are_asked_to_sign_in_and_get_no_upload():
    app = run()
    assert any("此页需要登录" in i.value for i in app.info)
    assert not uploaders(app)


def test_an_editor_is_told_the_page_needs_an_administrator(accounts):
    app = run(accounts.user("manage_editor"))
    assert any("管理员" in w.value for w in app.warning)
    assert not uploaders(app)


def test_an_administrator_gets_the_upload_form(accounts):
    app = run(accounts.user("manage_admin"))
    assert len(uploaders(app)) == 1
    assert not app.warning and not app.error


# --- what the page says when a plan cannot be added: in the user's language (Chinese by default,
# English with ?lang=en), never the English str(error) the CLI prints. Each from a file made here,
# uploaded through the page's uploader (which, like the browser, takes .txt/.docx/.pdf only: a
# wrong extension is tested on the function, in test_intake).

@pytest.fixture
def plans_here(app_on, tmp_path):
    """The page adds into a plans folder of the test's own (the seeds), not the repository's."""
    from test_manifest_entries import seed_plans

    plans = seed_plans(tmp_path)
    app_on(plans)
    return plans


def run_as_admin(accounts, lang: str | None = None) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    app.session_state["xiancheng_user"] = accounts.user("manage_admin")
    if lang:
        app.query_params["lang"] = lang
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def upload(app: AppTest, name: str, data: bytes) -> AppTest:
    app.file_uploader(key="manage_upload").set_value((name, data, "application/octet-stream")).run()
    assert not app.exception, app.exception
    return app


def as_read(value: str) -> str:
    """An st.error/st.warning text as the user reads it (ui.md_quote escapes Markdown and
    turns line ends into Markdown line breaks)."""
    return re.sub(r"\\(.)", r"\1", value).replace("  \n", "\n")


def confirm(app: AppTest, data: bytes, scope: str | None = None) -> AppTest:
    digest = hashlib.sha256(data).hexdigest()[:12]
    if scope:
        app.selectbox(key=f"manage_scope_{digest}").select(scope)
    [button] = [b for b in app.button if b.label in ("确认并添加", "Confirm and add")]
    button.click().run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("lang,expected", [
    (None, "无法读取 加密.pdf：这是受密码保护的 PDF。请另存一份未加密的副本，再添加该副本。"),
    ("en", "Cannot read 加密.pdf: it is a password-protected PDF. Save an unprotected copy and add that."),
])
def test_an_encrypted_pdf_is_refused_in_the_users_language(accounts, plans_here, lang, expected):
    from test_intake import encrypted_pdf

    app = upload(run_as_admin(accounts, lang), "加密.pdf", encrypted_pdf(county_plan("古县")))
    assert [as_read(e.value) for e in app.error] == [expected]
    assert not app.get("text_input")  # no form for a file that was not read


def test_an_empty_file_and_a_damaged_pdf_are_named_with_the_fix(accounts, plans_here):
    app = upload(run_as_admin(accounts), "空白.txt", b"\r\n \r\n")
    assert [as_read(e.value) for e in app.error] == ["无法读取 空白.txt：文件是空的。请检查是否选错了文件。"]
    pdf = pdf_of(county_plan("古县"))
    app = upload(run_as_admin(accounts, "en"), "半截.pdf", pdf[: len(pdf) // 2])
    # the PDF reader's own words stay, on a line of their own beneath the translated sentence
    assert [as_read(e.value) for e in app.error] == [
        "半截.pdf cannot be read as a PDF; the file may be damaged. Export the PDF again, or add the original .docx or the text version.\n"
        "Details: PdfStreamError: Stream has ended unexpectedly"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_text_above_the_size_setting_is_refused_naming_its_size_and_the_limit(accounts, plans_here, monkeypatch, lang):
    monkeypatch.setenv("XIANCHENG_MAX_DOCUMENT_MB", "0.001")
    data = county_plan("古县", number="古政办发〔2024〕77号", date="2024年10月9日").encode("utf-8")
    size = f"{len(data) / 2**20:.3g}"
    app = upload(run_as_admin(accounts, lang if lang == "en" else None), "古县方案.txt", data)
    expected = {
        "zh": f"未添加：古县方案.txt 的文字有 {size} MB，超过规划文件 0.001 MB 的上限（设置项 XIANCHENG_MAX_DOCUMENT_MB）。请拆分文件，或调高该设置。",
        "en": f"Not added: the text of 古县方案.txt is {size} MB, above the 0.001 MB limit for a plan (setting XIANCHENG_MAX_DOCUMENT_MB). "
              "Split the file, or raise the setting.",
    }[lang]
    assert [as_read(e.value) for e in app.error] == [expected]


def test_a_docx_filed_under_another_county_is_refused_naming_both_places(accounts, plans_here):
    data = docx_of(county_plan("古县", number="古政办发〔2024〕77号", date="2024年10月9日"))
    before = (plans_here / "manifest.yaml").read_bytes()
    app = confirm(upload(run_as_admin(accounts), "古县方案.docx", data), data, scope="141026")  # 安泽县
    assert [as_read(e.value) for e in app.error] == [
        "未添加：所选范围是 临汾市安泽县（141026），但原文标题（第 11 行）写的是“古县”，即 临汾市古县（141025）。请把范围改为 临汾市古县（141025）。"]
    app = confirm(upload(run_as_admin(accounts, "en"), "古县方案.docx", data), data, scope="141026")
    assert [as_read(e.value) for e in app.error] == [
        "Not added: the scope chosen is 临汾市安泽县 (141026), but the title (line 11 of the text) names “古县”, that is 临汾市古县 (141025). "
        "Choose 临汾市古县 (141025) as the scope."]
    assert (plans_here / "manifest.yaml").read_bytes() == before


def test_a_plan_already_loaded_is_refused_and_a_near_copy_is_added_with_a_note(accounts, plans_here):
    loaded = "002_4ce72fc9d69db8e3.txt"
    seed = (plans_here / loaded).read_text(encoding="utf-8")
    again = seed.replace("\n", "\r\n").encode("gb18030")
    last = last_audit_id(accounts)
    app = confirm(upload(run_as_admin(accounts), "古县.txt", again), again)
    assert [as_read(e.value) for e in app.error] == [f"未添加：相同文字的文件 {loaded} 已载入，同一份文件不重复载入。"]
    # refused by check(): one entry, with who, the file as uploaded and why (the CLI's English line)
    assert plan_adds_since(accounts, last) == [
        ("manage_admin", "plan.add", "refused", "", "",
         f"古县.txt: (new plan) has the same text as {loaded}, which is already loaded: it is not loaded twice")]
    near = seed.replace("古政办发〔2024〕42号", "古政办发〔2024〕98号").replace("一、总体要求", "一、总体要求（修订）").encode("utf-8")
    last = last_audit_id(accounts)
    app = confirm(upload(run_as_admin(accounts), "古县修订.txt", near), near)
    assert not app.error and len(app.success) == 1
    [note] = [as_read(w.value) for w in app.warning]
    assert re.fullmatch(rf"注意：该文件看起来是 {re.escape(loaded)} 的副本：较短一份中 \d+% 的行也出现在另一份中（是否为转载？）。", note), note
    added = f"005_{hashlib.sha256(near).hexdigest()[:16]}.txt"
    assert (plans_here / added).read_bytes() == near
    assert plan_adds_since(accounts, last) == [("manage_admin", "plan.add", "ok", added, "", "古县修订.txt")]


# --- a broken manifest, a plan whose entry does not load, the size setting and the disk (issue: no
# silent skip of the duplicate check, no general error handler, nothing half-written)

def files(folder) -> dict:
    """Every file under folder with its bytes, but the lock file add() takes to wait for another writer."""
    return {str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes() for p in sorted(folder.rglob("*")) if p.name != ".manifest.lock"}


def last_audit_id(store) -> int:
    newest = store.audit_log(limit=1)
    return newest[0].id if newest else 0


def plan_adds_since(store, last_id: int) -> list[tuple]:
    """The plan.add entries written after last_id, oldest first, as read back from the store."""
    return [(e.actor, e.action, e.outcome, e.target, e.client, e.detail)
            for e in reversed(store.audit_log(action="plan.add")) if e.id > last_id]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_misspelt_documents_line_refuses_the_plan_already_there_naming_the_line(accounts, plans_here, lang):
    manifest = plans_here / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("\ndocuments:", "\ndocs:"), encoding="utf-8")
    before = files(plans_here)
    again = (plans_here / "002_4ce72fc9d69db8e3.txt").read_bytes()
    app = confirm(upload(run_as_admin(accounts, lang if lang == "en" else None), "古县.txt", again), again)
    expected = {
        "zh": f"未添加：规划清单 {manifest} 第 9 行的“docs”顶格书写，不在 documents: 之下，清单无法完整读取，因此无法检查该文件是否已载入。"
              "请将该行缩进到 documents: 之下（或改正拼写、删除该行）后再添加。",
        "en": f"Not added: the plans manifest {manifest}, line 9: “docs” starts the line instead of standing under documents:, so the "
              "manifest does not read as a whole and the plan cannot be checked against the plans loaded. Indent that line under "
              "documents: (or correct its spelling, or delete it) and add the plan again.",
    }[lang]
    assert [as_read(e.value) for e in app.error] == [expected]
    assert not app.success and files(plans_here) == before


def test_a_plan_whose_entry_a_tab_broke_is_not_added_again(accounts, plans_here):
    loaded = "002_4ce72fc9d69db8e3.txt"
    manifest = plans_here / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(f"{loaded}:\n    title", f"{loaded}:\n\ttitle", 1), encoding="utf-8")
    before = files(plans_here)
    again = (plans_here / loaded).read_bytes()
    app = confirm(upload(run_as_admin(accounts), "古县.txt", again), again)
    assert [as_read(e.value) for e in app.error] == [
        f"未添加：相同文字的文件 {loaded} 已在规划文件夹中，但未能载入（manifest.yaml 第 36 行的条目或该文件的文字有误，见下），"
        "修正后会重复载入。请修正该处，不要再次添加。\n"
        f"技术信息：entry {loaded} (line 36): line 37 holds a tab character; YAML indents with spaces only. Fix: replace the tab with spaces"]
    assert not app.success and files(plans_here) == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_size_setting_that_is_not_a_number_is_named_with_its_value(accounts, plans_here, monkeypatch, lang):
    monkeypatch.setenv("XIANCHENG_MAX_DOCUMENT_MB", "5MB")
    app = upload(run_as_admin(accounts, lang if lang == "en" else None), "古县方案.txt", county_plan("古县").encode("utf-8"))
    expected = {
        "zh": "未添加：设置项 XIANCHENG_MAX_DOCUMENT_MB 的值“5MB”不是以 MB 为单位的正数，无法判断 古县方案.txt 是否超过规划文件的大小上限。"
              "请将该设置改为正数（默认为 5），然后重启应用。",
        "en": "Not added: the setting XIANCHENG_MAX_DOCUMENT_MB is “5MB”, which is not a positive number of MB, so whether 古县方案.txt "
              "is within the size limit for a plan cannot be told. Set it to a positive number (the default is 5) and restart the app.",
    }[lang]
    assert [as_read(e.value) for e in app.error] == [expected]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_write_that_fails_after_the_text_was_written_is_named_and_undone(accounts, plans_here, lang):
    (plans_here / "originals").write_text("a file named like the originals folder\n", encoding="utf-8")
    before = files(plans_here)
    data = county_plan("壶关县", number="壶政办发〔2024〕61号", date="2024年9月3日").encode("gbk")  # converted: the original is kept
    last = last_audit_id(accounts)
    app = confirm(upload(run_as_admin(accounts, lang if lang == "en" else None), "壶关县.txt", data), data)
    path = plans_here / "originals"
    expected = {
        "zh": f"未添加：无法写入 {path}，未作任何更改（规划文件夹和 manifest.yaml 保持原样）。请检查磁盘空间和该文件夹的写入权限。\n技术信息：File exists",
        "en": f"Not added: {path} could not be written; nothing was changed (the plans folder and manifest.yaml are as they were). "
              "Check the free disk space and that the folder can be written to.\nDetails: File exists",
    }[lang]
    assert [as_read(e.value) for e in app.error] == [expected]
    assert not app.success and files(plans_here) == before
    # refused by add() itself, after check() passed: audited as a failed add, once
    assert plan_adds_since(accounts, last) == [
        ("manage_admin", "plan.add", "failed", "", "", f"壶关县.txt: {path} could not be written (File exists); nothing was added, "
                                                         "the plans folder and manifest.yaml are as they were")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_entry_left_for_the_new_file_name_refuses_the_add_and_is_audited(accounts, plans_here, lang):
    # check() compares the plan as "(new plan)" and passes; add() names it 005_<sha256>.txt, and the
    # manifest already lists that name (an entry left after its text was deleted by hand): add() refuses
    from test_manifest_entries import entry_text

    data = county_plan("壶关县", number="壶政办发〔2024〕61号", date="2024年9月3日").encode("utf-8")
    name = f"005_{hashlib.sha256(data).hexdigest()[:16]}.txt"
    manifest = plans_here / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + entry_text(name, "壶关县", "140427"), encoding="utf-8")
    line = manifest.read_text(encoding="utf-8").count("\n") - 5  # the left entry's first line (it has six)
    before = files(plans_here)
    last = last_audit_id(accounts)
    app = confirm(upload(run_as_admin(accounts, lang if lang == "en" else None), "壶关县.txt", data), data)
    why = f"{name} is listed twice, on lines {line} and {line + 6}; neither entry is used until one is deleted"
    expected = {
        "zh": f"未添加：manifest.yaml 无法写入该条目，未作任何更改。\n技术信息：{why}",
        "en": f"Not added: manifest.yaml could not take the entry; nothing was changed.\nDetails: {why}",
    }[lang]
    assert [as_read(e.value) for e in app.error] == [expected]
    assert not app.success and files(plans_here) == before
    assert plan_adds_since(accounts, last) == [
        ("manage_admin", "plan.add", "refused", "", "", f"壶关县.txt: manifest.yaml could not take the entry: {why}")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_plan_added_while_the_audit_trail_is_busy_stays_added_and_the_page_says_the_trail_missed_it(
        accounts, plans_here, monkeypatch, lang):
    """The audit entry of a successful add cannot be written (another writer holds the SQLite
    file, for real): the plan is added and shown as added, and a warning in the user's
    language says the audit trail did not record it; no error page."""
    import sqlite3

    from xiancheng import settings
    from xiancheng.store import db

    url = settings.get("database_url")
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    st_store.forget(url)  # reopened with the short wait
    near = (plans_here / "002_4ce72fc9d69db8e3.txt").read_text(encoding="utf-8")
    near = near.replace("古政办发〔2024〕42号", "古政办发〔2024〕97号").replace("一、总体要求", "一、总体要求（第二次修订）").encode("utf-8")
    app = upload(run_as_admin(accounts, None if lang == "zh" else lang), "古县修订二.txt", near)
    last = last_audit_id(accounts)
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the file while the add is confirmed
    try:
        app = confirm(app, near)
    finally:
        holder.close()
        st_store.forget(url)
    added = f"005_{hashlib.sha256(near).hexdigest()[:16]}.txt"
    assert (plans_here / added).read_bytes() == near
    assert not app.error and len(app.success) == 1 and added in as_read(app.success[0].value)
    [warning] = [as_read(w.value) for w in app.warning if "审计" in w.value or "audit" in w.value]
    if lang == "zh":
        assert warning.startswith("审计记录没有写入，请告知系统管理员。未保存：数据库正忙"), warning
    else:
        assert warning.startswith("The audit trail did not record this; tell the system administrator. Not saved: the database was busy"), warning
    assert plan_adds_since(accounts, last) == []  # nothing was recorded, and the page said so
