"""Place names in context (issue 12 item 7): whole tokens only, shared names by the document's city."""

from __future__ import annotations

import pytest
from plan_builder import assert_clean, city_plan, county_plan, write_plans

from xiancheng import geo
from xiancheng.ingest.mentions import find_mentions
from xiancheng.ingest.pipeline import build_dataset

LVLIANG, XINGXIAN, LINXIAN = "141100", "141123", "141124"
XINZHOU, DAIXIAN = "140900", "140923"
SHUOZHOU, YINGXIAN = "140600", "140622"
YUNCHENG, XIAXIAN, JIANGXIAN = "140800", "140828", "140826"
CHANGZHI, LUZHOU = "140400", "140403"
YANGQUAN_SUBURB, YANGQUAN_MINES = "140311", "140303"


def adcodes(text: str, city: str | None) -> list[str | None]:
    return [m.adcode for m in find_mentions(text, city)]


@pytest.mark.parametrize(
    "text, city, county",
    [
        ("坚持以人为本，振兴县域经济，壮大县城实力。", LVLIANG, XINGXIAN),
        ("加快建设现代县城，提升承载能力。", XINZHOU, DAIXIAN),
        ("由相应县级部门负责落实。", SHUOZHOU, YINGXIAN),
        ("欢迎各界朋友莅临县城考察。", LVLIANG, LINXIAN),
        ("传承华夏县域文明。", YUNCHENG, XIAXIAN),
        ("推进全面振兴县城发展。", None, XINGXIAN),
        ("对标时代县城标准，做好供应县城保障。", None, DAIXIAN),
    ],
)
def test_county_names_inside_ordinary_words_are_not_mentions(text, city, county):
    assert county not in adcodes(text, city)
    assert adcodes(text, city) == []


@pytest.mark.parametrize(
    "text, city, expected",
    [
        ("兴县、临县和代县同步推进。", None, [XINGXIAN, LINXIAN, DAIXIAN]),
        ("支持绛县建设海绵城市。", YUNCHENG, [JIANGXIAN]),  # 持绛 is no word: 绛县 stands
        ("吕梁市兴县开展试点。", None, [XINGXIAN]),
        ("吕梁兴县开展试点，山西省应县同步推进。", None, [XINGXIAN, YINGXIAN]),
        ("夏县：打造城市融合型县城。", YUNCHENG, [XIAXIAN]),
        ("临猗县与夏县协同发展。", YUNCHENG, ["140821", XIAXIAN]),
    ],
)
def test_county_names_standing_as_tokens_are_found(text, city, expected):
    assert adcodes(text, city) == expected


@pytest.mark.parametrize(
    "name, city, expected",
    [
        ("郊区", CHANGZHI, LUZHOU),  # 长治市郊区 merged into 潞州区 (2018)
        ("城区", CHANGZHI, LUZHOU),
        ("郊区", "140300", YANGQUAN_SUBURB),
        ("矿区", "140300", YANGQUAN_MINES),
        ("矿区", "140200", "140214"),  # 大同市矿区 merged into 云冈区 (2018)
        ("郊区", YUNCHENG, None),  # 运城 has no 郊区: unresolved, not 阳泉's
        ("矿区", YUNCHENG, None),
        ("郊区", None, None),  # a province document: no city to decide by
        ("矿区", None, None),
        ("城区", "140500", "140502"),
    ],
)
def test_shared_names_resolve_by_the_documents_city_or_not_at_all(name, city, expected):
    assert geo.resolve(name, city) == expected


TOWNS = """{city}推进以县城为重要载体的城镇化建设行动方案

一、重点镇建设
{label}：{towns}
"""


@pytest.fixture(scope="module")
def town_plans(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plans")
    return build_dataset(
        write_plans(
            folder,
            {
                "920_changzhi.txt": (city_plan(CHANGZHI), TOWNS.format(city="长治市", label="郊区", towns="马厂镇、黄碾镇")),
                "921_yuncheng.txt": (city_plan(YUNCHENG), TOWNS.format(city="运城市", label="郊区", towns="甲镇、乙镇")),
            },
        )
    )


def test_suburb_in_a_changzhi_plan_is_luzhou_never_yangquan(town_plans):
    dataset, report = town_plans
    changzhi = [t for t in dataset.towns if t.citation.document == "920_changzhi.txt"]
    assert [(t.name, t.adcode, t.kind) for t in changzhi] == [("马厂镇", LUZHOU, "key-town"), ("黄碾镇", LUZHOU, "key-town")]
    assert not [t for t in dataset.towns if t.adcode in (YANGQUAN_SUBURB, YANGQUAN_MINES)]


def test_suburb_in_a_yuncheng_plan_stays_unresolved_with_a_warning(town_plans):
    dataset, report = town_plans
    assert not [t for t in dataset.towns if t.citation.document == "921_yuncheng.txt"]
    doc = next(d for d in report.documents if d.document == "921_yuncheng.txt")
    assert doc.unresolved == [(4, "郊区")]
    warning = next(i for i in doc.issues if i.code == "unresolved-place")
    assert warning.line == 4 and "郊区" in warning.message and "运城市" in warning.message


TASKS = """吕梁市推进以县城为重要载体的城镇化建设行动方案

一、重点任务
（一）实施“平台带动”的县域特色优势产业培育行动
振兴县域经济。壮大县城实力，莅临县城的客商享受相应县级服务。（市发改委）
支持临县发展红枣产业。（市农业农村局）
"""


def test_a_task_that_only_says_zhenxing_xianyu_applies_to_the_county_towns_not_to_xingxian(tmp_path):
    dataset, report = build_dataset(write_plans(tmp_path, {"922_lvliang.txt": (city_plan(LVLIANG), TASKS)}))
    assert_clean(report, "922_lvliang.txt")
    first, second = dataset.tasks
    county_towns = sorted(a for a in geo.counties_of_city(LVLIANG) if geo.counties()[a].kind != "市辖区")
    assert first.adcodes == county_towns and len(county_towns) == 12
    assert second.adcodes == [LINXIAN]


def test_xingxian_at_the_start_of_a_line_and_linxian_after_yu_are_both_found(tmp_path):
    text = "兴县推进以县城为重要载体的城镇化建设行动方案\n\n一、发展定位\n兴县与临县协同，建设成为吕梁山区生态宜居县城。\n"
    dataset, report = build_dataset(write_plans(tmp_path, {"923_xingxian.txt": (county_plan(XINGXIAN), text)}))
    assert_clean(report, "923_xingxian.txt")
    # "兴县与临县…建设成为…": the sentence's subject is the two counties
    assert [p.adcode for p in dataset.positionings] == [XINGXIAN, LINXIAN]
