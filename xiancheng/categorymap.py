"""A categorical indicator (imported category per county) as a map layer with its own legend."""

from __future__ import annotations

import html

import folium

from . import geo, palette
from .maps import NO_DATA_HATCH, Fill, FitToData, Legend, LegendEntry, add_counties, few_counties_extent

def category_layer(view, lang: str, city_adcode: str | None = None) -> folium.FeatureGroup:
    """Counties coloured by their category; counties without one hatched grey; legend with counts."""
    from .i18n import t

    shown = geo.counties_of_city(city_adcode) if city_adcode else list(geo.counties())
    colours = palette.category_colours(view.categories)  # the exports use the same
    no_data = Fill(palette.NO_DATA, "hatch", NO_DATA_HATCH)
    fills, tips, counts = {}, {}, {}
    for adcode in shown:
        entry = view.counties.get(adcode)
        if entry is None:
            fills[adcode] = no_data
            tips[adcode] = html.escape(t("indicators.reason.not-imported", lang))
            counts[None] = counts.get(None, 0) + 1
            continue
        category, _ = entry
        fills[adcode] = Fill(colours[category])
        tips[adcode] = html.escape(category)
        counts[category] = counts.get(category, 0) + 1
    layer = folium.FeatureGroup(name="indicator", control=False)
    add_counties(layer, fills, tips)
    entries = [LegendEntry(Fill(colours[c]), c, counts[c]) for c in view.categories if counts.get(c)]
    if counts.get(None):
        entries.append(LegendEntry(no_data, t("indicators.legend_no_data", lang), counts[None]))
    Legend(view.indicator.name, entries, t("imports.legend_categories", lang)).add_to(layer)
    # Like the numeric layers: a handful of counties zooms to them, more go back to the view
    # the map opened with (after a few-unit indicator had zoomed in, this layer stayed there).
    FitToData(few_counties_extent([a for a in shown if view.counties.get(a)])).add_to(layer)
    return layer
