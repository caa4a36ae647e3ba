"""AppTest: documents that failed to load are shown to everyone — a calm banner on the
documents page with file, line and fix, and a count in the sidebar (issue 9 item 8,
issue 12 item 2)."""

from __future__ import annotations

from plan_factory import county_plan
from streamlit.testing.v1 import AppTest
from test_manifest_entries import BROKEN, GOOD_NEW, SEEDS, broken_plans, entry_text, seed_plans

from xiancheng import ui

TIMEOUT = 60


def run(page: str | None = "pages/documents.py") -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    if page:
        app.switch_page(page)  # (AppTest then runs the page alone, without app.py's sidebar)
    app.run()
    assert not app.exception, app.exception
    return app


def sidebar_links(app: AppTest) -> list[str]:
    """Labels of the page links in the sidebar (the loading-problem count is one)."""
    return [e.proto.label for e in app.sidebar.children.values() if type(e).__name__ == "PageLink"]


def test_broken_entries_are_in_a_banner_and_counted_in_the_sidebar(app_on, tmp_path):
    app_on(broken_plans(tmp_path))
    app = run()
    listing = app.dataframe[-1].value
    assert len(listing) == len(SEEDS) + 1  # every other document still listed
    banner = " ".join(i.value for i in app.info)
    problems = ui.dataset().problems
    assert f"{len(problems)} 处问题" in banner
    table = app.dataframe[0].value
    for name, *_ in BROKEN:
        assert table["message"].str.contains(name, regex=False).any(), name
    assert any(str(line) for line in table["line"].dropna())
    assert sidebar_links(run(None)) == [f"{len(problems)} 个载入问题"]


def test_cr_only_document_names_line_endings_in_the_app(app_on, tmp_path):
    plans = seed_plans(tmp_path)
    (plans / "970_cr.txt").write_bytes(county_plan("壶关县").replace("\n", "\r").encode("utf-8"))
    (plans / "manifest.yaml").write_text((plans / "manifest.yaml").read_text(encoding="utf-8") + entry_text("970_cr.txt", "壶关县", "140427"), encoding="utf-8")
    app_on(plans)
    app = run()
    table = app.dataframe[0].value
    row = table[table["document"] == "970_cr.txt"].iloc[0]
    assert row["message"] == ("文件 970_cr.txt 只用旧式 Mac 换行符（CR，没有 LF），读出来只有一行。"
                              "请用 python -m xiancheng add-plan 转换，或以 Windows（CRLF）或 Unix（LF）换行另存。")


def test_no_banner_when_everything_loads(app_on, tmp_path):
    app_on(seed_plans(tmp_path))
    app = run()
    assert not app.info
    assert sidebar_links(run(None)) == []


def test_last_good_build_is_served_with_the_problem_named(app_on, tmp_path):
    plans = seed_plans(tmp_path)
    app_on(plans)
    assert len(ui.dataset().documents) == 5
    manifest = (plans / "manifest.yaml").read_text(encoding="utf-8")
    (plans / "manifest.yaml").write_text(manifest.replace("    kind: five-year-plan", "\tkind: five-year-plan"), encoding="utf-8")
    ui.refresh_dataset()
    app = run()
    assert len(app.dataframe[-1].value) == 5  # the last good build, not four documents
    banner = " ".join(i.value for i in app.info)
    assert "上次成功构建" in banner and ui.md_quote("004_908121938bbe22ca.txt") in banner
    assert app.dataframe[0].value["message"].str.contains("含有制表符（Tab）；YAML 只能用空格缩进").any()


def test_documents_page_offers_the_original_a_plan_was_converted_from(app_on, tmp_path):
    from plan_factory import docx_of

    from xiancheng.ingest import intake

    plans = seed_plans(tmp_path)
    data = docx_of(county_plan("长子县", number="长子政办发〔2024〕15号", date="2024年10月8日"))
    proposal = intake.propose("长子县方案.docx", data)
    added = intake.add(proposal, proposal.fields, plans)
    app_on(plans)
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    app.query_params["doc"] = added.document
    app.switch_page("pages/documents.py").run()
    assert not app.exception, app.exception
    (button,) = [b for b in app.get("download_button") if "原始文件" in b.proto.label]
    assert added.original.rsplit("/", 1)[-1] in button.proto.label and button.proto.label.endswith(".docx）")
