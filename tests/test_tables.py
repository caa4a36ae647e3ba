"""xiancheng.tables: the explorer's table, filters, URL round-trip, exports and the reader."""

import io

import pytest

from xiancheng import geo, queries, tables
from xiancheng.dataset import Citation, Dataset, Document, Project, Task
from xiancheng.tables import Filters

YUNCHENG_PLAN = "000_6ee266aaec99fe33.txt"
JIANGXIAN = "140826"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    from xiancheng.ingest.pipeline import build_dataset

    built, _report = build_dataset()
    return built


@pytest.fixture(scope="module")
def table(dataset):
    return tables.build_table(dataset, "zh")


@pytest.fixture(scope="module")
def options(table):
    return tables.filter_options(table)


def test_one_row_per_task_and_project_with_its_record(dataset, table):
    frame = table.frame
    assert len(frame) == len(dataset.tasks) + len(dataset.projects)
    assert list(frame["kind"]).count("task") == len(dataset.tasks)
    for position in (0, len(dataset.tasks) - 1, len(dataset.tasks), len(frame) - 1):
        record = table.records[position]
        row = frame.iloc[position]
        assert row["line_start"] == record.citation.line_start
        assert row["document"] == record.citation.document
        assert list(row["units"]) == record.responsible_units
        assert row["source_url"] == tables.document_url(record.citation.document, record.citation.line_start, record.citation.line_end)


def test_investment_is_what_the_document_says_never_filled(dataset, table):
    projects = table.frame[table.frame["kind"] == "project"]
    stated = [p.investment_yi for p in dataset.projects]
    assert projects["investment_yi"].isna().sum() == sum(v is None for v in stated)
    assert projects["investment_yi"].sum() == pytest.approx(sum(v for v in stated if v is not None))
    assert table.frame[table.frame["kind"] == "task"]["investment_yi"].isna().all()


@pytest.mark.parametrize(
    "filters,params",
    [
        (Filters(), {}),
        (Filters(unit="市住建局"), {"unit": "市住建局"}),
        (Filters(kind="task", city="140800", county=JIANGXIAN, year=2025), {"kind": "task", "city": "140800", "county": JIANGXIAN, "year": "2025"}),
        (Filters(type="agricultural", action="safety-resilience", document=YUNCHENG_PLAN, query="污水 管网"),
         {"type": "agricultural", "action": "safety-resilience", "doc": YUNCHENG_PLAN, "q": "污水 管网"}),
    ],
)
def test_filters_round_trip_through_url_parameters(filters, params):
    assert filters.to_params() == params
    assert Filters.from_params(params) == filters


@pytest.mark.parametrize("raw", ["20x5", "25", "", "２０２５x"])
def test_unparseable_year_in_url_is_dropped(raw):
    assert Filters.from_params({"year": raw}).year is None


def test_values_the_data_does_not_offer_are_dropped(options):
    stale = Filters(unit="不存在的单位", county="999999", city="140100", type="nonsense", action="x", year=1999, document="nope.txt", kind="x", query="水")
    assert stale.valid(options) == Filters(query="水")


def test_county_outside_the_chosen_city_is_dropped(options):
    assert Filters(city="141000", county=JIANGXIAN).valid(options) == Filters(city="141000")
    assert Filters(city="140800", county=JIANGXIAN).valid(options).county == JIANGXIAN


def test_unit_filter_matches_exactly(table):
    rows = tables.apply_filters(table, Filters(unit="市住建局"))
    assert len(rows) > 0
    assert all("市住建局" in units for units in rows["units"])
    county_rows = tables.apply_filters(table, Filters(unit="县住建局"))
    assert len(county_rows) > 0
    assert not set(rows.index) & {i for i in county_rows.index if "市住建局" not in table.frame.loc[i, "units"]}
    expected = sum("市住建局" in r.responsible_units for r in table.records)
    assert len(rows) == expected


def test_county_filter_includes_city_plan_tasks_that_apply_to_it(dataset, table):
    rows = tables.apply_filters(table, Filters(county=JIANGXIAN, kind="task"))
    documents = set(rows["document"])
    assert YUNCHENG_PLAN in documents
    city_wide = [t for t in dataset.tasks if t.document == YUNCHENG_PLAN and len(t.adcodes) == 12]
    assert city_wide and all(t.id in {table.records[i].id for i in rows.index} for t in city_wide)
    naming = [t for t in dataset.tasks if t.adcodes == [JIANGXIAN]]
    assert naming and all(t.id in {table.records[i].id for i in rows.index} for t in naming)
    assert all(JIANGXIAN in adcodes for adcodes in rows["adcodes"])
    # 洪洞县's own plan does not apply to 绛县
    assert "001_775cef56807c43cc.txt" not in documents


