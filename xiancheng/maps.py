"""Folium maps of Shanxi: county fills, city outlines, labels, legends (no Streamlit, no CDN).

Fills are plain colours or SVG patterns ("stripes" for a county with two types, "hatch"
for districts and no-data). Leaflet writes a path's fillColor into its SVG `fill`
attribute, so `url(#pattern)` works once the pattern is defined in the map's own SVG;
a small script adds those definitions after the layers are drawn.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from functools import lru_cache

import folium
from branca.element import Element, MacroElement, Template

from . import geo, palette
from .offline import AFTER_MAP_KEY, MAP_DRAWN_FIELD, use_local_leaflet

use_local_leaflet()
# folium embeds GeoJSON with jinja's `tojson` ("[112.4, 37.6], " per vertex); compact
# separators cut the map page by a tenth. The environment is shared by folium's templates.
folium.GeoJson._template.environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}

CITY_PANE = "xc-cities"
CITY_VALUE_PANE = "xc-city-values"  # below the county shapes, which hatch over a city's value
COUNTY_ROLE = "counties"
PROVINCE_BOUNDS = [[34.57, 110.23], [40.74, 114.56]]  # [[south, west], [north, east]]
TIANDITU_URL = "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk="


@dataclass(frozen=True)
class Fill:
    """How one unit is painted: a colour, or a two-colour pattern."""

    colour: str
    pattern: str = ""  # "" / "stripes" / "hatch"
    second: str = ""  # stripes: second colour; hatch: line colour

    @property
    def pattern_id(self) -> str:
        key = f"{self.pattern}-{self.colour}-{self.second}".replace("#", "")
        return f"xc-{key}"

    @property
    def css(self) -> str:
        """The same fill as CSS, for legend swatches."""
        if self.pattern == "stripes":
            return f"repeating-linear-gradient(45deg,{self.colour} 0 5px,{self.second} 5px 10px)"
        if self.pattern == "hatch":
            return f"repeating-linear-gradient(45deg,{self.colour} 0 4px,{self.second} 4px 5px)"
        return self.colour

    @property
    def svg_fill(self) -> str:
        return f"url(#{self.pattern_id})" if self.pattern else self.colour


@dataclass(frozen=True)
class LegendEntry:
    fill: Fill
    label: str
    count: int | None = None


@lru_cache(maxsize=1)
def _web_features() -> tuple[dict, ...]:
    return tuple(json.loads(geo.geojson_text("counties_web.geojson"))["features"])


@lru_cache(maxsize=1)
def label_points() -> dict[str, tuple[float, float]]:
    """A point well inside each county (pole of inaccessibility), as (lat, lng)."""
    return {a: tuple(f["label"]) for a, f in geo.county_facts().items()}


@lru_cache(maxsize=1)
def _areas() -> dict[str, float]:
    return {a: f["area"] for a, f in geo.county_facts().items()}


def warm() -> None:
    """Compile folium's templates and read the boundaries once, before the first visitor."""
    from .dataset import Dataset
    from .queries import county_types

    type_map(county_types(Dataset()), "zh").get_root().render()


def data_extent(adcodes: list[str], share: float = 0.5) -> list[str] | None:
    """adcodes, when they cover less than share of the province's box; else None (whole province).

    A map whose data sits in one corner opens fitted to that corner, not to a screen of grey.
    """
    if not adcodes:
        return None
    (south, west), (north, east) = bounds_of(adcodes)
    (p_south, p_west), (p_north, p_east) = PROVINCE_BOUNDS
    covered = (north - south) * (east - west) / ((p_north - p_south) * (p_east - p_west))
    return list(adcodes) if covered < share else None


def bounds_of(adcodes: list[str]) -> list[list[float]]:
    west = south = 1e9
    east = north = -1e9
    facts = geo.county_facts()
    for adcode in dict.fromkeys(adcodes):
        if adcode in facts:
            x0, y0, x1, y1 = facts[adcode]["bounds"]
            west, south, east, north = min(west, x0), min(south, y0), max(east, x1), max(north, y1)
    return [[south, west], [north, east]] if east > west else PROVINCE_BOUNDS


def _script_template(source: str) -> Template:
    """A map script's template without its whole-line // comments, indentation and blank
    lines: they explain the code here, and every visitor's map would carry them (~4 KB of
    the map's message, escaped as JSON). Code lines are kept as written (a // inside a
    line may be part of a string, e.g. a URL)."""
    lines = (line.strip() for line in source.splitlines())
    return Template("\n".join(line for line in lines if line and not line.startswith("//")))


_PATTERN_JS = _script_template(
    """
{% macro script(this, kwargs) %}
(function () {
  var patterns = {{ this.patterns_json }};
  var map = null;
  function install() {
    if (!map) { return; }
    var svg = map.getPanes().overlayPane.querySelector('svg');
    if (!svg) { return; }
    var ns = 'http://www.w3.org/2000/svg';
    var defs = svg.querySelector('defs') || svg.insertBefore(document.createElementNS(ns, 'defs'), svg.firstChild);
    patterns.forEach(function (p) {
      if (svg.getElementById(p.id)) { return; }
      var pat = document.createElementNS(ns, 'pattern');
      pat.setAttribute('id', p.id);
      pat.setAttribute('patternUnits', 'userSpaceOnUse');
      pat.setAttribute('width', p.size); pat.setAttribute('height', p.size);
      pat.setAttribute('patternTransform', 'rotate(45)');
      var bg = document.createElementNS(ns, 'rect');
      bg.setAttribute('width', p.size); bg.setAttribute('height', p.size);
      bg.setAttribute('fill', p.a);
      pat.appendChild(bg);
      var band = document.createElementNS(ns, 'rect');
      band.setAttribute('width', p.band); band.setAttribute('height', p.size);
      band.setAttribute('fill', p.b);
      pat.appendChild(band);
      defs.appendChild(pat);
    });
  }
  // A layer, not a bare script: it works inside a feature group that the map's component swaps in
  // place, and it stops listening when that group is removed.
  var layer = new L.Layer();
  layer.onAdd = function (m) { map = m; install(); map.on('layeradd', install); return this; };
  layer.onRemove = function (m) { m.off('layeradd', install); map = null; return this; };
  {{ this._parent.get_name() }}.addLayer(layer);
})();
{% endmacro %}
"""
)


