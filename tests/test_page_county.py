"""AppTest of the county page: what an official reads about one county, with its sources."""

from test_app import all_text, run_page


def test_yuanqu_shows_both_types_each_with_its_citation_and_the_disagreement():
    app = run_page("pages/county.py", county="140827")
    text = all_text(app)
    assert "垣曲县" in text
    assert "文旅赋能型县城" in text and "重点生态功能区县城" in text
    # the annex lines (408, 412) and the body text (77-79) are all cited
    assert "from=408&to=408" in text and "from=412&to=412" in text and "from=77&to=79" in text
    assert any("表述不一致" in w.value for w in app.warning)


def test_county_without_own_plan_names_the_city_plans_that_apply():
    app = run_page("pages/county.py", county="140827")
    info = " ".join(i.value for i in app.info)
    assert "没有垣曲县自己的规划" in info
    assert "运城市推进以县城为重要载体的城镇化建设行动方案" in info


def test_gu_county_has_its_own_plan_targets_and_tasks():
    app = run_page("pages/county.py", county="141025")
    text = all_text(app)
    assert "古县推进以县城为重要载体的新型城镇化建设行动方案" in text
    assert "重点生态功能区县城" in text
    targets = app.dataframe[0].value
    rates = targets[targets.iloc[:, 0] == "全县常住人口城镇化率"]
    assert sorted(zip(rates.iloc[:, 1], rates.iloc[:, 3])) == [(2024, 58.0), (2025, 60.0), (2027, 62.0)]
    assert any(s.value.startswith("重点任务（43") for s in app.subheader)


def test_a_county_no_document_covers_says_so_and_invents_nothing():
    app = run_page("pages/county.py", county="140222")  # 天镇县, 大同市: no plan loaded
    text = all_text(app)
    assert "没有天镇县或大同市的规划" in text
    assert "已载入文件未明确该县的县城类型" in text
    assert not app.dataframe  # no target or project tables


def test_district_is_described_as_not_a_county_town():
    text = all_text(run_page("pages/county.py", county="140802"))  # 盐湖区
    assert "市辖区不是县城" in text


def test_no_county_selected_asks_for_one():
    app = run_page("pages/county.py")
    assert any("请选择一个县区" in i.value for i in app.info)


def test_english_county_page():
    text = all_text(run_page("pages/county.py", county="140827", lang="en"))
    assert "Culture-tourism county town" in text and "The documents disagree" in text
