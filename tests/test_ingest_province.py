"""Province scope end to end (issue 12 item 5): a 晋政发 plan applies to Shanxi, not to 117 county counts."""

from __future__ import annotations

import pytest
from plan_builder import assert_clean, county_plan, province_plan, write_plans

from xiancheng import geo, indicators, maps, queries, ui
from xiancheng.ingest.manifest import parse_manifest
from xiancheng.ingest.pipeline import build_dataset

PROVINCE, KELAN, QINGXU, YANGQU, HONGTONG = "140000", "140929", "140121", "140122", "141024"
PROVINCE_DOC, KELAN_DOC = "940_shanxi.txt", "941_kelan.txt"

PROVINCE_TEXT = """山西省推进以县城为重要载体的新型城镇化建设实施方案

一、主要目标
到2025年，常住人口城镇化率达到66%以上。

二、重点任务
（一）实施“安全韧性”的城乡基础设施提档升级行动
完善县城防洪排涝设施，提升县城安全韧性水平。（省住建厅、省水利厅）
支持清徐县、阳曲县建设县城污水处理厂。（省住建厅）

三、分类引导
城市融合型县城：清徐县、阳曲县
郊区：小河镇
"""
KELAN_TEXT = """岢岚县推进以县城为重要载体的新型城镇化建设行动方案

一、主要目标
到2025年，常住人口城镇化率达到55%。
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plans")
    dataset, report = build_dataset(
        write_plans(folder, {PROVINCE_DOC: (province_plan(), PROVINCE_TEXT), KELAN_DOC: (county_plan(KELAN), KELAN_TEXT)})
    )
    assert_clean(report, PROVINCE_DOC)
    assert_clean(report, KELAN_DOC)
    return dataset, report


def test_the_province_document_loads_with_province_scope(built):
    dataset, _report = built
    doc = dataset.documents_by_name[PROVINCE_DOC]
    assert (doc.scope_adcode, doc.scope_level, geo.place_name(doc.scope_adcode)) == (PROVINCE, "province", "山西省")


def test_province_targets_stay_on_the_province(built):
    dataset, _report = built
    (target,) = [t for t in dataset.targets if t.citation.document == PROVINCE_DOC]
    assert (target.indicator, target.scope_adcode, target.scope_level, target.year, target.value) == (
        "常住人口城镇化率", PROVINCE, "province", 2025, 66.0,
    )


def test_province_tasks_reach_only_the_counties_they_name(built):
    dataset, _report = built
    general, named = [t for t in dataset.tasks if t.document == PROVINCE_DOC]
    assert general.adcodes == [] and general.scope_adcode == PROVINCE  # the province's own, on no county
    assert named.adcodes == [QINGXU, YANGQU]
    # classifications a province plan lists are real statements about those counties
    assert {(c.adcode, c.type) for c in dataset.classifications} == {(QINGXU, "urban-integration"), (YANGQU, "urban-integration")}


def test_a_shared_name_in_a_province_plan_stays_unresolved_with_a_warning(built):
    dataset, report = built
    doc = next(d for d in report.documents if d.document == PROVINCE_DOC)
    assert (13, "郊区") in doc.unresolved
    assert any(i.code == "unresolved-place" and i.line == 13 for i in doc.issues)
    assert not [t for t in dataset.towns if t.citation.document == PROVINCE_DOC]


def test_derived_counts_are_never_multiplied_into_117_counties(built):
    dataset, _report = built
    view = indicators.values(dataset, "derived-tasks")
    valued = {a: u.value for a, u in view.counties.items() if u.value is not None}
    assert valued == {QINGXU: 1.0, YANGQU: 1.0}  # only the named task; the general one counts nowhere
    assert view.counties[HONGTONG].reason == indicators.NOT_COVERED


def test_indicator_map_shows_the_province_value_on_the_province_only(built):
    dataset, _report = built
    key = indicators.indicator_key("常住人口城镇化率", "%")
    assert indicators.catalogue(dataset)[key].levels == ("county", "province")
    view = indicators.values(dataset, key, "2025-target")
    assert view.province is not None and view.province.value == 66.0 and view.province.level == "province"
    assert view.counties[KELAN].value == 55.0  # a county's own value is its own
    others = [u for a, u in view.counties.items() if a != KELAN]
    assert len(others) == 116 and all(u.value is None and u.reason == indicators.PROVINCE_LEVEL for u in others)
    assert {u.detail for u in others} == {"山西省"}
    assert indicators.reason_text(others[0]) == "仅有省级数值（山西省），不代表本县"
    html = maps.indicator_map(view, "zh").get_root().render()
    assert "省级数值：山西省 66 %（不代表本县）" in html
    assert "省级数值（斜线覆盖的县无本县数值）" in html


def test_every_county_profile_shows_the_province_part_as_its_own_section(built):
    dataset, _report = built
    for adcode in (HONGTONG, KELAN, QINGXU):
        profile = queries.county_profile(dataset, adcode)
        assert [d.document for d in profile.province_documents] == [PROVINCE_DOC]
        assert [t.value for t in profile.province_targets] == [66.0]
        assert [t.citation.line_start for t in profile.province_tasks] == [8]
        assert all(t.scope_adcode != PROVINCE for t in profile.targets)
    assert [t.citation.line_start for t in queries.county_profile(dataset, QINGXU).tasks] == [9]
    assert queries.county_profile(dataset, HONGTONG).tasks == ()


def test_the_county_page_shows_the_province_plan_as_province_level(built, monkeypatch):
    from test_app import all_text, run_page

    dataset, _report = built
    monkeypatch.setattr(ui, "dataset", lambda: dataset)
    app = run_page("pages/county.py", county=HONGTONG)
    text = all_text(app)
    assert "省级" in [s.value for s in app.subheader]
    assert "《山西省推进以县城为重要载体的新型城镇化建设实施方案》" in text
    # the province's task is not 洪洞's, nor counted as one applying to it from its city
    assert "重点任务（本县 0 项 · 全市适用 0 项）" in [s.value for s in app.subheader]
    assert "完善县城防洪排涝设施" in text


@pytest.mark.parametrize(
    "level, adcode, fix",
    [("province", "140800", "scope_level: city"), ("province", HONGTONG, "scope_level: county"), ("city", PROVINCE, "scope_level: province")],
)
def test_province_scope_goes_with_140000_only(level, adcode, fix):
    text = f'documents:\n  x.txt:\n    title: t\n    scope_adcode: "{adcode}"\n    scope_level: {level}\n    kind: action-plan\n    title_lines: [1, 1]\n'
    manifest = parse_manifest(text)
    assert manifest.documents == {}
    (issue,) = manifest.rejected["x.txt"]
    assert issue.code == "manifest-entry" and issue.line == 5 and fix in issue.message


def test_a_province_entry_is_accepted():
    text = 'documents:\n  x.txt:\n    title: t\n    scope_adcode: "140000"\n    scope_level: province\n    kind: action-plan\n    title_lines: [1, 1]\n'
    entry = parse_manifest(text).documents["x.txt"]
    assert (entry.scope_level, entry.city_adcode) == ("province", None)


def test_the_indicator_map_export_names_the_province_value_for_the_counties_without_one(built, monkeypatch):
    from xiancheng import export
    from xiancheng.ui import widgets

    dataset, _report = built
    calls = []
    monkeypatch.setattr(widgets, "dataset", lambda: dataset)
    monkeypatch.setattr(export, "render_indicator_map", lambda values, **kw: calls.append((values, kw)) or b"")
    widgets._indicator_map.cache_clear()
    key = indicators.indicator_key("常住人口城镇化率", "%")
    widgets._indicator_map(key, "2025-target", "quantiles", 5, None, "zh", "png", 150, None)
    widgets._indicator_map.cache_clear()
    ((values, kw),) = calls
    assert values == {KELAN: 55.0} and kw["level"] == "county"  # the province's 66 is on no county
    assert kw["no_data_reason"] == "省级数值：山西省 66 %（不代表本县）"
    assert len(kw["sources"]) == 2  # the county plan and the province plan