def test_city_filter_keeps_the_city_plans_and_nothing_else(table):
    rows = tables.apply_filters(table, Filters(city="141000"))  # 临汾市: 洪洞县 and 古县 plans
    assert set(rows["document"]) == {"001_775cef56807c43cc.txt", "002_4ce72fc9d69db8e3.txt"}


def test_type_filter_follows_the_county_types_of_the_counties(dataset, table):
    types = queries.county_types(dataset)
    rows = tables.apply_filters(table, Filters(type="agricultural"))
    assert len(rows) > 0
    for adcodes in rows["adcodes"]:
        assert any("agricultural" in types[a].types for a in adcodes)
    # 洪洞县 (141024) is not classified by any loaded document: its own tasks have no type
    hongtong = tables.apply_filters(table, Filters(document="001_775cef56807c43cc.txt", kind="task"))
    assert all(types["141024"].types == () and row == () for row in hongtong["types"])


def test_year_filter_matches_years_the_task_mentions(table):
    rows = tables.apply_filters(table, Filters(year=2025))
    assert len(rows) > 0 and all(2025 in years for years in rows["years"])


def test_filters_combine(table):
    rows = tables.apply_filters(table, Filters(unit="市住建局", action="safety-resilience", kind="project"))
    assert len(rows) > 0
    assert set(rows["kind"]) == {"project"} and set(rows["action_key"]) == {"safety-resilience"}


@pytest.mark.parametrize(
    "query,word",
    [("污水", "污水"), ("５Ｇ", "5g"), ("5g", "5g"), ("城市 生命线", "生命线")],
)
def test_search_is_full_text_width_and_case_insensitive_and_all_words_must_occur(table, query, word):
    rows = tables.apply_filters(table, Filters(query=query))
    assert len(rows) > 0
    assert all(word in s for s in rows["search"])
    for term in query.split():
        assert all(tables.search_key(term) in s for s in rows["search"])


def test_search_finds_units_and_county_names(table):
    assert len(tables.apply_filters(table, Filters(query="市住建局"))) >= len(tables.apply_filters(table, Filters(unit="市住建局")))
    assert len(tables.apply_filters(table, Filters(query="绛县"))) > 0


def test_no_match_gives_an_empty_frame_with_the_same_columns(table):
    rows = tables.apply_filters(table, Filters(query="这段文字不会出现在任何文件里"))
    assert rows.empty and list(rows.columns) == list(table.frame.columns)
    assert tables.counts(rows) == tables.Counts(0, 0, 0, 0.0)


def test_options_come_from_the_data(table, options):
    assert options.documents == tuple(sorted(set(table.frame["document"])))
    assert "市住建局" in options.units and "县住建局" in options.units
    # units sorted by how often they are named
    frequency = [sum(u in units for units in table.frame["units"]) for u in options.units]
    assert frequency == sorted(frequency, reverse=True)
    assert JIANGXIAN in options.counties and "140800" in options.cities
    assert set(options.counties_of("140800")) <= set(geo.counties_of_city("140800"))
    assert options.years == tuple(sorted(options.years)) and all(1990 < y < 2100 for y in options.years)
    assert options.actions[0] == "safety-resilience"


def test_counts_sum_only_stated_investment(table):
    rows = tables.apply_filters(table, Filters(document="001_775cef56807c43cc.txt"))
    n = tables.counts(rows)
    projects = rows[rows["kind"] == "project"]
    assert n.projects == len(projects) and n.priced_projects == projects["investment_yi"].notna().sum()
    assert n.investment_yi == pytest.approx(projects["investment_yi"].sum())


def test_describe_filters_names_each_filter_and_value(dataset):
    described = tables.describe_filters(Filters(unit="市住建局", county=JIANGXIAN, document=YUNCHENG_PLAN), "zh", dataset.documents_by_name)
    assert described == {"县（市、区）": "绛县", "责任单位": "市住建局", "文件": "运城市行动方案"}
    english = tables.describe_filters(Filters(kind="task"), "en")
    assert english == {"Kind": "Task"}


