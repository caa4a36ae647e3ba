"""The Shanxi boundaries in geodata/: counts, validity, topology, names, rebuild, bad files."""

import importlib.util
import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from xiancheng import geo

GEODATA = Path(__file__).resolve().parent.parent / "geodata"


def _shapes(name):
    features = json.loads((GEODATA / name).read_text(encoding="utf-8"))["features"]
    return [(f["properties"], shape(f["geometry"])) for f in features]


@pytest.fixture(scope="module")
def counties():
    return _shapes("counties.geojson")


@pytest.fixture(scope="module")
def province():
    (_, geom), = _shapes("province.geojson")
    return geom


def test_117_units_with_unique_six_digit_adcodes(counties):
    adcodes = [p["adcode"] for p, _ in counties]
    assert len(adcodes) == 117
    assert len(set(adcodes)) == 117
    assert all(len(a) == 6 and a.startswith("14") and a.isdigit() for a in adcodes)


def test_eleven_cities_and_each_county_names_its_city(counties):
    cities = {p["adcode"]: p["name"] for p, _ in _shapes("cities.geojson")}
    assert len(cities) == 11
    assert cities["140800"] == "运城市"
    for props, _ in counties:
        assert props["city_adcode"] == props["adcode"][:4] + "00"
        assert props["city_name"] == cities[props["city_adcode"]]


def test_kinds_follow_the_adcode_and_name(counties):
    kinds = {p["adcode"]: p["kind"] for p, _ in counties}
    assert kinds["140826"] == "县"  # 绛县
    assert kinds["140881"] == "县级市"  # 永济市
    assert kinds["140802"] == "市辖区"  # 盐湖区
    assert kinds["140404"] == "市辖区"  # 上党区, formerly 长治县
    assert sorted(set(kinds.values())) == ["县", "县级市", "市辖区"]
    assert sum(k == "县级市" for k in kinds.values()) == 11
    assert sum(k == "市辖区" for k in kinds.values()) == 26


@pytest.mark.parametrize("name", ["counties.geojson", "cities.geojson", "province.geojson", "counties_web.geojson", "cities_web.geojson"])
def test_geometries_are_valid_and_wgs84(name):
    for props, geom in _shapes(name):
        assert geom.is_valid, props
        x0, y0, x1, y1 = geom.bounds
        assert 110 < x0 < x1 < 115 and 34 < y0 < y1 < 41, props  # degrees, not metres


def test_counties_do_not_overlap(counties):
    geoms = [g for _, g in counties]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    worst = 0.0
    for i, j in zip(left, right):
        if i < j:
            worst = max(worst, geoms[i].intersection(geoms[j]).area)
    assert worst < 1e-7  # square degrees: about 1000 m²


def test_union_of_counties_equals_the_province(counties, province):
    union = shapely.union_all([g for _, g in counties])
    assert union.symmetric_difference(province).area < 1e-6 * province.area


def test_every_county_lies_in_its_city(counties):
    cities = {p["adcode"]: g for p, g in _shapes("cities.geojson")}
    for props, geom in counties:
        city = cities[props["city_adcode"]]
        assert geom.difference(city).area < 1e-6 * geom.area, props["name"]


def test_web_copy_still_tiles_the_province(province):
    web = [g for _, g in _shapes("counties_web.geojson")]
    assert len(web) == 117
    union = shapely.union_all(web)
    assert abs(union.area - province.area) < 2e-3 * province.area


def test_the_two_chengqu_are_distinct_records():
    units = geo.counties()
    assert units["140302"].name == units["140502"].name == "城区"
    assert units["140302"].city_name == "阳泉市"
    assert units["140502"].city_name == "晋城市"


@pytest.mark.parametrize(
    "name, city, expected",
    [
        ("城区", "140500", "140502"),
        ("城区", "140300", "140302"),
        ("城区", None, None),  # ambiguous without a city
        ("临猗", None, "140821"),
        ("长治县", None, "140404"),
        ("大同县", None, "140215"),
        ("太谷县", None, "140703"),
        ("怀仁县", None, "140681"),
        ("绛县", None, "140826"),
        ("新绛县", None, "140825"),
        ("运城市", None, "140800"),
        ("不存在县", None, None),
    ],
)
def test_resolve_names_and_aliases(name, city, expected):
    assert geo.resolve(name, city) == expected