class _Patterns(MacroElement):
    def __init__(self, fills: list[Fill]):
        super().__init__()
        self._name = "Patterns"
        self._template = _PATTERN_JS
        specs = []
        for fill in dict.fromkeys(f for f in fills if f.pattern):
            size, band = (10, 5) if fill.pattern == "stripes" else (6, 1.2)
            specs.append({"id": fill.pattern_id, "a": fill.colour, "b": fill.second, "size": size, "band": band})
        self.patterns_json = json.dumps(specs)


_LABELS_JS = _script_template(
    """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var points = {{ this.points_json }};  // sorted by priority (counties before districts, larger units first)
  var spans = [];
  // Collision culling: a label whose box overlaps a label of higher priority is hidden; it
  // comes back once zooming in makes room. Districts crowd around city centres: they are
  // named only once zoomed in (tooltips always). All boxes are read in one go (one layout),
  // then the clashing ones hidden.
  function layout() {
    map.getContainer().classList.toggle('xc-far', map.getZoom() < {{ this.district_zoom }});
    spans.forEach(function (span) { span.style.visibility = ''; });
    var boxes = spans.map(function (span) { return span.offsetParent ? span.getBoundingClientRect() : null; });  // null: display:none
    var taken = [];
    boxes.forEach(function (r, i) {
      if (!r) { return; }
      var clash = taken.some(function (t) {
        return r.left < t.right + 2 && t.left < r.right + 2 && r.top < t.bottom + 1 && t.top < r.bottom + 1;
      });
      if (clash) { spans[i].style.visibility = 'hidden'; } else { taken.push(r); }
    });
  }
  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(function () { pending = false; layout(); });
  }
  function build() {
    var layer = L.layerGroup();
    points.forEach(function (p) {
      var marker = L.marker([p[0], p[1]], {interactive: false, keyboard: false,
        icon: L.divIcon({className: p[3] ? 'xc-label xc-label-d' : 'xc-label', html: '<span>' + p[2] + '</span>', iconSize: null})});
      marker.on('add', function () { spans.push(marker.getElement().firstChild); });
      marker.addTo(layer);
    });
    layer.addTo(map);
    map.xcLayoutLabels = layout;
    map.on('zoomend moveend resize viewreset', layout);
    layout();
    // Label boxes change size when the CJK web font arrives (after document.fonts.ready
    // may already have resolved): lay out again whenever a label's box changes.
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(schedule);
      spans.forEach(function (span) { observer.observe(span); });
    }
  }
  // The names come once the county shapes are painted (the next task after their frame):
  // the shapes are what a visitor waits for, and 117 labels laid out first delayed them.
  // One task later still: the map's painted report (_View, a task after the same frame) goes
  // first, so the page's rest is asked for while the names are laid out (~90 ms), not after.
  function afterPaint() { requestAnimationFrame(function () { setTimeout(function () { setTimeout(build, 0); }, 0); }); }
  if (map.xcCountiesDrawn) { afterPaint(); } else { map.once('xc:counties', afterPaint); }
})();
{% endmacro %}
"""
)


class _Labels(MacroElement):
    district_zoom = 8.5

    def __init__(self, points: list[tuple[float, float, str, bool]]):
        super().__init__()
        self._name = "Labels"
        self._template = _LABELS_JS
        self.points_json = json.dumps(
            [[lat, lng, html.escape(name), int(district)] for lat, lng, name, district in points], ensure_ascii=False
        )


_LEGEND_JS = _script_template(
    """
{% macro script(this, kwargs) %}
(function () {
  var div = L.DomUtil.create('div', 'xc-legend');
  div.innerHTML = {{ this.html_json }};
  // As a layer, the legend leaves with the feature group it belongs to. It sits in the
  // panel beside the map (see _View), never on top of a county.
  var layer = new L.Layer();
  layer.onAdd = function (map) {
    map.xcSide.insertBefore(div, map.xcSide.firstChild);
    map.xcSideChanged();
    return this;
  };
  layer.onRemove = function (map) { div.remove(); map.xcSideChanged(); return this; };
  {{ this._parent.get_name() }}.addLayer(layer);
})();
{% endmacro %}
"""
)


class Legend(MacroElement):
    """A legend drawn inside the map (a Leaflet control), built from LegendEntry rows."""

    def __init__(self, title: str, entries: list[LegendEntry], note: str = ""):
        super().__init__()
        self._name = "Legend"
        self._template = _LEGEND_JS
        rows = "".join(
            f'<div class="xc-row"><span class="xc-swatch" style="background:{e.fill.css}"></span>'
            f"<span>{html.escape(e.label)}</span>"
            + (f'<span class="xc-count">{e.count}</span>' if e.count is not None else "")
            + "</div>"
            for e in entries
        )
        note_html = f'<div class="xc-note">{html.escape(note)}</div>' if note else ""
        self.title = title
        self.html = f'<div class="xc-title">{html.escape(title)}</div>{rows}{note_html}'
        self.html_json = json.dumps(self.html, ensure_ascii=False)


