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
    assert sorted(zip(rates.iloc[:, 1], rates.iloc[:, 3])) == [("2024", 58.0), ("2025", 60.0), ("2027", 62.0)]
    assert "重点任务（本县 43 项 · 全市适用 0 项）" in [s.value for s in app.subheader]


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


# --- issue 10: a county page that reads like an office's


def _elements(app, kind):
    def walk(node):
        children = getattr(node, "children", None)
        for child in children.values() if isinstance(children, dict) else []:
            yield child
            yield from walk(child)

    return [e for e in walk(app.main) if getattr(e, "type", "") == kind]


def test_city_wide_tasks_and_projects_are_marked_and_listed_after_the_own():
    from test_app import run_page

    app = run_page("pages/county.py", county="140827")  # 垣曲县: only 运城's city plan reaches it
    heads = [s.value for s in app.subheader]
    assert "重点任务（本县 0 项 · 全市适用 69 项）" in heads
    assert "项目（本县 0 个 · 全市适用 24 个）" in heads
    marked = [e.label for e in app.expander if e.label.startswith("全市适用 · ")]
    assert sum(int(label.rsplit(" · ", 1)[1]) for label in marked) == 69
    assert any(m.value == "**全市适用的项目（运城市的规划，24 个）**" for m in app.markdown)
    for frame in app.dataframe:
        text = frame.value.astype(str).to_string()
        assert "None" not in text and "nan" not in text
    investments = app.dataframe[-1].value["投资（亿元）"].tolist()
    assert "未列明" in investments

    own = run_page("pages/county.py", county="141024")  # 洪洞县: its own plan
    labels = [e.label for e in own.expander]
    assert "重点任务（本县 33 项 · 全市适用 0 项）" in [s.value for s in own.subheader]
    assert not any(label.startswith("全市适用") for label in labels)


def test_target_chart_spaces_years_by_time():
    import json

    from test_app import run_page

    chart = _elements(run_page("pages/county.py", county="141024"), "vega_lite_chart")[0]
    x = json.loads(chart.proto.spec)["encoding"]["x"]
    assert x["type"] == "quantitative" and x["field"] == "year"  # 2024, 2025, 2027 spaced as years
    assert x["axis"]["values"] == [2024, 2025, 2027]


def test_county_page_shows_the_one_pagers_locator_map():
    from PIL import Image
    import io

    from test_app import run_page
    from xiancheng.export.profile import HIGHLIGHT
    from xiancheng.ui import widgets

    images = _elements(run_page("pages/county.py", county="140827"), "image")
    assert len(images) == 1 and "运城市" in images[0].proto.imgs[0].caption
    png = widgets.locator_png("140827")
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    red = tuple(int(HIGHLIGHT[i:i + 2], 16) for i in (1, 3, 5))
    colours = {colour: n for n, colour in picture.getcolors(maxcolors=1 << 20)}
    assert colours.get(red, 0) > 20  # the county is filled
    assert widgets.locator_png("141024") != png
