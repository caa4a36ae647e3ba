"""The indicator catalogue: targets and values from the plans, plus counts derived per county.

Rules (issue 4), each one a way of not inventing numbers:

- An indicator is one normalised name with one unit. Names are merged only when they are
  identical after Unicode NFKC (full-width → half-width) and whitespace removal:
  "县级公益性安葬（放）设施覆盖率" and "县级公益性安葬(放)设施覆盖率" are one indicator,
  "全县常住人口城镇化率" and "常住人口城镇化率" are two (we do not guess that they match).
- A growth-rate column of an indicator table (comparator "规划目标年均或累计增长目标(%)",
  "年均增长/累计", ...) is a different measure from the indicator's level, so it is its own
  indicator named "<name>（<column>）".
- A city-level value stays on the city (`IndicatorView.cities`); its counties get no value,
  with the reason CITY_LEVEL. A province-level value (a 晋政发 plan's target for Shanxi)
  stays on the province (`IndicatorView.province`); counties with no value of their own or
  of their city get the reason PROVINCE_LEVEL, never the province's number.
- A period is a year together with the kind of figure (target / baseline / value): the
  2020 baseline of a 2021–2025 table and the 2020 target of a 2016–2020 table are different
  numbers for the same year.
- Derived county indicators (tasks, projects, investment, key towns, characteristic towns)
  have a value only where a loaded plan lists that kind of record for the county; a county
  no plan covers has None with the reason NOT_COVERED, never 0.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from . import geo
from .dataset import Citation, Dataset, Target

# Reasons a unit has no value (i18n: "indicators.reason.<code>").
NOT_COVERED = "not-covered"  # no loaded document is a plan for this unit or its city
NOT_LISTED = "not-listed"  # a plan covers the unit but gives nothing for this indicator
NO_NUMBER = "no-number"  # the document states the target in words only (detail: its text)
CITY_LEVEL = "city-level"  # only the city has a value (detail: the city's name)
PROVINCE_LEVEL = "province-level"  # only the province has a value (detail: 山西省)
CONFLICT = "conflict"  # documents give different numbers (detail: "a / b")
UNPRICED = "unpriced"  # projects apply but none states its investment (detail: how many)

DERIVED_PREFIX = "derived-"
DERIVED_KEYS = (
    "derived-tasks",
    "derived-tasks-own",
    "derived-tasks-city",
    "derived-projects",
    "derived-projects-own",
    "derived-projects-city",
    "derived-investment",
    "derived-key-towns",
    "derived-characteristic-towns",
)
# Town kinds counted: 重点镇 ("key-town") and 特色小镇 ("characteristic-town"), each its own
# indicator. "pilot-county" records name a county (新绛县 as 试点县), not a town: not counted.
_TOWN_KIND = {"derived-key-towns": "key-town", "derived-characteristic-towns": "characteristic-town"}
# Tasks and projects counted three ways: the county's own plan, the wider (city) plans that
# reach it, and both; a city plan's tasks counted once per county make every county alike.
_SPLIT = {
    "derived-tasks-own": ("derived-tasks", True),
    "derived-tasks-city": ("derived-tasks", False),
    "derived-projects-own": ("derived-projects", True),
    "derived-projects-city": ("derived-projects", False),
}
_DERIVED_UNITS = {
    "derived-tasks": "项",
    "derived-tasks-own": "项",
    "derived-tasks-city": "项",
    "derived-projects": "个",
    "derived-projects-own": "个",
    "derived-projects-city": "个",
    "derived-investment": "亿元",
    "derived-key-towns": "个",
    "derived-characteristic-towns": "个",
}
_DERIVED_NAMES = {
    "derived-tasks": "适用任务数（合计）",
    "derived-tasks-own": "适用任务数（本县规划）",
    "derived-tasks-city": "适用任务数（市级规划）",
    "derived-projects": "涉及项目数（合计）",
    "derived-projects-own": "涉及项目数（本县规划）",
    "derived-projects-city": "涉及项目数（市级规划）",
    "derived-investment": "计划投资合计",
    "derived-key-towns": "重点镇数量",
    "derived-characteristic-towns": "特色小镇数量",
}
KINDS = ("target", "baseline", "value")


def normalise(text: str) -> str:
    """NFKC (full-width → half-width) and no whitespace: the form names are compared in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def indicator_key(name: str, unit: str) -> str:
    """A stable key from the normalised name and unit ("t-" + 10 hex digits of sha1)."""
    digest = hashlib.sha1(f"{normalise(name)}|{normalise(unit)}".encode("utf-8")).hexdigest()
    return f"t-{digest[:10]}"


