"""Static maps (PNG/SVG/PDF) of county types and indicators, drawn on the server in EPSG:4546."""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

from .. import geo, palette
from ..classes import classify, interval_labels
from ..i18n import t, type_label
from . import fonts

FORMATS = ("png", "svg", "pdf")
PORTRAIT = (8.27, 11.69)  # A4, inches
LANDSCAPE = (11.69, 8.27)
DEFAULT_DPI = 150
HIGH_DPI = 300

# Page layout, inches.
MARGIN = 0.45
SIDE_WIDTH = 2.15  # legend column to the right of the map
GAP = 0.2
HEADER = 1.15  # title + subtitle
FOOTER = 0.85  # source lines + date

CONTEXT_EDGE = "#BBBBBB"  # outlines of cities outside the current view
NO_DATA_HATCH = "#C2C2C2"
HALO = "white"

# matplotlib's rcParams are process-global; Streamlit serves sessions from threads.
_LOCK = threading.Lock()


class ExportError(ValueError):
    """A request the exporter cannot honour (unknown format, unknown city, bad level)."""


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Geometry:
    counties: object  # GeoDataFrame, projected, indexed by adcode
    cities: object
    province: object
    label_points: dict  # adcode → (x, y) in metres: a point well inside the unit


@lru_cache(maxsize=1)
def geometry() -> Geometry:
    """Boundaries in geo.PROJECTED_CRS (read and projected once per process)."""
    from shapely.ops import polylabel

    counties = geo.read_frame("counties.geojson").to_crs(geo.PROJECTED_CRS)
    counties = counties.set_index("adcode", drop=False).sort_index()
    cities = geo.read_frame("cities.geojson").to_crs(geo.PROJECTED_CRS)
    cities = cities.set_index("adcode", drop=False).sort_index()
    province = geo.read_frame("province.geojson").to_crs(geo.PROJECTED_CRS)
    points = {}
    for adcode, geom in zip(counties.index, counties.geometry):
        part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        point = polylabel(part, tolerance=100.0)  # pole of inaccessibility, 100 m
        points[adcode] = (point.x, point.y)
    for adcode, geom in zip(cities.index, cities.geometry):
        part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        point = polylabel(part, tolerance=200.0)
        points[adcode] = (point.x, point.y)
    return Geometry(counties, cities, province, points)


def _view_counties(city_adcode: str | None) -> list[str]:
    if city_adcode is None or city_adcode == geo.PROVINCE_ADCODE:
        return sorted(geo.counties())
    if city_adcode not in geo.cities():
        raise ExportError(f"未知城市代码 {city_adcode!r} (unknown city adcode)")
    return sorted(geo.counties_of_city(city_adcode))


def place_label(city_adcode: str | None, lang: str) -> str:
    if city_adcode is None or city_adcode == geo.PROVINCE_ADCODE:
        return t("export.province", lang)
    return geo.place_name(city_adcode)


# --------------------------------------------------------------------------- page


@dataclass
class Page:
    """A figure with its map axes, the legend column and the data extent shown."""

    fig: object
    ax: object
    size: tuple[float, float]
    map_box: tuple[float, float, float, float]  # x, y, w, h in inches
    side_box: tuple[float, float, float, float]
    extent: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax in metres

    @property
    def metres_per_inch(self) -> float:
        return (self.extent[2] - self.extent[0]) / self.map_box[2]


