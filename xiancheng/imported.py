"""Imported values on the map and pages (issue 13): a plain snapshot of the store's current
imports, its indicator catalogue (统计值 / 目标值 / categories), values per unit in the same
IndicatorView the plan indicators use, classification statements from type lists, and the
compare view of the county page. No Streamlit, no folium; the store is read once per data version.
"""

from __future__ import annotations

import hashlib
import statistics
from dataclasses import dataclass, field

from . import geo
from .dataset import Citation, Classification
from .imports import Record
from .indicators import CITY_LEVEL, Indicator, IndicatorView, Period, UnitValue, normalise

NOT_IMPORTED = "not-imported"  # the import gives no value for this unit
CITATION_PREFIX = "import:"
KIND_ORDER = ("value", "target")


@dataclass(frozen=True)
class Value(Record):
    """A saved record (xiancheng.imports.Record): the import and version it belongs to."""

    batch: str = ""
    version: int = 0


# Record fields kept under the same name in the store's import_value table (row is sheet_row there).
_STORED_FIELDS = tuple(f for f in Record.__dataclass_fields__ if f != "row")


@dataclass(frozen=True)
class Batch:
    key: str
    version: int
    file_name: str
    sheet: str
    created_at: str
    created_by: str
    record_count: int
    rejected_count: int


@dataclass(frozen=True)
class Snapshot:
    values: tuple[Value, ...] = ()
    batches: dict[str, Batch] = field(default_factory=dict)
    cache: dict = field(default_factory=dict, compare=False, repr=False)


def snapshot(store) -> Snapshot:
    """The current version of every import, read from the store."""
    from .store import imports as stored

    batches = {b.key: Batch(b.key, b.version, b.file_name, b.sheet, b.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                            b.created_by, b.record_count, len(b.rejected or ())) for b in stored.batches(store)}
    values = tuple(Value(batch=v.batch_key, version=v.batch_version, row=v.sheet_row, **{f: getattr(v, f) for f in _STORED_FIELDS})
                   for v in stored.values(store))
    return Snapshot(values, batches)


def citation(snap: Snapshot, value: Value) -> Citation:
    """Where a value was read: the import, its version and the sheet row (file · sheet!cell in the quote)."""
    batch = snap.batches.get(value.batch)
    where = f"{batch.file_name} · {batch.sheet}!{value.cell}" if batch else value.cell
    shown = value.category if value.categorical else value.name_as_written
    return Citation(document=f"{CITATION_PREFIX}{value.batch}:{value.version}", line_start=value.row, line_end=value.row,
                    quote=f"{where}：{shown}" if shown else where)


def parse_citation(document: str) -> tuple[str, int] | None:
    """(batch key, version) of an import citation's document, None for a plan's."""
    if not document.startswith(CITATION_PREFIX):
        return None
    key, _, version = document[len(CITATION_PREFIX):].rpartition(":")
    return (key, int(version)) if version.isdigit() else None


def indicator_key(name: str, unit: str, kind: str, categorical: bool) -> str:
    digest = hashlib.sha1(f"{normalise(name)}|{normalise(unit)}|{kind}|{int(categorical)}".encode("utf-8")).hexdigest()
    return f"m-{digest[:10]}"


def _grouped(snap: Snapshot) -> dict[str, list[Value]]:
    if "grouped" not in snap.cache:
        grouped: dict[str, list[Value]] = {}
        for value in snap.values:
            grouped.setdefault(indicator_key(value.indicator, value.unit, value.kind, value.categorical), []).append(value)
        snap.cache["grouped"] = grouped
    return snap.cache["grouped"]


def catalogue(snap: Snapshot) -> dict[str, Indicator]:
    """Imported indicators: measured values (统计值) first, then targets (目标值), then categories."""
    if "catalogue" in snap.cache:
        return snap.cache["catalogue"]
    result = []
    for key, group in _grouped(snap).items():
        first = group[0]
        categorical = first.categorical
        periods = () if categorical else tuple(sorted({Period(v.year, v.kind) for v in group},
                                                      key=lambda p: (p.year or 0, p.kind)))
        result.append(Indicator(
            key=key, name=first.indicator, unit=first.unit,
            levels=tuple(level for level in ("county", "city", "province") if any(v.level == level for v in group)),
            periods=periods, kinds=(first.kind,), citations=tuple(citation(snap, v) for v in group[:50]),
            units_with_value=len({v.adcode for v in group}), source="import", categorical=categorical,
        ))
    result.sort(key=lambda i: (i.categorical, KIND_ORDER.index(i.kinds[0]) if i.kinds[0] in KIND_ORDER else 9,
                               -i.units_with_value, normalise(i.name)))
    snap.cache["catalogue"] = {i.key: i for i in result}
    return snap.cache["catalogue"]


def default_period(snap: Snapshot, key: str) -> Period | None:
    """The period with values for the most units; ties go to the latest year."""
    indicator = catalogue(snap)[key]
    if not indicator.periods:
        return None
    group = _grouped(snap)[key]
    return max(indicator.periods, key=lambda p: (len({v.adcode for v in group if Period(v.year, v.kind) == p}), p.year or 0))