def _growth_column(target: Target) -> str:
    """The table column of a growth-rate figure, or "" when the target is the indicator's level."""
    return target.comparator if "增长" in target.comparator else ""


def target_name(target: Target) -> str:
    column = _growth_column(target)
    return f"{target.indicator}（{column}）" if column else target.indicator


@dataclass(frozen=True, order=True)
class Period:
    """A year (None: not stated) and the kind of figure; token is what the URL carries."""

    year: int | None
    kind: str = "target"

    @property
    def token(self) -> str:
        return f"{self.year if self.year is not None else 'none'}-{self.kind}"

    @classmethod
    def parse(cls, token: str | None) -> "Period | None":
        match = re.fullmatch(r"(\d{4}|none)-(target|baseline|value)", token or "", re.ASCII)
        if not match:
            return None
        year, kind = match.groups()
        return cls(None if year == "none" else int(year), kind)


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str  # Chinese, as first written (derived: our own name, translated by display_name)
    unit: str
    levels: tuple[str, ...]  # "county", "city" and/or "province"
    periods: tuple[Period, ...]  # empty for derived indicators (they have no year)
    kinds: tuple[str, ...]
    citations: tuple[Citation, ...]  # every record behind it (derived: the documents' title lines)
    derived: bool = False
    units_with_value: int = 0  # counties + cities with a number in any period
    category: str = ""
    attribute: str = ""  # 预期性 / 约束性 when a table says so
    source: str = "plan"  # "plan" (the documents) / "import" (a table imported into the store, xiancheng.imported)
    categorical: bool = False  # imported: a category per unit instead of a number

    @property
    def documents(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.document for c in self.citations))


@dataclass(frozen=True)
class UnitValue:
    """One county's or city's value, or None with the reason there is none."""

    adcode: str
    level: str  # "county" / "city" / "province"
    value: float | None = None
    value_text: str = ""  # as printed ("达到 46%"), for targets
    reason: str = ""  # "" when value is set; else one of the reason codes above
    detail: str = ""  # words for the reason (a document's wording, a city name, "55 / 58")
    citations: tuple[Citation, ...] = ()
    notes: tuple[tuple[str, int], ...] = ()  # ("unpriced", 3): i18n "indicators.note.<code>"


@dataclass(frozen=True)
class IndicatorView:
    """An indicator in one period: every county, the cities and the province where they have a value."""

    indicator: Indicator
    period: Period | None
    counties: dict[str, UnitValue]  # all 117 units
    cities: dict[str, UnitValue] = field(default_factory=dict)  # only cities with a record
    province: UnitValue | None = None  # only when a province plan has a record

    def county_values(self) -> dict[str, float]:
        return {a: u.value for a, u in self.counties.items() if u.value is not None}

    def city_values(self) -> dict[str, float]:
        return {a: u.value for a, u in self.cities.items() if u.value is not None}


# --------------------------------------------------------------------------- catalogue

# Keyed by id(dataset), holding the dataset itself so the id is not reused while cached.
_CACHE: dict[int, tuple[Dataset, dict]] = {}


def _cached(dataset: Dataset) -> dict:
    hit = _CACHE.get(id(dataset))
    if hit is not None and hit[0] is dataset:
        return hit[1]
    if len(_CACHE) >= 4:
        # Sessions run in threads: another one may have evicted the same entry already.
        _CACHE.pop(next(iter(_CACHE), None), None)
    store: dict = {}
    _CACHE[id(dataset)] = (dataset, store)
    return store


