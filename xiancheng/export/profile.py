"""County one-pager: an A4 portrait profile of one county (PNG/PDF) for briefings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from .. import geo, palette
from ..i18n import STRINGS, t, type_label
from . import fonts
from .staticmap import _LOCK, ExportError, _rc, document_label, geometry, save

A4 = (8.27, 11.69)
MARGIN = 0.55
LOCATOR_W = 2.0  # inches; the locator map sits top right
HIGHLIGHT = "#C62828"  # the county on the locator map (not a type colour)
NOTICE = "#7A4F01"  # "no plan of its own": worth noticing on paper, not an error
RULE = "#0072B2"
MUTED = "#555555"
BODY = 8.5  # pt
SMALL = 7.0
HEAD = 11.0

MAX_TYPE_STATEMENTS = 4
SECTION_RESERVE = 0.95  # inches kept free for each section below the one being written
MAX_TARGETS = 8
MAX_PROJECTS = 6
MAX_ACTIONS = 10


# --------------------------------------------------------------------------- content


@dataclass
class Profile:
    """What the one-pager says about a county, gathered from the dataset (no drawing)."""

    adcode: str
    name: str
    city_adcode: str
    city_name: str
    kind: str
    types: tuple = ()
    status: str = ""
    statements: tuple = ()
    positionings: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    targets_level: str = "county"  # "county", or "city" when the county has none of its own
    task_counts: list = field(default_factory=list)  # (action, tasks in own plan, in city plans, projects)
    task_total: int = 0
    projects: list = field(default_factory=list)  # sorted by investment, largest first
    own_documents: list = field(default_factory=list)
    city_documents: list = field(default_factory=list)
    documents: list = field(default_factory=list)  # every document cited on the page


@lru_cache(maxsize=1)
def _canonical_actions() -> dict[str, str]:
    """Canonical action key → Chinese name, from the ingest taxonomy (ingest/actions.yaml)."""
    import yaml

    path = Path(__file__).resolve().parent.parent / "ingest" / "actions.yaml"
    try:
        actions = yaml.safe_load(path.read_text(encoding="utf-8")).get("actions", {})
        return {key: value["zh"] for key, value in actions.items()}
    except (OSError, AttributeError, KeyError, TypeError, yaml.YAMLError):
        return {}


def _action_label(key: str | None, fallback: str, lang: str) -> str:
    """The canonical action's name (i18n, else the taxonomy), else the plan's own heading."""
    if key and f"action.{key}" in STRINGS:
        return t(f"action.{key}", lang)
    if key and key in _canonical_actions():
        return _canonical_actions()[key]
    if fallback:
        return fallback
    return key or t("export.profile_action_none", lang)


def gather(dataset, adcode: str, lang: str = "zh") -> Profile:
    """Collect the county's records: its own plan's, and the city plans that apply to it."""
    from ..queries import county_types

    county = geo.counties().get(adcode)
    if county is None:
        raise ExportError(f"未知县级代码 {adcode!r} (unknown county adcode)")
    info = county_types(dataset)[adcode]
    own_docs = [d for d in dataset.documents if d.scope_level == "county" and d.scope_adcode == adcode]
    city_docs = [d for d in dataset.documents if d.scope_level == "city" and d.scope_adcode == county.city_adcode]
    own_names = {d.document for d in own_docs}

    positionings = [p for p in dataset.positionings if p.adcode == adcode]
    targets = [x for x in dataset.targets if x.scope_adcode == adcode]
    level = "county"
    if not targets:
        city_targets = [x for x in dataset.targets if x.scope_adcode == county.city_adcode]
        if city_targets:
            # Shown under a heading that says they are the city's, never as the county's own.
            targets, level = city_targets, "city"
    # Targets first (then values/baselines), the latest year first, in document order.
    kind_rank = {"target": 0, "value": 1, "baseline": 2}
    targets.sort(key=lambda x: (kind_rank.get(x.kind, 3), -(x.year or 0)))

    tasks = [task for task in dataset.tasks if adcode in task.adcodes]
    projects = [p for p in dataset.projects if adcode in p.adcodes or (not p.adcodes and p.scope_adcode == adcode)]
    counts: dict[str, list] = {}
    for task in tasks:
        label = _action_label(task.action_key, task.action_zh, lang)
        row = counts.setdefault(label, [label, 0, 0, 0])
        row[1 if task.document in own_names else 2] += 1
    for project in projects:
        # Projects carry an action only when their table groups them under one.
        label = _action_label(getattr(project, "action_key", None), getattr(project, "category", ""), lang)
        counts.setdefault(label, [label, 0, 0, 0])[3] += 1
    task_counts = sorted((tuple(r) for r in counts.values()), key=lambda r: -(r[1] + r[2] + r[3]))

    projects.sort(key=lambda p: -(p.investment_yi if p.investment_yi is not None else -1))

    cited = {s.citation.document for s in info.statements}
    cited |= {p.citation.document for p in positionings} | {x.citation.document for x in targets}
    cited |= {task.document for task in tasks} | {p.citation.document for p in projects}
    cited |= own_names | {d.document for d in city_docs}
    documents = [d for d in dataset.documents if d.document in cited]

    return Profile(
        adcode=adcode,
        name=county.name,
        city_adcode=county.city_adcode,
        city_name=county.city_name,
        kind=county.kind,
        types=info.types,
        status=info.status,
        statements=info.statements,
        positionings=positionings,
        targets=targets,
        targets_level=level,
        task_counts=task_counts,
        task_total=len(tasks),
        projects=projects,
        own_documents=own_docs,
        city_documents=city_docs,
        documents=documents,
    )


def short_name(document, lang: str = "zh") -> str:
    """A document's 文号, or, when it prints none, its place and kind ("洪洞县行动方案")."""
    if document.number:
        return document.number
    key = f"export.doc_short.{document.kind}"
    if key in STRINGS:
        return t(key, lang, place=geo.place_name(document.scope_adcode))
    return " ".join(document.title.split())


