"""The indicator catalogue and values, checked by hand against the built dataset."""

from __future__ import annotations

import pytest

from xiancheng import geo, indicators
from xiancheng.dataset import Citation, Dataset, Document, Project, Target, Task, Town

JIANGXIAN, HONGTONG, GUXIAN = "140826", "141024", "141025"
YANGGAO = "140221"  # 大同市阳高县: no loaded plan is for it or for 大同
YUNCHENG, JINCHENG = "140800", "140500"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    try:
        from xiancheng.ingest.pipeline import build_dataset
    except ImportError as exc:  # pragma: no cover
        pytest.skip(f"ingest pipeline not available: {exc}")
    built, _report = build_dataset()
    return built


def key_of(dataset, name, unit):
    key = indicators.indicator_key(name, unit)
    assert key in indicators.catalogue(dataset), (name, unit)
    return key


# ---------------------------------------------------------------- derived, real dataset


def test_tasks_for_jiangxian_are_the_yuncheng_plan_tasks_that_name_it(dataset):
    view = indicators.values(dataset, "derived-tasks")
    expected = [t for t in dataset.tasks if JIANGXIAN in t.adcodes]
    # By hand: 69 of the 运城 action plan's tasks apply to all 12 counties (市), one more
    # names 绛县 among a few; no other plan is for 绛县.
    assert {t.document for t in expected} == {"000_6ee266aaec99fe33.txt"}
    assert view.counties[JIANGXIAN].value == len(expected) == 70
    assert view.counties[JIANGXIAN].level == "county"


def test_tasks_for_hongtong_are_its_own_plan_tasks(dataset):
    unit = indicators.values(dataset, "derived-tasks").counties[HONGTONG]
    assert unit.value == 33
    assert [c.document for c in unit.citations] == ["001_775cef56807c43cc.txt"]


def test_a_county_no_plan_covers_has_no_value_and_says_why_never_zero(dataset):
    for key in indicators.DERIVED_KEYS:
        unit = indicators.values(dataset, key).counties[YANGGAO]
        assert unit.value is None, key
        assert unit.reason == indicators.NOT_COVERED, key


def test_a_covered_county_whose_plans_list_no_projects_has_no_value_not_zero(dataset):
    # 古县's own plan lists no projects: that is "not listed", not "0 projects".
    unit = indicators.values(dataset, "derived-projects").counties[GUXIAN]
    assert unit.value is None and unit.reason == indicators.NOT_LISTED


def test_investment_sums_only_stated_amounts_and_says_how_many_had_none(dataset):
    view = indicators.values(dataset, "derived-investment")
    hongtong = [p for p in dataset.projects if HONGTONG in p.adcodes]
    assert view.counties[HONGTONG].value == pytest.approx(sum(p.investment_yi for p in hongtong)) == pytest.approx(117.15)
    # 运城's annex lists projects for 绛县 but no amounts: no value, with how many projects.
    jiangxian = view.counties[JIANGXIAN]
    assert jiangxian.value is None and jiangxian.reason == indicators.UNPRICED
    assert jiangxian.detail == "24" and ("unpriced", 24) in jiangxian.notes


def test_key_towns_count_only_key_town_records(dataset):
    view = indicators.values(dataset, "derived-key-towns")
    assert view.counties[HONGTONG].value == 4  # 赵城镇、龙马乡、广胜寺镇、甘亭镇
    assert view.counties["140525"].value == 4  # 泽州县：巴公镇、高都镇、周村镇、下村镇
    # 新绛县 is a 试点县 ("pilot-county" record), not a key town.
    assert view.counties["140825"].value is None
    assert indicators.values(dataset, "derived-characteristic-towns").counties[HONGTONG].value == 7


# ---------------------------------------------------------------- targets, real dataset


def test_a_city_wide_target_stays_on_the_city(dataset):
    key = key_of(dataset, "全市县城公共供水普及率", "%")
    view = indicators.values(dataset, key, "2027-target")
    assert view.cities[YUNCHENG].value == 92 and view.cities[YUNCHENG].level == "city"
    assert view.county_values() == {}
    assert view.counties[JIANGXIAN].reason == indicators.CITY_LEVEL
    assert view.counties[JIANGXIAN].detail == "运城市"
    assert view.counties[YANGGAO].reason == indicators.NOT_COVERED


