"""Progress indicators for the indicator picker (issue 14): share of tasks 已完成, number
滞后, project investment completed vs planned, per county and per city.

Values come from the store's latest reports (xiancheng.progress.snapshot) and change when
anyone reports; a county no item applies to has no value (NOT_LISTED / NOT_COVERED), never 0.
"""

from __future__ import annotations

from . import geo
from . import progress as progress_module
from .dataset import Dataset

KEYS = ("progress-done-share", "progress-late", "progress-investment-share")
UNITS = {"progress-done-share": "%", "progress-late": "项", "progress-investment-share": "%"}
NAMES = {"progress-done-share": "任务完成率", "progress-late": "滞后事项数", "progress-investment-share": "项目投资完成率"}


def is_progress(key: str) -> bool:
    return key in KEYS


def catalogue_entries(dataset: Dataset) -> list:
    from .indicators import Indicator

    title_citations = tuple(d.citation for d in dataset.documents)
    # units_with_value 0: never chosen as the page's default (it changes with every report).
    return [Indicator(key=key, name=NAMES[key], unit=UNITS[key], levels=("county", "city"), periods=(),
                      kinds=("value",), citations=title_citations, derived=True) for key in KEYS]


def _value(key: str, summary) -> tuple[float | None, str]:
    """(value, reason when None)."""
    from .indicators import NOT_LISTED

    if key == "progress-done-share":
        share = summary.done_share
        return (round(share * 100, 1), "") if share is not None else (None, NOT_LISTED)
    if key == "progress-late":
        return float(summary.late), ""
    share = summary.investment_share
    return (round(share * 100, 1), "") if share is not None else (None, NOT_LISTED)


def view(dataset: Dataset, indicator, snapshot=None):
    """The IndicatorView of a progress indicator at the store's current state."""
    from .indicators import IndicatorView, UnitValue, _no_value

    snapshot = snapshot or progress_module.snapshot(dataset)
    counties = {}
    for adcode in geo.counties():
        summary = snapshot.summaries.get(adcode)
        if summary is None:
            counties[adcode] = _no_value(dataset, adcode)
            continue
        value, reason = _value(indicator.key, summary)
        counties[adcode] = UnitValue(adcode, "county", value, reason=reason)
    cities = {}
    for adcode in geo.cities():
        summary = snapshot.summaries.get(adcode)
        if summary is None:
            continue
        value, reason = _value(indicator.key, summary)
        cities[adcode] = UnitValue(adcode, "city", value, reason=reason)
    return IndicatorView(indicator, None, counties, cities)