_VIEW_JS = _script_template(
    """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var province = {{ this.province_json }};
  var target = {{ this.bounds_json }};
  var moved = false;  // once the user pans or zooms, the map no longer refits by itself
  // Legend and county card sit in a panel beside the map, not on it: at any zoom they
  // never cover a county. The map keeps the rest of the width. Where that rest would be
  // too narrow to read (a 1024 px screen: the map was 142 px wide), the map takes the whole
  // width and the panel lies over its right edge, the legend folded behind a button until
  // asked for (open, it would cover the counties: the map is as narrow as the legend is wide).
  var NARROW = {{ this.narrow }};  // px of the map's element
  var container = map.getContainer();
  container.parentNode.style.position = 'relative';
  var side = L.DomUtil.create('div', 'xc-side', container.parentNode);
  side.style.maxHeight = '100%';  // the map's height, also where a page's style sizes it (a slide)
  map.xcSide = side;
  {% if this.legend_label %}
  var toggle = L.DomUtil.create('button', 'xc-legend-toggle', side);
  toggle.type = 'button';
  toggle.textContent = {{ this.legend_label_json }};
  toggle.setAttribute('aria-expanded', 'true');
  L.DomEvent.disableClickPropagation(toggle);
  var folded = function (yes) {
    side.classList.toggle('xc-legend-hidden', yes);
    toggle.setAttribute('aria-expanded', yes ? 'false' : 'true');
  };
  L.DomEvent.on(toggle, 'click', function () { folded(!side.classList.contains('xc-legend-hidden')); });
  {% else %}
  var folded = function () {};
  {% endif %}
  var sideState = '';
  map.xcSideChanged = function () {
    var legend = side.querySelector('.xc-legend');
    var over = !!legend && container.parentNode.clientWidth < NARROW;
    var width = legend && !over ? side.offsetWidth : 0;
    var state = over ? 'over' : 'beside ' + width;
    if (state === sideState) { return; }
    if (over !== (sideState === 'over')) { folded(over); }
    sideState = state;
    side.classList.toggle('xc-side-over', over);
    container.style.width = width ? 'calc(100% - ' + (width + 8) + 'px)' : '100%';  // folium's own rule says 100%
    map.invalidateSize({pan: false});
    map.xcFit();
  };
  var maxZoom = null;
  map.xcFit = function (force) {
    if (moved && !force) { return; }
    map.fitBounds(target, {padding: [10, 10], animate: false, maxZoom: maxZoom === null ? undefined : maxZoom});
    if (map.xcLayoutLabels) { map.xcLayoutLabels(); }
  };
  // A new target (a slide's county): later refits (a resize, the legend changing) keep it.
  map.xcFitTo = function (bounds, zoomLimit) { target = bounds; maxZoom = zoomLimit === undefined ? null : zoomLimit; moved = false; map.xcFit(true); };
  map.xcTarget = function () { return target; };
  ['dragstart', 'boxzoomend'].forEach(function (name) { map.on(name, function () { moved = true; }); });
  container.addEventListener('wheel', function () { moved = true; }, {passive: true});
  container.addEventListener('dblclick', function () { moved = true; });
  map.on('resize', function () { map.xcSideChanged(); map.xcFit(); });  // the page's width changed
  // On paper the page is laid out anew at the sheet's width, which Leaflet does not see: the
  // map was cut off where the sheet is narrower than the screen. While printing, the map's
  // element keeps at most PRINT_WIDTH px (what an A4 landscape sheet leaves it, see the
  // print rules of ui.widgets.COMPACT_CSS); afterwards it is as before. Either way the map
  // takes it as a resize (above: the panel, the refit; the labels lay themselves out).
  var PRINT_WIDTH = {{ this.print_width }};
  function printSize(printing) {
    var box = container.parentNode;
    box.style.width = printing ? Math.min(box.clientWidth, PRINT_WIDTH) + 'px' : '';
    map.invalidateSize();
  }
  var beforePrint = function () { printSize(true); }, afterPrint = function () { printSize(false); };
  window.addEventListener('beforeprint', beforePrint);
  window.addEventListener('afterprint', afterPrint);
  map.on('unload', function () {
    window.removeEventListener('beforeprint', beforePrint);
    window.removeEventListener('afterprint', afterPrint);
  });
  // Metric scale only, and the attribution without the flag icon (it ends up in screenshots).
  L.control.scale({imperial: false}).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  {% if this.home_label %}
  var Home = L.Control.extend({
    options: {position: 'topleft'},
    onAdd: function () {
      var bar = L.DomUtil.create('div', 'leaflet-bar xc-home');
      var link = L.DomUtil.create('a', '', bar);
      link.href = '#'; link.role = 'button';
      link.innerHTML = {{ this.home_label_json }}; link.title = {{ this.home_label_json }};
      L.DomEvent.disableClickPropagation(bar);
      L.DomEvent.on(link, 'click', function (e) { L.DomEvent.preventDefault(e); map.xcFitTo(province); });
      return bar;
    }
  });
  new Home().addTo(map);
  {% endif %}
  // A click on a county shows its card in the map at once, from what the map holds; the
  // page's own panel follows when Streamlit has rerun.
  var card = L.DomUtil.create('div', 'xc-card', side);
  map.xcShowCard = function (html) {
    var legend = side.querySelector('.xc-legend');
    card.style.maxWidth = legend ? legend.offsetWidth + 'px' : '';  // the panel keeps its width
    card.innerHTML = html;
  };
  map.xcFit(true);
  // A page may draw its map first and the rest of itself once the map is on screen (it then
  // shows a container keyed AFTER_MAP_KEY, see ui.mapview.rest_waits_for_map): once the
  // counties are painted, the map tells it through the component's value, as a click does.
  var WAITING = '.st-key-{{ this.after_map_key }}';
  function report() {  // once: mapShown runs once per map, its watch stops before it reports
    var data = window.__GLOBAL_DATA__;
    if (!data || !window.Streamlit) { return; }
    // the code of the rest's elements (ui.serve.REST_ELEMENTS) loads while the server runs it
    if (typeof window.parent.xcPreloadRest === 'function') { window.parent.xcPreloadRest(); }
    window.Streamlit.setComponentValue({last_active_drawing: null, {{ this.drawn_field }}: true});
  }
  // The container can reach the page a moment after the map has painted (the server sent
  // them in two messages): without it in the page the map keeps watching for it a while,
  // else that first view would wait for the rest for good.
  var WATCH_SECONDS = 30;
  function mapShown() {
    var doc = null;
    try { doc = window.parent.document; } catch (e) { return; }
    if (doc.querySelector(WAITING)) { report(); return; }
    if (!window.MutationObserver) { return; }
    var watch = new MutationObserver(function () {
      if (doc.querySelector(WAITING)) { stop(); report(); }
    });
    function stop() { watch.disconnect(); clearTimeout(timer); map.off('unload', stop); }
    var timer = setTimeout(stop, WATCH_SECONDS * 1000);
    map.on('unload', stop);  // the map left the page
    watch.observe(doc.body, {childList: true, subtree: true, attributes: true, attributeFilter: ['class']});
  }
  function afterPaint() { requestAnimationFrame(function () { setTimeout(mapShown, 0); }); }
  if (map.xcCountiesDrawn) { afterPaint(); } else { map.once('xc:counties', afterPaint); }
})();
{% endmacro %}
"""
)



