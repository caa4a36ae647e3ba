"""Flat tables of the dataset for the explorer and documents pages: filters, exports, reader.

Everything here is pure (no Streamlit): the pages read their state, call these functions
and draw what comes back. One row per task or project; the list-valued fields (counties,
types, units, years) are indexed once into boolean masks so that filtering is a handful of
numpy ``&`` operations however many filters are set.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, fields, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from . import geo, queries
from .dataset import ALL_TYPES, Dataset, Document
from .i18n import DEFAULT_LANGUAGE, STRINGS, t

KINDS = ("task", "project")
# A line number in a URL beyond any document (a bound, so a 4,300-digit number is not parsed).
MAX_LINE_NUMBER = 10**7
NO_ACTION = "none"  # filter value for records the plans file under no canonical action
COUNTY_LIST_LIMIT = 3  # more counties than this are summarised as "运城市 12 个县（市）"


# --------------------------------------------------------------------------- labels


@lru_cache(maxsize=1)
def _canonical_actions() -> dict[str, str]:
    """Canonical action keys in taxonomy order → Chinese name (ingest/actions.yaml), read at
    the first use, not at import: the overview imports this module for the sidebar's problem
    count and needs no action names (YAML's parser ~0.05 s of CPU on a server's first page)."""
    import yaml

    path = Path(__file__).resolve().parent / "ingest" / "actions.yaml"
    try:
        actions = yaml.safe_load(path.read_text(encoding="utf-8")).get("actions", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {key: value["zh"] for key, value in actions.items()}


def action_label(key: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The canonical action's name in lang; 'no action' for None."""
    if not key or key == NO_ACTION:
        return t("explorer.action_none", lang)
    if f"action.{key}" in STRINGS:
        return t(f"action.{key}", lang)
    return _canonical_actions().get(key, key)


