"""The 调度会 briefing (issue 14): for a city or the province and a period, the map of
completion, the late items by department and the period's changes, as PDF and as .docx.

Everything comes from the plans (items) and the store's reports (xiancheng.progress);
gather() collects it once, the two writers lay it out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timezone

from .. import geo
from .. import progress as pg
from ..i18n import t
from ..store import progress as sp
from . import fonts

MAX_CHANGES = 60  # a period's changes listed up to this many, then counted (a meeting reads pages, not logs)
MAX_LATE_PER_UNIT = 8  # late items named per department, then counted


@dataclass(frozen=True)
class Briefing:
    place: str  # adcode of the city or 140000
    period: str
    title: str
    overview: str
    completion: dict  # county adcode → share of tasks done (0–100) or None
    late: dict  # department → [Item]
    changes: list  # dicts from progress.period_changes
    lang: str
    generated: str


def gather(dataset, snapshot: pg.Snapshot, workspace, place: str, period: str, lang: str = "zh") -> Briefing:
    items = pg.items_of_place(snapshot.items, place)
    summary = pg.summarise(items, snapshot.status_of)
    share = f"{summary.done_share:.0%}" if summary.done_share is not None else "—"
    overview = t("progress.briefing_overview_text", lang, tasks=summary.tasks, done=summary.tasks_done, share=share,
                 late=summary.late, reported=summary.reported, planned=f"{summary.investment_planned_yi:,.2f}",
                 invested=f"{summary.investment_done_yi:,.2f}")
    counties = geo.counties_of_city(place) if place != geo.PROVINCE_ADCODE else list(geo.counties())
    completion = {}
    for adcode in counties:
        county_summary = snapshot.summaries.get(adcode)
        share_value = county_summary.done_share if county_summary is not None else None
        completion[adcode] = round(share_value * 100, 1) if share_value is not None else None
    keys = {i.key for i in items}
    changes = [c for c in pg.period_changes(sp.history_for_period(workspace, period), snapshot.items, period)
               if c["key"] in keys]
    return Briefing(
        place=place, period=period,
        title=t("progress.briefing_title", lang, place=geo.place_name(place), period=period),
        overview=overview, completion=completion, late=pg.late_by_department(items, snapshot.status_of),
        changes=changes, lang=lang,
        generated=datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M"),
    )


def _status(code, lang: str) -> str:
    return t(f"progress.status.{code}", lang) if code else "—"


def _change_lines(briefing: Briefing) -> list[str]:
    lang = briefing.lang
    lines = []
    for change in briefing.changes[:MAX_CHANGES]:
        title = change["item"].title if change["item"] is not None else change["title"]
        lines.append(t("progress.briefing_change_line", lang, title=title, before=_status(change["before"], lang),
                       after=_status(change["after"], lang), unit=change["unit"], who=change["by"]))
    if len(briefing.changes) > MAX_CHANGES:
        lines.append(t("export.more", lang, n=len(briefing.changes) - MAX_CHANGES))
    return lines


def _late_lines(briefing: Briefing) -> list[tuple[str, list[str]]]:
    lang = briefing.lang
    result = []
    for unit, items in briefing.late.items():
        titles = [i.title for i in items[:MAX_LATE_PER_UNIT]]
        if len(items) > MAX_LATE_PER_UNIT:
            titles.append(t("export.more", lang, n=len(items) - MAX_LATE_PER_UNIT))
        result.append((unit or t("progress.unit_none", lang), titles, len(items)))
    return result


def completion_map_png(briefing: Briefing, dpi: int = 110) -> bytes:
    from .staticmap import render_indicator_map

    lang = briefing.lang
    return render_indicator_map(
        briefing.completion, title=t("progress.briefing_map", lang), indicator=t("indicators.name.progress-done-share", lang),
        unit="%", method="equal_interval", k=4, lang=lang, fmt="png", dpi=dpi,
        city_adcode=None if briefing.place == geo.PROVINCE_ADCODE else briefing.place,
        no_data_reason=t("progress.status.unreported", lang),
    )


# --------------------------------------------------------------------------- PDF


A4 = (8.27, 11.69)
MARGIN = 0.7
HEADING_COLOUR = "#0b3d6e"


def briefing_pdf(briefing: Briefing, map_png: bytes | None = None) -> bytes:
    """The briefing as a PDF: page 1 title, overview and the completion map; then the late
    items by department and the period's changes, flowing over as many pages as they need."""
    import matplotlib.image as mpimg
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    from .staticmap import _LOCK, _rc

    map_png = map_png if map_png is not None else completion_map_png(briefing)
    lang = briefing.lang
    buffer = io.BytesIO()
    with _LOCK, _rc(), PdfPages(buffer, metadata={"Title": briefing.title, "Creator": "xiancheng"}) as pdf:
        pages: list = []
        state = {"fig": None, "y": 0.0}

        def new_page():
            fig = Figure(figsize=A4)
            pages.append(fig)
            state["fig"], state["y"] = fig, A4[1] - MARGIN
            fig.text(MARGIN / A4[0], 0.4 / A4[1], briefing.title + f" · {len(pages)}", fontsize=7, color="#777777")

        def write(text: str, size: float = 10, color: str = "#111111", indent: float = 0.0, bold: bool = False):
            # Headings stand out by size and colour, not weight: the packaged font has one
            # weight, and asking for bold embedded whatever bold CJK font the system had
            # (a second font to subset, ~1 s of CPU, and tofu where there is none).
            color = HEADING_COLOUR if bold else color
            width_pt = (A4[0] - 2 * MARGIN - indent) * 72
            for line in fonts.wrap(text, width_pt, size) or [""]:
                if state["y"] < MARGIN + 0.3:
                    new_page()
                state["fig"].text((MARGIN + indent) / A4[0], state["y"] / A4[1], line, fontsize=size, color=color,
                                  va="top")
                state["y"] -= size * 1.45 / 72

        new_page()
        write(briefing.title, 16, bold=True)
        state["y"] -= 0.1
        write(briefing.overview, 10.5)
        write(t("progress.briefing_generated", lang, at=briefing.generated), 8, "#666666")
        image = mpimg.imread(io.BytesIO(map_png), format="png")
        height, width = image.shape[:2]
        box_w = A4[0] - 2 * MARGIN
        box_h = min(box_w * height / width, state["y"] - MARGIN - 0.3)
        box_w = box_h * width / height
        axes = state["fig"].add_axes(((A4[0] - box_w) / 2 / A4[0], (state["y"] - box_h) / A4[1], box_w / A4[0], box_h / A4[1]))
        axes.imshow(image)
        axes.axis("off")
        new_page()
        write(t("progress.briefing_late", lang), 13, bold=True)
        late = _late_lines(briefing)
        if not late:
            write(t("progress.briefing_late_none", lang), 10, "#666666")
        for unit, titles, count in late:
            write(f"{unit}（{count}）", 10.5, bold=True)
            for title in titles:
                write("· " + title, 9.5, indent=0.2)
        state["y"] -= 0.15
        write(t("progress.briefing_changes", lang) + f"（{briefing.period}）", 13, bold=True)
        lines = _change_lines(briefing)
        if not lines:
            write(t("progress.briefing_changes_none", lang), 10, "#666666")
        for line in lines:
            write("· " + line, 9.5, indent=0.1)
        for fig in pages:
            pdf.savefig(fig)
    return buffer.getvalue()