def _targets_by_key(dataset: Dataset) -> dict[str, list[Target]]:
    store = _cached(dataset)
    if "targets" not in store:
        grouped: dict[str, list[Target]] = {}
        for target in dataset.targets:
            grouped.setdefault(indicator_key(target_name(target), target.unit), []).append(target)
        store["targets"] = grouped
    return store["targets"]


def catalogue(dataset: Dataset) -> dict[str, Indicator]:
    """Every indicator: derived ones first, then those with county values, then city-only.

    Within a group, the indicators reaching more units come first, then by name.
    """
    store = _cached(dataset)
    if "catalogue" in store:
        return store["catalogue"]
    result: list[Indicator] = []
    title_citations = {d.document: d.citation for d in dataset.documents}
    for key in DERIVED_KEYS:
        derived = _derived_values(dataset, key)
        documents = sorted({c.document for u in derived.values() for c in u.citations})
        result.append(
            Indicator(
                key=key,
                name=_DERIVED_NAMES[key],
                unit=_DERIVED_UNITS[key],
                levels=("county",),
                periods=(),
                kinds=("value",),
                citations=tuple(title_citations[d] for d in documents if d in title_citations),
                derived=True,
                units_with_value=sum(u.value is not None for u in derived.values()),
            )
        )
    from . import progress_map  # progress indicators (issue 14): values from the store's reports

    if dataset.tasks or dataset.projects:
        result.extend(progress_map.catalogue_entries(dataset))
    targets = []
    for key, records in _targets_by_key(dataset).items():
        first = records[0]
        periods = sorted({Period(t.year, t.kind) for t in records}, key=_period_order)
        units = {(t.scope_level, t.scope_adcode) for t in records if t.value is not None}
        targets.append(
            Indicator(
                key=key,
                name=target_name(first),
                unit=first.unit,
                levels=tuple(level for level in ("county", "city", "province") if any(t.scope_level == level for t in records)),
                periods=tuple(periods),
                kinds=tuple(k for k in KINDS if any(t.kind == k for t in records)),
                citations=tuple(t.citation for t in records),
                units_with_value=len(units),
                category=first.category,
                attribute=first.attribute,
            )
        )
    targets.sort(key=lambda i: ("county" not in i.levels, -i.units_with_value, normalise(i.name)))
    store["catalogue"] = {i.key: i for i in result + targets}
    return store["catalogue"]


def _period_order(period: Period) -> tuple:
    return (period.year if period.year is not None else 0, KINDS.index(period.kind))


DEFAULT_MIN_UNITS = 5  # a default map with fewer counties than this says little


def spread(numbers: list[float]) -> float:
    """Quartile coefficient of dispersion, (Q3 − Q1) / (Q3 + Q1): 0 when most values are alike."""
    import statistics

    if len(numbers) < 2:
        return 0.0
    q1, _, q3 = statistics.quantiles(numbers, n=4, method="inclusive")
    return (q3 - q1) / (q3 + q1) if q3 + q1 else 0.0


def default_key(dataset: Dataset) -> str:
    """The derived indicator on which counties differ most (spread), among those with values
    for at least DEFAULT_MIN_UNITS counties; else the one with the most counties.

    A count that is mostly one city plan's tasks repeated per county (69, 70, 71, …) makes a
    map of near-equal counties; it is still there to pick, not the first thing shown.
    """
    indicators = list(catalogue(dataset).values())
    # Progress indicators change with every report: never the page's default.
    derived = [i for i in indicators if i.derived and not progress_map_key(i.key)]
    if not derived:
        return indicators[0].key

    def numbers(indicator) -> list[float]:
        return [u.value for u in _derived_values(dataset, indicator.key).values() if u.value is not None]

    wide = [i for i in derived if i.units_with_value >= DEFAULT_MIN_UNITS]
    if wide:
        return max(wide, key=lambda i: (round(spread(numbers(i)), 6), i.units_with_value)).key
    return max(derived, key=lambda i: i.units_with_value).key


