"""Progress on the plans' tasks and projects (issue 14): item identity, derived lateness, summaries.

No Streamlit here. Reports live in the store (xiancheng.store.progress); this module says
which item a report is on and what the reports add up to.

Identity: a report attaches to an item by a key made of what the document says, never of
where it says it: kind, document, canonical action and the normalised title (a task's
lead phrase, a project's name). Re-ingesting a corrected document with lines inserted,
removed or renumbered keeps every key; only when two items share all of that does the
plan's item number, then the order among the twins, tell them apart. A key the current
dataset no longer has is an orphan: its reports stay in the store and are listed with the
closest items to re-attach them to (orphans()).

Lateness: an item past its planned year without 已完成 is shown as 滞后; that is derived
here at reading time (ItemStatus.derived_late), never written as if someone had reported it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy
from rapidfuzz import fuzz, process

from . import geo
from .dataset import Citation, Dataset
from .store.progress import STATUSES, ItemScope

KINDS = ("task", "project")
DONE, LATE = "done", "late"
TITLE_KEY_LENGTH = 60
_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)
_LEAD = re.compile(r"^(.+?)[。；;：:]")
_NUMBERING = re.compile(r"^\s*(?:[（(]?[0-9一二三四五六七八九十]+[）)．.、]\s*)+")


def normalise_title(text: str) -> str:
    """The title as identity compares it: NFKC, no spaces or punctuation, lower case, bounded."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _PUNCTUATION.sub("", text)[:TITLE_KEY_LENGTH]


def task_title(task) -> str:
    """A task's title: its lead phrase when the plan prints one, else its first sentence."""
    if task.title:
        return task.title
    text = _NUMBERING.sub("", task.text.strip())
    match = _LEAD.match(text)
    lead = match.group(1) if match else text
    return lead[:TITLE_KEY_LENGTH]


@dataclass(frozen=True)
class Item:
    """A task or project that progress is reported on."""

    key: str
    kind: str  # task / project
    document: str
    action_key: str | None
    number: str
    title: str
    units: tuple[str, ...]
    adcodes: tuple[str, ...]  # counties it applies to
    home_adcode: str  # the county it is on, or its document's city/province
    planned_year: int | None  # the last year the plan sets for it
    planned_investment_yi: float | None  # projects: the plan's figure
    citation: Citation

    @property
    def scope(self) -> ItemScope:
        return ItemScope(self.key, self.kind, self.units, self.home_adcode, self.document, self.title)

    @property
    def city_adcode(self) -> str:
        return self.home_adcode[:4] + "00"


def _home_adcode(scope_adcode: str, adcodes) -> str:
    if len(adcodes) == 1:
        return adcodes[0]
    return scope_adcode


_YEAR = re.compile(r"(20\d\d)")


def _project_year(project) -> int | None:
    years = [int(y) for y in _YEAR.findall(project.period or "")]
    return max(years) if years else None


def build_items(dataset: Dataset) -> dict[str, Item]:
    """Every task and project with its stable key, in dataset order."""
    drafts: list[tuple[tuple, str, dict]] = []
    for task in dataset.tasks:
        title = task_title(task)
        base = ("task", task.document, task.action_key or "-", normalise_title(title))
        drafts.append((base, task.number, dict(
            kind="task", document=task.document, action_key=task.action_key, number=task.number, title=title,
            units=tuple(task.responsible_units), adcodes=tuple(task.adcodes),
            home_adcode=_home_adcode(task.scope_adcode, task.adcodes),
            planned_year=max(task.years) if task.years else None, planned_investment_yi=None,
            citation=task.citation)))
    for project in dataset.projects:
        document = project.citation.document
        base = ("project", document, project.action_key or "-", normalise_title(project.name))
        drafts.append((base, "", dict(
            kind="project", document=document, action_key=project.action_key, number="", title=project.name,
            units=tuple(project.responsible_units), adcodes=tuple(project.adcodes),
            home_adcode=_home_adcode(project.scope_adcode, project.adcodes),
            planned_year=_project_year(project), planned_investment_yi=project.investment_yi,
            citation=project.citation)))
    twins: dict[tuple, int] = defaultdict(int)
    for base, _number, _fields in drafts:
        twins[base] += 1
    seen: dict[str, int] = defaultdict(int)
    items: dict[str, Item] = {}
    for base, number, fields in drafts:
        key = "|".join(base)
        if twins[base] > 1 and number:
            key += f"|#{number}"
        seen[key] += 1
        if seen[key] > 1:  # still twins: the order among them
            key += f"|{seen[key]}"
        items[key] = Item(key=key, **fields)
    return items