def short_source(dataset, citation, lang: str = "zh") -> str:
    """A compact citation: the document's number (or title) and the line span."""
    document = dataset.documents_by_name.get(citation.document)
    name = citation.document if document is None else short_name(document, lang)
    lines = (
        f"{citation.line_start}" if citation.line_start == citation.line_end else f"{citation.line_start}–{citation.line_end}"
    )
    key = "export.cite_line" if citation.line_start == citation.line_end else "export.cite"
    return t(key, lang, document=name, lines=lines)


# --------------------------------------------------------------------------- layout


class Flow:
    """Writes lines down the page from a cursor, never below the floor."""

    def __init__(self, fig, top: float, floor: float, narrow_until: float, narrow_width: float):
        self.fig = fig
        self.y = top  # inches from the page bottom
        self.floor = floor
        self.narrow_until = narrow_until  # above this y, text stays left of the locator map
        self.narrow_width = narrow_width
        self.full_width = A4[0] - 2 * MARGIN

    @property
    def width(self) -> float:
        return self.narrow_width if self.y > self.narrow_until else self.full_width

    def room(self, size: float = BODY) -> int:
        """How many more lines of this size fit."""
        return max(0, int((self.y - self.floor) / (size * 1.45 / 72)))

    def text(self, x_in: float, y_in: float, text: str, size: float, color: str = "#111111", ha: str = "left") -> None:
        self.fig.text(x_in / A4[0], y_in / A4[1], text, fontsize=size, color=color, ha=ha, va="top")

    def heading(self, text: str) -> bool:
        if self.room(HEAD) < 3:
            return False
        self.y -= 0.12
        self.text(MARGIN, self.y, text, HEAD, "#111111")
        self.y -= HEAD * 1.35 / 72
        from matplotlib.lines import Line2D

        x0, x1 = MARGIN / A4[0], (MARGIN + self.width) / A4[0]
        y = (self.y + 0.02) / A4[1]
        self.fig.add_artist(Line2D([x0, x1], [y, y], color=RULE, linewidth=0.8))
        self.y -= 0.06
        return True

    def paragraph(self, text: str, size: float = BODY, indent: float = 0.0, max_lines: int = 99, color: str = "#111111") -> int:
        """Wrapped text; clipped with an ellipsis to max_lines and to the room left."""
        width_pt = (self.width - indent) * 72
        lines = fonts.wrap(text, width_pt, size)
        lines = fonts.clip_lines(lines, max(0, min(max_lines, self.room(size))), width_pt, size)
        for line in lines:
            self.text(MARGIN + indent, self.y, line, size, color)
            self.y -= size * 1.45 / 72
        return len(lines)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        more: str,
        limit: int,
        aligns=None,
        sizes=None,
    ) -> None:
        """A simple table; widths are fractions of the line; cells wrap to two lines.

        At most `limit` rows, fewer if the page runs out; the rows left out are summarised
        by one line of `more` (formatted with n = how many).
        """
        aligns = aligns or ["left"] * len(headers)
        sizes = sizes or [BODY] * len(headers)
        total = self.width
        xs = [MARGIN]
        for w in widths[:-1]:
            xs.append(xs[-1] + w * total)
        line_h = BODY * 1.4 / 72

        def cell_lines(cell, w, size) -> list[str]:
            width_pt = w * total * 72 - 6
            return fonts.clip_lines(fonts.wrap(str(cell), width_pt, size), 2, width_pt, size)

        def draw_row(cells, color="#111111", header=False) -> None:
            heights = []
            for x, w, cell, align, size in zip(xs, widths, cells, aligns, sizes):
                size = SMALL + 0.5 if header else size
                lines = cell_lines(cell, w, size)
                heights.append(len(lines))
                for i, line in enumerate(lines):
                    if align == "right":
                        self.text(x + w * total - 0.06, self.y - i * line_h, line, size, color, ha="right")
                    else:
                        self.text(x, self.y - i * line_h, line, size, color)
            self.y -= max(heights) * line_h + 0.03

        def rows_needed(cells) -> int:
            return max(len(cell_lines(c, w, size)) for c, w, size in zip(cells, widths, sizes))

        draw_row(headers, MUTED, header=True)
        shown = 0
        for index, row in enumerate(rows):
            left = len(rows) - index
            need = rows_needed(row) * line_h + 0.03
            reserve = line_h if left > 1 else 0  # room for the "… N more" line
            if index >= limit or self.y - need - reserve < self.floor:
                break
            draw_row(row)
            shown += 1
        if shown < len(rows) and self.room(SMALL) >= 1:
            self.paragraph(more.format(n=len(rows) - shown), SMALL, color=MUTED)