def default_period(dataset: Dataset, key: str) -> Period | None:
    """The period with numbers for the most units; ties go to the latest year, targets first."""
    indicator = catalogue(dataset)[key]
    if not indicator.periods:
        return None
    records = _targets_by_key(dataset)[key]

    def score(period: Period) -> tuple:
        units = {(t.scope_level, t.scope_adcode) for t in records if Period(t.year, t.kind) == period and t.value is not None}
        return (len(units), period.year or 0, -KINDS.index(period.kind))

    return max(indicator.periods, key=score)


# --------------------------------------------------------------------------- values


def _related_documents(dataset: Dataset) -> dict[str, list[str]]:
    """Per county: the loaded plans for it or for its city (the plans that could cover it)."""
    store = _cached(dataset)
    if "related" not in store:
        related: dict[str, list[str]] = {}
        for adcode, county in geo.counties().items():
            related[adcode] = [
                d.document for d in dataset.documents if d.scope_adcode in (adcode, county.city_adcode)
            ]
        store["related"] = related
    return store["related"]


def _no_value(dataset: Dataset, adcode: str) -> UnitValue:
    covered = bool(_related_documents(dataset).get(adcode))
    return UnitValue(adcode, "county", reason=NOT_LISTED if covered else NOT_COVERED)


def _derived_values(dataset: Dataset, key: str) -> dict[str, UnitValue]:
    store = _cached(dataset)
    cache_key = ("derived", key)
    if cache_key in store:
        return store[cache_key]
    documents = dataset.documents_by_name
    base, own_plan = _SPLIT.get(key, (key, None))
    if base == "derived-tasks":
        records = [(t, t.document, tuple(t.adcodes)) for t in dataset.tasks]
    elif base in ("derived-projects", "derived-investment"):
        records = [(p, p.citation.document, tuple(p.adcodes)) for p in dataset.projects]
    elif key in _TOWN_KIND:
        records = [(t, t.citation.document, (t.adcode,)) for t in dataset.towns if t.kind == _TOWN_KIND[key]]
    else:
        raise KeyError(f"unknown derived indicator {key!r}")
    applying: dict[str, list] = {}
    for record, document, adcodes in records:
        for adcode in adcodes:
            applying.setdefault(adcode, []).append((record, document))
    listing = {document for _, document, _ in records}
    result = {}
    for adcode in geo.counties():
        mine = applying.get(adcode, [])
        if own_plan is not None:  # own: the county's own plans; city: every other plan reaching it
            mine = [(r, d) for r, d in mine if (d in documents and documents[d].scope_adcode == adcode) == own_plan]
            if not mine and not own_plan:
                result[adcode] = _no_value(dataset, adcode)
                continue
        # A plan covers the county for this indicator when it is the county's own plan and
        # lists such records at all, or a city plan whose records reach the county.
        own_listing = [
            d for d in listing if d in documents and documents[d].scope_level == "county" and documents[d].scope_adcode == adcode
        ]
        if not mine and not own_listing:
            result[adcode] = _no_value(dataset, adcode)
            continue
        by_document: dict[str, int] = {}
        for _, document in mine:
            by_document[document] = by_document.get(document, 0) + 1
        cited_docs = sorted(set(by_document) | set(own_listing))
        citations = tuple(documents[d].citation for d in cited_docs if d in documents)
        if key in _TOWN_KIND:
            citations = tuple(dict.fromkeys(record.citation for record, _ in mine)) or citations
        if key == "derived-investment":
            result[adcode] = _investment(adcode, [record for record, _ in mine], citations)
        else:
            result[adcode] = UnitValue(adcode, "county", float(len(mine)), citations=citations)
    store[cache_key] = result
    return result


def _investment(adcode: str, projects: list, citations: tuple) -> UnitValue:
    """Sum of stated investments of the projects for this county alone.

    A project listed for several counties states one amount for all of them; splitting it
    would invent numbers, so it is left out of every county's sum and counted in a note.
    """
    priced = [p for p in projects if p.investment_yi is not None and len(p.adcodes) == 1]
    shared = [p for p in projects if p.investment_yi is not None and len(p.adcodes) > 1]
    unpriced = [p for p in projects if p.investment_yi is None]
    notes = tuple((code, n) for code, n in (("unpriced", len(unpriced)), ("shared", len(shared))) if n)
    if not priced:
        if not projects:
            return UnitValue(adcode, "county", reason=NOT_LISTED, citations=citations)
        return UnitValue(adcode, "county", reason=UNPRICED, detail=str(len(projects)), citations=citations, notes=notes)
    total = round(sum(p.investment_yi for p in priced), 4)
    return UnitValue(adcode, "county", total, citations=tuple(p.citation for p in priced), notes=notes)


