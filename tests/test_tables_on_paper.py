"""A dataframe on paper (ui.widgets.table): Streamlit draws it on a canvas, only the rows in
view, so a printed page has those rows only. Short tables are shown whole; a cut one carries
a note that only a printed sheet shows (the browser side: test_browser_print.py)."""

import pytest
from streamlit.testing.v1 import AppTest

from xiancheng.ui.widgets import FULL_TABLE_ROWS, rows_in_view, table_height

TIMEOUT = 60


@pytest.mark.parametrize(
    ("rows", "height", "row_height", "shown"),
    [
        (12, "content", None, 12),
        (12, "auto", None, 10),  # Streamlit's default: at most ten rows
        (7, "auto", None, 7),
        (117, 260, None, 6),  # (260 - 38) // 35
        (6, 248, None, 6),
        (40, 76 * 40 + 40, 76, 40),
        (40, 500, 76, 6),
    ],
)
def test_rows_in_view_follows_the_height(rows, height, row_height, shown):
    assert rows_in_view(rows, height, row_height) == shown


@pytest.mark.parametrize(("rows", "height", "shown"), [(3, 143, 3), (6, 248, 6), (7, 260, 6), (117, 260, 6)])
def test_a_table_height_shows_every_row_up_to_its_limit(rows, height, shown):
    # the indicators page's side table: all its rows, but at most 260 px
    assert table_height(rows, 260) == height
    assert rows_in_view(rows, table_height(rows, 260)) == shown


def _tables_script():
    import pandas as pd
    import streamlit as st

    from xiancheng.ui import widgets

    for name, spec in st.session_state["tables"]:
        kwargs = dict(spec)
        rows = kwargs.pop("rows")
        frame = pd.DataFrame({"序号": range(1, rows + 1), "名称": [f"第{i}项" for i in range(1, rows + 1)]})
        widgets.table(frame, name=name, **kwargs)


def notes_of(tables: list[tuple[str, dict]]) -> dict[str, str]:
    app = AppTest.from_function(_tables_script, default_timeout=TIMEOUT)
    app.session_state["tables"] = tables
    app.run()
    assert not app.exception, app.exception
    assert len(app.dataframe) == len(tables)
    assert [len(d.value) for d in app.dataframe] == [kwargs["rows"] for _, kwargs in tables]
    notes = {}
    for block in app.main.children.values():
        key = getattr(block, "key", None) or ""
        if key.startswith("xc-paper-"):
            (caption,) = block.caption
            notes[key.removeprefix("xc-paper-")] = caption.value
    return notes


def test_only_a_table_cut_by_its_height_has_a_note_naming_its_rows_and_where_it_is_whole():
    whole = FULL_TABLE_ROWS
    notes = notes_of([
        ("whole", {"rows": whole}),  # shown whole: no note
        ("long", {"rows": whole + 7}),  # Streamlit's ten rows
        ("fixed", {"rows": 53, "height": 260, "whole_elsewhere": "下方的汇总表"}),
        ("fits", {"rows": 6, "height": 38 + 6 * 35}),
        ("screen", {"rows": 19, "height": 40 + 19 * 76, "row_height": 76, "screen_rows": 8}),
    ])
    assert notes == {
        "long": f"此表共 {whole + 7} 行，打印出来只有屏幕上显示的那部分。",
        "fixed": "此表共 53 行，打印出来只有屏幕上显示的那部分。完整表格：下方的汇总表。",
        "screen": "此表共 19 行，打印出来只有屏幕上显示的那部分。",
    }


def test_the_note_speaks_english_with_the_toggle():
    app = AppTest.from_function(_tables_script, default_timeout=TIMEOUT)
    app.session_state["tables"] = [("long", {"rows": 45, "whole_elsewhere": "the download below"})]
    app.query_params["lang"] = "en"
    app.run()
    assert not app.exception, app.exception
    assert [c.value for c in app.caption] == [
        "This table has 45 rows; a printout shows only the part that was on screen. The whole table: the download below."
    ]