def _locator(fig, profile: Profile, box) -> None:
    """Province with the county's city outlined and the county filled."""
    x, y, w, h = box
    _draw_locator(fig.add_axes((x / A4[0], y / A4[1], w / A4[0], h / A4[1])), profile.adcode, profile.city_adcode)


def _draw_locator(ax, adcode: str, city_adcode: str) -> None:
    g = geometry()
    ax.set_axis_off()
    counties = g.counties
    colours = [HIGHLIGHT if a == adcode else "#E6E6E6" for a in counties.index]
    counties.plot(ax=ax, color=colours, linewidth=0.2, edgecolor="white")
    g.cities.boundary.plot(ax=ax, color="#9A9A9A", linewidth=0.4)
    g.cities.loc[[city_adcode]].boundary.plot(ax=ax, color=palette.CITY_EDGE, linewidth=0.9)
    g.province.boundary.plot(ax=ax, color=palette.CITY_EDGE, linewidth=0.7)
    x0, y0, x1, y1 = g.province.total_bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box", anchor="N")


def render_locator(adcode: str, dpi: int = 110) -> bytes:
    """The one-pager's locator map alone (PNG), for the county page."""
    county = geo.counties()[adcode]
    with _LOCK, _rc():
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(LOCATOR_W, LOCATOR_W * 1.83), dpi=dpi, facecolor="white")
        FigureCanvasAgg(fig)
        _draw_locator(fig.add_axes((0, 0, 1, 1)), adcode, county.city_adcode)
        return save(fig, "png", dpi, county.name)