def test_county_targets_are_county_level_and_names_merge_only_after_full_width_normalising(dataset):
    # 洪洞 writes "(放)", 古县 "（放）": the same name once full-width is normalised.
    key = key_of(dataset, "县级公益性安葬（放）设施覆盖率", "%")
    view = indicators.values(dataset, key)
    assert view.period == indicators.Period(2027, "target")
    assert set(view.county_values()) == {HONGTONG, GUXIAN} and view.cities == {}
    # "全县常住人口城镇化率" and "常住人口城镇化率" are different names: not merged.
    county_key = key_of(dataset, "全县常住人口城镇化率", "%")
    city_key = key_of(dataset, "常住人口城镇化率", "%")
    assert county_key != city_key
    assert indicators.catalogue(dataset)[county_key].levels == ("county",)
    assert indicators.catalogue(dataset)[city_key].levels == ("city",)


def test_same_indicator_keeps_county_and_city_values_apart_by_period(dataset):
    key = key_of(dataset, "新开工装配式建筑占城镇新建建筑面积比例", "%")
    indicator = indicators.catalogue(dataset)[key]
    assert indicator.levels == ("county", "city")
    assert indicators.values(dataset, key, "2027-target").county_values() == {HONGTONG: 36, GUXIAN: 34}
    city_view = indicators.values(dataset, key, "2024-target")
    assert city_view.city_values() == {YUNCHENG: 27} and city_view.county_values() == {}


def test_growth_rate_columns_are_their_own_indicator(dataset):
    level = indicators.values(dataset, key_of(dataset, "规上工业企业数量", "户"), "2025-target")
    assert level.city_values() == {YUNCHENG: 1300}
    growth = key_of(dataset, "规上工业企业数量（年均增长/累计）", "")
    assert indicators.values(dataset, growth, "2025-target").city_values() == {YUNCHENG: 140}


def test_a_target_stated_in_words_has_no_number_and_keeps_the_words(dataset):
    key = key_of(dataset, "单位GDP能源消耗降低", "%")
    unit = indicators.values(dataset, key, "2025-target").cities[YUNCHENG]
    assert unit.value is None and unit.reason == indicators.NO_NUMBER and unit.detail == "完成省下任务"


def test_catalogue_lists_derived_first_and_every_period_has_records(dataset):
    catalogue = indicators.catalogue(dataset)
    assert list(catalogue)[: len(indicators.DERIVED_KEYS)] == list(indicators.DERIVED_KEYS)
    assert indicators.default_key(dataset) == "derived-key-towns"
    for indicator in catalogue.values():
        assert indicator.citations, indicator.key
        for period in indicator.periods:
            view = indicators.values(dataset, indicator.key, period.token)
            assert view.period == period
            assert view.cities or any(u.citations and u.reason != indicators.CITY_LEVEL for u in view.counties.values())


def test_unknown_period_falls_back_to_the_default_and_unknown_key_raises(dataset):
    key = key_of(dataset, "全县常住人口城镇化率", "%")
    assert indicators.values(dataset, key, "1999-target").period == indicators.default_period(dataset, key)
    assert indicators.values(dataset, key, "nonsense").period.year == 2027
    with pytest.raises(KeyError):
        indicators.values(dataset, "t-0000000000")


# ---------------------------------------------------------------- keys and small datasets


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("县级公益性安葬(放)设施覆盖率", "县级公益性安葬（放）设施覆盖率", True),
        ("5G 基站", "5G基站", True),
        ("再生水利用率", "再生水利用率 ", True),
        ("常住人口城镇化率", "全县常住人口城镇化率", False),
        ("城市空气质量优良天数比率", "城市空气质量优良天数比例", False),
    ],
)
def test_names_merge_only_when_identical_after_normalising(a, b, same):
    assert (indicators.indicator_key(a, "%") == indicators.indicator_key(b, "%")) is same


def test_keys_are_stable_across_runs_and_depend_on_the_unit():
    assert indicators.indicator_key("全县常住人口城镇化率", "%") == "t-" + __import__("hashlib").sha1(
        "全县常住人口城镇化率|%".encode()
    ).hexdigest()[:10]
    assert indicators.indicator_key("城镇居民人均可支配收入", "元") != indicators.indicator_key("城镇居民人均可支配收入", "%")