def current_period(today: date | None = None) -> str:
    today = today or date.today()
    return f"{today.year}-{today.month:02d}"


def recent_periods(today: date | None = None, count: int = 12) -> list[str]:
    """The current month and the ones before it, newest first (for period pickers)."""
    today = today or date.today()
    year, month = today.year, today.month
    periods = []
    for _ in range(count):
        periods.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods


@dataclass(frozen=True)
class ItemStatus:
    """What is known about an item's progress: its latest report, and lateness derived from its plan."""

    key: str
    reported: str | None  # the latest report's status, None when nobody reported
    derived_late: bool  # past its planned year without 已完成 (not stored)
    period: str = ""
    percent: float | None = None
    invest_period_yi: float | None = None
    invest_cumulative_yi: float | None = None
    note: str = ""
    reporter: str = ""
    unit: str = ""
    reported_at: object = None
    version: int | None = None

    @property
    def status(self) -> str | None:
        """The status shown: late when derived, else the reported one (None: no report)."""
        if self.derived_late:
            return LATE
        return self.reported


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def item_status(item: Item, row, today: date | None = None) -> ItemStatus:
    today = today or date.today()
    reported = row.status if row is not None else None
    late = item.planned_year is not None and item.planned_year < today.year and reported != DONE
    if row is None:
        return ItemStatus(item.key, None, late)
    return ItemStatus(item.key, reported, late, row.period, _number(row.percent), _number(row.invest_period_yi),
                      _number(row.invest_cumulative_yi), row.note, row.created_by, row.unit, row.created_at, row.version)


def statuses(items: dict[str, Item], rows: dict, today: date | None = None) -> dict[str, ItemStatus]:
    """Item key → its status, for every item (rows: key → latest report, from store.progress.current)."""
    today = today or date.today()
    return {key: item_status(item, rows.get(key), today) for key, item in items.items()}


# -- what the reports add up to -------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Progress of the items that apply to one place."""

    tasks: int
    tasks_done: int
    late: int  # tasks and projects shown as 滞后 (reported or derived)
    reported: int  # items with any report
    investment_planned_yi: float  # projects with a planned figure
    investment_done_yi: float  # their latest cumulative figure
    counts: dict  # status (or "unreported") → items

    @property
    def done_share(self) -> float | None:
        return self.tasks_done / self.tasks if self.tasks else None

    @property
    def investment_share(self) -> float | None:
        return self.investment_done_yi / self.investment_planned_yi if self.investment_planned_yi else None


def items_of_place(items: dict[str, Item], adcode: str) -> list[Item]:
    """The items that apply to a county, or to any county of a city / the province."""
    if adcode == geo.PROVINCE_ADCODE:
        return list(items.values())
    if adcode.endswith("00"):
        prefix = adcode[:4]
        return [i for i in items.values() if i.home_adcode[:4] == prefix or any(a[:4] == prefix for a in i.adcodes)]
    return [i for i in items.values() if adcode in i.adcodes or i.home_adcode == adcode]


def summarise(items: list[Item], status_of: dict[str, ItemStatus]) -> Summary:
    counts: dict[str, int] = defaultdict(int)
    tasks = done = late = reported = 0
    planned = invested = 0.0
    for item in items:
        state = status_of[item.key]
        counts[state.status or "unreported"] += 1
        reported += state.reported is not None
        late += state.status == LATE
        if item.kind == "task":
            tasks += 1
            done += state.status == DONE
        elif item.planned_investment_yi:
            planned += item.planned_investment_yi
            invested += state.invest_cumulative_yi or 0.0
    return Summary(tasks, done, late, reported, planned, invested, dict(counts))