class _View(MacroElement):
    """Initial view, refitting beside the legend, scale, attribution, 'whole province', county card."""

    # Below this width of the map's element the legend panel lies over the map's right edge
    # instead of beside it (at 1366×768 the overview's element is 631 px, at 1024 px 390).
    narrow = 600
    # The map's element while printing, at most (A4 landscape, 8 mm margins: 1062 px across,
    # of which the overview's map column gets ~740).
    print_width = 720

    def __init__(self, bounds: list[list[float]], home_label: str = "", legend_label: str = ""):
        super().__init__()
        self._name = "View"
        self._template = _VIEW_JS
        self.bounds_json = json.dumps(bounds)
        self.province_json = json.dumps(PROVINCE_BOUNDS)
        self.home_label = home_label
        self.home_label_json = json.dumps(html.escape(home_label), ensure_ascii=False)
        self.legend_label = legend_label
        self.legend_label_json = json.dumps(legend_label, ensure_ascii=False)
        self.after_map_key = AFTER_MAP_KEY
        self.drawn_field = MAP_DRAWN_FIELD


# The maps' own rules come after Leaflet's in the page (ui.serve puts Leaflet's sheet in the
# head; the map adds these when it starts), so they win: the off-white ground, the CJK font.
# folium makes the map's text 1rem (16px here); Leaflet's attribution and scale would follow
# it, so they keep their 12px.
_MAP_CSS = """<style>
.leaflet-container{background:#fbfbf8;font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif}
.xc-label{pointer-events:none}
.leaflet-control-attribution,.leaflet-control-scale-line{font-size:12px}
.xc-label span{display:block;transform:translate(-50%,-50%);font-size:11px;line-height:1;color:#1d1d1d;white-space:nowrap;
 background:rgba(255,255,255,.82);padding:1px 2px;border-radius:2px}
.xc-far .xc-label-d{display:none}
.xc-side{position:absolute;top:0;right:0;z-index:1000;display:flex;flex-direction:column;gap:8px;overflow-y:auto;
 font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif}
.xc-legend{background:#fff;padding:8px 10px;border-radius:4px;border:1px solid #ddd;
 font-size:12px;line-height:1.5;max-width:240px}
.xc-title{font-weight:600;margin-bottom:4px}
.xc-row{display:flex;align-items:center;gap:6px}
.xc-swatch{display:inline-block;width:18px;height:12px;border:1px solid #777;flex:none}
.xc-count{margin-left:auto;color:#555;padding-left:8px}
.xc-note{color:#555;margin-top:4px;font-size:11px}
.xc-card{background:#fff;padding:8px 10px;border-radius:4px;border:1px solid #ddd;font-size:12px;line-height:1.5;box-sizing:border-box}
.xc-card:empty{display:none}
.xc-card b{font-size:15px}
.xc-home a{width:auto !important;padding:0 6px;font-size:12px;white-space:nowrap}
.xc-side-over{top:10px;right:10px;max-height:calc(100% - 20px) !important}
.xc-legend-toggle{display:none;order:-1;align-self:flex-end;background:#fff;border:1px solid #bbb;border-radius:4px;
 padding:2px 8px;font-size:12px;cursor:pointer;font-family:inherit}
.xc-side-over .xc-legend-toggle{display:block}
.xc-side-over.xc-legend-hidden .xc-legend{display:none}
@media print{.leaflet-control-zoom,.xc-home,.xc-legend-toggle{display:none !important}
 .xc-side-over.xc-legend-hidden .xc-legend{display:block}}
</style>"""


def base_map(bounds: list[list[float]] | None = None, basemap: str = "none", tianditu_key: str = "", height: int = 680, legend_room: int = 270, home_label: str = "", legend_label: str = "") -> folium.Map:
    """An empty map fitted to bounds: no tiles unless the user asks for a basemap.

    The legend sits in a panel beside the map (legend_room is no longer used).
    home_label: a button that fits the whole province. legend_label: the button that hides
    the legend where it lies over a narrow map.
    """
    fmap = folium.Map(
        tiles=None,
        location=[37.6, 112.3],
        zoom_start=7,
        zoom_snap=0.25,
        zoom_control=True,
        control_scale=False,  # _View adds a metric-only scale
        prefer_canvas=False,
        height=height,
    )
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(fmap)
    elif basemap == "tianditu" and tianditu_key:
        folium.TileLayer(
            tiles=TIANDITU_URL + tianditu_key, attr="天地图", subdomains="01234567", name="天地图"
        ).add_to(fmap)
    fmap.get_root().header.add_child(Element(_MAP_CSS))
    # City outlines get a pane above the county fills: they stay on top even when the
    # fills are added later (the indicator layer is swapped in after the base map).
    folium.map.CustomPane(CITY_PANE, z_index=450, pointer_events=False).add_to(fmap)
    folium.map.CustomPane(CITY_VALUE_PANE, z_index=390, pointer_events=False).add_to(fmap)
    _View(bounds or PROVINCE_BOUNDS, home_label, legend_label).add_to(fmap)
    # st_folium asks the map for its bounds, which folium computes by walking every vertex
    # of every layer (~100 ms a rerun, on every click too); we already know them.
    fitted = bounds or PROVINCE_BOUNDS
    fmap.get_bounds = lambda: fitted
    return fmap