# --------------------------------------------------------------------------- Word


def briefing_docx(briefing: Briefing, map_png: bytes | None = None) -> bytes:
    """The same briefing as a Word-compatible .docx (python-docx)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    map_png = map_png if map_png is not None else completion_map_png(briefing)
    lang = briefing.lang
    document = Document()
    style = document.styles["Normal"]
    style.font.size = Pt(10.5)
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    document.core_properties.title = briefing.title
    document.core_properties.author = "xiancheng"
    document.add_heading(briefing.title, level=1)
    document.add_paragraph(briefing.overview)
    document.add_heading(t("progress.briefing_map", lang), level=2)
    document.add_picture(io.BytesIO(map_png), width=Cm(15))
    document.add_heading(t("progress.briefing_late", lang), level=2)
    late = _late_lines(briefing)
    if late:
        table = document.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, (t("progress.col.unit", lang), t("progress.col.item", lang), "#")):
            cell.text = text
        for unit, titles, count in late:
            cells = table.add_row().cells
            cells[0].text, cells[1].text, cells[2].text = unit, "\n".join(titles), str(count)
    else:
        document.add_paragraph(t("progress.briefing_late_none", lang))
    document.add_heading(t("progress.briefing_changes", lang) + f"（{briefing.period}）", level=2)
    lines = _change_lines(briefing)
    for line in lines or [t("progress.briefing_changes_none", lang)]:
        document.add_paragraph(line, style="List Bullet" if lines else None)
    document.add_paragraph(t("progress.briefing_generated", lang, at=briefing.generated)).runs[0].font.size = Pt(8)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def default_place(dataset) -> str:
    """The city of the first city plan, else the province."""
    cities = [d.scope_adcode for d in dataset.documents if d.scope_level == "city"]
    return cities[0] if cities else geo.PROVINCE_ADCODE


__all__ = ["Briefing", "briefing_docx", "briefing_pdf", "completion_map_png", "default_place", "gather"]
