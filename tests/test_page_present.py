"""Presentation mode and briefing downloads, through AppTest."""

from test_app import all_text, run_page


def present(**params):
    return run_page(None, mode="present", **params)


def test_mode_present_opens_the_slideshow_of_classified_counties():
    app = present()
    assert app.title[0].value == "临猗县"  # first classified county town in adcode order
    assert any("1 / 13" in m.value for m in app.markdown)
    assert app.query_params.get("mode") == ["present"] or app.query_params.get("mode") == "present"


def test_next_and_previous_step_through_the_set_and_wrap_around():
    app = present(**{"set": "type:ecological"})
    names = [app.title[0].value]
    for _ in range(3):
        next(b for b in app.button if b.label == "下一个").click().run()
        names.append(app.title[0].value)
    assert names == ["垣曲县", "平陆县", "古县", "垣曲县"]  # adcode order, wrapping round
    next(b for b in app.button if b.label == "上一个").click().run()
    assert app.title[0].value == "古县"
    assert app.query_params["county"] in ("141025", ["141025"])


def test_a_city_set_covers_every_unit_of_the_city():
    app = present(**{"set": "city:140800"})
    assert any("1 / 13" in m.value for m in app.markdown)
    assert app.title[0].value == "盐湖区"


def test_presentation_hides_the_sidebar_and_enlarges_type():
    app = present()
    css = next(m.value for m in app.markdown if m.value.startswith("<style>"))
    assert "stSidebar" in css and "display: none" in css and "font-size: 20px" in css
    assert not any(b.label == "演示模式" for b in app.sidebar.button)


def test_the_sidebar_offers_presentation_mode_when_not_presenting():
    app = run_page()
    assert any(b.label == "演示模式" for b in app.sidebar.button)


def test_overview_and_county_offer_briefing_downloads():
    app = run_page()
    assert not app.get("download_button")  # built once 导出 is opened, not on the first view
    app.session_state["overview-export-open"] = True  # as a click on 导出 does
    labels = [b.proto.label for b in app.run().get("download_button")]
    assert labels == ["PNG", "PNG（300 dpi）", "SVG", "PDF"]
    labels = [b.proto.label for b in run_page("pages/county.py", county="141024").get("download_button")]
    assert labels == ["县域概况 PNG", "县域概况 PDF", "任务台账 Excel"]


def test_english_presentation():
    text = all_text(present(lang="en", county="140827", **{"set": "city:140800"}))
    assert "Culture-tourism county town" in text


def test_indicator_page_offers_map_downloads_that_render_the_shown_indicator():
    from datetime import date

    from xiancheng import indicators
    from xiancheng.ui import widgets

    key = indicators.indicator_key("全县常住人口城镇化率", "%")
    app = run_page("pages/indicators.py", indicator=key, year="2027-target")
    assert [b.proto.label for b in app.get("download_button")] == ["PNG", "PNG（300 dpi）", "SVG", "PDF", "CSV", "Excel"]
    pdf = widgets._indicator_map(key, "2027-target", "quantiles", 5, None, "zh", "pdf", 150, date(2026, 11, 22))
    assert pdf.startswith(b"%PDF")
    png = widgets._indicator_map(key, "2027-target", "quantiles", 5, None, "zh", "png", 150, date(2026, 11, 22))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_download_file_names_are_chinese_and_dated():
    from datetime import date

    from xiancheng import indicators
    from xiancheng.ui import widgets

    today = date.today().isoformat()
    assert widgets.type_map_downloads("140800")[0].file_name == f"县城类型图_运城市_{today}.png"
    key = indicators.indicator_key("全县常住人口城镇化率", "%")
    name = widgets.indicator_map_downloads(key, "2027-target", "quantiles", 5, None)[0].file_name
    assert name == f"指标图_全县常住人口城镇化率_2027年目标值_山西省_{today}.png"
    assert "derived" not in widgets.indicator_map_downloads("derived-key-towns", None, "quantiles", 5, "140500")[0].file_name


def test_a_slide_legend_counts_the_units_of_its_set_and_says_so():
    import re

    from xiancheng import geo, maps, queries
    from xiancheng.ingest.pipeline import load_or_build

    all_types = queries.county_types(load_or_build())

    def legend_of(slides):
        fmap = maps.slide_map(all_types, "zh", slides)
        (legend,) = [c for c in fmap._children.values() if isinstance(c, maps.Legend)]
        counts = [int(n) for n in re.findall(r'<span class="xc-count">(\d+)</span>', legend.html)]
        return counts, legend.html

    yuncheng = geo.counties_of_city("140800")
    counts, html = legend_of(yuncheng)
    assert sum(counts) == len(yuncheng) == 13, counts  # 运城's units, not the province's 117
    assert "本组 13 个县级单位" in html
    ecological = [a for a, c in all_types.items() if "ecological" in c.types]
    counts, html = legend_of(ecological)
    assert sum(counts) == len(ecological) and f"本组 {len(ecological)} 个县级单位" in html