def test_excel_export_has_exactly_the_filtered_rows_and_names_filters_and_sources(dataset, table):
    from openpyxl import load_workbook

    filters = Filters(unit="市住建局")
    rows = tables.apply_filters(table, filters)
    book = load_workbook(io.BytesIO(tables.export_xlsx(table, rows, filters, dataset, "zh")))
    tasks_sheet, projects_sheet = book.worksheets
    n = tables.counts(rows)
    assert data_rows(tasks_sheet) == n.tasks and data_rows(projects_sheet) == n.projects
    header = "\n".join(str(c.value) for c in tasks_sheet["A"][:6] if c.value)
    assert "责任单位：市住建局" in header
    assert "运政办发〔2024〕18号" in header


def test_excel_export_has_the_screens_counties_and_action_and_links_each_row_to_its_lines(dataset, table, monkeypatch):
    from urllib.parse import parse_qs, urlsplit

    from openpyxl import load_workbook

    monkeypatch.setenv("XIANCHENG_PUBLIC_URL", "https://xc.example.gov.cn/app/")
    filters = Filters(county=JIANGXIAN)
    rows = tables.apply_filters(table, filters)
    book = load_workbook(io.BytesIO(tables.export_xlsx(table, rows, filters, dataset, "zh")))
    for sheet, kind in zip(book.worksheets, tables.KINDS):
        expected = rows[rows["kind"] == kind]
        assert len(expected), kind
        header = next(cell.row for cell in sheet["A"] if cell.value == "序号")
        headers = [c.value for c in sheet[header]]
        assert headers[2:4] == ["适用县", "行动"] and headers[-1] == "来源"
        assert "涉及县" not in headers  # the project sheet's own county column is 适用县 here, once
        body = list(sheet.iter_rows(min_row=header + 1))
        assert len(body) == len(expected)
        for cells, (_, row) in zip(body, expected.iterrows()):
            assert [cells[2].value, cells[3].value] == [row["counties"], row["action"]]
            link = urlsplit(cells[-1].hyperlink.target)
            assert (link.scheme, link.netloc, link.path) == ("https", "xc.example.gov.cn", "/app/documents")
            query = parse_qs(link.query)
            assert query == {"doc": [row["document"]], "from": [str(row["line_start"])], "to": [str(row["line_end"])]}
    # Every project: the investment column (after 适用县 and 行动) keeps its number format.
    everything = tables.apply_filters(table, Filters())
    sheet = load_workbook(io.BytesIO(tables.export_xlsx(table, everything, Filters(), dataset, "zh"))).worksheets[1]
    header = next(cell.row for cell in sheet["A"] if cell.value == "序号")
    investment = [c.value for c in sheet[header]].index("投资（亿元）")
    priced = [c[investment] for c in sheet.iter_rows(min_row=header + 1) if isinstance(c[investment].value, float)]
    assert priced and all(c.number_format == "#,##0.00" for c in priced)
    # the default address when none is set
    monkeypatch.delenv("XIANCHENG_PUBLIC_URL")
    book = load_workbook(io.BytesIO(tables.export_xlsx(table, rows, filters, dataset, "zh")))
    sheet = book.worksheets[0]
    header = next(cell.row for cell in sheet["A"] if cell.value == "序号")
    assert sheet.cell(row=header + 1, column=7).hyperlink.target.startswith("http://localhost:8501/documents?doc=")


def test_csv_export_has_exactly_the_filtered_rows(dataset, table):
    import csv

    rows = tables.apply_filters(table, Filters(county=JIANGXIAN))
    text = tables.export_csv(table, rows, "task", dataset, "zh").decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) - 1 == tables.counts(rows).tasks


def data_rows(sheet) -> int:
    """Rows below the header row (the one whose first cell is 序号)."""
    header = next(cell.row for cell in sheet["A"] if cell.value == "序号")
    return sheet.max_row - header


def test_export_file_name_is_chinese_dated_and_names_the_filters():
    from datetime import date

    day = date(2026, 12, 1)
    assert tables.export_file_name(Filters(city="140800"), "xlsx", day) == "任务与项目台账_运城市_2026-12-01.xlsx"
    assert tables.export_file_name(Filters(), "tasks.csv", day) == "任务清单_山西省_2026-12-01.csv"
    name = tables.export_file_name(Filters(unit="市住建局", county=JIANGXIAN, query="a/b"), "projects.csv", day)
    assert name == "项目清单_绛县_市住建局_2026-12-01.csv"