def place_summaries(items: dict[str, Item], status_of: dict[str, ItemStatus]) -> dict[str, Summary]:
    """Adcode → Summary for every county-level unit and every city (city = all its items)."""
    by_place: dict[str, list[Item]] = defaultdict(list)
    for item in items.values():
        places = set(item.adcodes) | {item.home_adcode}
        for adcode in list(places):
            places.add(adcode[:4] + "00")
        for adcode in places:
            by_place[adcode].append(item)
    return {adcode: summarise(group, status_of) for adcode, group in by_place.items()}


def late_by_department(items: list[Item], status_of: dict[str, ItemStatus]) -> dict[str, list[Item]]:
    """Department → its items shown as 滞后 (an item with several departments is under each)."""
    result: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if status_of[item.key].status == LATE:
            for unit in item.units or ("",):
                result[unit].append(item)
    return dict(sorted(result.items()))


def unreported_by_department(items: list[Item], status_of: dict[str, ItemStatus], period: str) -> dict[str, list[Item]]:
    """Department → its items with no report for period (reminders)."""
    result: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        state = status_of[item.key]
        if state.period != period and state.reported != DONE:
            for unit in item.units or ("",):
                result[unit].append(item)
    return dict(sorted(result.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def period_changes(history_rows: list, items: dict[str, Item], period: str) -> list[dict]:
    """Reports filed for a period, each with the status before it (the 调度会's 'what changed')."""
    by_key: dict[str, list] = defaultdict(list)
    for row in history_rows:
        by_key[row.key].append(row)
    changes = []
    for key, rows in by_key.items():
        rows.sort(key=lambda r: r.version)
        for index, row in enumerate(rows):
            if row.period != period or row.retired:
                continue
            before = rows[index - 1].status if index else None
            changes.append({"key": key, "item": items.get(key), "title": row.item_title, "before": before,
                            "after": row.status, "by": row.created_by, "unit": row.unit, "at": row.created_at,
                            "note": row.note})
    changes.sort(key=lambda c: c["at"])
    return changes


# -- orphans --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Orphan:
    """Reports on a key the current dataset no longer has, and the items they may belong to."""

    key: str
    row: object  # latest report
    candidates: tuple[tuple[Item, float], ...]  # closest items, best first, with a 0–1 similarity


def orphans(items: dict[str, Item], rows: dict, candidates: int = 3) -> list[Orphan]:
    """Every current record whose key is not an item any more, with its closest items.

    Similarity is rapidfuzz's normalised Indel ratio of the normalised titles (0–1), +0.1 when
    the item is in the orphan's document (a corrected version of it). All orphans of a kind
    are scored against all items of that kind in one matrix: a re-ingest that orphans
    thousands of reports costs milliseconds, not a Python loop over every pair.
    """
    lost = [(key, row) for key, row in sorted(rows.items()) if key not in items]
    found: dict[str, tuple] = {}
    for kind in {row.kind for _key, row in lost}:
        wanted = [(key, row) for key, row in lost if row.kind == kind]
        pool = [item for item in items.values() if item.kind == kind]
        if not pool:
            continue
        scores = process.cdist([normalise_title(row.item_title) for _key, row in wanted],
                               [normalise_title(item.title) for item in pool],
                               scorer=fuzz.ratio, dtype=numpy.float32, workers=1) / 100.0
        same_document = (numpy.array([row.item_document for _key, row in wanted], dtype=object)[:, None]
                         == numpy.array([item.document for item in pool], dtype=object)[None, :])
        scores = numpy.minimum(1.0, scores + 0.1 * same_document).round(3)
        # Best first; among equal scores the dataset's order (a stable sort on the negated score).
        best = numpy.argsort(-scores, axis=1, kind="stable")[:, :candidates]
        for (key, _row), score_row, picks in zip(wanted, scores, best):
            found[key] = tuple((pool[i], float(score_row[i])) for i in picks)
    return [Orphan(key, row, found.get(key, ())) for key, row in lost]


__all__ = [
    "DONE", "Item", "ItemStatus", "KINDS", "LATE", "Orphan", "STATUSES", "Summary", "build_items", "current_period",
    "item_status", "items_of_place", "late_by_department", "normalise_title", "orphans", "period_changes",
    "place_summaries", "recent_periods", "statuses", "summarise", "task_title", "unreported_by_department",
]


# -- one consistent view of the store's reports, cached per data version -------------------


@dataclass(frozen=True)
class Snapshot:
    """Items, their latest reports and statuses, and per-place summaries, at one data version."""

    items: dict[str, Item]
    rows: dict  # key → latest report (also orphans' keys)
    status_of: dict[str, ItemStatus]
    summaries: dict[str, Summary]
    data_version: int
    today: date

    def place_items(self, adcode: str) -> list[Item]:
        return items_of_place(self.items, adcode)


_ITEMS: dict[int, tuple[Dataset, dict[str, Item]]] = {}
_SNAPSHOTS: dict[tuple, Snapshot] = {}


def items_of(dataset: Dataset) -> dict[str, Item]:
    """build_items, once per dataset object."""
    hit = _ITEMS.get(id(dataset))
    if hit is not None and hit[0] is dataset:
        return hit[1]
    items = build_items(dataset)
    if len(_ITEMS) >= 4:
        _ITEMS.pop(next(iter(_ITEMS), None), None)
    _ITEMS[id(dataset)] = (dataset, items)
    return items


def snapshot(dataset: Dataset, workspace=None, today: date | None = None) -> Snapshot:
    """The progress state for the dataset from the store (default: the process's store).

    One cheap SELECT of the data version per call; the reports are read again only when
    some process has written since.
    """
    from . import store as store_module
    from .store import progress as store_progress

    workspace = workspace or store_module.open()
    today = today or date.today()
    version = workspace.data_version()
    cache_key = (id(dataset), workspace.url, version, today)
    hit = _SNAPSHOTS.get(cache_key)
    if hit is not None and hit.items is items_of(dataset):
        return hit
    items = items_of(dataset)
    rows = store_progress.current(workspace)
    status_of = statuses(items, rows, today)
    result = Snapshot(items, rows, status_of, place_summaries(items, status_of), version, today)
    if len(_SNAPSHOTS) >= 8:
        _SNAPSHOTS.pop(next(iter(_SNAPSHOTS), None), None)
    _SNAPSHOTS[cache_key] = result
    return result


def keys_by_citation(items: dict[str, Item]) -> dict[tuple[str, str, int], str]:
    """(kind, document, first line) → item key: finds the item of a dataset record."""
    return {(i.kind, i.citation.document, i.citation.line_start): i.key for i in items.values()}


def record_key(items: dict[str, Item], kind: str, record) -> str | None:
    citation = record.citation
    return keys_by_citation_cached(items).get((kind, citation.document, citation.line_start))


_BY_CITATION: dict[int, tuple[dict, dict]] = {}


def keys_by_citation_cached(items: dict[str, Item]) -> dict:
    hit = _BY_CITATION.get(id(items))
    if hit is not None and hit[0] is items:
        return hit[1]
    mapping = keys_by_citation(items)
    if len(_BY_CITATION) >= 4:
        _BY_CITATION.pop(next(iter(_BY_CITATION), None), None)
    _BY_CITATION[id(items)] = (items, mapping)
    return mapping


def one_pager(snap: Snapshot, adcode: str, lang: str = "zh") -> tuple[str, list]:
    """The one-pager's progress section: a summary line and (item, status, department) rows,
    late items first, then the reported ones (items with nothing to say are counted only)."""
    from .i18n import t

    items = snap.place_items(adcode)
    summary = summarise(items, snap.status_of)
    share = f"{summary.done_share:.0%}" if summary.done_share is not None else "—"
    line = t("progress.briefing_overview_text", lang, tasks=summary.tasks, done=summary.tasks_done, share=share,
             late=summary.late, reported=summary.reported, planned=f"{summary.investment_planned_yi:,.2f}",
             invested=f"{summary.investment_done_yi:,.2f}")
    order = {LATE: 0, "in-progress": 1, "paused": 2, "not-started": 3, DONE: 4}
    shown = [i for i in items if snap.status_of[i.key].status is not None]
    shown.sort(key=lambda i: order.get(snap.status_of[i.key].status, 5))
    rows = [(i.title, t(f"progress.status.{snap.status_of[i.key].status}", lang), "、".join(i.units[:2])) for i in shown]
    return line, rows
