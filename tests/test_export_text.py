"""Text from plans is drawn literally in every export: `$…$` is not read as mathtext.

A plans folder is made from Yuncheng's plan with dollar signs, backslashes and carets in its
manifest title and in a positioning sentence, built by the real pipeline; the type map,
indicator map (PNG, PDF, SVG) and the one-pager (PNG, PDF) of a county citing it must all
render, and the PDF must carry the text as written.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest
import yaml

from xiancheng import indicators
from xiancheng.export import profile, staticmap
from xiancheng.ingest.pipeline import build_dataset
from xiancheng.settings import PLANS_DIR

from test_export import DAY, pdf_text, png_image, squash

SOURCE = "000_6ee266aaec99fe33.txt"
LINYI = "140821"
# Even numbers of unescaped $: mathtext would parse them, and \\undefined is not a command.
TITLE = "运城市$行动$方案（$x^2$，\\$，$\\undefined$）"
POSITIONING_MARK = "（$5$亿元，$\\alpha$，$\\undefined$）"


@pytest.fixture(scope="module")
def dollar_dataset(tmp_path_factory):
    plans = tmp_path_factory.mktemp("dollars") / "plans"
    plans.mkdir()
    text = (PLANS_DIR / SOURCE).read_text(encoding="utf-8")
    assert text.count("临猗县打造成为") == 1
    (plans / SOURCE).write_text(text.replace("临猗县打造成为", f"临猗县{POSITIONING_MARK}打造成为"), encoding="utf-8")
    entry = yaml.safe_load((PLANS_DIR / "manifest.yaml").read_text(encoding="utf-8"))["documents"][SOURCE]
    entry.pop("sha256")
    entry["title"] = TITLE
    (plans / "manifest.yaml").write_text(yaml.safe_dump({"documents": {SOURCE: entry}}, allow_unicode=True), encoding="utf-8")
    dataset, report = build_dataset(plans)
    assert report.documents[0].status == "ok"
    assert not [i for i in report.errors if i.document == SOURCE]  # (corrections of the other plans: absent here)
    assert dataset.documents[0].title == TITLE
    assert any(POSITIONING_MARK in p.text for p in dataset.positionings if p.adcode == LINYI)
    return dataset


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_type_map_with_dollars_in_a_title(dollar_dataset, fmt):
    data = staticmap.render_type_map(dollar_dataset, city_adcode="140800", fmt=fmt, export_date=DAY)
    if fmt == "png":
        assert png_image(data).size[0] > 1000
    elif fmt == "pdf":
        assert squash(TITLE) in squash(pdf_text(data))
    else:
        assert ET.fromstring(data).tag.endswith("svg")


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_indicator_map_with_dollars_in_its_title_and_sources(dollar_dataset, fmt):
    view = indicators.values(dollar_dataset, "derived-tasks", None)
    name = "任务数 $n$"
    data = staticmap.render_indicator_map(
        view.county_values(), title=name, indicator=name, unit="$", sources=[staticmap.document_label(d, "zh") for d in dollar_dataset.documents],
        fmt=fmt, city_adcode="140800", export_date=DAY,
    )
    if fmt == "png":
        assert png_image(data).size[0] > 1000
    elif fmt == "pdf":
        text = squash(pdf_text(data))
        assert squash(name) in text and squash(TITLE) in text
    else:
        assert ET.fromstring(data).tag.endswith("svg")


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_one_pager_with_dollars_in_positioning_and_sources(dollar_dataset, fmt):
    data = profile.render_county_profile(dollar_dataset, LINYI, fmt=fmt, export_date=DAY)
    if fmt == "png":
        assert png_image(data).size[1] > 1000
    else:
        text = squash(pdf_text(data))
        assert squash(POSITIONING_MARK) in text


@pytest.mark.filterwarnings("error:Glyph")  # a control character reaching matplotlib
@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_map_labels_and_the_numbered_key_draw_any_place_name(dollar_dataset, monkeypatch, fmt):
    """Place names on the map and in the numbered key go through the same text cleaning as
    titles and legends: a control character or `$` in a name never kills a map export."""
    from xiancheng import geo

    plain = geo.place_name
    monkeypatch.setattr(geo, "place_name", lambda adcode: f"{plain(adcode)}\x07$\\undefined$\x7f")
    data = staticmap.render_type_map(dollar_dataset, city_adcode="140800", fmt=fmt, export_date=DAY)
    if fmt == "png":
        assert png_image(data).size[0] > 1000
    else:
        text = squash(pdf_text(data))
        assert "\x07" not in text and "\x7f" not in text  # the controls dropped
        assert re.search(r"编号对照1[^$]+?[县市区]\$\\undefined\$", text)  # the key drawn as written
