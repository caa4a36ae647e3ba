"""AppTest of the documents page: the list with extraction counts, and the line reader."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from xiancheng import ui

PAGE = "pages/documents.py"
YUNCHENG_PLAN = "000_6ee266aaec99fe33.txt"
TIMEOUT = 60


def run_page(**params) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(PAGE).run()  # straight to the page, as a copied link opens it
    assert not app.exception, app.exception
    return app


def reader_html(app: AppTest) -> str:
    return next(m.value for m in app.markdown if "xc-reader" in m.value)


def test_list_shows_every_document_with_counts_and_not_printed():
    from xiancheng import ui

    app = run_page()
    listing = app.dataframe[-1].value
    assert len(listing) == len(ui.dataset().documents)
    hongtong = listing[listing["document"] == "001_775cef56807c43cc.txt"].iloc[0]
    assert hongtong["issuer"] == "未注明" and hongtong["number"] == "未注明"
    assert listing["tasks"].sum() == len(ui.dataset().tasks)
    assert any("已载入文件（5 份）" in s.value for s in app.subheader)


def test_cited_range_from_the_url_is_highlighted_with_the_annex_text():
    app = run_page(doc=YUNCHENG_PLAN, **{"from": "404", "to": "412"})
    page = reader_html(app)
    assert page.count("xc-line xc-hit") == 9
    assert 'data-line="404" id="cited"' in page
    assert "农产品主产区县城：万荣县、稷山县、绛县、平陆县、芮城县" in page
    assert app.selectbox(key="documents_doc").value == YUNCHENG_PLAN
    text = " ".join(m.value for m in app.markdown) + " ".join(c.value for c in app.caption)
    assert "引用：第404–412行" in text and "运政办发〔2024〕18号" in text


def test_whole_document_toggle_renders_every_line():
    from xiancheng import ui

    app = run_page(doc=YUNCHENG_PLAN, **{"from": "404", "to": "412"})
    app.toggle(key="documents_all").set_value(True).run()
    count = ui.dataset().documents_by_name[YUNCHENG_PLAN].line_count
    assert reader_html(app).count('class="xc-no"') == count


def test_range_outside_the_document_is_named_not_hidden():
    app = run_page(doc=YUNCHENG_PLAN, **{"from": "9000", "to": "9001"})
    assert any("9000–9001" in w.value for w in app.warning)
    assert "xc-line xc-hit" not in reader_html(app)


def test_unknown_document_in_the_url_is_named():
    app = run_page(doc="../../etc/passwd")
    assert any(ui.md_quote("../../etc/passwd") in w.value for w in app.warning)  # named, as text
    assert "xc-reader" in reader_html(app)


def test_choosing_another_document_drops_the_old_line_range():
    app = run_page(doc=YUNCHENG_PLAN, **{"from": "404", "to": "412"})
    app.selectbox(key="documents_doc").set_value("002_4ce72fc9d69db8e3.txt").run()
    assert "from" not in app.query_params and "xc-line xc-hit" not in reader_html(app)


def test_warnings_are_listed_with_line_numbers():
    app = run_page(doc="004_908121938bbe22ca.txt")
    assert any("抽取警告（7）" in e.label for e in app.expander)
    warnings = app.dataframe[0].value
    assert 208 in list(warnings["line"])


def test_a_script_line_in_a_document_shows_as_text(monkeypatch):
    from xiancheng import ui

    lines = ui.document_lines(YUNCHENG_PLAN)
    poisoned = lines[:9] + ("<script>alert('x')</script><img src=x onerror=alert(1)>",) + lines[10:]
    monkeypatch.setattr(ui, "document_lines", lambda name: poisoned)
    app = run_page(doc=YUNCHENG_PLAN, **{"from": "10", "to": "10"})
    page = reader_html(app)
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page


# --- a document size setting that is not a positive number: no build runs; every page's sidebar
# and the documents page name the setting and its value in the user's language, and the plans
# loaded last are still shown (pipeline.load_or_build, widgets.setting_problem)


@pytest.fixture
def built_then_bad_setting(monkeypatch, tmp_path):
    """The seed plans built with the default setting (the build on disk), then the setting mistyped."""
    from test_manifest_entries import seed_plans

    from xiancheng import settings
    from xiancheng.ingest.pipeline import load_or_build

    plans = seed_plans(tmp_path)
    path = tmp_path / "build" / "dataset.json"
    monkeypatch.delenv("XIANCHENG_MAX_DOCUMENT_MB", raising=False)
    load_or_build(path, plans)
    written = path.read_bytes()
    manifest = plans / "manifest.yaml"  # edited since: the build on disk is no longer current
    manifest.write_text(manifest.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    monkeypatch.setattr(settings, "PLANS_DIR", plans)
    monkeypatch.setattr(ui, "DATASET_PATH", path)
    monkeypatch.setenv("XIANCHENG_MAX_DOCUMENT_MB", "5MB")
    ui.refresh_dataset()
    yield path, written
    monkeypatch.undo()
    ui.refresh_dataset()


def as_read(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value).replace("  \n", "\n")


ZH_SETTING = ("设置项 XIANCHENG_MAX_DOCUMENT_MB 的值“5MB”不是以 MB 为单位的正数，规划文件无法载入，新添加或修改的规划不会显示。"
              "请管理员将该设置改为正数（默认为 5），然后重启应用。目前显示的是上次载入的 5 份规划。")


@pytest.mark.parametrize("lang,expected,listed", [
    (None, ZH_SETTING, "已载入文件（5 份）"),
    ("en", "The setting XIANCHENG_MAX_DOCUMENT_MB is “5MB”, which is not a positive number of MB, so the plans cannot be loaded and "
           "plans added or changed do not show. An administrator should set it to a positive number (the default is 5) and restart "
           "the app. Meanwhile the plans loaded last (5) are shown.", "Loaded documents (5)"),
])
def test_a_bad_size_setting_is_named_on_the_documents_page_and_the_plans_stay(built_then_bad_setting, lang, expected, listed):
    path, written = built_then_bad_setting
    app = run_page(**({"lang": lang} if lang else {}))
    assert [as_read(e.value) for e in app.error] == [expected]
    assert any(s.value == listed for s in app.subheader)
    assert len(app.dataframe[-1].value) == 5
    assert path.read_bytes() == written


def test_a_bad_size_setting_is_named_in_the_sidebar_of_the_first_page(built_then_bad_setting):
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    app.run()  # app.py itself (switch_page runs the page alone, without the sidebar app.py draws)
    assert not app.exception, app.exception
    assert [as_read(e.value) for e in app.sidebar.error] == [ZH_SETTING]
