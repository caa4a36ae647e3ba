"""Colours shared by the web maps and the static exports (one place, so they always agree)."""

from __future__ import annotations

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies and in
# greyscale print; saturated enough to read on a projector.
TYPE_COLOURS = {
    "urban-integration": "#0072B2",
    "specialised-function": "#D55E00",
    "culture-tourism": "#CC79A7",
    "agricultural": "#E69F00",
    "ecological": "#009E73",
    "population-loss": "#56B4E9",  # national type only (人口流失县城); shown when a plan states it
}
NOT_STATED = "#D9D9D9"  # a county town no loaded document classifies
MUNICIPAL_DISTRICT = "#FFFFFF"  # 市辖区: not a county town; drawn white with grey hatching
DISTRICT_HATCH = "#9A9A9A"
NO_DATA = "#EEEEEE"  # indicator map: no value for this unit
COUNTY_EDGE = "#6B6B6B"
CITY_EDGE = "#222222"
# Sequential ramp for indicator classes (ColorBrewer Blues, colour-blind safe).
SEQUENTIAL = ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"]


def sequential(k: int) -> list[str]:
    """k colours from light to dark, evenly picked from the ramp."""
    if k <= 1:
        return [SEQUENTIAL[-2]]
    step = (len(SEQUENTIAL) - 1) / (k - 1)
    return [SEQUENTIAL[round(i * step)] for i in range(k)]

# Categorical indicators (an imported category per county), qualitative: ColorBrewer Set2 + Dark2,
# distinct, none of them the type map's or the grey of "no data".
CATEGORY_COLOURS = ["#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494",
                    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"]
OTHER_CATEGORY = "#b3b3b3"


def category_colours(categories) -> dict[str, str]:
    """One colour per category in the given order; beyond twelve they share 'other' grey."""
    return {c: CATEGORY_COLOURS[i] if i < len(CATEGORY_COLOURS) else OTHER_CATEGORY for i, c in enumerate(categories)}