def _target_unit(adcode: str, level: str, records: list[Target]) -> UnitValue:
    numbers = list(dict.fromkeys(t.value for t in records if t.value is not None))
    citations = tuple(t.citation for t in records)
    if not numbers:
        words = " / ".join(dict.fromkeys(t.value_text for t in records if t.value_text))
        return UnitValue(adcode, level, value_text=words, reason=NO_NUMBER, detail=words, citations=citations)
    if len(numbers) > 1:
        from .classes import format_number

        detail = " / ".join(format_number(n) for n in numbers)
        return UnitValue(adcode, level, reason=CONFLICT, detail=detail, citations=citations)
    text = next((t.value_text for t in records if t.value is not None), "")
    return UnitValue(adcode, level, numbers[0], value_text=text, citations=citations)


def progress_map_key(key: str) -> bool:
    return key.startswith("progress-")


def values(dataset: Dataset, key: str, year: str | Period | None = None) -> IndicatorView:
    """The indicator's value for every county (and the cities with a city-level value).

    year is a period token ("2025-target") or a Period; None or one the indicator does not
    have means its default period. Derived indicators have no period.
    """
    indicator = catalogue(dataset).get(key)
    if indicator is None:
        raise KeyError(f"unknown indicator {key!r}")
    if progress_map_key(key):
        from . import progress_map

        return progress_map.view(dataset, indicator)
    if indicator.derived:
        return IndicatorView(indicator, None, dict(_derived_values(dataset, key)), {})
    period = year if isinstance(year, Period) else Period.parse(year)
    if period not in indicator.periods:
        period = default_period(dataset, key)
    store = _cached(dataset)
    cache_key = ("view", key, period)
    if cache_key in store:
        return store[cache_key]
    records = [t for t in _targets_by_key(dataset)[key] if Period(t.year, t.kind) == period]
    by_unit: dict[tuple[str, str], list[Target]] = {}
    for target in records:
        by_unit.setdefault((target.scope_level, target.scope_adcode), []).append(target)
    cities = {
        adcode: _target_unit(adcode, "city", group) for (level, adcode), group in by_unit.items() if level == "city"
    }
    province_group = by_unit.get(("province", geo.PROVINCE_ADCODE))
    province = _target_unit(geo.PROVINCE_ADCODE, "province", province_group) if province_group else None
    city_names = geo.cities()
    counties = {}
    for adcode, county in geo.counties().items():
        group = by_unit.get(("county", adcode))
        if group:
            counties[adcode] = _target_unit(adcode, "county", group)
        elif county.city_adcode in cities:
            counties[adcode] = UnitValue(
                adcode, "county", reason=CITY_LEVEL, detail=city_names.get(county.city_adcode, county.city_name),
                citations=cities[county.city_adcode].citations,
            )
        elif province is not None:
            counties[adcode] = UnitValue(
                adcode, "county", reason=PROVINCE_LEVEL, detail=geo.place_name(geo.PROVINCE_ADCODE), citations=province.citations
            )
        else:
            counties[adcode] = _no_value(dataset, adcode)
    view = IndicatorView(indicator, period, counties, cities, province)
    store[cache_key] = view
    return view


def display_name(indicator: Indicator, lang: str = "zh") -> str:
    """The indicator's name in the UI language (targets keep the documents' Chinese)."""
    if indicator.derived:
        from .i18n import t

        return t(f"indicators.name.{indicator.key}", lang)
    return indicator.name


def display_unit(indicator: Indicator, lang: str = "zh") -> str:
    if indicator.derived:
        from .i18n import t

        return t(f"indicators.unit.{indicator.key}", lang)
    return indicator.unit