def _unit(snap: Snapshot, adcode: str, level: str, found: list[Value]) -> UnitValue:
    numbers = list(dict.fromkeys(v.value for v in found))
    citations = tuple(citation(snap, v) for v in found)
    if len(numbers) > 1:  # two imports disagree: no number is invented
        from .classes import format_number
        from .indicators import CONFLICT

        return UnitValue(adcode, level, reason=CONFLICT, detail=" / ".join(format_number(n) for n in numbers), citations=citations)
    return UnitValue(adcode, level, numbers[0], citations=citations)


def values(snap: Snapshot, key: str, period: str | Period | None = None) -> IndicatorView:
    """A numeric imported indicator in one period for every county (city values kept on the city)."""
    indicator = catalogue(snap)[key]
    wanted = period if isinstance(period, Period) else Period.parse(period)
    if wanted not in indicator.periods:
        wanted = default_period(snap, key)
    cache_key = ("view", key, wanted)
    if cache_key in snap.cache:
        return snap.cache[cache_key]
    by_unit: dict[tuple[str, str], list[Value]] = {}
    for value in _grouped(snap)[key]:
        if wanted is None or Period(value.year, value.kind) == wanted:
            by_unit.setdefault((value.level, value.adcode), []).append(value)
    cities = {a: _unit(snap, a, "city", g) for (level, a), g in by_unit.items() if level == "city"}
    counties = {}
    for adcode, county in geo.counties().items():
        group = by_unit.get(("county", adcode))
        if group:
            counties[adcode] = _unit(snap, adcode, "county", group)
        elif county.city_adcode in cities:
            counties[adcode] = UnitValue(adcode, "county", reason=CITY_LEVEL, detail=geo.cities().get(county.city_adcode, ""),
                                         citations=cities[county.city_adcode].citations)
        else:
            counties[adcode] = UnitValue(adcode, "county", reason=NOT_IMPORTED)
    province_group = by_unit.get(("province", geo.PROVINCE_ADCODE))
    province = _unit(snap, geo.PROVINCE_ADCODE, "province", province_group) if province_group else None
    view = IndicatorView(indicator, wanted, counties, cities, province)
    snap.cache[cache_key] = view
    return view


@dataclass(frozen=True)
class CategoryView:
    """A categorical indicator: each county's category (with citation), the categories in order."""

    indicator: Indicator
    counties: dict[str, tuple[str, Citation] | None]
    categories: tuple[str, ...]


def categories(snap: Snapshot, key: str) -> CategoryView:
    indicator = catalogue(snap)[key]
    by_county: dict[str, tuple[str, Citation]] = {}
    counts: dict[str, int] = {}
    for value in _grouped(snap)[key]:
        if value.level == "county" and value.category:
            by_county[value.adcode] = (value.category, citation(snap, value))
    for category, _ in by_county.values():
        counts[category] = counts.get(category, 0) + 1
    order = tuple(sorted(counts, key=lambda c: (-counts[c], c)))
    return CategoryView(indicator, {a: by_county.get(a) for a in geo.counties()}, order)


def classifications(snap: Snapshot) -> list[Classification]:
    """Type statements from imported type lists (every category of the column names a type)."""
    from .imports import type_of_category

    result = []
    for group in _grouped(snap).values():
        if not group[0].categorical:
            continue
        typed = [(v, type_of_category(v.category)) for v in group if v.level == "county" and v.category]
        if not typed or not all(t for _, t in typed):
            continue
        for value, type_key in typed:
            result.append(Classification(adcode=value.adcode, type=type_key, statement_kind="import-list",
                                         citation=citation(snap, value)))
    return result


@dataclass(frozen=True)
class Comparison:
    """A county's value beside its city, the province and the counties of the same type."""

    indicator: Indicator
    period: Period | None
    county: UnitValue
    city: UnitValue | None
    province: UnitValue | None
    peers: tuple[str, ...]  # adcodes of the same-type counties with a value (the county itself included)
    peer_median: float | None
    peer_min: float | None
    peer_max: float | None


def compare(snap: Snapshot, key: str, adcode: str, same_type: list[str], period: Period | None = None) -> Comparison:
    view = values(snap, key, period)
    county = view.counties[adcode]
    city = view.cities.get(geo.counties()[adcode].city_adcode)
    peers = tuple(a for a in same_type if view.counties.get(a) is not None and view.counties[a].value is not None)
    numbers = [view.counties[a].value for a in peers]
    return Comparison(
        view.indicator, view.period, county, city, view.province, peers,
        statistics.median(numbers) if numbers else None, min(numbers) if numbers else None, max(numbers) if numbers else None,
    )


def county_values(snap: Snapshot, adcode: str) -> list[Value]:
    """Every imported value of one county, by indicator and year."""
    return sorted((v for v in snap.values if v.adcode == adcode),
                  key=lambda v: (v.categorical, v.kind, normalise(v.indicator), v.year or 0))