def _fit(bounds, box_w: float, box_h: float) -> tuple[float, tuple[float, float, float, float]]:
    """Scale (inches per metre) and extent that fit bounds into a box without distortion."""
    x0, y0, x1, y1 = bounds
    pad = 0.03 * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    scale = min(box_w / (x1 - x0), box_h / (y1 - y0))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = box_w / scale / 2, box_h / scale / 2
    return scale, (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def new_page(bounds) -> Page:
    """An A4 page, portrait or landscape, whichever shows the bounds larger."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    best = None
    for size in (PORTRAIT, LANDSCAPE):
        width, height = size
        map_w = width - 2 * MARGIN - SIDE_WIDTH - GAP
        map_h = height - HEADER - FOOTER
        scale, extent = _fit(bounds, map_w, map_h)
        if best is None or scale > best[0] * 1.05:  # prefer portrait unless clearly better
            best = (scale, size, (MARGIN, FOOTER, map_w, map_h), extent)
    _, size, map_box, extent = best
    width, height = size
    fig = Figure(figsize=size, dpi=DEFAULT_DPI, facecolor="white")
    FigureCanvasAgg(fig)
    x, y, w, h = map_box
    ax = fig.add_axes((x / width, y / height, w / width, h / height))
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal", adjustable="datalim")
    ax.apply_aspect()
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#CCCCCC")
        spine.set_linewidth(0.6)
    side_box = (x + w + GAP, y, SIDE_WIDTH, h)
    return Page(fig, ax, size, map_box, side_box, extent)


def _fig_xy(page: Page, x_in: float, y_in: float) -> tuple[float, float]:
    return x_in / page.size[0], y_in / page.size[1]


def draw_header(page: Page, title: str, subtitle: str) -> None:
    width, height = page.size
    text_w = (width - 2 * MARGIN) * 72
    title_lines = fonts.clip_lines(fonts.wrap(title, text_w, 17), 1, text_w, 17)
    sub_lines = fonts.clip_lines(fonts.wrap(subtitle, text_w, 9.5), 2, text_w, 9.5)
    page.fig.text(*_fig_xy(page, MARGIN, height - 0.42), title_lines[0], fontsize=17, va="top", ha="left", color="#111111")
    page.fig.text(
        *_fig_xy(page, MARGIN, height - 0.78), "\n".join(sub_lines), fontsize=9.5, va="top", ha="left", color="#444444", linespacing=1.3
    )


def draw_footer(page: Page, sources: Sequence[str], lang: str, export_date: date | None) -> str:
    """Source line (documents and boundary data), projection and export date; returns the text."""
    width, _ = page.size
    text_w = (width - 2 * MARGIN) * 72
    docs = "；".join(sources) if lang == "zh" else "; ".join(sources)
    source_text = t("export.sources", lang, docs=docs) if sources else t("export.sources_none", lang)
    source_text += (" " if lang == "en" else "") + t("export.boundaries", lang)
    day = (export_date or date.today()).isoformat()
    tail = t("export.projection", lang) + ("  " if lang == "en" else "　") + t("export.date", lang, date=day)
    lines = fonts.clip_lines(fonts.wrap(source_text, text_w, 7), 4, text_w, 7) + [tail]
    page.fig.text(
        *_fig_xy(page, MARGIN, FOOTER - 0.12), "\n".join(lines), fontsize=7, va="top", ha="left", color="#333333", linespacing=1.35
    )
    return source_text


def document_label(document, lang: str = "zh") -> str:
    """How a source document is named on an export: 《title》（number）."""
    title = " ".join(document.title.split())
    if lang == "en":
        return f"“{title}” ({document.number})" if document.number else f"“{title}”"
    return f"《{title}》（{document.number}）" if document.number else f"《{title}》"


# --------------------------------------------------------------------------- drawing


@dataclass(frozen=True)
class Style:
    """How one unit is filled: colour, optional hatch with its own colour and width."""

    colour: str
    hatch: str = ""
    hatch_colour: str = ""
    hatch_width: float = 0.6


def two_type_style(first: str, second: str) -> Style:
    # 45° stripes of equal width, as the web legend's "two types (striped)".
    return Style(palette.TYPE_COLOURS[first], "//", palette.TYPE_COLOURS[second], 2.8)


DISTRICT_STYLE = Style(palette.MUNICIPAL_DISTRICT, "////", palette.DISTRICT_HATCH, 0.5)
NO_DATA_STYLE = Style(palette.NO_DATA, "xx", NO_DATA_HATCH, 0.35)


def _fill(ax, frame, styles: Mapping[str, Style]) -> None:
    """Fill each unit of frame by its style; one plot call per hatch kind keeps it fast."""
    groups: dict[tuple, list[str]] = {}
    for adcode in frame.index:
        style = styles[adcode]
        groups.setdefault((style.hatch, style.hatch_colour, style.hatch_width), []).append(adcode)
    for (hatch, hatch_colour, hatch_width), adcodes in groups.items():
        part = frame.loc[adcodes]
        colours = [styles[a].colour for a in adcodes]
        if not hatch:
            part.plot(ax=ax, color=colours, linewidth=0, zorder=1)
            continue
        collection_count = len(ax.collections)
        part.plot(ax=ax, color=colours, linewidth=0, zorder=1, hatch=hatch)
        for collection in ax.collections[collection_count:]:
            collection.set_hatchcolor(hatch_colour)
            collection.set_hatch_linewidth(hatch_width)


def _outlines(page: Page, county_adcodes: Sequence[str], city_adcodes: Sequence[str], with_context: bool) -> None:
    g = geometry()
    ax = page.ax
    g.counties.loc[list(county_adcodes)].boundary.plot(ax=ax, color=palette.COUNTY_EDGE, linewidth=0.3, zorder=3)
    if with_context:
        others = [c for c in g.cities.index if c not in city_adcodes]
        if others:
            g.cities.loc[others].boundary.plot(ax=ax, color=CONTEXT_EDGE, linewidth=0.6, zorder=2)
    g.cities.loc[list(city_adcodes)].boundary.plot(ax=ax, color=palette.CITY_EDGE, linewidth=1.1, zorder=4)
    if not with_context:
        g.province.boundary.plot(ax=ax, color=palette.CITY_EDGE, linewidth=1.4, zorder=4)
    # geopandas names the axes after the CRS ("Easting [metre]"); a map needs no axis titles.
    ax.set_xlabel("")
    ax.set_ylabel("")


def _text_bbox_data(page: Page, text, renderer):
    from shapely.geometry import box

    bbox = text.get_window_extent(renderer)
    inverse = page.ax.transData.inverted()
    (x0, y0), (x1, y1) = inverse.transform([(bbox.x0, bbox.y0), (bbox.x1, bbox.y1)])
    return bbox, box(x0, y0, x1, y1)


def _overlaps(bbox, placed) -> bool:
    return any(bbox.overlaps(other) for other in placed)


def draw_labels(page: Page, adcodes: Sequence[str], base_size: float) -> list[tuple[int, str]]:
    """Name each unit inside its own polygon without collisions; the rest get numbers.

    Larger units are placed first. A name that does not fit inside its unit, or that would
    touch a name already placed, is tried one size smaller, then replaced by a number
    listed in a key beside the map. Returns the numbered key as (number, name).
    """
    from matplotlib import patheffects

    g = geometry()
    ax = page.ax
    renderer = page.fig.canvas.get_renderer()
    halo = [patheffects.withStroke(linewidth=1.6, foreground=HALO)]
    placed = []
    numbered: list[str] = []
    order = sorted(adcodes, key=lambda a: -g.counties.geometry[a].area)
    sizes = (base_size, base_size * 0.85)
    for adcode in order:
        x, y = g.label_points[adcode]
        polygon = g.counties.geometry[adcode]
        name = fonts.drawable(geo.place_name(adcode))
        text = ax.text(x, y, name, fontsize=sizes[0], ha="center", va="center", color="#111111", zorder=6, path_effects=halo)
        for size in sizes:
            text.set_fontsize(size)
            bbox, shape = _text_bbox_data(page, text, renderer)
            inside = polygon.intersection(shape).area >= 0.8 * shape.area
            if inside and not _overlaps(bbox, placed):
                placed.append(bbox)
                break
        else:
            text.remove()
            numbered.append(adcode)
    key = []
    metres_per_point = page.metres_per_inch / 72
    for number, adcode in enumerate(sorted(numbered), start=1):
        x, y = g.label_points[adcode]
        size = base_size * 0.85
        text = ax.text(x, y, str(number), fontsize=size, ha="center", va="center", color="#111111", zorder=7, path_effects=halo)
        # Neighbouring small districts can share a spot: nudge a number that would touch
        # another label to the nearest free position around its point.
        step = size * metres_per_point
        for dx, dy in ((0, 0), (step, 0), (-step, 0), (0, step), (0, -step), (step, step), (-step, step), (step, -step), (-step, -step), (2 * step, 0), (-2 * step, 0)):
            text.set_position((x + dx, y + dy))
            # A gap of about a third of the size, so "5" and "6" never read as "56".
            bbox = text.get_window_extent(renderer).padded(size * page.fig.dpi / 72 * 0.35)
            if not _overlaps(bbox, placed):
                break
        placed.append(text.get_window_extent(renderer))
        key.append((number, geo.place_name(adcode)))
    return key


class SideColumn:
    """Stacks the legend, north arrow, scale bar and label key down the right column."""

    def __init__(self, page: Page):
        self.page = page
        x, y, w, h = page.side_box
        self.x, self.width, self.bottom = x, w, y
        self.cursor = y + h  # inches from the page bottom

    def legend(self, handles, labels, title: str, fontsize: float = 7.5) -> None:
        page = self.page
        text_w = (self.width - 0.45) * 72
        wrapped = ["\n".join(fonts.wrap(label, text_w, fontsize)) for label in labels]
        title_text = "\n".join(fonts.wrap(title, self.width * 72, fontsize + 1))
        legend = page.fig.legend(
            handles,
            wrapped,
            title=title_text,
            loc="upper left",
            bbox_to_anchor=_fig_xy(page, self.x - 0.05, self.cursor + 0.05),
            frameon=False,
            fontsize=fontsize,
            title_fontsize=fontsize + 1,
            handlelength=2.0,
            handleheight=1.3,
            labelspacing=0.55,
            alignment="left",
            borderaxespad=0,
            borderpad=0.2,
        )
        bbox = legend.get_window_extent(page.fig.canvas.get_renderer())
        self.cursor = bbox.y0 / page.fig.dpi - 0.15

    def north_and_scale(self, lang: str) -> None:
        page = self.page
        fig = page.fig
        # North arrow: grid north of EPSG:4546, within about 2° of true north in Shanxi.
        top = self.cursor
        x = self.x + 0.25
        arrow = [(x, top - 0.5), (x + 0.12, top - 0.62), (x, top - 0.12), (x - 0.12, top - 0.62)]
        from matplotlib.patches import Polygon

        fig.patches.append(
            Polygon([_fig_xy(page, *p) for p in arrow], closed=True, transform=fig.transFigure, facecolor="#222222", edgecolor="#222222", linewidth=0.5)
        )
        fig.text(*_fig_xy(page, x, top - 0.02), t("export.north", lang), fontsize=9, ha="center", va="top")
        # Scale bar: the largest round length that fits the column, measured in metres.
        inches_per_km = 1000 / page.metres_per_inch
        length_km = max((n for n in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500) if n * inches_per_km <= self.width - 0.5), default=1)
        bar_in = length_km * inches_per_km
        y0 = top - 0.95
        x0 = self.x + 0.05
        from matplotlib.patches import Rectangle

        for i in range(4):
            fig.patches.append(
                Rectangle(
                    _fig_xy(page, x0 + i * bar_in / 4, y0),
                    bar_in / 4 / page.size[0],
                    0.06 / page.size[1],
                    transform=fig.transFigure,
                    facecolor="#222222" if i % 2 == 0 else "white",
                    edgecolor="#222222",
                    linewidth=0.6,
                )
            )
        for value, pos in ((0, x0), (length_km / 2, x0 + bar_in / 2), (length_km, x0 + bar_in)):
            label = f"{value:g}"
            fig.text(*_fig_xy(page, pos, y0 + 0.1), label, fontsize=6.5, ha="center", va="bottom")
        fig.text(*_fig_xy(page, x0 + bar_in + 0.08, y0 + 0.03), t("export.km", lang), fontsize=6.5, ha="left", va="center")
        self.cursor = y0 - 0.25

    def numbered_key(self, key: list[tuple[int, str]], lang: str) -> None:
        if not key:
            return
        page = self.page
        fig = page.fig
        fig.text(*_fig_xy(page, self.x, self.cursor), t("export.label_key", lang), fontsize=8.5, ha="left", va="top")
        top = self.cursor - 0.22
        available = top - self.bottom
        size = 6.5
        for columns in (2, 3, 4):
            rows = math.ceil(len(key) / columns)
            size = min(6.5, available * 72 / rows / 1.3)
            col_w = self.width / columns * 72
            widest = max(fonts.text_width(f"{n} {name}", size) for n, name in key)
            if size >= 5 and widest <= col_w - 3:
                break
        rows = math.ceil(len(key) / columns)
        col_w = self.width / columns
        for index, (number, name) in enumerate(key):
            col, row = divmod(index, rows)
            # Cleaned and cut like every other text: one line that fits its column.
            line = fonts.clip_lines(fonts.wrap(f"{number} {name}", col_w * 72 - 3, size), 1, col_w * 72 - 3, size)[0]
            fig.text(
                *_fig_xy(page, self.x + col * col_w, top - row * size * 1.3 / 72),
                line,
                fontsize=size,
                ha="left",
                va="top",
                color="#222222",
            )
        self.cursor = top - rows * size * 1.3 / 72


def _line_handle(colour: str, width: float):
    from matplotlib.lines import Line2D

    return Line2D([], [], color=colour, linewidth=width)


def _patch_handle(style: Style):
    from matplotlib.patches import Patch

    patch = Patch(facecolor=style.colour, edgecolor=palette.COUNTY_EDGE, linewidth=0.4, hatch=style.hatch or None)
    if style.hatch:
        patch.set_hatchcolor(style.hatch_colour)
        patch.set_hatch_linewidth(style.hatch_width)
    return patch


def save(fig, fmt: str, dpi: int, title: str, subject: str = "") -> bytes:
    """The figure as PNG/SVG/PDF bytes; metadata without timestamps (same input, same bytes)."""
    buffer = io.BytesIO()
    if fmt == "png":
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Title": title, "Software": "xiancheng"})
    elif fmt == "pdf":
        fig.savefig(buffer, format="pdf", metadata={"Title": title, "Subject": subject, "Creator": "xiancheng", "CreationDate": None})
    elif fmt == "svg":
        fig.savefig(buffer, format="svg", metadata={"Title": title, "Date": None, "Creator": "xiancheng"})
    return buffer.getvalue()


def _check(fmt: str, dpi: int) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"不支持的格式 {fmt!r}，可用：{', '.join(FORMATS)} (unsupported format)")
    if not 50 <= dpi <= 600:
        raise ExportError(f"分辨率 {dpi} dpi 超出范围 50–600 (dpi out of range)")


# --------------------------------------------------------------------------- type map


def type_styles(all_types: Mapping) -> dict[str, Style]:
    """Fill style of every unit from queries.county_types(): as the web map draws it."""
    from ..queries import MUNICIPAL_DISTRICT

    styles = {}
    for adcode, info in all_types.items():
        if len(info.types) >= 2:
            styles[adcode] = two_type_style(info.types[0], info.types[1])
        elif info.types:
            styles[adcode] = Style(palette.TYPE_COLOURS[info.types[0]])
        elif info.status == MUNICIPAL_DISTRICT:
            styles[adcode] = DISTRICT_STYLE
        else:
            styles[adcode] = Style(palette.NOT_STATED)
    return styles


def render_type_map(
    dataset,
    *,
    city_adcode: str | None = None,
    lang: str = "zh",
    fmt: str = "png",
    dpi: int = DEFAULT_DPI,
    export_date: date | None = None,
) -> bytes:
    """The county-town type map of the province or one city, as PNG/SVG/PDF bytes.

    Counties are coloured by type (palette.TYPE_COLOURS); a county with two types is
    striped in both colours; 'not stated' is grey; municipal districts are white with grey
    hatching. The legend counts the units shown. The source line names the documents whose
    statements are drawn.
    """
    from ..dataset import COUNTY_TYPES, NATIONAL_ONLY_TYPES
    from ..queries import MUNICIPAL_DISTRICT, NOT_STATED, county_types

    _check(fmt, dpi)
    adcodes = _view_counties(city_adcode)
    all_types = county_types(dataset)
    shown = [all_types[a] for a in adcodes]
    styles = type_styles(all_types)
    place = place_label(city_adcode, lang)
    title = t("export.type_map_title", lang, place=place)
    used_docs = {s.citation.document for info in shown for s in info.statements}
    documents = [d for d in dataset.documents if d.document in used_docs]
    subtitle = t("export.type_map_subtitle", lang, n=len(documents))

    with _LOCK, _rc():
        page = _map_page(adcodes, city_adcode)
        g = geometry()
        _fill(page.ax, g.counties.loc[adcodes], styles)
        _outlines(page, adcodes, _view_cities(city_adcode), city_adcode is not None)
        key = draw_labels(page, adcodes, _label_size(city_adcode))
        draw_header(page, title, subtitle)
        handles, labels = [], []
        for type_key in COUNTY_TYPES + tuple(k for k in NATIONAL_ONLY_TYPES if any(k in c.types for c in shown)):
            handles.append(_patch_handle(Style(palette.TYPE_COLOURS[type_key])))
            # Counts are of the units painted with each swatch (as in the web legend): a
            # two-type county is counted under its stripes, so the counts add up to the units shown.
            labels.append(f"{type_label(type_key, lang)} ({sum(c.types == (type_key,) for c in shown)})")
        pairs = sorted({c.types[:2] for c in shown if len(c.types) >= 2})
        for first, second in pairs or [("urban-integration", "ecological")]:
            handles.append(_patch_handle(two_type_style(first, second)))
            count = sum(c.types[:2] == (first, second) for c in shown)
            name = type_label("two-types", lang)
            if pairs:
                name += f"：{_short_type(first, lang)}+{_short_type(second, lang)}" if lang == "zh" else f": {_short_type(first, lang)} + {_short_type(second, lang)}"
            labels.append(f"{name} ({count})")
        handles.append(_patch_handle(Style(palette.NOT_STATED)))
        labels.append(f"{type_label(NOT_STATED, lang)} ({sum(c.status == NOT_STATED for c in shown)})")
        handles.append(_patch_handle(DISTRICT_STYLE))
        labels.append(f"{type_label(MUNICIPAL_DISTRICT, lang)} ({sum(c.status == MUNICIPAL_DISTRICT for c in shown)})")
        handles += [_line_handle(palette.CITY_EDGE, 1.1), _line_handle(palette.COUNTY_EDGE, 0.4)]
        labels += [t("export.city_boundary", lang), t("export.county_boundary", lang)]
        column = SideColumn(page)
        column.legend(handles, labels, t("export.legend_types", lang))
        column.north_and_scale(lang)
        column.numbered_key(key, lang)
        source = draw_footer(page, [document_label(d, lang) for d in documents], lang, export_date)
        return save(page.fig, fmt, dpi, title, source)


def _short_type(type_key: str, lang: str) -> str:
    return t(f"export.type_short.{type_key}", lang)


# --------------------------------------------------------------------------- indicator map


def render_indicator_map(
    values: Mapping[str, float | None],
    *,
    level: str = "county",
    title: str,
    indicator: str,
    unit: str = "",
    year: int | None = None,
    period: str = "",
    method: str = "quantiles",
    k: int = 5,
    lang: str = "zh",
    fmt: str = "png",
    dpi: int = DEFAULT_DPI,
    city_adcode: str | None = None,
    no_data_reason: str | None = None,
    sources: Sequence[str] = (),
    export_date: date | None = None,
) -> bytes:
    """A choropleth of one indicator by county or by city, as PNG/SVG/PDF bytes.

    values maps adcode → value (None or missing: no data, hatched grey and counted in the
    legend with no_data_reason). Classes come from classes.classify over the units shown.
    With level="city" each value is drawn on its city polygon, never copied onto the
    counties. sources are document names for the source line (see document_label).
    period: the period as the web legend names it ("2025年 · 目标值"); when given it
    replaces the bare year, so a target is never read as a measured value.
    """
    _check(fmt, dpi)
    if level not in ("county", "city"):
        raise ExportError(f"level 须为 county 或 city，得到 {level!r} (level must be county or city)")
    county_adcodes = _view_counties(city_adcode)
    city_adcodes = _view_cities(city_adcode)
    units = county_adcodes if level == "county" else city_adcodes
    present = {a: float(values[a]) for a in units if values.get(a) is not None and not math.isnan(float(values[a]))}
    reason = no_data_reason or t("export.no_data_default_reason", lang)
    styles: dict[str, Style] = {a: NO_DATA_STYLE for a in units}
    handles, labels = [], []
    k_used = 0
    if present:
        classes = classify(list(present.values()), method, k)
        k_used = classes.k
        colours = palette.sequential(classes.k)
        for adcode, index in zip(present, classes.bins):
            styles[adcode] = Style(colours[index])
        counts = classes.counts()
        for colour, label, count in zip(colours, interval_labels(classes, unit), counts):
            handles.append(_patch_handle(Style(colour)))
            labels.append(f"{label} ({count})")
    else:
        classify([0.0], method, k)  # validates method and k even when nothing is drawn
    _finish_legend(handles, labels, len(units) - len(present), reason, lang)
    year_text = str(year) if year else t("export.year_none", lang)
    subtitle = t(
        "export.indicator_subtitle_period" if period else "export.indicator_subtitle",
        lang,
        indicator=indicator,
        year=year_text,
        period=period,
        method=t(f"export.method.{method}", lang),
        k=k_used,
        level=t(f"export.level.{level}", lang),
    )
    legend_title = f"{indicator}（{unit}）" if unit and lang == "zh" else f"{indicator} ({unit})" if unit else indicator

    return _styled_map(styles, level, city_adcode, title, subtitle, (handles, labels, legend_title),
                       lang, sources, export_date, fmt, dpi)


def render_category_map(
    categories: Mapping[str, str | None],
    order: Sequence[str],
    *,
    title: str,
    indicator: str,
    lang: str = "zh",
    fmt: str = "png",
    dpi: int = DEFAULT_DPI,
    city_adcode: str | None = None,
    no_data_reason: str | None = None,
    sources: Sequence[str] = (),
    export_date: date | None = None,
) -> bytes:
    """A categorical indicator (an imported category per county) as PNG/SVG/PDF bytes:
    each category in its colour (palette.category_colours over order, as the web layer),
    counties without one hatched grey; the legend lists the categories shown with counts."""
    _check(fmt, dpi)
    county_adcodes = _view_counties(city_adcode)
    colours = palette.category_colours(order)
    styles = {a: Style(colours[categories[a]]) if categories.get(a) in colours else NO_DATA_STYLE for a in county_adcodes}
    counts: dict[str | None, int] = {}
    for adcode in county_adcodes:
        category = categories.get(adcode) if categories.get(adcode) in colours else None
        counts[category] = counts.get(category, 0) + 1
    handles = [_patch_handle(Style(colours[c])) for c in order if counts.get(c)]
    labels = [f"{c} ({counts[c]})" for c in order if counts.get(c)]
    reason = no_data_reason or t("export.no_data_default_reason", lang)
    _finish_legend(handles, labels, counts.get(None, 0), reason, lang)
    subtitle = t("export.category_subtitle", lang, indicator=indicator, n=sum(n for c, n in counts.items() if c))
    return _styled_map(styles, "county", city_adcode, title, subtitle, (handles, labels, indicator),
                       lang, sources, export_date, fmt, dpi)


def _finish_legend(handles: list, labels: list[str], missing: int, reason: str, lang: str) -> None:
    """The legend's last entries, shared by the indicator and category maps: units with no
    value (hatched, with the reason and their count) when there are any, then the boundaries."""
    if missing:
        handles.append(_patch_handle(NO_DATA_STYLE))
        colon = "：" if lang == "zh" else ": "
        labels.append(f"{t('export.no_data', lang)}{colon}{reason} ({missing})")
    handles += [_line_handle(palette.CITY_EDGE, 1.1), _line_handle(palette.COUNTY_EDGE, 0.4)]
    labels += [t("export.city_boundary", lang), t("export.county_boundary", lang)]


def _styled_map(styles: Mapping[str, Style], level: str, city_adcode: str | None, title: str, subtitle: str,
                legend: tuple[list, list[str], str], lang: str, sources: Sequence[str],
                export_date: date | None, fmt: str, dpi: int) -> bytes:
    """Draw units filled by styles (counties, or cities with level="city") in the page layout
    every thematic map shares: outlines, labels, header, legend, north arrow and scale,
    numbered key, footer."""
    county_adcodes, city_adcodes = _view_counties(city_adcode), _view_cities(city_adcode)
    with _LOCK, _rc():
        page = _map_page(county_adcodes, city_adcode)
        g = geometry()
        units = county_adcodes if level == "county" else city_adcodes
        _fill(page.ax, g.counties.loc[units] if level == "county" else g.cities.loc[units], styles)
        _outlines(page, county_adcodes, city_adcodes, city_adcode is not None)
        if level == "county":
            key = draw_labels(page, county_adcodes, _label_size(city_adcode))
        else:
            key = []
            _city_labels(page, city_adcodes)
        draw_header(page, title, subtitle)
        column = SideColumn(page)
        column.legend(*legend)
        column.north_and_scale(lang)
        column.numbered_key(key, lang)
        source = draw_footer(page, list(sources), lang, export_date)
        return save(page.fig, fmt, dpi, title, source)


def _city_labels(page: Page, city_adcodes: Iterable[str]) -> None:
    from matplotlib import patheffects

    g = geometry()
    halo = [patheffects.withStroke(linewidth=2, foreground=HALO)]
    for adcode in city_adcodes:
        x, y = g.label_points[adcode]
        page.ax.text(x, y, fonts.drawable(geo.place_name(adcode)), fontsize=9, ha="center", va="center", zorder=6, path_effects=halo)


# --------------------------------------------------------------------------- helpers


def _view_cities(city_adcode: str | None) -> list[str]:
    if city_adcode is None or city_adcode == geo.PROVINCE_ADCODE:
        return sorted(geo.cities())
    return [city_adcode]


def _label_size(city_adcode: str | None) -> float:
    return 6.0 if city_adcode is None or city_adcode == geo.PROVINCE_ADCODE else 8.0


def _map_page(county_adcodes: Sequence[str], city_adcode: str | None) -> Page:
    g = geometry()
    bounds = g.counties.loc[list(county_adcodes)].total_bounds
    return new_page(tuple(bounds))


def _rc():
    import matplotlib

    return matplotlib.rc_context(fonts.rc_params())
