"""An imported category list on the indicator map zooms like the numeric indicators: to a
handful of counties, and back to the opening view after a few-unit indicator zoomed in."""

import json
import re

from xiancheng import categorymap, geo, imported
from xiancheng.ui import mapview


def category_view(adcodes: list[str]):
    batch = imported.Batch("zones", 1, "主体功能区.xlsx", "Sheet1", "2026-11-30 08:00 UTC", "test", len(adcodes), 0)
    values = tuple(
        imported.Value(batch="zones", version=1, row=n + 2, cell=f"B{n + 2}", adcode=adcode, level="county",
                       name_as_written=geo.counties()[adcode].name, indicator="主体功能区", unit="", year=None,
                       kind="value", categorical=True, category="农产品主产区" if n % 2 else "重点生态功能区")
        for n, adcode in enumerate(adcodes)
    )
    snap = imported.Snapshot(values=values, batches={"zones": batch})
    (key,) = imported.catalogue(snap)
    return imported.categories(snap, key)


def fitted_bounds(view, city: str | None = None):
    script = mapview._render_layer(lambda: categorymap.category_layer(view, "zh", city))
    (bounds,) = re.findall(r"var bounds = (null|\[\[.*?\]\]);", script)
    return json.loads(bounds)


def test_a_province_wide_category_list_goes_back_to_the_opening_view():
    # Every county of 运城 and 临汾: far more than a handful, so no zoom of its own; the
    # layer still says so (bounds null), which sends a map zoomed in by the last indicator home.
    view = category_view(geo.counties_of_city("140800") + geo.counties_of_city("141000"))
    assert fitted_bounds(view) is None


def test_a_category_list_of_two_counties_zooms_to_them():
    view = category_view(["141024", "141025"])  # 洪洞县, 古县 (临汾)
    (south, west), (north, east) = fitted_bounds(view)
    assert north - south < 2.5 and south < 36.3 < north and west < 111.8 < east