def test_period_tokens_round_trip():
    for period in (indicators.Period(2025, "target"), indicators.Period(None, "value")):
        assert indicators.Period.parse(period.token) == period
    assert indicators.Period.parse("2025") is None


def _cite(document="c.txt", line=1):
    return Citation(document=document, line_start=line, line_end=line, quote="x")


def _doc(name, scope, level):
    return Document(
        document=name, title=name, scope_adcode=scope, scope_level=level, kind="action-plan",
        sha256="0", line_count=10, citation=_cite(name),
    )


def test_small_dataset_shared_project_investment_is_not_split_or_copied():
    data = Dataset(
        documents=[_doc("c.txt", YUNCHENG, "city")],
        tasks=[Task(id="c.txt:2", document="c.txt", text="t", adcodes=[JIANGXIAN], scope_adcode=YUNCHENG, citation=_cite())],
        projects=[
            Project(name="a", adcodes=[JIANGXIAN], scope_adcode=YUNCHENG, investment_yi=2.5, citation=_cite(line=3)),
            Project(name="b", adcodes=[JIANGXIAN, "140825"], scope_adcode=YUNCHENG, investment_yi=10, citation=_cite(line=4)),
            Project(name="c", adcodes=[JIANGXIAN], scope_adcode=YUNCHENG, citation=_cite(line=5)),
        ],
        towns=[Town(name="x镇", adcode=JIANGXIAN, kind="pilot-county", citation=_cite(line=6))],
        targets=[Target(indicator="全市某率", scope_adcode=YUNCHENG, scope_level="city", year=2025, value=5, unit="%", citation=_cite(line=7))],
    )
    investment = indicators.values(data, "derived-investment").counties
    assert investment[JIANGXIAN].value == 2.5
    assert dict(investment[JIANGXIAN].notes) == {"unpriced": 1, "shared": 1}
    assert investment["140825"].reason == indicators.UNPRICED  # only the shared project reaches it
    assert indicators.values(data, "derived-projects").counties["140825"].value == 1
    assert indicators.values(data, "derived-key-towns").counties[JIANGXIAN].reason == indicators.NOT_LISTED
    key = indicators.indicator_key("全市某率", "%")
    view = indicators.values(data, key)
    assert view.city_values() == {YUNCHENG: 5}
    assert all(u.value is None for u in view.counties.values())
    assert len(view.counties) == len(geo.counties()) == 117


def test_empty_dataset_has_only_derived_indicators_all_without_values():
    data = Dataset()
    catalogue = indicators.catalogue(data)
    assert list(catalogue) == list(indicators.DERIVED_KEYS)
    view = indicators.values(data, "derived-tasks")
    assert {u.reason for u in view.counties.values()} == {indicators.NOT_COVERED}


def test_picker_and_period_labels_tell_plan_targets_from_measured_values():
    def indicator(kinds, levels=("county",), source="plan", categorical=False):
        return indicators.Indicator("k", "城镇化率", "%", levels, (), kinds, (), source=source, categorical=categorical)

    assert indicators.picker_label(indicator(("target", "baseline"), ("county", "city"))) == "［目标值·县级/市级］ 城镇化率（%）"
    assert indicators.picker_label(indicator(("value",), ("city",))) == "［规划·市级］ 城镇化率（%）"
    assert indicators.picker_label(indicator(("value",), source="import")) == "［统计值·导入］ 城镇化率（%）"
    assert indicators.picker_label(indicator(("target",), source="import"), "en") == "[target · imported] 城镇化率 (%)"
    assert indicators.picker_label(indicator(("value",), source="import", categorical=True)) == "［分类·导入］ 城镇化率（%）"
    measured, target = indicators.Period(2023, "value"), indicators.Period(2025, "target")
    assert indicators.period_label(measured, source="import") == "2023年 · 统计值"
    assert indicators.period_label(measured) == "2023年 · 现状值"  # a figure a plan prints as current
    assert indicators.period_label(target, source="import") == indicators.period_label(target) == "2025年 · 目标值"
