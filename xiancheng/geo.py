"""Shanxi boundaries and county names: loading, the alias table, name → adcode resolution."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .settings import GEODATA_DIR

REBUILD_HINT = "python geodata/build.py"
# CGCS2000 / 3-degree Gauss-Kruger CM 111E: Shanxi spans 110.2E-114.6E, so one zone keeps
# shapes true for static maps (plate carree would stretch the province east-west).
PROJECTED_CRS = "EPSG:4546"
PROVINCE_ADCODE = "140000"


class GeodataError(RuntimeError):
    """A boundary file is missing or unreadable; the message says how to rebuild it."""


@dataclass(frozen=True)
class County:
    adcode: str
    name: str
    city_adcode: str
    city_name: str
    kind: str  # 市辖区 / 县 / 县级市


def _read_geojson(name: str, geodata_dir: Path | None = None) -> dict:
    path = Path(geodata_dir or GEODATA_DIR) / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        features = data["features"]
    except FileNotFoundError:
        raise GeodataError(f"缺少边界文件 {path}。请运行 `{REBUILD_HINT}` 重新生成。 (missing geodata file {path}; rebuild with `{REBUILD_HINT}`)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise GeodataError(f"边界文件 {path} 已损坏（{exc}）。请运行 `{REBUILD_HINT}` 重新生成。 (corrupt geodata file {path}: {exc}; rebuild with `{REBUILD_HINT}`)") from None
    if not features:
        raise GeodataError(f"边界文件 {path} 没有要素。请运行 `{REBUILD_HINT}`。 (geodata file {path} has no features; rebuild with `{REBUILD_HINT}`)")
    return data


@lru_cache(maxsize=8)
def geojson_text(name: str) -> str:
    """The raw text of a geodata file (validated once), for sending to the browser."""
    _read_geojson(name)
    return (GEODATA_DIR / name).read_text(encoding="utf-8")


def read_frame(name: str = "counties.geojson", geodata_dir: Path | None = None):
    """A GeoDataFrame of one geodata file (EPSG:4326)."""
    import geopandas as gpd

    data = _read_geojson(name, geodata_dir)
    frame = gpd.GeoDataFrame.from_features(data["features"], crs="EPSG:4326")
    return frame


@lru_cache(maxsize=1)
def counties() -> dict[str, County]:
    """All 117 county-level units keyed by adcode."""
    data = _read_geojson("counties.geojson")
    return {
        f["properties"]["adcode"]: County(**{k: f["properties"][k] for k in County.__dataclass_fields__})
        for f in data["features"]
    }


# Per county, what a map places with it, computed with shapely from the boundary files by
# geodata/build.py (`make geodata`) and kept beside them: reading it costs ~1 ms, computing
# it (shapely's import, 117 polylabels) ~0.3 s of CPU on the first page a server shows.
COUNTY_FACTS_FILE = "county_facts.json"
_FACT_SOURCES = ("counties.geojson", "counties_web.geojson")


def compute_county_facts(geodata_dir: Path | None = None) -> dict:
    """{"sources": hashes of the files they come from, "counties": adcode → {"label": [lat, lng]
    of a point well inside (pole of inaccessibility of the largest part, full geometry),
    "area": area of the web shape (square degrees), "bounds": [west, south, east, north]
    of the web shape}}."""
    from shapely.geometry import shape
    from shapely.ops import polylabel

    facts: dict[str, dict] = {}
    for feature in _read_geojson("counties.geojson", geodata_dir)["features"]:
        geom = shape(feature["geometry"])
        part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        point = polylabel(part, tolerance=0.002)
        facts[feature["properties"]["adcode"]] = {"label": [round(point.y, 4), round(point.x, 4)]}
    for feature in _read_geojson("counties_web.geojson", geodata_dir)["features"]:
        geom = shape(feature["geometry"])
        facts[feature["properties"]["adcode"]].update(area=geom.area, bounds=list(geom.bounds))
    return {"sources": _fact_sources(geodata_dir), "counties": facts}


def _fact_sources(geodata_dir: Path | None = None) -> dict[str, str]:
    import hashlib

    folder = Path(geodata_dir or GEODATA_DIR)
    sources = {}
    for name in _FACT_SOURCES:
        try:
            sources[name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()[:16]
        except OSError:
            sources[name] = ""
    return sources


@lru_cache(maxsize=1)
def county_facts() -> dict[str, dict]:
    """compute_county_facts()["counties"], read from county_facts.json when it was computed
    from the boundary files as they are now; computed here otherwise (boundaries replaced
    without `make geodata`), so a stale file is never used."""
    try:
        stored = json.loads((GEODATA_DIR / COUNTY_FACTS_FILE).read_text(encoding="utf-8"))
        if stored["sources"] == _fact_sources() and set(stored["counties"]) == set(counties()):
            return stored["counties"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return compute_county_facts()["counties"]


def write_county_facts(geodata_dir: Path | None = None) -> str:
    """Write county_facts.json (same bytes every time); returns a short hash of its text."""
    import hashlib

    folder = Path(geodata_dir or GEODATA_DIR)
    text = json.dumps(compute_county_facts(folder), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    (folder / COUNTY_FACTS_FILE).write_text(text + "\n", encoding="utf-8")
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@lru_cache(maxsize=1)
def cities() -> dict[str, str]:
    """The 11 cities: adcode → name."""
    data = _read_geojson("cities.geojson")
    return {f["properties"]["adcode"]: f["properties"]["name"] for f in data["features"]}


def counties_of_city(city_adcode: str) -> list[str]:
    return [c.adcode for c in counties().values() if c.city_adcode == city_adcode]


def place_name(adcode: str) -> str:
    """Display name of a county, city or the province (city prefix for ambiguous names)."""
    if adcode == PROVINCE_ADCODE:
        return "山西省"
    if adcode in cities():
        return cities()[adcode]
    county = counties().get(adcode)
    if county is None:
        return adcode
    return county.name


def full_name(adcode: str) -> str:
    county = counties().get(adcode)
    return f"{county.city_name}{county.name}" if county else place_name(adcode)


@lru_cache(maxsize=1)
def aliases() -> list[tuple[str, str, str]]:
    """(alias, adcode, note) rows from geodata/aliases.csv: short names and renamed units."""
    path = GEODATA_DIR / "aliases.csv"
    with path.open(encoding="utf-8") as handle:
        return [(row["alias"], row["adcode"], row["note"]) for row in csv.DictReader(handle)]


# Names that several cities have (or had) for a unit: 城区 (阳泉, 晋城; 大同 and 长治 before
# 2018), 矿区 (阳泉; 大同 before 2018), 郊区 (阳泉; 长治 before 2018). A bare one means the
# unit of the document's own city, never another city's.
GENERIC_NAMES = frozenset({"城区", "矿区", "郊区"})


def _name_index() -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for county in counties().values():
        index.setdefault(county.name, []).append(county.adcode)
        index.setdefault(county.city_name + county.name, []).append(county.adcode)
        # Short names (临猗县 → 临猗) only for names of three or more characters: a
        # one-character stem (古, 绛, 夏) is too common in running text to mean a county.
        if len(county.name) >= 3 and county.name not in GENERIC_NAMES:
            index.setdefault(county.name[:-1], []).append(county.adcode)
    for alias, adcode, _ in aliases():
        index.setdefault(alias, []).append(adcode)
    for adcode, name in cities().items():
        index.setdefault(name, []).append(adcode)
    return index


@lru_cache(maxsize=1)
def name_index() -> dict[str, tuple[str, ...]]:
    return {k: tuple(dict.fromkeys(v)) for k, v in _name_index().items()}


def resolve(name: str, city_adcode: str | None = None) -> str | None:
    """Adcode for a county/city name, or None if unknown or ambiguous.

    Names repeat inside Shanxi (城区 is 140302 in 阳泉 and 140502 in 晋城): a mention is
    resolved relative to the city of the document that makes it, first as that city's own
    name ("长治市" + "郊区" → 潞州区 through the alias table). A generic name (城区, 矿区,
    郊区) never resolves outside that city: in a 长治 plan 郊区 is 潞州区, in a 运城 or a
    province plan it stays unresolved, and it is never 阳泉's 郊区 by default.
    """
    name = name.strip()
    index = name_index()
    city_name = cities().get(city_adcode or "")
    if city_name and not name.startswith(city_name):
        qualified = index.get(city_name + name, ())
        if len(qualified) == 1:
            return qualified[0]
    candidates = index.get(name, ())
    if name in GENERIC_NAMES:
        return None
    if len(candidates) == 1:
        return candidates[0]
    if city_adcode:
        local = [c for c in candidates if c[:4] == city_adcode[:4]]
        if len(local) == 1:
            return local[0]
    return None


# --- names as officials write them in their own tables (issue 13): yearbook padding
# ("祁  县"), a province or city prefix, short city names ("运城盐湖区"), adcodes, old names
# (aliases.csv), and 城区/矿区/郊区 only with the city given beside them or in front.

PROVINCE_NAMES = frozenset({"山西省", "山西", "全省"})
TOTAL_NAMES = frozenset({"合计", "总计", "小计", "全县", "总数", "全部", "汇总"})


@dataclass(frozen=True)
class UnitMatch:
    """What a unit name in a table means: an adcode and level, or why there is none."""

    adcode: str | None
    level: str = ""  # county / city / province
    reason: str = ""  # "" when resolved; unresolved / ambiguous / total / city-mismatch
    detail: str = ""


def squeeze(text) -> str:
    """NFKC and no whitespace at all (yearbooks pad two-character names: "祁　县")."""
    import re
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


@lru_cache(maxsize=1)
def _city_lookup() -> dict[str, str]:
    lookup = {}
    for adcode, name in cities().items():
        lookup[name] = adcode
        lookup[name.removesuffix("市")] = adcode
    return lookup


def city_of_name(text) -> str | None:
    """A city's adcode from "运城市", "运城", "140800" (None otherwise)."""
    name = squeeze(text).removeprefix("山西省")
    if name.endswith(".0"):
        name = name[:-2]
    if name in cities():
        return name
    return _city_lookup().get(name)