def picker_label(indicator: Indicator, lang: str = "zh") -> str:
    """The indicator picker's label: what kind of figure it is, then name and unit.

    Plan targets say 目标值 and their levels, other figures the plans print say 规划 and theirs;
    imported tables say 统计值 (measured) / 目标值 / 分类 and 导入; counts derived from the
    plans say 计数. So a measured value is never taken for a plan target, or the reverse.
    """
    from .i18n import t

    if indicator.derived:
        group = t("indicators.group.derived", lang)
    elif indicator.source == "import":
        kind = "category" if indicator.categorical else indicator.kinds[0]
        group = t(f"indicators.group.import-{kind}", lang)
    else:
        levels = "/".join(t(f"indicators.group.level.{level}", lang) for level in indicator.levels)
        kind = "plan-target" if "target" in indicator.kinds else "plan-figure"
        group = t(f"indicators.group.{kind}", lang, levels=levels)
    unit = display_unit(indicator, lang)
    label_key = "indicators.option" if unit else "indicators.option_no_unit"
    return t(label_key, lang, group=group, name=display_name(indicator, lang), unit=unit)


def period_label(period: Period | None, lang: str = "zh", source: str = "plan") -> str:
    """"2025年 · 目标值" / "年份未注明 · 现状值" / an imported "2023年 · 统计值"; "" for
    derived indicators (no period). source: the indicator's ("plan" / "import")."""
    if period is None:
        return ""
    from .i18n import t

    kind = t(f"indicators.kind.{'measured' if source == 'import' and period.kind == 'value' else period.kind}", lang)
    if period.year is None:
        return t("indicators.period_none", lang, kind=kind)
    return t("indicators.period", lang, year=period.year, kind=kind)


def reason_text(unit: UnitValue, lang: str = "zh") -> str:
    """Why a unit has no value, in the UI language ("" when it has one)."""
    if not unit.reason:
        return ""
    from .i18n import t

    return t(f"indicators.reason.{unit.reason}", lang, detail=unit.detail)


def note_texts(unit: UnitValue, lang: str = "zh") -> list[str]:
    from .i18n import t

    return [t(f"indicators.note.{code}", lang, n=n) for code, n in unit.notes]


def value_label(unit: UnitValue, indicator: Indicator, lang: str = "zh") -> str:
    """"46 %" for a value; "" when there is none."""
    if unit.value is None:
        return ""
    from .classes import format_number

    number = format_number(unit.value)
    unit_text = display_unit(indicator, lang)
    return f"{number} {unit_text}" if unit_text else number


# --------------------------------------------------------------------------- value table

FEW_UNITS = 5  # fewer units with a value than this: a sorted bar chart says more than a map


def value_table(dataset: Dataset, view: IndicatorView, city_adcode: str | None = None, lang: str = "zh") -> list[dict]:
    """The values shown on the map, one row per unit with a value, largest first:
    unit, level, value, unit of measure, period, as written, source (document and lines)."""
    from .export.ledger import source_text
    from .i18n import t

    documents = dataset.documents_by_name
    cities = geo.cities()
    units = [view.cities[a] for a in view.cities if city_adcode in (None, "", a)]
    counties = geo.counties_of_city(city_adcode) if city_adcode else list(view.counties)
    units += [view.counties[a] for a in counties]
    rows = []
    for unit in units:
        if unit.value is None:
            continue
        place = cities.get(unit.adcode, unit.adcode) if unit.level == "city" else geo.full_name(unit.adcode)
        rows.append({
            t("indicators.col_place", lang): place,
            t("indicators.col_level", lang): t(f"indicators.level.{unit.level}", lang),
            t("indicators.col_value", lang): unit.value,
            t("indicators.col_unit", lang): display_unit(view.indicator, lang),
            t("indicators.col_period", lang): period_label(view.period, lang, view.indicator.source) or t("indicators.no_year", lang),
            t("indicators.col_text", lang): unit.value_text or "—",
            t("indicators.col_source", lang): "；".join(source_text(c, documents, lang) for c in dict.fromkeys(unit.citations[:3])) or "—",
        })
    value = t("indicators.col_value", lang)
    rows.sort(key=lambda row: -row[value])
    return rows