# --------------------------------------------------------------------------- render


def render_county_profile(
    dataset,
    adcode: str,
    *,
    lang: str = "zh",
    fmt: str = "png",
    dpi: int = 150,
    export_date: date | None = None,
    progress: tuple[str, list] | None = None,
) -> bytes:
    """The one-page profile of a county as PNG or PDF bytes (A4 portrait).

    progress: (summary line, [(item, status, department)]) from xiancheng.progress.one_pager
    adds the status per item (issue 14); None leaves it out.

    Shows a locator map, name/city/kind, type(s) with each statement quoted and cited,
    positioning, key targets, task counts by action (the county's own plan and the city
    plans that apply), the largest projects by investment and the sources. A county with no
    plan of its own says so and names the city-level plans that apply. Long lists end with
    "…及另外 N 项"; text wraps and is clipped to the page, never drawn past it.
    """
    if fmt not in ("png", "pdf"):
        raise ExportError(f"一页纸仅支持 png 或 pdf，得到 {fmt!r} (one-pager formats: png, pdf)")
    profile = gather(dataset, adcode, lang)
    title = t("export.profile_title", lang, name=f"{profile.city_name}{profile.name}" if profile.kind != "市辖区" else geo.full_name(adcode))
    with _LOCK, _rc():
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=A4, dpi=dpi, facecolor="white")
        FigureCanvasAgg(fig)
        width, height = A4
        top = height - 0.5
        locator_h = LOCATOR_W * 1.83
        _locator(fig, profile, (width - MARGIN - LOCATOR_W, top - locator_h, LOCATOR_W, locator_h))
        footer = _footer(fig, profile, dataset, lang, export_date)
        flow = Flow(fig, top, footer, top - locator_h - 0.1, width - 2 * MARGIN - LOCATOR_W - 0.25)
        text_w = flow.width * 72
        title_lines = fonts.clip_lines(fonts.wrap(title, text_w, 18), 2, text_w, 18)
        for line in title_lines:
            flow.text(MARGIN, flow.y, line, 18)
            flow.y -= 18 * 1.35 / 72
        kind = t(f"kind.{profile.kind}", lang) if f"kind.{profile.kind}" in STRINGS else profile.kind
        flow.paragraph(f"{profile.city_name} · {kind} · {t('adcode', lang)} {profile.adcode}", 9.5, color=MUTED)
        _plans_note(flow, profile, lang)
        sections = (
            lambda: _types_section(flow, profile, dataset, lang),
            lambda: _positioning_section(flow, profile, dataset, lang),
            lambda: _targets_section(flow, profile, dataset, lang),
            lambda: _tasks_section(flow, profile, lang),
            lambda: _projects_section(flow, profile, dataset, lang),
        ) + ((lambda: _progress_section(flow, progress, lang)),) * (progress is not None)
        for index, section in enumerate(sections):
            # Keep room for a heading and a few lines of every section still to come, so a
            # long section is cut short ("…及另外 N 项") instead of pushing the rest off.
            flow.floor = footer + SECTION_RESERVE * (len(sections) - index - 1)
            section()
        source = " ".join(document_label(d, lang) for d in profile.documents)
        return save(fig, fmt, dpi, title, source)


