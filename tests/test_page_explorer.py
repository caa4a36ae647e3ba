"""AppTest of the tasks and projects explorer: what an official reads, counts and downloads."""

import io

import pytest
from streamlit.testing.v1 import AppTest

PAGE = "pages/explorer.py"
TIMEOUT = 60


def run_page(**params) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(PAGE).run()  # straight to the page, as a copied link opens it
    assert not app.exception, app.exception
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def table_of(app: AppTest):
    return app.dataframe[0].value


def test_default_view_lists_every_task_and_project_in_chinese():
    from xiancheng import ui

    data = ui.dataset()
    app = run_page()
    assert app.title[0].value == "任务与项目"
    assert metrics(app)["任务"] == str(len(data.tasks))
    assert metrics(app)["项目"] == str(len(data.projects))
    assert len(table_of(app)) == len(data.tasks) + len(data.projects)
    labels = [s.label for s in app.sidebar.selectbox]
    assert labels == ["类别", "城市", "县（市、区）", "县城类型", "行动", "责任单位", "年份", "文件"]
    # every widget says what it holds: "全部", not an empty box
    assert all(s.format_func(s.value) == "全部" for s in app.sidebar.selectbox)


def test_unit_from_the_url_shows_only_rows_naming_it_and_counts_match():
    app = run_page(unit="市住建局")
    assert app.sidebar.selectbox(key="explorer_unit").value == "市住建局"
    frame = table_of(app)
    assert len(frame) > 0
    assert all("市住建局" in units.split("、") for units in frame["units_text"])
    shown = metrics(app)
    assert int(shown["任务"]) + int(shown["项目"]) == len(frame)
    assert int(shown["任务"]) == (frame["kind_label"] == "任务").sum()


def test_picking_a_filter_writes_it_to_the_url():
    app = run_page()
    app.sidebar.selectbox(key="explorer_unit").set_value("县住建局").run()
    assert app.query_params["unit"] == ["县住建局"] or app.query_params["unit"] == "县住建局"
    assert all("县住建局" in units.split("、") for units in table_of(app)["units_text"])
    app.sidebar.button[0].click().run()  # clear filters
    assert "unit" not in app.query_params
    assert app.sidebar.selectbox(key="explorer_unit").value == ""


def test_county_filter_includes_the_city_plan_tasks():
    app = run_page(county="140826")
    frame = table_of(app)
    assert frame["source"].str.startswith("运城市行动方案").any()
    assert not frame["source"].str.startswith("洪洞县").any()


def test_empty_result_says_why():
    app = run_page(q="这段文字不会出现在任何文件里")
    info = " ".join(i.value for i in app.info)
    assert "没有符合筛选条件的任务或项目" in info and "这段文字不会出现在任何文件里" in info
    assert not app.dataframe


def test_stale_url_values_fall_back_to_everything():
    from xiancheng import ui

    app = run_page(unit="不存在的单位", year="abc", county="999999")
    assert metrics(app)["任务"] == str(len(ui.dataset().tasks))
    assert "unit" not in app.query_params and "county" not in app.query_params


def test_english_labels_with_lang_en():
    app = run_page(lang="en", unit="市住建局")
    assert app.title[0].value == "Tasks & projects"
    assert "Tasks" in metrics(app) and "Responsible unit" in [s.label for s in app.sidebar.selectbox]
    assert set(table_of(app)["kind_label"]) <= {"Task", "Project"}


@pytest.fixture
def downloads(monkeypatch):
    """Every download button's key → the callable that makes its file (as the browser's
    click would call it)."""
    from xiancheng.ui import downloads as guarded_downloads

    captured = {}
    original = guarded_downloads.guarded

    def capture(make, file_name, session, key):
        captured[key] = original(make, file_name, session, key)
        return captured[key]

    monkeypatch.setattr(guarded_downloads, "guarded", capture)
    return captured


def test_excel_download_has_the_same_rows_as_the_filtered_view(downloads):
    from openpyxl import load_workbook

    app = run_page(unit="市住建局", kind="task")
    frame = table_of(app)
    payload = downloads["explorer_xlsx"]
    book = load_workbook(io.BytesIO(payload() if callable(payload) else payload))
    tasks_sheet, projects_sheet = book.worksheets
    header_row = next(c.row for c in tasks_sheet["A"] if c.value == "序号")
    assert tasks_sheet.max_row - header_row == len(frame)
    assert projects_sheet.max_row - next(c.row for c in projects_sheet["A"] if c.value == "序号") == 0
    preamble = " ".join(str(c.value) for c in tasks_sheet["A"][:header_row] if c.value)
    assert "责任单位：市住建局" in preamble and "类别：任务" in preamble


def test_csv_download_has_the_same_rows_as_the_filtered_view(downloads):
    import csv

    app = run_page(county="140826")
    frame = table_of(app)
    payload = downloads["explorer_tasks_csv"]
    text = (payload() if callable(payload) else payload).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) - 1 == (frame["kind_label"] == "任务").sum()