def _load_build_module():
    spec = importlib.util.spec_from_file_location("geodata_build", GEODATA / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_is_deterministic_and_matches_the_committed_files(tmp_path):
    build = _load_build_module()
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    build.build(first)
    build.build(second)
    for path in [*first.glob("*.geojson"), first / geo.COUNTY_FACTS_FILE]:
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name
        assert path.read_bytes() == (GEODATA / path.name).read_bytes(), f"{path.name} is stale: run python geodata/build.py"


def test_missing_file_names_the_file_and_the_rebuild_command(tmp_path):
    with pytest.raises(geo.GeodataError) as error:
        geo._read_geojson("counties.geojson", tmp_path)
    assert "counties.geojson" in str(error.value)
    assert "python geodata/build.py" in str(error.value)


@pytest.mark.parametrize("content", ["", "{not json", '{"type": "FeatureCollection"}', '{"features": []}'])
def test_corrupt_file_names_the_file_and_the_rebuild_command(tmp_path, content):
    (tmp_path / "counties.geojson").write_text(content, encoding="utf-8")
    with pytest.raises(geo.GeodataError) as error:
        geo._read_geojson("counties.geojson", tmp_path)
    assert str(tmp_path / "counties.geojson") in str(error.value)
    assert "python geodata/build.py" in str(error.value)


def test_county_facts_come_from_the_committed_file_without_shapely():
    """The first page a server shows places labels and fits bounds from county_facts.json:
    no shapely import, no polylabel (checked in a fresh interpreter)."""
    import subprocess
    import sys

    code = (
        "import sys; from xiancheng import geo, maps\n"
        "points = maps.label_points(); box = maps.bounds_of(geo.counties_of_city('140800'))\n"
        "assert 'shapely' not in sys.modules, 'shapely imported'\n"
        "print(points['140821'], box)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    lat, lng = json.loads(out.split(")")[0].replace("(", "[") + "]")
    assert 34.6 < lat < 35.5 and 110.2 < lng < 111.2  # 临猗县, in 运城's south-west


def test_county_facts_match_shapely_and_a_stale_file_is_not_used(tmp_path, monkeypatch):
    computed = geo.compute_county_facts()
    stored = json.loads((GEODATA / geo.COUNTY_FACTS_FILE).read_text(encoding="utf-8"))
    assert stored == json.loads(json.dumps(computed))
    assert len(stored["counties"]) == 117
    linyi = stored["counties"]["140821"]
    (_, geom), = [(p, g) for p, g in _shapes("counties.geojson") if p["adcode"] == "140821"]
    assert geom.contains(shapely.Point(linyi["label"][1], linyi["label"][0]))
    # Boundaries replaced (a county moved) without rebuilding the facts: the file is ignored.
    for path in GEODATA.glob("*.geojson"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / geo.COUNTY_FACTS_FILE).write_bytes((GEODATA / geo.COUNTY_FACTS_FILE).read_bytes())
    web = json.loads((tmp_path / "counties_web.geojson").read_text(encoding="utf-8"))
    moved = next(f for f in web["features"] if f["properties"]["adcode"] == "140821")
    moved["geometry"] = {"type": "Polygon", "coordinates": [[[112.0, 37.0], [112.1, 37.0], [112.1, 37.1], [112.0, 37.1], [112.0, 37.0]]]}
    (tmp_path / "counties_web.geojson").write_text(json.dumps(web), encoding="utf-8")
    monkeypatch.setattr(geo, "GEODATA_DIR", tmp_path)
    geo.county_facts.cache_clear()
    try:
        assert geo.county_facts()["140821"]["bounds"] == [112.0, 37.0, 112.1, 37.1]
    finally:
        geo.county_facts.cache_clear()