def _plans_note(flow: Flow, profile: Profile, lang: str) -> None:
    if profile.own_documents:
        names = "；".join(document_label(d, lang) for d in profile.own_documents)
        flow.paragraph(t("export.profile_own_plan", lang, plans=names), SMALL + 0.5, max_lines=3)
    else:
        if profile.city_documents:
            names = "；".join(document_label(d, lang) for d in profile.city_documents)
            text = t("export.profile_no_own_plan", lang, plans=names)
        else:
            text = t("export.profile_no_plan_at_all", lang, city=profile.city_name)
        flow.paragraph(text, SMALL + 0.5, max_lines=4, color=NOTICE)


def _types_section(flow: Flow, profile: Profile, dataset, lang: str) -> None:
    from ..queries import MUNICIPAL_DISTRICT

    if not flow.heading(t("export.profile_types", lang)):
        return
    if not profile.types:
        status = MUNICIPAL_DISTRICT if profile.status == MUNICIPAL_DISTRICT else "not-stated"
        flow.paragraph(type_label(status, lang))
        return
    flow.paragraph(" + ".join(type_label(k, lang) for k in profile.types))
    statements = list(profile.statements)
    for statement in statements[:MAX_TYPE_STATEMENTS]:
        quote = " ".join(statement.citation.quote.split()) or type_label(statement.type, lang)
        kind = t(f"export.statement.{statement.statement_kind}", lang) if f"export.statement.{statement.statement_kind}" in STRINGS else statement.statement_kind
        cite = short_source(dataset, statement.citation, lang)
        # The citation leads, so it survives when a long quote is clipped.
        if lang == "zh":
            line = f"{cite}" + (f"（{kind}）" if kind else "") + f"：“{quote}”"
        else:
            line = f"{cite}" + (f" ({kind})" if kind else "") + f": “{quote}”"
        flow.paragraph(line, SMALL + 0.5, indent=0.15, max_lines=2, color="#333333")
    if len(statements) > MAX_TYPE_STATEMENTS:
        flow.paragraph(t("export.more", lang, n=len(statements) - MAX_TYPE_STATEMENTS), SMALL, indent=0.15, color=MUTED)


def _positioning_section(flow: Flow, profile: Profile, dataset, lang: str) -> None:
    if not flow.heading(t("export.profile_positioning", lang)):
        return
    if not profile.positionings:
        flow.paragraph(t("export.profile_none_stated", lang), color=MUTED)
        return
    for positioning in profile.positionings[:2]:
        flow.paragraph(" ".join(positioning.text.split()), max_lines=5)
        flow.paragraph(short_source(dataset, positioning.citation, lang), SMALL, indent=0.15, max_lines=1, color=MUTED)
    if len(profile.positionings) > 2:
        flow.paragraph(t("export.more", lang, n=len(profile.positionings) - 2), SMALL, color=MUTED)


def _targets_section(flow: Flow, profile: Profile, dataset, lang: str) -> None:
    key = "export.profile_targets" if profile.targets_level == "county" else "export.profile_targets_city"
    if not flow.heading(t(key, lang, city=profile.city_name)):
        return
    if not profile.targets:
        flow.paragraph(t("export.profile_none_stated", lang), color=MUTED)
        return
    rows = []
    for target in profile.targets:
        value = target.value_text or (f"{target.comparator}{target.value:g}{target.unit}" if target.value is not None else "")
        rows.append((target.indicator, str(target.year or ""), value, short_source(dataset, target.citation, lang)))
    flow.table(
        [t("export.col_indicator", lang), t("export.col_year", lang), t("export.col_value", lang), t("export.col_source", lang)],
        rows,
        (0.37, 0.08, 0.19, 0.36),
        more=t("export.more", lang, n="{n}"),
        limit=MAX_TARGETS,
        sizes=(BODY, BODY, BODY, SMALL + 0.5),
    )


