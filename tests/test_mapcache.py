"""Rendered maps kept on disk (xiancheng.mapcache): what a restarted server sends is byte for
byte what it rendered, a changed input renders again, and the first overview of a server
whose map is stored imports neither folium nor pandas."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xiancheng import mapcache, maps, queries, settings
from xiancheng.dataset import Citation, Classification, Dataset
from xiancheng.ui import mapview

ROOT = Path(__file__).resolve().parent.parent
DATA = Dataset(inputs={"plans/a.txt": "0" * 16})
FIELDS = ("script", "header", "html", "id", "key", "height", "returned_objects", "default", "css_links", "js_links", "feature_group")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty map cache of the test's own; map_view's memory forgotten before and after."""
    monkeypatch.setattr(settings, "DATASET_PATH", tmp_path / "build" / "dataset.json")
    mapview.clear()
    yield tmp_path / "build" / "maps"
    mapview.clear()
    mapcache.code_version.cache_clear()


@pytest.fixture
def sent(monkeypatch):
    calls = []

    def record(**kwargs):
        calls.append({**kwargs["data"], "key": kwargs["key"]})  # what the page's component gets
        return kwargs["default"]

    monkeypatch.setattr(mapview, "map_component", lambda: record)
    return calls


@pytest.fixture
def show(monkeypatch):
    """The overview's map_view call as the page makes it, for a dataset and its types;
    each render is counted in builds."""
    import xiancheng.ui

    def shown(data, types, builds: list, lang: str = "zh"):
        def build():
            builds.append(1)
            return maps.type_map(types, lang, None, "none", "", height=600)

        monkeypatch.setattr(xiancheng.ui, "dataset", lambda: data)
        return mapview.map_view(build, ("type", "", "none", lang, 600, "", queries.type_keys(types)),
                                key=f"overview-map--none-{lang}", height=600, returned_objects=["last_active_drawing"], persist=True)

    return shown


def test_a_restarted_server_sends_byte_for_byte_what_it_rendered(cache, sent, show):
    types = queries.county_types(DATA)
    builds: list = []
    show(DATA, types, builds)
    assert builds == [1] and len(list(cache.glob("*.json"))) == 1
    mapview.clear()  # a new server process: nothing in memory, the file on disk
    show(DATA, types, builds)
    assert builds == [1]  # not rendered again
    first, second = sent
    for name in FIELDS:
        assert second[name] == first[name], name
    # and what a live render makes now, in this process, is the same to the byte
    live = mapview._render_map(lambda: maps.type_map(types, "zh", None, "none", "", height=600))
    assert (live.script, live.header, live.html) == (first["script"], first["header"], first["html"])
    assert len(first["script"]) > 10000 and "L.map(" in first["script"]


def test_a_changed_input_renders_the_map_again(cache, sent, show, tmp_path, monkeypatch):
    types = queries.county_types(DATA)
    builds: list = []
    show(DATA, types, builds)

    def shown_again(data=DATA, shown_types=None, lang="zh") -> bool:
        before = len(builds)
        mapview.clear()
        show(data, shown_types or queries.county_types(data), builds, lang)
        return len(builds) > before

    assert not shown_again()
    # the types drawn (an imported list of county-town types), the language
    statement = Classification(adcode="141027", type="agricultural", citation=Citation(document="x.txt", line_start=1, line_end=1))
    other = Dataset(inputs=DATA.inputs, classifications=[statement])
    assert shown_again(other)
    assert shown_again(lang="en")
    # a changed plan document (the dataset's inputs)
    assert shown_again(Dataset(inputs={"plans/a.txt": "1" * 16}))
    assert not shown_again()
    # a changed boundary file
    geodata = tmp_path / "geodata"
    shutil.copytree(settings.GEODATA_DIR, geodata)
    monkeypatch.setattr(settings, "GEODATA_DIR", geodata)
    mapcache.code_version.cache_clear()
    assert not shown_again()  # the same files in another folder
    with (geodata / "counties_web.geojson").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    mapcache.code_version.cache_clear()
    assert shown_again()
    # a changed line of the package's code
    package = tmp_path / "xiancheng"
    shutil.copytree(Path(mapcache.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(mapcache, "__file__", str(package / "mapcache.py"))
    mapcache.code_version.cache_clear()
    assert not shown_again()  # the same code in another folder
    (package / "maps.py").write_text((package / "maps.py").read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    mapcache.code_version.cache_clear()
    assert shown_again()
    # another folium
    import importlib.metadata

    real_version = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "99.0" if name == "folium" else real_version(name))
    mapcache.code_version.cache_clear()
    assert shown_again()


def test_an_unreadable_stored_map_is_rendered_and_written_again(cache, sent, show):
    types = queries.county_types(DATA)
    builds: list = []
    show(DATA, types, builds)
    (stored,) = cache.glob("*.json")
    stored.write_text('{"key": "', encoding="utf-8")  # cut off mid-write by a crash
    mapview.clear()
    show(DATA, types, builds)
    assert builds == [1, 1]
    assert json.loads(stored.read_text(encoding="utf-8"))["map"]["script"] == sent[0]["script"]


def test_the_cache_keeps_a_bounded_number_of_files(cache, monkeypatch):
    monkeypatch.setattr(mapcache, "KEEP_FILES", 3)
    for n in range(5):
        mapcache.write(("test", n), {"n": n})
    assert len(list(cache.glob("*.json"))) == 3
    assert mapcache.read(("test", 4)) == {"n": 4}


FIRST_OVERVIEW = """
import sys
from streamlit.testing.v1 import AppTest
from xiancheng.ui import serve
serve._plain_component_args()  # as the server does at start
app = AppTest.from_file(sys.argv[1], default_timeout=60)
app.run()
assert not app.exception, app.exception
maps = [e for e in app.get("bidi_component")]
assert len(maps) == 1 and maps[0].proto.component_name == "xiancheng.map", maps
print(",".join(m for m in ("folium", "streamlit_folium", "pandas", "branca") if m in sys.modules))
"""


def test_the_first_overview_of_a_restarted_server_imports_no_folium(tmp_path):
    """A server process whose overview map is stored shows its first overview without
    importing folium, st_folium's Python package or pandas; the process that rendered the
    map first did import them."""
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(settings.DATASET_PATH, build / "dataset.json")
    env = {**os.environ, "XIANCHENG_DATASET_PATH": str(build / "dataset.json")}
    runs = [
        subprocess.run([sys.executable, "-c", FIRST_OVERVIEW, str(ROOT / "app.py")], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=180)
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
    first, second = (run.stdout.strip().splitlines()[-1] if run.stdout.strip() else "" for run in runs)
    assert "folium" in first.split(",")
    assert second == "", second
    assert len(list((build / "maps").glob("*.json"))) == 1