_STATIC_SHAPES_JS = _script_template(
    """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var keep = {{ this.keep_json }};  // adcodes to draw, or null for all
  function esc(s) { var d = document.createElement('div'); d.textContent = s; return d.innerHTML; }
  // The map's component reports a click to Streamlit only after 250 ms without another event
  // (st_folium's debounce, made for panning). A click on a county is reported at once, with
  // exactly the value the component builds (asked only for last_active_drawing); its own report
  // then finds nothing new and sends nothing, so the page reruns once, 250 ms sooner.
  function reportNow(shape) {
    var data = window.__GLOBAL_DATA__;
    if (!data || !window.Streamlit || JSON.stringify(data.returned_objects) !== '["last_active_drawing"]') { return; }
    var value = {last_active_drawing: shape.toGeoJSON()};
    if (JSON.stringify(data.previous_data) === JSON.stringify(value)) { return; }
    data.previous_data = value;
    window.Streamlit.setComponentValue(value);
  }
  var shapes = L.geoJSON(null, {
    xcRole: {{ this.role_json }},
    pane: {{ this.pane_json }},
    interactive: {{ this.interactive_json }},
    style: function () { return {{ this.style_json }}; },
    filter: function (feature) { return !keep || keep.indexOf(feature.properties.adcode) >= 0; },
    onEachFeature: function (feature, shape) {
      // A CountyStyle added before the geometry arrived left its tooltips here.
      var units = shapes.xcUnits;
      var unit = units && units[feature.properties.adcode];
      feature.properties.tip = unit ? unit[1] : '';
      if (!shapes.options.interactive) { return; }
      shape.on('mouseover', function () { shape.setStyle({weight: 2.5, color: '#000'}); });
      shape.on('mouseout', function () { shapes.resetStyle(shape); });
      shape.on('click', function () {
        reportNow(shape);
        if (!map.xcShowCard) { return; }
        var p = feature.properties;
        map.xcShowCard('<b>' + esc(p.name) + '</b><br>' + esc(p.city_name) + (p.tip ? '<br>' + p.tip : ''));
      });
    }
  });
  if (shapes.options.interactive) {
    shapes.bindTooltip(function (shape) {
      var p = shape.feature.properties;
      return '<b>' + esc(p.name) + '</b> · ' + esc(p.city_name) + (p.tip ? '<br>' + p.tip : '');  // tip: escaped HTML
    }, {sticky: true});
  }
  shapes.addTo(map);
  // The geometry is a static, content-hashed file: fetched once, then from the browser's cache.
  // The page fetched and parsed it already (offline.map_head_tags): the first map takes that
  // (once: the map writes its own fields into the features), later ones fetch it from the cache.
  var url = {{ this.url_json }}, loaded = window[{{ this.geometry_global_json }}] || {}, early = loaded[url];
  delete loaded[url];
  var fetched = function () {
    return fetch(url).then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.json(); });
  };
  (early ? early.catch(fetched) : fetched()).then(function (data) {
    shapes.addData(data);
    map.fire('xc:shapes', {layer: shapes});
    if (shapes.options.xcRole === {{ this.counties_role_json }}) { map.xcCountiesDrawn = true; map.fire('xc:counties'); }
  }, function (error) {  // the map says which file did not arrive (ui/map_component.js)
    map.fire('xc:failed', {detail: new URL(url, document.baseURI).pathname + ': ' + ((error && error.message) || error)});
  });
})();
{% endmacro %}
"""
)


class _StaticShapes(MacroElement):
    """A GeoJSON layer whose geometry is fetched from a static file (offline.geometry_url)."""

    def __init__(self, file_name: str, style: dict, role: str = "", pane: str = "overlayPane", interactive: bool = False, keep: list[str] | None = None):
        from .offline import GEOMETRY_GLOBAL, geometry_url

        super().__init__()
        self._name = "StaticShapes"
        self._template = _STATIC_SHAPES_JS
        self.url_json = json.dumps(geometry_url(file_name))
        self.geometry_global_json = json.dumps(GEOMETRY_GLOBAL)
        self.style_json = json.dumps(style)
        self.role_json = json.dumps(role)
        self.pane_json = json.dumps(pane)
        self.interactive_json = json.dumps(interactive)
        self.keep_json = json.dumps(keep)
        self.counties_role_json = json.dumps(COUNTY_ROLE)


def add_city_outlines(fmap: folium.Map, weight: float = 2.2) -> None:
    _StaticShapes("city_lines_web.geojson", {"color": palette.CITY_EDGE, "weight": weight, "opacity": 0.9, "fill": False}, pane=CITY_PANE).add_to(fmap)


def add_county_shapes(fmap: folium.Map, adcodes: list[str] | None = None) -> None:
    """The county polygons, unpainted: a CountyStyle layer gives them fills and tooltips.

    Feature properties are what the tooltip shows and a click sends back: adcode, name and
    city name (pages look up everything else by adcode). The geometry, the heavy part of a
    map, is a static file the browser fetches once and caches; the map page carries only
    styles and labels, and the styles travel separately (they change with the indicator).
    """
    _StaticShapes("counties_web.geojson", _UNPAINTED, role=COUNTY_ROLE, interactive=True, keep=adcodes).add_to(fmap)


def _county_style(fill: Fill, fill_opacity: float = 0.85) -> dict:
    return {
        "fillColor": fill.svg_fill,
        "color": palette.COUNTY_EDGE,
        "weight": 0.8,
        "fillOpacity": 1 if fill.pattern else fill_opacity,
    }


_UNPAINTED = _county_style(Fill(palette.NO_DATA), 0.6)  # a shape no CountyStyle lists


_COUNTY_STYLE_JS = _script_template(
    """
{% macro script(this, kwargs) %}
(function () {
  var styles = {{ this.styles_json }};
  var units = {{ this.units_json }};  // adcode: [style index, tooltip html (escaped)]
  function styleOf(feature) {
    var unit = units[feature.properties.adcode];
    return styles[unit ? unit[0] : 0];  // styles[0]: unpainted
  }
  // Paints the base map's county shapes (found by their role). As a layer it can sit in
  // a feature group that the map's component swaps in place when the indicator changes.
  var layer = new L.Layer();
  layer.onAdd = function (map) {
    map.eachLayer(function (counties) {
      // (its polygons inherit the role option, hence the GeoJSON check)
      if (!(counties instanceof L.GeoJSON) || counties.options.xcRole !== '{{ this.role }}') { return; }
      counties.options.style = styleOf;  // resetStyle (after a hover) keeps these fills
      counties.xcUnits = units;  // for shapes whose geometry arrives later
      counties.eachLayer(function (shape) {
        var unit = units[shape.feature.properties.adcode];
        shape.feature.properties.tip = unit ? unit[1] : '';
      });
      counties.setStyle(styleOf);
    });
    return this;
  };
  layer.onRemove = function () { return this; };  // the next CountyStyle repaints
  {{ this._parent.get_name() }}.addLayer(layer);
})();
{% endmacro %}
"""
)


class CountyStyle(MacroElement):
    """Fills and tooltips for the county shapes of add_county_shapes (unlisted units: grey)."""

    role = COUNTY_ROLE

    def __init__(self, fills: dict[str, Fill], tooltips: dict[str, str], fill_opacity: float = 0.85):
        super().__init__()
        self._name = "CountyStyle"
        self._template = _COUNTY_STYLE_JS
        styles = [_UNPAINTED]
        index: dict[Fill, int] = {}  # one style per distinct fill: the JSON stays small
        units = {}
        for adcode, fill in fills.items():
            if fill not in index:
                index[fill] = len(styles)
                styles.append(_county_style(fill, fill_opacity))
            units[adcode] = [index[fill], tooltips.get(adcode, "")]
        self.styles_json = _script_json(styles)
        self.units_json = _script_json(units)