# --------------------------------------------------------------------------- documents


def test_documents_frame_shows_not_printed_never_invents(dataset):
    frame = tables.documents_frame(dataset, "zh").set_index("document")
    hongtong = frame.loc["001_775cef56807c43cc.txt"]
    assert hongtong["issuer"] == hongtong["number"] == hongtong["date"] == "未注明"
    yuncheng = frame.loc[YUNCHENG_PLAN]
    assert yuncheng["number"] == "运政办发〔2024〕18号" and yuncheng["tasks"] == sum(t.document == YUNCHENG_PLAN for t in dataset.tasks)
    assert frame.loc["004_908121938bbe22ca.txt", "warnings"] == sum(w.document == "004_908121938bbe22ca.txt" for w in dataset.warnings)
    assert tables.documents_frame(dataset, "en").iloc[1]["issuer"] == "not printed"


def test_reader_escapes_every_line_and_marks_the_cited_range():
    lines = ["第一行", "<script>alert('x')</script>", "a & b", "", "last"]
    page = tables.document_html(lines, 1, 5, (2, 3))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "a &amp; b" in page
    assert page.count("xc-line xc-hit") == 2
    assert 'data-line="2" id="cited"' in page
    assert page.count('class="xc-no"') == 5


def test_read_lines_numbers_lines_as_the_ingest_does(tmp_path, dataset):
    from xiancheng.settings import PLANS_DIR

    lines = tables.read_lines(PLANS_DIR / YUNCHENG_PLAN)
    assert len(lines) == dataset.documents_by_name[YUNCHENG_PLAN].line_count
    task = dataset.tasks[0]
    quote_start = task.citation.quote.split("\n")[0][:8]
    assert quote_start in lines[task.citation.line_start - 1]
    bad = tmp_path / "bad.txt"
    bad.write_bytes("\ufeffa\r\nb\xff\n".encode("utf-8")[:-2] + b"\xff\n")
    assert tables.read_lines(bad)[0] == "a"


@pytest.mark.parametrize(
    "count,start,end,expected",
    [(100, 5, 9, (5, 9)), (100, 9, 5, (5, 9)), (100, 5, None, (5, 5)), (100, 95, 120, (95, 100)),
     (100, 0, 3, None), (100, 101, 102, None), (100, None, None, None)],
)
def test_cited_range_is_clipped_or_refused(count, start, end, expected):
    assert tables.cited_range(count, start, end) == expected


def test_reader_window_surrounds_the_citation():
    assert tables.reader_window(483, (404, 412)) == (392, 452)
    assert tables.reader_window(483, None)[0] == 1
    assert tables.reader_window(20, (1, 2)) == (1, 20)


def test_markdown_escape_leaves_no_active_markup():
    assert tables.markdown_escape("**x** [a](b) <b>") == "\\*\\*x\\*\\* \\[a\\]\\(b\\) \\<b\\>"


def test_small_synthetic_dataset_city_task_applies_to_county():
    cite = Citation(document="a.txt", line_start=1, line_end=1, quote="x")
    dataset = Dataset(
        documents=[Document(document="a.txt", title="运城市方案", scope_adcode="140800", scope_level="city", kind="action-plan", sha256="0", line_count=3, citation=cite)],
        tasks=[
            Task(id="a.txt:1", document="a.txt", text="全市任务", responsible_units=["市住建局"], adcodes=["140826", "140821"], scope_adcode="140800", citation=cite),
            Task(id="a.txt:2", document="a.txt", text="县任务<script>", responsible_units=["县住建局"], adcodes=["140821"], scope_adcode="140800", citation=cite),
        ],
        projects=[Project(name="项目", scope_adcode="140800", citation=cite, investment_yi=None)],
    )
    table = tables.build_table(dataset, "en")
    assert list(tables.apply_filters(table, Filters(county="140826"))["text"]) == ["全市任务"]
    assert list(tables.apply_filters(table, Filters(unit="市住建局"))["text"]) == ["全市任务"]
    assert len(tables.apply_filters(table, Filters(city="140800"))) == 3  # the project names no county but is the city's
    assert table.frame.iloc[2]["counties"] == "运城市 (counties not named)"
    assert table.frame.iloc[0]["kind_label"] == "Task"