def _level(adcode: str) -> str:
    if adcode == PROVINCE_ADCODE:
        return "province"
    return "city" if adcode in cities() else "county"


def resolve_unit(text, city=None) -> UnitMatch:
    """Resolve a unit name as written in a statistics table (cached: a sheet repeats its names)."""
    return _resolve_unit(text, city)


@lru_cache(maxsize=8192)
def _resolve_unit(text, city=None) -> UnitMatch:
    """Resolve a unit name as written in a statistics table; `city` is the city column's cell.

    Resolved: county, city or province. Not resolved, with the reason: unknown name
    ("unresolved"), a name several units share and nothing says which ("ambiguous": 城区
    without a city), a total row ("total": 合计, 全市 without a city), or a county that is
    not in the city written beside it ("city-mismatch").
    """
    raw = squeeze(text)
    name = raw.removeprefix("山西省") or raw
    if name.endswith(".0") and name[:-2].isdigit():
        name = name[:-2]
    if not name:
        return UnitMatch(None, reason="unresolved", detail="")
    city_adcode = city_of_name(city) if city not in (None, "") else None
    if city not in (None, "") and city_adcode is None and squeeze(city) not in PROVINCE_NAMES:
        return UnitMatch(None, reason="unresolved", detail=f"city {squeeze(city)}")
    if name.isdigit() and len(name) == 6:
        if name == PROVINCE_ADCODE or name in cities() or name in counties():
            return UnitMatch(name, _level(name))
        return UnitMatch(None, reason="unresolved", detail=name)
    if name in PROVINCE_NAMES:
        return UnitMatch(PROVINCE_ADCODE, "province")
    if name in TOTAL_NAMES:
        return UnitMatch(None, reason="total", detail=name)
    if name in ("全市", "市本级", "市区"):
        if city_adcode and name == "全市":
            return UnitMatch(city_adcode, "city")
        return UnitMatch(None, reason="total" if name == "全市" else "ambiguous", detail=name)
    if name in _city_lookup() and not (city_adcode and _city_lookup()[name] != city_adcode):
        return UnitMatch(_city_lookup()[name], "city")
    # "运城盐湖区": a short city name in front
    if city_adcode is None:
        for short, adcode in _city_lookup().items():
            if name.startswith(short) and len(name) > len(short) and not name.startswith(cities()[adcode]) \
                    and squeeze(name[len(short):]) in name_index():
                return _resolve_unit(name[len(short):], adcode)
    city_name = cities().get(city_adcode or "", "")
    if city_name and name.startswith(city_name) and len(name) > len(city_name):
        name = name[len(city_name):]
    if city_adcode and name in (city_name, city_name.removesuffix("市")):
        return UnitMatch(city_adcode, "city")
    adcode = resolve(name, city_adcode)
    if adcode is None:
        candidates = name_index().get(name, ())
        if name in GENERIC_NAMES or len(candidates) > 1:
            where = "、".join(full_name(c) for c in candidates if c in counties()) or name
            return UnitMatch(None, reason="ambiguous", detail=where)
        return UnitMatch(None, reason="unresolved", detail=name)
    if city_adcode and adcode[:4] != city_adcode[:4]:
        return UnitMatch(None, reason="city-mismatch", detail=f"{full_name(adcode)} / {city_name}")
    return UnitMatch(adcode, _level(adcode))