def document_short_name(document: Document | None, name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """'运城市行动方案' style name of a document (its place and kind); the file name if unknown."""
    if document is None:
        return name
    key = f"export.doc_short.{document.kind}"
    if key in STRINGS:
        return t(key, lang, place=geo.place_name(document.scope_adcode))
    return " ".join(document.title.split())


def lines_label(start: int, end: int, lang: str = DEFAULT_LANGUAGE) -> str:
    if start == end:
        return t("explorer.line_one", lang, line=start)
    return t("explorer.lines", lang, start=start, end=end)


def document_url(document: str, start: int | None = None, end: int | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """Relative link to the documents page showing the cited lines (the ui URL contract)."""
    params = {"doc": document}
    if start is not None:
        params["from"] = start
        params["to"] = end if end is not None else start
    if lang != DEFAULT_LANGUAGE:
        params["lang"] = lang
    return "/documents?" + urlencode(params)


def search_key(text: str) -> str:
    """Text as the search compares it: NFKC (full-width → half-width), lower case, no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _city_of(adcode: str) -> str:
    if adcode in geo.cities() or adcode == geo.PROVINCE_ADCODE:
        return adcode
    county = geo.counties().get(adcode)
    return county.city_adcode if county else adcode[:4] + "00"


def _place(adcode: str) -> str:
    # 城区/矿区/郊区 occur in more than one city: name those with their city.
    county = geo.counties().get(adcode)
    if county is not None and len(geo.name_index().get(county.name, ())) > 1:
        return geo.full_name(adcode)
    return geo.place_name(adcode)


def _counties_label(adcodes: Sequence[str], scope_adcode: str, lang: str) -> str:
    if not adcodes:
        return t("explorer.counties_not_named", lang, place=geo.place_name(scope_adcode))
    if len(adcodes) > COUNTY_LIST_LIMIT:
        cities = {_city_of(a) for a in adcodes}
        if len(cities) == 1:
            return t("explorer.n_counties_of", lang, city=geo.place_name(cities.pop()), n=len(adcodes))
        return t("explorer.n_counties", lang, n=len(adcodes))
    return "、".join(_place(a) for a in adcodes)


def markdown_escape(text: str) -> str:
    """Text from a document made inert for st.markdown (see xiancheng.text), shown as printed."""
    from .text import markdown_text

    return markdown_text(text)


def url_number(text: str | None, lowest: int, highest: int) -> int | None:
    """A whole number from a URL parameter within [lowest, highest], else None.

    ASCII digits only: str.isdigit() accepts '²' and other digits int() refuses, int()
    accepts Arabic-Indic digits, and a 4,300-digit string makes int() raise.
    """
    text = (text or "").strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > len(str(highest)):
        return None
    value = int(text)
    return value if lowest <= value <= highest else None


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True, eq=False)
class RecordTable:
    """All tasks and projects as one frame (row i ↔ records[i]) with its filter indexes.

    ``members[field][value]`` is a boolean mask over the rows for the list-valued fields
    (county, city, type, unit, year); it is built once, so a filter never explodes lists.
    Treat it as read-only: it is shared between reruns through the cache.
    """

    frame: pd.DataFrame
    records: tuple
    members: Mapping[str, Mapping[object, np.ndarray]] = field(repr=False)
    lang: str = DEFAULT_LANGUAGE

    def __len__(self) -> int:
        return len(self.records)

    def records_of(self, rows: pd.DataFrame, kind: str) -> list:
        """The Task/Project records behind rows (a filtered frame), in the rows' order."""
        positions = rows.index[rows["kind"].to_numpy() == kind]
        return [self.records[i] for i in positions]


def _task_title(task) -> str:
    return " ".join((task.title or task.heading).split())


def build_table(dataset: Dataset, lang: str = DEFAULT_LANGUAGE) -> RecordTable:
    """Tasks, then projects, one row each, with display columns in lang."""
    from .export.ledger import task_text

    types_of = {a: ct.types for a, ct in queries.county_types(dataset).items()}
    documents = dataset.documents_by_name
    rows = []
    records = []
    for kind, items in (("task", dataset.tasks), ("project", dataset.projects)):
        for record in items:
            cite = record.citation
            document = documents.get(cite.document)
            adcodes = tuple(record.adcodes)
            types = tuple(k for k in ALL_TYPES if any(k in types_of.get(a, ()) for a in adcodes))
            units = tuple(record.responsible_units)
            if kind == "task":
                title = _task_title(record)
                text = task_text(record)
                years = tuple(sorted(set(record.years)))
                action_key = record.action_key or NO_ACTION
                heading = record.action_zh
                investment, investment_text = np.nan, ""
            else:
                title = " ".join(record.name.split())
                description = " ".join(record.description.split())
                text = f"{title}：{description}" if description else title
                years = ()
                action_key = record.action_key or NO_ACTION
                heading = record.category
                investment = record.investment_yi if record.investment_yi is not None else np.nan
                investment_text = record.investment_text
            county_names = "、".join(_place(a) for a in adcodes)
            doc_name = document_short_name(document, cite.document, lang)
            action = action_label(action_key, lang)
            type_names = "、".join(t(f"type.{k}", lang) for k in types)
            search = search_key(
                " ".join([title, text, heading, "、".join(units), county_names, action, action_label(action_key, "zh"),
                          type_names, doc_name, document.title if document else "", investment_text, record.id if kind == "task" else ""])
            )
            rows.append({
                "kind": kind,
                "kind_label": t(f"explorer.kind.{kind}", lang),
                "title": title,
                "text": text,
                "document": cite.document,
                "document_name": doc_name,
                "city": _city_of(record.scope_adcode),
                "cities": tuple(sorted({_city_of(a) for a in adcodes} | {_city_of(record.scope_adcode)})),
                "scope_adcode": record.scope_adcode,
                "adcodes": adcodes,
                "counties": _counties_label(adcodes, record.scope_adcode, lang),
                "county_names": county_names,
                "types": types,
                "types_label": type_names,
                "action_key": action_key,
                "action": action,
                "action_heading": heading,
                "units": units,
                "units_text": "、".join(units),
                "years": years,
                "years_text": "、".join(str(y) for y in years),
                "deadline": max(years) if years else pd.NA,
                "investment_yi": investment,
                "investment_text": investment_text,
                "line_start": cite.line_start,
                "line_end": cite.line_end,
                "source": f"{doc_name} {lines_label(cite.line_start, cite.line_end, lang)}",
                "source_url": document_url(cite.document, cite.line_start, cite.line_end, lang),
                "search": search,
            })
            records.append(record)
    columns = [
        "kind", "kind_label", "title", "text", "document", "document_name", "city", "cities", "scope_adcode",
        "adcodes", "counties", "county_names", "types", "types_label", "action_key", "action", "action_heading",
        "units", "units_text", "years", "years_text", "deadline", "investment_yi", "investment_text",
        "line_start", "line_end", "source", "source_url", "search",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["deadline"] = frame["deadline"].astype("Int64")
    frame["investment_yi"] = frame["investment_yi"].astype(float)
    members = {
        name: _membership(frame[column])
        for name, column in (("county", "adcodes"), ("city", "cities"), ("type", "types"), ("unit", "units"), ("year", "years"))
    }
    return RecordTable(frame, tuple(records), members, lang)


def _membership(column: pd.Series) -> dict[object, np.ndarray]:
    masks: dict[object, np.ndarray] = {}
    for position, values in enumerate(column):
        for value in values:
            mask = masks.get(value)
            if mask is None:
                mask = masks[value] = np.zeros(len(column), dtype=bool)
            mask[position] = True
    for mask in masks.values():
        mask.setflags(write=False)
    return masks


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """What the explorer shows; every field empty means everything.

    Fields map to URL query parameters (see PARAMS) so a copied link reproduces the view.
    """

    kind: str = ""  # task / project
    city: str = ""  # city adcode: records of that city's plans or naming its counties
    county: str = ""  # county adcode: records that apply to it (city-plan tasks included)
    type: str = ""  # county-town type of a county the record applies to
    action: str = ""  # canonical action key, or NO_ACTION
    unit: str = ""  # one responsible unit, matched exactly
    year: int | None = None  # a year the task's text mentions
    document: str = ""  # document file name
    query: str = ""  # full text; words separated by spaces must all occur

    PARAMS = {
        "kind": "kind", "city": "city", "county": "county", "type": "type", "action": "action",
        "unit": "unit", "year": "year", "document": "doc", "query": "q",
    }

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> "Filters":
        """Filters from URL parameters; unparseable values are dropped, never guessed."""
        values = {}
        for name, param in cls.PARAMS.items():
            raw = params.get(param)
            if raw is None:
                continue
            raw = str(raw).strip()
            if name == "year":
                values[name] = url_number(raw, 1000, 9999)
            else:
                values[name] = raw
        return cls(**values)

    def to_params(self) -> dict[str, str]:
        """The non-empty fields as URL parameters."""
        params = {}
        for name, param in self.PARAMS.items():
            value = getattr(self, name)
            if value not in (None, ""):
                params[param] = str(value)
        return params

    def is_empty(self) -> bool:
        return not self.to_params()

    def valid(self, options: "Options") -> "Filters":
        """These filters with every value the data does not offer dropped (a stale link
        falls back to a wider view instead of an empty one); a county outside the chosen
        city is dropped too."""
        allowed = {
            "kind": KINDS, "city": options.cities, "county": options.counties, "type": options.types,
            "action": options.actions, "unit": options.units, "year": options.years, "document": options.documents,
        }
        changes = {name: (None if name == "year" else "") for name, values in allowed.items() if getattr(self, name) not in (None, "") and getattr(self, name) not in values}
        result = replace(self, **changes)
        if result.city and result.county and geo.counties()[result.county].city_adcode != result.city:
            result = replace(result, county="")
        return result


@dataclass(frozen=True)
class Options:
    """The values each filter offers, computed from the data (never an empty choice)."""

    cities: tuple[str, ...]
    counties: tuple[str, ...]
    types: tuple[str, ...]
    actions: tuple[str, ...]
    units: tuple[str, ...]  # most frequent first
    years: tuple[int, ...]
    documents: tuple[str, ...]

    def counties_of(self, city: str) -> tuple[str, ...]:
        if not city:
            return self.counties
        return tuple(a for a in self.counties if geo.counties()[a].city_adcode == city)


def filter_options(table: RecordTable) -> Options:
    frame = table.frame
    counties = geo.counties()
    unit_counts = Counter(u for units in frame["units"] for u in set(units))  # records naming it
    present_actions = set(frame["action_key"])
    actions = tuple(k for k in _canonical_actions() if k in present_actions)
    actions += tuple(sorted(present_actions - set(actions) - {NO_ACTION}))
    if NO_ACTION in present_actions:
        actions += (NO_ACTION,)
    return Options(
        cities=tuple(sorted(a for a in table.members["city"] if a in geo.cities())),
        counties=tuple(sorted(a for a in table.members["county"] if a in counties)),
        types=tuple(k for k in ALL_TYPES if k in table.members["type"]),
        actions=actions,
        units=tuple(u for u, _ in sorted(unit_counts.items(), key=lambda item: (-item[1], item[0]))),
        years=tuple(sorted(table.members["year"])),
        documents=tuple(sorted(set(frame["document"]))),
    )


def apply_filters(table: RecordTable, filters: Filters) -> pd.DataFrame:
    """The rows of table that pass every filter, in table order (index = record position)."""
    frame = table.frame
    mask = np.ones(len(frame), dtype=bool)
    for name, column in (("kind", "kind"), ("action", "action_key"), ("document", "document")):
        value = getattr(filters, name)
        if value:
            mask &= frame[column].to_numpy() == value
    for name in ("county", "city", "type", "unit", "year"):
        value = getattr(filters, name)
        if value not in (None, ""):
            member = table.members[name].get(value)
            if member is None:
                return frame.iloc[0:0]
            mask &= member
    if filters.query.strip():
        search = frame["search"]
        for term in filters.query.split():
            mask &= search.str.contains(search_key(term), regex=False).to_numpy()
    return frame[mask]


@dataclass(frozen=True)
class Counts:
    tasks: int
    projects: int
    priced_projects: int  # projects whose document gives an investment figure
    investment_yi: float  # sum over priced projects only (亿元)


def counts(rows: pd.DataFrame) -> Counts:
    kinds = rows["kind"].to_numpy()
    projects = rows[kinds == "project"]
    priced = projects["investment_yi"].notna()
    return Counts(
        tasks=int((kinds == "task").sum()),
        projects=len(projects),
        priced_projects=int(priced.sum()),
        investment_yi=float(projects.loc[priced, "investment_yi"].sum()),
    )


# --------------------------------------------------------------------------- labels of filters


def filter_value_label(name: str, value, lang: str = DEFAULT_LANGUAGE, documents: Mapping[str, Document] | None = None) -> str:
    """How a filter value reads to a person ('运城市', '市住建局', '农产品主产区县城')."""
    if value in (None, ""):
        return t("explorer.all", lang)
    if name == "kind":
        return t(f"explorer.kind.{value}", lang)
    if name in ("city", "county"):
        return _place(value) if name == "county" else geo.place_name(value)
    if name == "type":
        return t(f"type.{value}", lang)
    if name == "action":
        return action_label(value, lang)
    if name == "document":
        return document_short_name((documents or {}).get(value), value, lang)
    return str(value)


def describe_filters(filters: Filters, lang: str = DEFAULT_LANGUAGE, documents: Mapping[str, Document] | None = None) -> dict[str, str]:
    """Filter label → value label for every filter that is set (the Excel header's line)."""
    described = {}
    for item in fields(filters):
        value = getattr(filters, item.name)
        if value not in (None, ""):
            described[t(f"explorer.filter.{item.name}", lang)] = filter_value_label(item.name, value, lang, documents)
    return described


# --------------------------------------------------------------------------- exports


def export_xlsx(table: RecordTable, rows: pd.DataFrame, filters: Filters, dataset: Dataset, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """The 台账 of exactly these rows (export.ledger), its header naming filters and sources,
    with the 适用县 and 行动 columns the explorer shows and each row's source cell linked to
    its cited lines (absolute, under the public_url setting)."""
    from . import settings
    from .export.ledger import RowExtras, ledger_xlsx
    from .export.staticmap import document_label

    def extras(kind: str) -> list[RowExtras]:
        chosen = rows[rows["kind"].to_numpy() == kind]
        return [
            RowExtras(counties, action, settings.public_link(url))
            for counties, action, url in zip(chosen["counties"], chosen["action"], chosen["source_url"])
        ]

    documents = dataset.documents_by_name
    sources = [document_label(documents[d], lang) if d in documents else d for d in sorted(set(rows["document"]))]
    return ledger_xlsx(
        table.records_of(rows, "task"),
        table.records_of(rows, "project"),
        title=t("explorer.export_title", lang),
        filters=describe_filters(filters, lang, documents),
        sources=sources,
        lang=lang,
        documents=documents,
        task_extras=extras("task"),
        project_extras=extras("project"),
    )


def export_csv(table: RecordTable, rows: pd.DataFrame, kind: str, dataset: Dataset, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """The tasks or the projects of these rows as CSV (export.ledger's columns)."""
    from .export.ledger import projects_csv, tasks_csv

    writer = tasks_csv if kind == "task" else projects_csv
    return writer(table.records_of(rows, kind), documents=dataset.documents_by_name, lang=lang)


_FILE_STEMS = {"xlsx": "任务与项目台账", "tasks.csv": "任务清单", "projects.csv": "项目清单"}
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def export_file_name(filters: Filters, suffix: str, day: date | None = None, documents: Mapping[str, Document] | None = None) -> str:
    """'任务与项目台账_运城市_市住建局_2026-12-01.xlsx': what, where, the other filters, the
    day; Chinese, as an office names its files, and two different downloads never collide."""
    place = filter_value_label("county", filters.county, "zh") if filters.county else (
        filter_value_label("city", filters.city, "zh") if filters.city else "山西省")
    others = [
        filter_value_label(item.name, getattr(filters, item.name), "zh", documents)
        for item in fields(filters)
        if item.name not in ("city", "county", "query") and getattr(filters, item.name) not in (None, "")
    ]
    parts = [_FILE_STEMS.get(suffix, "任务与项目"), place, *others, (day or date.today()).isoformat()]
    stem = "_".join(_UNSAFE.sub("-", part).strip("-") for part in parts if part)[:150]
    return f"{stem}.{suffix.rsplit('.', 1)[-1]}"


# --------------------------------------------------------------------------- documents


def documents_frame(dataset: Dataset, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """One row per loaded document: metadata as printed ('未注明' when not printed),
    the number of records of each kind read from it, and its build warnings."""
    not_printed = t("documents.not_printed", lang)
    kinds = ("tasks", "projects", "targets", "classifications", "positionings", "towns")
    per_kind = {kind: Counter(r.citation.document for r in getattr(dataset, kind)) for kind in kinds}
    warnings = Counter(w.document for w in dataset.warnings)
    rows = []
    for document in dataset.documents:
        name = document.document
        kind_key = f"documents.kind.{document.kind}"
        rows.append({
            "document": name,
            "title": " ".join(document.title.split()),
            "issuer": document.issuer or not_printed,
            "number": document.number or not_printed,
            "date": document.date or not_printed,
            "scope": geo.place_name(document.scope_adcode),
            "kind": t(kind_key, lang) if kind_key in STRINGS else document.kind,
            "line_count": document.line_count,
            **{kind: per_kind[kind].get(name, 0) for kind in kinds},
            "warnings": warnings.get(name, 0),
            "url": document_url(name, lang=lang),
        })
    return pd.DataFrame(rows)


def read_lines(path: Path) -> tuple[str, ...]:
    """A document's lines numbered as the ingest numbers them (BOM dropped, no line ends).

    Bytes that are not UTF-8 are shown as U+FFFD rather than hiding the document.
    """
    text = Path(path).read_bytes().decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return tuple(line.rstrip("\r") for line in lines)


def cited_range(line_count: int, start: int | None, end: int | None) -> tuple[int, int] | None:
    """The cited range clipped to the document, or None when it is missing or outside it."""
    if start is None:
        return None
    end = start if end is None else end
    if end < start:
        start, end = end, start
    if start < 1 or start > line_count:
        return None
    return start, min(end, line_count)


def reader_window(line_count: int, cited: tuple[int, int] | None, before: int = 12, after: int = 40) -> tuple[int, int]:
    """The lines to render: the cited range with context, or the document's start."""
    if cited is None:
        return 1, min(line_count, before + after + 1)
    return max(1, cited[0] - before), min(line_count, cited[1] + after)


READER_STYLE = (
    "<style>"
    ".xc-reader{font-size:0.95rem;line-height:1.75;border:1px solid #e3e3e3;border-radius:6px;padding:6px 0;}"
    ".xc-line{display:flex;gap:0.9em;padding:0 10px;white-space:pre-wrap;word-break:break-word;}"
    ".xc-no{flex:0 0 3.2em;text-align:right;color:#8a8a8a;user-select:none;font-variant-numeric:tabular-nums;}"
    ".xc-text{flex:1 1 auto;}"
    ".xc-hit{background:#fff1b8;border-left:4px solid #d4a017;padding-left:6px;}"
    "</style>"
)


# Scrolls the reader's cited line into view once it is drawn (tries for about five seconds).
# It runs in a zero-height component frame of the same origin, so it reaches the page
# through window.parent (st.html's scripts did not run on this page). It scrolls once per
# cited range and window of lines shown, so a rerun does not yank the reader back.
SCROLL_TO_CITED = (
    "<script>(function(){var top=window.parent,doc=top.document,tries=0;function go(){"
    "var el=doc.getElementById('cited');"
    "if(el){var seen=el.dataset.line+'@'+doc.querySelectorAll('.xc-line').length+'@'+top.location.search;"
    "if(top.xcCited!==seen){top.xcCited=seen;el.scrollIntoView({block:'center'});}}"
    "else if(tries++<100){setTimeout(go,50);}}go();})();</script>"
)


def scroll_to_cited(first: int, last: int) -> str:
    """SCROLL_TO_CITED for a window of lines: another window is another frame, so it runs again."""
    return SCROLL_TO_CITED + f"<!-- lines {int(first)}-{int(last)} -->"


def document_html(lines: Sequence[str], first: int, last: int, cited: tuple[int, int] | None = None) -> str:
    """Lines first..last (1-based) as an HTML block with line numbers; the cited range is
    marked (class xc-hit) and its first line carries the anchor id 'cited'.

    Every line of the document is escaped: a line with ``<script>`` shows as text.
    """
    out = [READER_STYLE, '<div class="xc-reader">']
    for number in range(first, last + 1):
        hit = cited is not None and cited[0] <= number <= cited[1]
        anchor = ' id="cited"' if cited is not None and number == cited[0] else ""
        css = "xc-line xc-hit" if hit else "xc-line"
        text = html.escape(lines[number - 1]) or "&nbsp;"
        out.append(f'<div class="{css}" data-line="{number}"{anchor}><span class="xc-no">{number}</span><span class="xc-text">{text}</span></div>')
    out.append("</div>")
    return "".join(out)


def warnings_of(dataset: Dataset, document: str) -> list:
    """Build warnings about one document, in line order (None lines first)."""
    items = [w for w in dataset.warnings if w.document == document]
    return sorted(items, key=lambda w: (w.line or 0, w.code))


def records_in_range(dataset: Dataset, document: str, start: int, end: int) -> dict[str, int]:
    """How many records of each kind cite lines overlapping start..end of document."""
    found = {}
    for kind in ("tasks", "projects", "targets", "classifications", "positionings", "towns"):
        n = sum(
            1 for r in getattr(dataset, kind)
            if r.citation.document == document and r.citation.line_start <= end and r.citation.line_end >= start
        )
        if n:
            found[kind] = n
    return found
