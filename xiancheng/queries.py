"""Derived views over the dataset that maps, pages and exports share (no Streamlit here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import geo
from .dataset import ALL_TYPES, Classification, Dataset

NOT_STATED = "not-stated"
MUNICIPAL_DISTRICT = "municipal-district"


@dataclass(frozen=True)
class CountyTypes:
    """What the loaded documents say about one unit's county-town type."""

    adcode: str
    types: tuple[str, ...]  # in ALL_TYPES order; empty when not stated
    status: str  # "classified" / NOT_STATED / MUNICIPAL_DISTRICT
    statements: tuple[Classification, ...] = field(default=(), compare=False)

    @property
    def key(self) -> str:
        """One category for colouring: the single type, 'a+b' for two, or the status."""
        if self.types:
            return "+".join(self.types)
        return self.status


def type_keys(all_types: dict[str, CountyTypes]) -> tuple[tuple[str, str], ...]:
    """What a type map draws of all_types (each unit's category), to key a built map with:
    an imported classification list changes it, and the map is built again."""
    return tuple((adcode, county.key) for adcode, county in all_types.items())


def county_types(dataset: Dataset) -> dict[str, CountyTypes]:
    """Every one of the 117 units with its type(s), keeping every statement behind them.

    A district (市辖区) is not a county town, whatever a document says elsewhere, and is
    drawn apart from 'not stated'. Only what a document states is used: no guessing.
    """
    by_county: dict[str, list[Classification]] = {}
    for statement in dataset.classifications:
        by_county.setdefault(statement.adcode, []).append(statement)
    result = {}
    for adcode, county in geo.counties().items():
        statements = tuple(by_county.get(adcode, ()))
        types = tuple(t for t in ALL_TYPES if any(s.type == t for s in statements))
        if types:
            status = "classified"
        elif county.kind == "市辖区":
            status = MUNICIPAL_DISTRICT
        else:
            status = NOT_STATED
        result[adcode] = CountyTypes(adcode, types, status, statements)
    return result


@dataclass(frozen=True)
class CountyProfile:
    """Everything the loaded documents say about one county, each record with its citation."""

    county: geo.County
    types: CountyTypes
    own_documents: tuple  # plans whose scope is this county
    city_documents: tuple  # plans of its city that apply to it
    positionings: tuple
    targets: tuple  # county-level targets of this county
    city_targets: tuple  # city-level targets of its city (shown as the city's, not the county's)
    tasks: tuple
    projects: tuple
    towns: tuple
    # Province plans (晋政发 …): what they say for Shanxi as a whole, shown as 省级 on every
    # county page; a province task naming this county is in tasks, not here.
    province_documents: tuple = ()
    province_targets: tuple = ()
    province_tasks: tuple = ()

    @property
    def disagreement(self) -> bool:
        """True when the statements behind the types do not all list the same types."""
        by_statement: dict[tuple, set] = {}
        for s in self.types.statements:
            key = (s.citation.document, s.statement_kind)
            by_statement.setdefault(key, set()).add(s.type)
        return len({frozenset(v) for v in by_statement.values()}) > 1


def county_profile(dataset: Dataset, adcode: str) -> CountyProfile:
    county = geo.counties()[adcode]
    documents = dataset.documents
    own = tuple(d for d in documents if d.scope_adcode == adcode)
    tasks = tuple(t for t in dataset.tasks if adcode in t.adcodes)
    projects = tuple(p for p in dataset.projects if adcode in p.adcodes)
    # A city plan applies to the county when it is the county's city and something in it
    # (a task, a project, a statement) reaches the county.
    reaching = {t.document for t in tasks} | {p.citation.document for p in projects}
    reaching |= {s.citation.document for s in county_types(dataset)[adcode].statements}
    city_docs = tuple(
        d for d in documents if d.scope_adcode == county.city_adcode and (d.document in reaching or not own)
    )
    return CountyProfile(
        county=county,
        types=county_types(dataset)[adcode],
        own_documents=own,
        city_documents=city_docs,
        positionings=tuple(p for p in dataset.positionings if p.adcode == adcode),
        targets=tuple(t for t in dataset.targets if t.scope_adcode == adcode),
        city_targets=tuple(t for t in dataset.targets if t.scope_adcode == county.city_adcode and t.scope_level == "city"),
        tasks=tasks,
        projects=projects,
        towns=tuple(t for t in dataset.towns if t.adcode == adcode),
        province_documents=tuple(d for d in documents if d.scope_level == "province"),
        province_targets=tuple(t for t in dataset.targets if t.scope_level == "province"),
        province_tasks=tuple(t for t in dataset.tasks if t.scope_adcode == geo.PROVINCE_ADCODE and not t.adcodes),
    )


def counts_by_type(all_types: dict[str, CountyTypes], adcodes: list[str] | None = None) -> dict[str, int]:
    """Units per type (a two-type county counts under both), plus not-stated and districts."""
    shown = [all_types[a] for a in (adcodes if adcodes is not None else all_types)]
    counts = {k: sum(k in c.types for c in shown) for k in ALL_TYPES}
    counts[NOT_STATED] = sum(c.status == NOT_STATED for c in shown)
    counts[MUNICIPAL_DISTRICT] = sum(c.status == MUNICIPAL_DISTRICT for c in shown)
    return counts


def target_series(targets) -> dict[str, list[tuple[int, float]]]:
    """Indicator → [(year, value)] for indicators stated for two or more years (charts)."""
    series: dict[str, dict[int, float]] = {}
    for target in targets:
        if target.year is None or target.value is None:
            continue
        label = f"{target.indicator}（{target.unit}）" if target.unit else target.indicator
        series.setdefault(label, {})[target.year] = target.value
    return {k: sorted(v.items()) for k, v in series.items() if len(v) >= 2}


def group_by_action(tasks) -> dict:
    """Tasks by canonical action key (None for tasks outside the eight actions), in order."""
    groups: dict = {}
    for task in tasks:
        groups.setdefault(task.action_key, []).append(task)
    return groups


def own_and_city_wide(records, adcode: str) -> tuple[tuple, tuple]:
    """Tasks or projects of a county split into (its own plan's, a wider plan's applying to it).

    A city plan's task reaches each of its counties; counted as the county's own, a city
    plan with 70 tasks would make every county look equally busy.
    """
    own = tuple(r for r in records if r.scope_adcode == adcode)
    shared = tuple(r for r in records if r.scope_adcode != adcode)
    return own, shared


def problem_rows(dataset: Dataset, lang: str = "zh") -> list[dict]:
    """The build's errors (documents and manifest entries that could not be loaded) as
    rows of file, line and message (worded in lang), in file and line order, for the app's banner."""
    from .problem_text import describe

    return [
        {"document": p.document, "line": p.line, "message": describe(p, lang)}
        for p in sorted(dataset.problems, key=lambda p: (p.document, p.line or 0, p.code))
    ]
