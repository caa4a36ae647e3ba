"""map_view sends the component exactly what st_folium would, and renders a map once per key."""

import streamlit_folium as sf

from xiancheng import maps, queries
from xiancheng.dataset import Dataset
from xiancheng.ui import mapview


def _recorded(monkeypatch):
    calls = []
    monkeypatch.setattr(sf, "_component_func", lambda **kwargs: calls.append(kwargs) or kwargs.get("default"))
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
