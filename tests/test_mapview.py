"""map_view sends the component exactly what st_folium would, and renders a map once per key."""

import json
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import streamlit_folium as sf

from xiancheng import maps, queries
from xiancheng.dataset import Dataset
from xiancheng.ui import mapview


def _recorded(monkeypatch):
    calls = []

    def record(**kwargs):
        calls.append(kwargs)
        return kwargs.get("default")  # st_folium's: its values; ours: the state {"map": values}

    monkeypatch.setattr(sf, "_component_func", record)
    monkeypatch.setattr(mapview, "map_component", lambda: record)
    monkeypatch.setattr("xiancheng.ui.dataset", lambda: DATA)
    return calls


DATA = Dataset()
SAME = ("script", "header", "html", "height", "returned_objects", "default", "feature_group", "css_links", "js_links")


def test_map_view_sends_what_st_folium_sends_and_builds_once(monkeypatch):
    calls = _recorded(monkeypatch)
    types = queries.county_types(DATA)
    builds = []

    def build():
        builds.append(1)
        return maps.indicator_base("140800", height=500)

    from xiancheng import indicators

    view = indicators.values(DATA, "derived-tasks")
    sf.st_folium(build(), key="k", height=500, use_container_width=True, returned_objects=["last_active_drawing"],
                 feature_group_to_add=maps.indicator_layer(view, "zh", "quantiles", 5, "140800"))
    for _ in range(3):
        mapview.map_view(build, ("test", "140800"), key="k", height=500, returned_objects=["last_active_drawing"],
                         build_layer=lambda: maps.indicator_layer(view, "zh", "quantiles", 5, "140800"), layer_key=("test-layer",))
    reference, *ours = calls
    assert len(builds) == 2  # st_folium's own, then one for map_view's three calls
    for call in ours:
        # st_folium's arguments are the component's data; its values are the state "map"
        for name in SAME:
            assert call["data"][name] == reference[name], name
        assert call["key"] == reference["key"]  # same component identity: the drawn map is kept
        assert call["height"] == reference["height"] and call["default"] == {"map": reference["default"]}
        assert callable(call["on_map_change"])
    assert "xc-legend" in ours[0]["data"]["feature_group"] and len(ours[0]["data"]["script"]) > 1000
    assert types  # the type map is built from the same dataset


def test_the_instance_key_is_st_folium_s():
    """A re-rendered map keeps its element (and is not drawn again): the instance key is
    st_folium's own, element ids stripped."""
    script = mapview._render_map(lambda: maps.type_map(queries.county_types(DATA), "zh", "140800", height=500)).script
    for key in ("overview-map--none-zh", "k"):
        assert mapview.component_key(script, key) == sf.generate_js_hash(script, key, False)


ROOT = Path(__file__).resolve().parent.parent
MAP_JS = ROOT / "xiancheng" / "ui" / "map_component.js"


def test_the_map_component_is_a_v2_component_in_the_page_with_the_packaged_script():
    """The overview's map is Streamlit's v2 component named offline.MAP_COMPONENT: not
    isolated in a shadow root (Leaflet's and folium's style rules apply to it), its script
    the packaged file ui/map_component.js, its data st_folium's arguments, its state "map"."""
    from streamlit.testing.v1 import AppTest

    from xiancheng import offline

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    app.run()
    assert not app.exception, app.exception
    (element,) = app.get("bidi_component")
    proto = element.proto
    assert proto.component_name == offline.MAP_COMPONENT
    assert proto.isolate_styles is False
    assert proto.js_content == MAP_JS.read_text(encoding="utf-8")
    assert "export default function" in proto.js_content and "setStateValue('map'" in proto.js_content
    data = json.loads(proto.json)
    assert data["returned_objects"] and "L.map(" in data["script"] and data["id"] in data["script"]
    # the installed Leaflet only, at the URL of the page head's script (ui.serve): loaded once
    assert data["js_links"] == [offline.LEAFLET_JS] and data["css_links"] == [offline.LEAFLET_CSS]


def test_the_map_component_s_script_is_packaged():
    """The script is read from the installed package: pyproject's package data must carry it."""
    with open(ROOT / "pyproject.toml", "rb") as handle:
        patterns = tomllib.load(handle)["tool"]["setuptools"]["package-data"]["xiancheng"]
    relative = MAP_JS.relative_to(ROOT / "xiancheng").as_posix()
    assert any(fnmatch(relative, pattern) for pattern in patterns), patterns
