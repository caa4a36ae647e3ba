"""map_view sends the component exactly what st_folium would, and renders a map once per key."""

import streamlit_folium as sf

from xiancheng import maps, queries
from xiancheng.dataset import Dataset
from xiancheng.ui import mapview


def _recorded(monkeypatch):
    calls = []

    def record(**kwargs):
        calls.append(kwargs)
        return kwargs.get("default")

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
        for name in SAME:
            assert call[name] == reference[name], name
        assert call["key"] == reference["key"]  # same component identity: the iframe is kept
    assert "xc-legend" in ours[0]["feature_group"] and len(ours[0]["script"]) > 1000
    assert types  # the type map is built from the same dataset


def test_the_map_component_is_st_folium_s_own_declaration():
    """map_view declares st_folium's component itself (no streamlit_folium import): same
    name, folder, URL and module as st_folium's declaration, so the same frontend is served
    and the same element identity computed; the instance key is st_folium's own."""
    ours, theirs = mapview.map_component(), sf._component_func
    assert (ours.name, ours.abspath, ours.url, ours.module_name) == (theirs.name, theirs.abspath, theirs.url, theirs.module_name)
    assert ours == theirs
    script = mapview._render_map(lambda: maps.type_map(queries.county_types(DATA), "zh", "140800", height=500)).script
    for key in ("overview-map--none-zh", "k"):
        assert mapview.component_key(script, key) == sf.generate_js_hash(script, key, False)
