"""Type statements (issue 12 item 6): Shanxi's and the national type names in the forms plans use."""

from __future__ import annotations

import re

import pytest
from plan_builder import assert_clean, city_plan, county_plan, write_plans

from xiancheng import maps, queries
from xiancheng.ingest.pipeline import build_dataset

KELAN, TAIYUAN = "140929", "140100"
QINGXU, YANGQU, LOUFAN, GUJIAO = "140121", "140122", "140123", "140181"
COUNTY_TITLE = "岢岚县推进以县城为重要载体的新型城镇化建设行动方案"
CITY_TITLE = "太原市推进以县城为重要载体的城镇化建设实施方案"


def legend_counts(legend) -> dict[str, int]:
    """Label → count of each row of a type-map legend, read from its HTML."""
    rows = re.findall(r'<span>([^<]+)</span><span class="xc-count">(\d+)</span>', legend.html)
    return {label: int(count) for label, count in rows}


def build_one(tmp_path, fields: dict, text: str, name: str = "930_plan.txt"):
    dataset, report = build_dataset(write_plans(tmp_path / "plans", {name: (fields, text)}))
    assert_clean(report, name)
    doc = next(d for d in report.documents if d.document == name)
    return dataset, doc


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("岢岚县作为国家重点生态功能区县城，坚持生态优先、绿色发展。", "ecological"),
        ("全力打造大城市周边县城，主动融入太原都市圈。", "urban-integration"),
        ("加快建设专业功能县城，做强特色产业。", "specialised-function"),
        ("我县属于农产品主产区县城，粮食生产任务重。", "agricultural"),
        ("根据全省分类，岢岚县属于生态保护型县城。", "ecological"),
        ("岢岚县定位为城市融合型县城。", "urban-integration"),
        ("到2027年，建设成为特色鲜明的文旅赋能型县城。", "culture-tourism"),
        ("以生态功能区县城定位为引领，推动绿色转型。", "ecological"),
        ("岢岚县是人口流失县城，常住人口持续减少。", "population-loss"),
    ],
)
def test_a_county_plan_states_its_own_type_in_the_usual_forms(tmp_path, sentence, expected):
    text = f"{COUNTY_TITLE}\n\n一、功能定位\n{sentence}\n"
    dataset, doc = build_one(tmp_path, county_plan(KELAN), text)
    assert [(c.adcode, c.type, c.statement_kind, c.citation.line_start) for c in dataset.classifications] == [
        (KELAN, expected, "body-text", 4)
    ]
    assert dataset.classifications[0].citation.quote == sentence
    assert not [i for i in doc.issues if i.code == "type-statement-unread"]


def test_two_types_stated_together_are_both_kept(tmp_path):
    text = f"{COUNTY_TITLE}\n\n一、功能定位\n岢岚县作为农产品主产区县城和重点生态功能区县城，统筹保护与发展。\n"
    dataset, _doc = build_one(tmp_path, county_plan(KELAN), text)
    assert [(c.adcode, c.type) for c in dataset.classifications] == [(KELAN, "agricultural"), (KELAN, "ecological")]


@pytest.mark.parametrize(
    "sentence, why",
    [
        ("学习借鉴大城市周边县城的经验做法。", "no stating verb"),
        ("统筹农产品主产区县城和重点生态功能区县城的发展要求，建设宜居县城。", "no stating verb"),
        ("岢岚县与五寨县同属于重点生态功能区县城。", "also names 五寨县"),
    ],
)
def test_a_type_named_for_the_own_county_but_not_read_is_a_warning_with_its_line(tmp_path, sentence, why):
    text = f"{COUNTY_TITLE}\n\n一、发展基础\n县城人口稳定。\n\n{sentence}\n"
    dataset, doc = build_one(tmp_path, county_plan(KELAN), text)
    assert dataset.classifications == []
    (warning,) = [i for i in doc.issues if i.code == "type-statement-unread"]
    assert warning.line == 6 and why in warning.message and sentence[:10] in warning.message


CITY_TEXT = f"""{CITY_TITLE}

一、分类引导县城发展
（一）专业功能县城
支持古交市发挥能源优势，做强专业功能。
古交市要加快煤电产业转型。

（二）大城市周边县城
支持清徐县、阳曲县主动承接中心城区功能疏解，打造大城市周边县城。

（三）其他县城
人口流失县城：娄烦县
以城市融合型县城为重点，完善配套设施。
"""


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    return build_one(tmp_path_factory.mktemp("city"), city_plan(TAIYUAN), CITY_TEXT)


def test_a_city_plan_classifies_by_heading_sentence_and_list_in_national_names(city):
    dataset, doc = city
    stated = {(c.adcode, c.type, c.statement_kind, c.citation.line_start) for c in dataset.classifications}
    assert stated == {
        (GUJIAO, "specialised-function", "body-text", 5),  # the first sentence under 专业功能县城
        (QINGXU, "urban-integration", "body-text", 9),  # "支持清徐县、阳曲县…打造大城市周边县城"
        (YANGQU, "urban-integration", "body-text", 9),
        (LOUFAN, "population-loss", "body-list", 12),  # kept as the national type it is
    }
    # "以城市融合型县城为重点" names no county: neither a statement nor a warning
    assert not [i for i in doc.issues if i.code == "type-statement-unread"]


def test_population_loss_is_its_own_type_on_the_map_not_one_of_shanxis_five(city):
    dataset, _doc = city
    types = queries.county_types(dataset)
    assert types[LOUFAN].types == ("population-loss",) and types[LOUFAN].status == "classified"
    assert types[QINGXU].types == ("urban-integration",)
    counts = legend_counts(maps.type_legend(types, "zh"))
    assert counts["人口流失县城（国家分类，山西五类无对应）"] == 1
    assert counts["城市融合型县城"] == 2 and counts["专业功能型县城"] == 1


def test_without_a_population_loss_statement_the_legend_keeps_shanxis_five(tmp_path):
    dataset, _doc = build_one(tmp_path, city_plan(TAIYUAN), f"{CITY_TITLE}\n\n城市融合型县城：清徐县\n")
    labels = list(legend_counts(maps.type_legend(queries.county_types(dataset), "zh")))
    assert not [label for label in labels if "人口流失" in label]
    assert labels[:5] == ["城市融合型县城", "专业功能型县城", "文旅赋能型县城", "农产品主产区县城", "重点生态功能区县城"]
