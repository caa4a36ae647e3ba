"""Golden tests: facts checked by hand against the five documents in plans/."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from xiancheng.ingest.pipeline import build_dataset
from xiancheng.settings import ROOT

PLANS = ROOT / "plans"
GOLDEN = Path(__file__).with_name("golden")
YC, HD, GU, JC, YC5 = (
    "000_6ee266aaec99fe33.txt",
    "001_775cef56807c43cc.txt",
    "002_4ce72fc9d69db8e3.txt",
    "003_ff429491454bc06b.txt",
    "004_908121938bbe22ca.txt",
)


@pytest.fixture(scope="module")
def built():
    return build_dataset(PLANS)


@pytest.fixture(scope="module")
def ds(built):
    return built[0]


def of(records, document):
    return [r for r in records if r.citation.document == document]


def test_build_is_clean(built):
    dataset, report = built
    assert report.ok, report.errors
    assert [d.status for d in report.documents] == ["ok"] * 5
    assert len(dataset.documents) == 5


def test_documents_from_manifest(ds):
    docs = ds.documents_by_name
    assert docs[YC].number == "运政办发〔2024〕18号" and docs[YC].date == "2024-09-14"
    assert docs[YC].scope_adcode == "140800" and docs[YC].scope_level == "city"
    # 洪洞县 prints no issuer, number or date: nothing is invented
    assert (docs[HD].issuer, docs[HD].number, docs[HD].date) == ("", "", "")
    assert docs[GU].citation.quote == "古县推进以县城为重要载体的新型城镇化建设行动方案"
    assert docs[JC].scope_adcode == "140500"


# Yuncheng action plan, annex 1 (lines 404-412), in full
ANNEX = {
    ("140821", "urban-integration", 404), ("140828", "urban-integration", 404),
    ("140823", "specialised-function", 406), ("140881", "specialised-function", 406), ("140882", "specialised-function", 406),
    ("140825", "culture-tourism", 408), ("140827", "culture-tourism", 408),
    ("140822", "agricultural", 410), ("140824", "agricultural", 410), ("140826", "agricultural", 410),
    ("140829", "agricultural", 410), ("140830", "agricultural", 410),
    ("140827", "ecological", 412), ("140829", "ecological", 412),
}
# ... and its body text (lines 57-79): 垣曲县 and 平陆县 only as ecological
BODY = {
    ("140821", "urban-integration", 59), ("140828", "urban-integration", 59),
    ("140882", "specialised-function", 63), ("140881", "specialised-function", 63), ("140823", "specialised-function", 63),
    ("140825", "culture-tourism", 69),
    ("140822", "agricultural", 73), ("140824", "agricultural", 73), ("140826", "agricultural", 73), ("140830", "agricultural", 73),
    ("140827", "ecological", 77), ("140829", "ecological", 77),
}


def test_yuncheng_annex_classification_list_in_full(ds):
    annex = {(c.adcode, c.type, c.citation.line_start) for c in of(ds.classifications, YC) if c.statement_kind == "annex-list"}
    assert annex == ANNEX


def test_yuncheng_body_classification_and_disagreement_kept(ds):
    body = {(c.adcode, c.type, c.citation.line_start) for c in of(ds.classifications, YC) if c.statement_kind == "body-text"}
    assert body == BODY
    yuanqu = {(c.type, c.statement_kind) for c in ds.classifications if c.adcode == "140827"}
    assert yuanqu == {("culture-tourism", "annex-list"), ("ecological", "annex-list"), ("ecological", "body-text")}
    # 盐湖区 is a district, not a county town: never classified
    assert not [c for c in ds.classifications if c.adcode == "140802"]


def test_yuncheng_project_table(ds):
    table = [p for p in of(ds.projects, YC) if p.source == "annex-table"]
    assert len(table) == 34
    assert table[0].name == "城市生命线安全项目" and table[0].citation.line_start == 429
    assert table[-1].name == "5G 基站建设项目" and table[-1].responsible_units == ["市通联办"]
    assert {p.action_key for p in table} == {
        "safety-resilience", "low-carbon-green", "platform-driven", "inclusive-sharing",
        "quality-improvement", "cultural-continuity", "smart-efficient",
    }
    sewage = next(p for p in table if p.name == "县城污水处理项目")
    assert sewage.adcodes == ["140881", "140882"]  # 永济市, 河津市 (not the whole city)


def test_yuncheng_tasks(ds):
    tasks = of(ds.tasks, YC)
    assert len(tasks) == 73
    assert all(t.responsible_units for t in tasks)
    first = tasks[0]
    assert first.citation.line_start == 89 and first.citation.line_end == 91
    assert first.responsible_units == ["市应急局", "市规划和自然资源局", "市体育局", "市消防救援支队"]
    assert first.action_key == "safety-resilience" and first.heading == "健全城乡风险防控体系"
    # "以下任务均需各县[市]人民政府落实": the 10 counties and 2 county-level cities, not 盐湖区
    assert len(first.adcodes) == 12 and "140802" not in first.adcodes
    # a task that names a county applies to it
    sponge = next(t for t in tasks if t.citation.line_start == 107)
    assert sponge.adcodes == ["140826"] and sponge.years == [2024, 2025]
    # a parenthesis broken over two lines (lines 203-205) is joined
    ezhen = next(t for t in tasks if t.citation.line_start == 203)
    assert ezhen.responsible_units == ["市商务局", "市交通局", "市邮政管理局"]


def test_hongtong_tasks_and_seven_actions(ds):
    tasks = of(ds.tasks, HD)
    assert [t.number for t in tasks] == [str(n) for n in range(1, 34)]
    assert all(t.adcodes == ["141024"] for t in tasks)
    assert {t.action_zh for t in tasks} == {
        "实施规划引领指导强化行动", "实施特色优势产业培育行动", "实施县城市政公用设施提档升级行动",
        "实施公共服务设施提标扩面行动", "实施环境基础设施提级扩能行动", "实施县乡村功能衔接互补行动", "实施体制机制创新行动",
    }
    assert all(t.action_key for t in tasks)
    assert tasks[13].responsible_units == ["县教体局", "各乡镇"]  # "(县教体局、各乡镇)" on its own line 122


def test_hongtong_running_text_projects(ds):
    projects = {p.name: p for p in of(ds.projects, HD)}
    assert projects["山焦144万吨机焦"].investment_yi == 30.4
    assert projects["华鑫20万吨苯加氢项目"].investment_yi == pytest.approx(0.55)  # 5500万元
    assert projects["洪洞县智慧城市建设项目"].investment_yi == 2.6
    assert all(p.adcodes == ["141024"] for p in projects.values())


@pytest.mark.parametrize(
    "document,year,value,line",
    [(HD, 2024, 46, 25), (HD, 2025, 48, 29), (HD, 2027, 55, 33), (GU, 2024, 58, 137), (GU, 2025, 60, 148), (GU, 2027, 62, 162)],
)
def test_county_urbanisation_rate_targets(ds, document, year, value, line):
    hits = [
        t for t in of(ds.targets, document)
        if t.indicator == "全县常住人口城镇化率" and t.year == year
    ]
    assert len(hits) == 1
    target = hits[0]
    assert target.value == value and target.unit == "%" and target.comparator == "达到" and target.kind == "target"
    assert target.citation.line_start <= line <= target.citation.line_end
    assert target.scope_adcode == ("141024" if document == HD else "141025")


def test_gu_county_states_its_own_type(ds):
    gu = of(ds.classifications, GU)
    assert {(c.adcode, c.type) for c in gu} == {("141025", "ecological")}
    assert any(c.citation.line_start == 166 for c in gu)
    assert of(ds.positionings, GU)[0].citation.line_start == 166


def test_gu_county_tasks_joined_across_pdf_breaks(ds):
    tasks = of(ds.tasks, GU)
    assert {t.number for t in tasks if t.number} == {str(n) for n in range(1, 36)}
    assert all(t.responsible_units for t in tasks)
    first = tasks[0]
    assert first.citation.line_start == 195 and first.citation.line_end == 244
    assert first.responsible_units[-1] == "各乡镇" and "县工信和科技局" in first.responsible_units
    assert first.action_zh == "实施“安全韧性”的城乡基础设施提档升级行动，夯实城乡运行基础支撑体系"  # wrapped heading


JINCHENG_GOALS = [  # line, indicator, unit, 2021 baseline, 2025 target, attribute
    (153, "常住人口城镇化率", "%", 63.55, 68, "预期性"),
    (154, "城镇新增就业人数", "万人", 4.74, 5.76, "预期性"),
    (155, "城乡居民人均可支配收入比", "", 2.2, 2.1, "预期性"),
    (156, "城市建成区道路网密度", "km/km²", 5, 8, "预期性"),
    (157, "累计改造城镇老旧小区", "个", 264, 434, "预期性"),
    (158, "中心城市建成区绿化率", "%", 43.46, 44, "预期性"),
    (159, "城市空气质量优良天数比率", "%", 66.4, 66.78, "约束性"),
    (160, "重点建设用地安全利用", "", None, None, "预期性"),
]


def test_jincheng_main_goals_table_row_by_row(ds):
    rows = [t for t in of(ds.targets, JC) if t.attribute]
    assert sorted({t.citation.line_start for t in rows}) == list(range(153, 161))
    for line, indicator, unit, baseline, target, attribute in JINCHENG_GOALS:
        cells = {t.kind: t for t in rows if t.citation.line_start == line}
        assert {t.indicator for t in cells.values()} == {indicator}
        assert all(t.unit == unit and t.attribute == attribute for t in cells.values())
        if baseline is None:
            assert "baseline" not in cells  # the cell is empty: nothing invented
            assert cells["target"].value is None and cells["target"].value_text == "有效保障"
        else:
            assert (cells["baseline"].year, cells["baseline"].value) == (2021, baseline)
            assert (cells["target"].year, cells["target"].value) == (2025, target)


def test_jincheng_towns_and_district_resolution(ds):
    towns = of(ds.towns, JC)
    key = [t for t in towns if t.kind == "key-town"]
    assert len(key) == 16  # 专栏2 各县（市、区）重点镇（16个）
    nancun = next(t for t in towns if t.name == "南村铸造小镇")
    assert nancun.adcode == "140502"  # 城区 in the Jincheng plan is 晋城市城区, not 阳泉's 140302
    assert {p.adcode for p in of(ds.positionings, JC) if p.citation.line_start >= 274} == {"140525", "140581", "140522", "140524", "140521"}


def test_yuncheng_five_year_plan_indicator_table(ds):
    table = [t for t in of(ds.targets, YC5) if 386 <= t.citation.line_start <= 431]
    indicators = {t.citation.line_start for t in table}
    assert len(indicators) == 37  # 专栏2: 37 indicators in six groups
    urban = [t for t in table if t.indicator == "常住人口城镇化率"]
    assert [(t.kind, t.year, t.value, t.attribute) for t in urban] == [("target", 2025, 58.0, "预期性")]
    assert {t.category for t in table} == {
        "一、经济发展（7个）", "二、创新驱动（5个）", "三、“六新”突破与产业升级（7个）",
        "四、绿色生态（5个）", "五、人的全面发展（10个）", "六、安全保障（3个）",
    }
    forest = next(t for t in table if t.indicator == "森林覆盖率" and t.kind == "target")
    assert (forest.value, forest.attribute) == (31.77, "约束性")


def test_unparsed_rows_are_listed_not_dropped(built):
    _, report = built
    doc = next(d for d in report.documents if d.document == YC5)
    assert {line for line, _ in doc.unparsed} == {208, 213, 225, 245, 246, 247, 248}


def test_corrections_report_what_they_touched(built):
    dataset, report = built
    applied = {c.id: c for c in report.corrections}
    assert len(applied["hongtong-key-towns"].touched) == 4
    assert applied["gaoping-urban-area-not-positioning"].touched == ["positionings:003_ff429491454bc06b.txt:268"]
    assert {t.name for t in of(dataset.towns, HD) if t.kind == "key-town"} == {"赵城镇", "龙马乡", "广胜寺镇", "甘亭镇"}


def test_counts_match_golden(built):
    """Per-document counts against tests/golden/counts.json (XIANCHENG_REGEN_GOLDEN=1 rewrites it)."""
    _, report = built
    counts = {d.document: d.counts for d in report.documents}
    path = GOLDEN / "counts.json"
    if os.environ.get("XIANCHENG_REGEN_GOLDEN") == "1":
        path.write_text(json.dumps(counts, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert counts == json.loads(path.read_text(encoding="utf-8"))


def test_levels_under_a_percent_heading_are_not_published_as_percent(ds):
    # 004 line 201: "地区生产总值(%) 1174 … 7左右 … 5.8": the (%) is the growth columns'.
    rows = [t for t in of(ds.targets, "004_908121938bbe22ca.txt") if t.indicator == "地区生产总值" and t.citation.line_start == 201]
    baseline = next(t for t in rows if t.kind == "baseline")
    assert (baseline.year, baseline.value, baseline.unit) == (2015, 1174.0, "")