def _tasks_section(flow: Flow, profile: Profile, lang: str) -> None:
    if not flow.heading(t("export.profile_tasks", lang)):
        return
    n_projects = len(profile.projects)
    with_money = [p for p in profile.projects if p.investment_yi is not None]
    total = sum(p.investment_yi for p in with_money)
    if with_money:
        counts = t("export.profile_counts", lang, tasks=profile.task_total, projects=n_projects, priced=len(with_money), total=f"{total:,.2f}")
    else:
        counts = t("export.profile_counts_unpriced", lang, tasks=profile.task_total, projects=n_projects)
    flow.paragraph(counts, max_lines=2)
    if not profile.task_counts:
        return
    rows = [(label, str(own), str(city), str(projects)) for label, own, city, projects in profile.task_counts]
    flow.table(
        [t("export.col_action", lang), t("export.col_own_plan", lang), t("export.col_city_plan", lang), t("export.col_projects", lang)],
        rows,
        (0.46, 0.18, 0.18, 0.18),
        more=t("export.more", lang, n="{n}"),
        limit=MAX_ACTIONS,
        aligns=("left", "right", "right", "right"),
    )


def _projects_section(flow: Flow, profile: Profile, dataset, lang: str) -> None:
    if not flow.heading(t("export.profile_projects", lang)):
        return
    priced = [p for p in profile.projects if p.investment_yi is not None]
    if not priced:
        flow.paragraph(t("export.profile_no_priced_projects", lang), color=MUTED)
        return
    rows = [(p.name, f"{p.investment_yi:,.2f}", short_source(dataset, p.citation, lang)) for p in priced]
    flow.table(
        [t("export.col_project", lang), t("export.col_investment", lang), t("export.col_source", lang)],
        rows,
        (0.54, 0.14, 0.32),
        more=t("export.more", lang, n="{n}"),
        limit=MAX_PROJECTS,
        sizes=(BODY, BODY, SMALL + 0.5),
        aligns=("left", "right", "left"),
    )


def _progress_section(flow: Flow, progress: tuple[str, list], lang: str) -> None:
    if not flow.heading(t("progress.section", lang)):
        return
    summary, rows = progress
    flow.paragraph(summary, max_lines=2)
    if rows:
        flow.table([t("progress.col.item", lang), t("progress.col.status", lang), t("progress.col.unit", lang)],
                   rows, (0.56, 0.16, 0.28), more=t("export.more", lang, n="{n}"), limit=MAX_PROJECTS)


def _footer(fig, profile: Profile, dataset, lang: str, export_date: date | None) -> float:
    """Sources (documents, boundaries) and date at the page bottom; returns the top of it."""
    width = (A4[0] - 2 * MARGIN) * 72
    size = SMALL
    docs = "；".join(document_label(d, lang) for d in profile.documents) if lang == "zh" else "; ".join(document_label(d, lang) for d in profile.documents)
    source = t("export.sources", lang, docs=docs) if profile.documents else t("export.sources_none", lang)
    lines = fonts.clip_lines(fonts.wrap(source, width, size), 5, width, size)
    day = (export_date or date.today()).isoformat()
    lines.append(t("export.boundaries", lang) + ("  " if lang == "en" else "　") + t("export.date", lang, date=day))
    line_h = size * 1.4 / 72
    top = 0.45 + len(lines) * line_h
    heading_y = top + 0.3
    fig.text(MARGIN / A4[0], heading_y / A4[1], t("export.profile_sources", lang), fontsize=HEAD - 1.5, va="top", ha="left")
    from matplotlib.lines import Line2D

    fig.add_artist(Line2D([MARGIN / A4[0], (A4[0] - MARGIN) / A4[0]], [(heading_y - 0.2) / A4[1]] * 2, color=RULE, linewidth=0.8))
    for i, line in enumerate(lines):
        fig.text(MARGIN / A4[0], (top - i * line_h) / A4[1], line, fontsize=size, va="top", ha="left", color="#333333")
    return heading_y + 0.1