def _script_json(value) -> str:
    """JSON safe inside a <script> element (document text never closes the element)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def add_counties(
    parent: folium.Map | folium.FeatureGroup,
    fills: dict[str, Fill],
    tooltips: dict[str, str],
    fill_opacity: float = 0.85,
) -> None:
    """Paint the county shapes (tooltips are HTML: escape document text before passing it)."""
    CountyStyle(fills, tooltips, fill_opacity).add_to(parent)
    _Patterns(list(fills.values())).add_to(parent)


def add_labels(fmap: folium.Map, adcodes: list[str] | None = None) -> None:
    """County names at a point inside each county; readable at province zoom."""
    points = label_points()
    units = geo.counties()
    chosen = adcodes if adcodes is not None else list(units)
    # Priority when labels collide: counties before districts, then the larger unit.
    chosen = sorted(chosen, key=lambda a: (units[a].kind == "市辖区", -_areas()[a]))
    _Labels([(*points[a], units[a].name, units[a].kind == "市辖区") for a in chosen]).add_to(fmap)


def type_fill(county_types) -> Fill:
    """The fill of one unit on the type map (see queries.CountyTypes)."""
    from .queries import MUNICIPAL_DISTRICT

    types = county_types.types
    if len(types) >= 2:
        return Fill(palette.TYPE_COLOURS[types[0]], "stripes", palette.TYPE_COLOURS[types[1]])
    if types:
        return Fill(palette.TYPE_COLOURS[types[0]])
    if county_types.status == MUNICIPAL_DISTRICT:
        return Fill(palette.MUNICIPAL_DISTRICT, "hatch", palette.DISTRICT_HATCH)
    return Fill(palette.NOT_STATED)


def type_legend(all_types: dict, lang: str, adcodes: list[str] | None = None, counts_of_set: bool = False) -> Legend:
    """Legend of the type map: five types, two-type stripes, not stated, districts, with counts
    of adcodes (default: every unit). counts_of_set: the note says the counts are of these
    units only (a slide set, whose map still paints its neighbours)."""
    from .dataset import COUNTY_TYPES, NATIONAL_ONLY_TYPES
    from .i18n import t, type_label
    from .queries import MUNICIPAL_DISTRICT, NOT_STATED

    shown = [all_types[a] for a in (adcodes if adcodes is not None else all_types)]
    entries = [
        LegendEntry(Fill(palette.TYPE_COLOURS[k]), type_label(k, lang), sum(c.types == (k,) for c in shown))
        for k in COUNTY_TYPES + tuple(k for k in NATIONAL_ONLY_TYPES if any(k in c.types for c in shown))
    ]
    doubles = sorted({c.types for c in shown if len(c.types) >= 2})
    for pair in doubles:
        label = " + ".join(type_label(k, lang) for k in pair)
        entries.append(LegendEntry(type_fill(all_types[next(c.adcode for c in shown if c.types == pair)]), label, sum(c.types == pair for c in shown)))
    entries.append(LegendEntry(Fill(palette.NOT_STATED), type_label(NOT_STATED, lang), sum(c.status == NOT_STATED for c in shown)))
    entries.append(
        LegendEntry(
            Fill(palette.MUNICIPAL_DISTRICT, "hatch", palette.DISTRICT_HATCH),
            type_label(MUNICIPAL_DISTRICT, lang),
            sum(c.status == MUNICIPAL_DISTRICT for c in shown),
        )
    )
    notes = [t("legend.counts_of_set", lang, n=len(shown))] if counts_of_set else []
    if doubles:
        notes.append(t("legend.two_types_note", lang))
    return Legend(t("legend.type_title", lang), entries, " · ".join(notes))


def type_map(
    all_types: dict,
    lang: str,
    city_adcode: str | None = None,
    basemap: str = "none",
    tianditu_key: str = "",
    focus: list[str] | None = None,
    highlight: str | None = None,
    height: int = 680,
) -> folium.Map:
    """The overview: every county painted by its type(s), city outlines, labels, legend.

    focus: fit the view to these units instead of a city; highlight: outline one unit.
    """
    from .i18n import t, type_label

    adcodes = geo.counties_of_city(city_adcode) if city_adcode else None
    view = focus or adcodes or data_extent([a for a, c in all_types.items() if c.types])
    fmap = base_map(bounds_of(view) if view else None, basemap, tianditu_key, height=height, home_label=t("map.whole_province", lang), legend_label=t("map.legend", lang))
    fills = {a: type_fill(c) for a, c in all_types.items()}
    tips = {}
    for adcode, county_types in all_types.items():
        labels = [type_label(k, lang) for k in county_types.types] or [type_label(county_types.status, lang)]
        tips[adcode] = html.escape(" · ".join(labels))
    add_county_shapes(fmap)
    add_counties(fmap, fills, tips)
    add_city_outlines(fmap)
    if highlight:
        add_highlight(fmap, highlight)
    add_labels(fmap)
    # The counts are of what the view is about: a city's units, a slide set's (focus), else all.
    type_legend(all_types, lang, focus if focus is not None else adcodes, counts_of_set=focus is not None).add_to(fmap)
    return fmap


def add_highlight(parent: folium.Map | folium.FeatureGroup, adcode: str) -> None:
    """A heavy outline around one unit (the county being presented), on a map or in a layer."""
    feature = next(f for f in _web_features() if f["properties"]["adcode"] == adcode)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": feature["geometry"], "properties": {}}]},
        style_function=lambda _: {"color": "#000000", "weight": 4.5, "fill": False, "opacity": 1},
        interactive=False,
        control=False,
    ).add_to(parent)


# --------------------------------------------------------------------------- indicator map

CITY_LEVEL_HATCH = "#FFFFFF"  # white lines over the city's colour: "value at city level"
NO_DATA_HATCH = "#C2C2C2"  # light grey lines on grey: calm when most units have no data (as the static export)


@lru_cache(maxsize=1)
def _city_polygons() -> dict[str, dict]:
    return {f["properties"]["adcode"]: f for f in json.loads(geo.geojson_text("cities_web.geojson"))["features"]}


def _shown_units(view, city_adcode: str | None) -> tuple[list[str], list[str]]:
    """(county adcodes, city adcodes with a city-level record) inside the current view."""
    counties = geo.counties_of_city(city_adcode) if city_adcode else list(view.counties)
    cities = [a for a in view.cities if city_adcode in (None, "", a)]
    return counties, cities


def _province_value(view) -> float | None:
    return view.province.value if view.province is not None else None


def indicator_classes(view, method: str, k: int, city_adcode: str | None = None):
    """Class breaks over every value shown (county and city values alike), or None if none."""
    from .classes import classify

    counties, cities = _shown_units(view, city_adcode)
    numbers = [view.counties[a].value for a in counties if view.counties[a].value is not None]
    numbers += [view.cities[a].value for a in cities if view.cities[a].value is not None]
    numbers += [v for v in [_province_value(view)] if v is not None]
    if not numbers:
        classify([0.0], method, k)  # still reject an unknown method or k
        return None
    return classify(numbers, method, k)


def indicator_map(
    view,
    lang: str,
    method: str = "quantiles",
    k: int = 5,
    city_adcode: str | None = None,
    basemap: str = "none",
    tianditu_key: str = "",
    height: int = 680,
) -> folium.Map:
    """The indicator map in one piece (see indicator_base and indicator_layer)."""
    fmap = indicator_base(city_adcode, basemap, tianditu_key, height)
    indicator_layer(view, lang, method, k, city_adcode).add_to(fmap)
    return fmap


def indicator_base(city_adcode: str | None = None, basemap: str = "none", tianditu_key: str = "", height: int = 680, lang: str = "zh") -> folium.Map:
    """What the indicator map keeps while the indicator changes: view, city outlines, labels.

    It depends on the city only, so the map keeps its element and swaps indicator_layer in
    place (feature_group_to_add) instead of drawing a whole new map on every switch.
    """
    counties = geo.counties_of_city(city_adcode) if city_adcode else list(geo.counties())
    from .i18n import t

    fmap = base_map(bounds_of(counties) if city_adcode else PROVINCE_BOUNDS, basemap, tianditu_key, height, home_label=t("map.whole_province", lang), legend_label=t("map.legend", lang))
    add_county_shapes(fmap, counties if city_adcode else None)
    add_city_outlines(fmap)
    add_labels(fmap, counties)
    return fmap


def indicator_layer(
    view,
    lang: str,
    method: str = "quantiles",
    k: int = 5,
    city_adcode: str | None = None,
) -> folium.FeatureGroup:
    """A choropleth of one indicator (see indicators.values) with classes, legend and reasons.

    County values are painted by class. A city-level value is painted on the city polygon,
    and the city's counties are drawn over it with white hatching ("no value of their own"):
    the value is never copied onto them. A province-level value is painted the same way on
    every city without a value of its own, under the counties that have none. Counties with
    no value are hatched grey; every tooltip says the value or why there is none. All
    document text is escaped.
    """
    from .classes import class_of, interval_labels
    from .i18n import t
    from .indicators import CITY_LEVEL, PROVINCE_LEVEL, display_name, display_unit, period_label, reason_text, value_label, note_texts

    indicator = view.indicator
    counties, cities = _shown_units(view, city_adcode)
    classes = indicator_classes(view, method, k, city_adcode)
    colours = palette.sequential(classes.k) if classes else []

    def colour_of(value: float) -> str:
        return colours[class_of(value, classes.breaks)]

    layer = folium.FeatureGroup(name="indicator", control=False)
    no_data = Fill(palette.NO_DATA, "hatch", NO_DATA_HATCH)
    over_city = Fill("transparent", "hatch", CITY_LEVEL_HATCH)
    city_fills = {}
    province_value = _province_value(view)
    if province_value is not None:
        city_fills = {adcode: colour_of(province_value) for adcode in geo.cities()}
    for adcode in cities:
        unit = view.cities[adcode]
        city_fills[adcode] = colour_of(unit.value) if unit.value is not None else palette.NO_DATA
    if city_fills:
        features = [_city_polygons()[a] for a in city_fills if a in _city_polygons()]
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name="city-values",
            style_function=lambda f: {
                "fillColor": city_fills[f["properties"]["adcode"]], "fillOpacity": 0.85, "stroke": False,
            },
            interactive=False,
            control=False,
            pane=CITY_VALUE_PANE,
        ).add_to(layer)

    city_names = geo.cities()
    fills: dict[str, Fill] = {}
    tips: dict[str, str] = {}
    missing = 0
    for adcode in counties:
        unit = view.counties[adcode]
        county = geo.counties()[adcode]
        if unit.value is not None:
            fills[adcode] = Fill(colour_of(unit.value))
            parts = [value_label(unit, indicator, lang)]
            if unit.value_text:
                parts.append(unit.value_text)
            parts += note_texts(unit, lang)
        elif unit.reason == CITY_LEVEL and county.city_adcode in view.cities:
            city_unit = view.cities[county.city_adcode]
            city_name = city_names.get(county.city_adcode, county.city_name)
            fills[adcode] = over_city
            if city_unit.value is not None:
                parts = [t("indicators.tip_city", lang, city=city_name, value=value_label(city_unit, indicator, lang))]
            else:
                parts = [f"{city_name}：{reason_text(city_unit, lang)}" if lang == "zh" else f"{city_name}: {reason_text(city_unit, lang)}"]
        elif unit.reason == PROVINCE_LEVEL and view.province is not None:
            fills[adcode] = over_city
            if view.province.value is not None:
                parts = [t("indicators.tip_province", lang, place=unit.detail, value=value_label(view.province, indicator, lang))]
            else:
                parts = [reason_text(view.province, lang)]
        else:
            fills[adcode] = no_data
            missing += 1
            parts = [reason_text(unit, lang)] + note_texts(unit, lang)
        tips[adcode] = "<br>".join(html.escape(p) for p in parts if p)
    add_counties(layer, fills, tips)

    unit_text = display_unit(indicator, lang)
    entries = []
    if classes:
        shown_values = [view.counties[a].value for a in counties if view.counties[a].value is not None]
        shown_values += [view.cities[a].value for a in cities if view.cities[a].value is not None]
        shown_values += [v for v in [province_value] if v is not None]
        bins = [class_of(v, classes.breaks) for v in shown_values]
        for index, label in enumerate(interval_labels(classes, unit_text)):
            entries.append(LegendEntry(Fill(colours[index]), label, bins.count(index)))
    valued_cities = [a for a in cities if view.cities[a].value is not None]
    if cities:
        swatch = colours[len(colours) // 2] if colours else palette.NO_DATA
        entries.append(LegendEntry(Fill(swatch, "hatch", CITY_LEVEL_HATCH), t("indicators.legend_city", lang), len(valued_cities)))
    if view.province is not None:
        swatch = colour_of(province_value) if province_value is not None else palette.NO_DATA
        entries.append(LegendEntry(Fill(swatch, "hatch", CITY_LEVEL_HATCH), t("indicators.legend_province", lang), int(province_value is not None)))
    if missing:
        entries.append(LegendEntry(no_data, t("indicators.legend_no_data", lang), missing))
    name = display_name(indicator, lang)
    title = (f"{name}（{unit_text}）" if lang == "zh" else f"{name} ({unit_text})") if unit_text else name
    notes = [period_label(view.period, lang, view.indicator.source)]
    if classes:
        notes.append(t("indicators.legend_method", lang, method=t(f"export.method.{method}", lang), k=classes.k))
    else:
        notes.append(t("indicators.legend_none", lang))
    Legend(title, entries, " · ".join(n for n in notes if n)).add_to(layer)
    FitToData(few_units_extent(view, counties, cities, province_value)).add_to(layer)
    return layer


def few_units_extent(view, counties: list[str], cities: list[str], province_value) -> list[list[float]] | None:
    """The box of the shown units with a value when there are only a handful of them (fewer
    than indicators.FEW_UNITS) in one part of the province (maps.data_extent); else None."""
    from .indicators import FEW_UNITS

    valued_counties = [a for a in counties if view.counties[a].value is not None]
    valued_cities = [a for a in cities if view.cities[a].value is not None]
    if province_value is not None or not 0 < len(valued_counties) + len(valued_cities) < FEW_UNITS:
        return None
    area = valued_counties + [c for city in valued_cities for c in geo.counties_of_city(city)]
    return bounds_of(area) if data_extent(area) else None


def few_counties_extent(valued_counties: list[str]) -> list[list[float]] | None:
    """few_units_extent for a layer of counties only (an imported category list)."""
    from .indicators import FEW_UNITS

    if not 0 < len(valued_counties) < FEW_UNITS:
        return None
    return bounds_of(valued_counties) if data_extent(valued_counties) else None


_FIT_TO_DATA_JS = _script_template(
    """
{% macro script(this, kwargs) %}
(function () {
  // With a handful of valued units the map zooms to them; the next indicator with more
  // values goes back to the view the map opened with (the layer swaps in place).
  var layer = new L.Layer();
  layer.onAdd = function (map) {
    var bounds = {{ this.bounds_json }};
    if (!map.xcFitTo) { if (bounds) { map.fitBounds(bounds, {animate: false}); } return this; }
    if (map.xcHome === undefined) { map.xcHome = map.xcTarget ? map.xcTarget() : null; }
    if (bounds) {
      map.xcDataZoomed = true;
      map.xcFitTo(bounds, {{ this.max_zoom }});
    } else if (map.xcDataZoomed) {
      map.xcDataZoomed = false;
      if (map.xcHome) { map.xcFitTo(map.xcHome); }
    }
    return this;
  };
  layer.onRemove = function () { return this; };
  {{ this._parent.get_name() }}.addLayer(layer);
})();
{% endmacro %}
"""
)


class FitToData(MacroElement):
    """In an indicator layer: zoom to bounds (a handful of valued units), or with None back to
    the view the map opened with if an earlier layer had zoomed in."""

    def __init__(self, bounds: list[list[float]] | None, max_zoom: float = 8.5):
        super().__init__()
        self._name = "FitToData"
        self._template = _FIT_TO_DATA_JS
        self.bounds_json = json.dumps(bounds)
        self.max_zoom = max_zoom


# --------------------------------------------------------------------------- presentation slides
# One base map per slide set (fills, labels, legend) stays in its element; a step swaps only
# slide_layer (outline + zoom) inside it, as the indicator switch swaps indicator_layer.

SLIDE_MAX_ZOOM = 8.5  # a county with its neighbours around it, not a county filling the screen

_SLIDE_CSS = """<style>
#map_div,.folium-map{height:100% !important}
.xc-legend{font-size:16px;line-height:1.35;max-width:330px;padding:8px 12px}
.xc-note{font-size:16px}
.xc-swatch{width:22px;height:15px}
.xc-label span{font-size:13px}
</style>"""


def slide_map(all_types: dict, lang: str, slides: list[str], height: int = 600) -> folium.Map:
    """The type map of one slide set, for presentation: fills the slide, big legend, no keys."""
    fmap = type_map(all_types, lang, focus=slides, height=height)
    fmap.options["keyboard"] = False  # arrows step slides, they do not pan the map
    fmap.get_root().header.add_child(Element(_SLIDE_CSS))
    return fmap


_SLIDE_FIT_JS = _script_template(
    """
{% macro script(this, kwargs) %}
(function () {
  var layer = new L.Layer();
  layer.onAdd = function (map) {
    if (map.xcFitTo) {  // the legend is beside the map (_View): no room to leave for it
      map.xcFitTo({{ this.bounds_json }}, {{ this.max_zoom }});
    } else {
      map.fitBounds({{ this.bounds_json }}, {maxZoom: {{ this.max_zoom }}, animate: false,
        paddingTopLeft: [20, 20], paddingBottomRight: [{{ this.right }}, 20]});
    }
    return this;
  };
  layer.onRemove = function () { return this; };
  {{ this._parent.get_name() }}.addLayer(layer);
})();
{% endmacro %}
"""
)


class _FitOnAdd(MacroElement):
    def __init__(self, bounds: list[list[float]], max_zoom: float, right: int):
        super().__init__()
        self._name = "FitOnAdd"
        self._template = _SLIDE_FIT_JS
        self.bounds_json = json.dumps(bounds)
        self.max_zoom = max_zoom
        self.right = right


def slide_layer(adcode: str, legend_room: int = 340) -> folium.FeatureGroup:
    """The county on the current slide: a heavy outline, and the view zoomed to it in place."""
    layer = folium.FeatureGroup(name="slide", control=False)
    add_highlight(layer, adcode)
    _FitOnAdd(bounds_of([adcode]), SLIDE_MAX_ZOOM, legend_room).add_to(layer)
    return layer
