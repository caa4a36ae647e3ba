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


def test_the_map_component_is_the_project_s_frame_with_st_folium_s_instance_key(tmp_path):
    """map_view's component is this project's frame (xiancheng.mapframe), declared without
    importing streamlit_folium: its folder holds the frame's page, which loads the installed
    Leaflet in its head and speaks Streamlit's component protocol; the instance key is
    st_folium's own (a re-rendered map keeps its iframe)."""
    from pathlib import Path

    from xiancheng import offline

    ours = mapview.map_component()
    assert (ours.name, ours.module_name) == (offline.MAP_COMPONENT, "xiancheng")
    page = (Path(ours.abspath) / "index.html").read_text(encoding="utf-8")
    head = page.split("</head>")[0]
    assert f'<script src="{offline.LEAFLET_JS}"></script>' in head and f'href="{offline.LEAFLET_CSS}"' in head
    assert "streamlit:componentReady" in page and "streamlit:setComponentValue" in page and "{{" not in page
    # written again only when it differs (another Leaflet): same bytes, same file
    folder = offline.map_frame_dir(tmp_path)
    written = (folder / "index.html").stat().st_mtime_ns
    assert offline.map_frame_dir(tmp_path) == folder and (folder / "index.html").stat().st_mtime_ns == written
    (folder / "index.html").write_text("old", encoding="utf-8")
    assert (offline.map_frame_dir(tmp_path) / "index.html").read_text(encoding="utf-8") == page
    # a build folder that cannot be written (its parent is a file): the temporary folder serves
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    elsewhere = offline.map_frame_dir(blocked / "build")
    assert not str(elsewhere).startswith(str(blocked)) and (elsewhere / "index.html").read_text(encoding="utf-8") == page
    script = mapview._render_map(lambda: maps.type_map(queries.county_types(DATA), "zh", "140800", height=500)).script
    for key in ("overview-map--none-zh", "k"):
        assert mapview.component_key(script, key) == sf.generate_js_hash(script, key, False)
