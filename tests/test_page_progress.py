"""AppTest of progress reporting on the county page and the explorer (issue 14)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from test_app import TIMEOUT, all_text

from xiancheng import progress as pg
from xiancheng import store as store_module
from xiancheng.store import progress as sp
from xiancheng.ui import dataset

LINYI = "140821"  # 临猗县, 运城市: the city plan's tasks apply to it


@pytest.fixture
def workspace():
    return store_module.open()


def run(page: str, user=None, **params) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in params.items():
        app.query_params[key] = value
    if user is not None:
        app.session_state["xiancheng_user"] = user
    app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    return app


def test_an_editor_reports_one_task_in_the_form_and_sees_it_on_the_county_page(workspace):
    editor = store_module.User(f"zhu-{id(workspace)}", "住建", "editor", units=("市住建局",))
    app = run("pages/county.py", editor, county=LINYI)
    items = pg.items_of(dataset())
    mine = [i for i in pg.items_of_place(items, LINYI) if "市住建局" in i.units]
    item = next(i for i in mine if i.kind == "task" and sp.current(workspace).get(i.key) is None)
    assert f"您可填报 {len(mine)} 项" in all_text(app)
    app.selectbox(key="county_progress_item").select(item.key).run()
    app.selectbox(key=f"county_progress_status_{item.key}").select("done")
    app.number_input(key=f"county_progress_percent_{item.key}").set_value(100.0)
    app.text_area(key=f"county_progress_note_{item.key}").input("验收通过")
    app.button[[b.label for b in app.button].index("保存报告")].click().run()
    assert not app.exception, app.exception
    row = sp.current(workspace)[item.key]
    assert (row.status, row.created_by, row.note, row.unit) == ("done", editor.username, "验收通过", "市住建局")
    assert any(f"已保存：{item.title} → 已完成" in s.value for s in app.success)
    text = all_text(app)
    assert "进展：已完成（已完成" in text  # the task's line in the list
    assert item.title in text


def test_a_viewer_and_an_anonymous_visitor_cannot_report():
    viewer = store_module.User("kan", "看", "viewer")
    app = run("pages/county.py", viewer, county=LINYI)
    assert any("不能填报进展" in i.value for i in app.info)
    assert not [s for s in app.selectbox if s.key == "county_progress_item"]
    app = run("pages/county.py", county=LINYI)
    assert "登录为编辑后可填报" in all_text(app)


def test_an_editor_out_of_scope_sees_no_form():
    other = store_module.User("other", "他", "editor", units=("市教育局",), areas=("140500",))
    app = run("pages/county.py", other, county=LINYI)
    assert "没有您可以填报的事项" in all_text(app)


def test_the_explorer_offers_the_filtered_items_to_an_editor():
    editor = store_module.User("zj", "住建", "editor", units=("县住建局",), areas=("141025",))
    app = run("pages/explorer.py", editor, county="141025")
    assert "您可填报" in all_text(app)


def test_the_admin_page_lists_an_orphan_with_candidates_and_re_attaches_it(workspace):
    admin = store_module.system_user("test")
    items = pg.items_of(dataset())
    target = next(i for i in items.values() if i.kind == "task" and i.title == "健全城市防洪体系")
    # A report on an item that a re-ingest no longer finds (its title reworded).
    gone = sp.ItemScope(target.key.replace("健全城市防洪体系", "健全城市防洪排涝体系"), "task", target.units,
                        target.home_adcode, target.document, "健全城市防洪排涝体系")
    sp.report(workspace, admin, gone, sp.check_values("2026-10", "in-progress", percent=20))
    app = run("pages/progress_admin.py", admin)
    assert "健全城市防洪排涝体系" in all_text(app)
    radio = app.radio(key="orphan_0")
    assert radio.value == target.key  # the closest item comes first
    app.button(key="reattach_0").click().run()
    assert not app.exception, app.exception
    assert gone.key not in sp.current(workspace) and sp.current(workspace)[target.key].percent == 20
    viewer = run("pages/progress_admin.py", store_module.User("kan2", "看", "viewer"))
    assert not [r for r in viewer.radio]


def test_reminders_and_present_show_progress():
    app = run("pages/reminders.py", city="140800")
    assert "尚未报告的事项" in all_text(app)
    app = run("pages/present.py", mode="present", set="city:140800", county=LINYI, slide="progress")
    assert "临猗县 · 工作进展" in all_text(app)


def test_many_orphans_are_listed_a_page_at_a_time(monkeypatch, tmp_path):
    # A store of its own: 45 orphans must not show up on the shared store's admin page.
    monkeypatch.setenv("XIANCHENG_DATABASE_URL", f"sqlite:///{tmp_path}/orphans.sqlite")
    own = store_module.open()
    admin = store_module.system_user("test")
    target = next(i for i in pg.items_of(dataset()).values() if i.kind == "task")
    entries = [(sp.ItemScope(f"task:gone:{n:02d}", "task", target.units, target.home_adcode, "已删除的规划.txt",
                             f"已删除的第{n}项工作"), sp.check_values("2026-10", "in-progress"))
               for n in range(45)]
    sp.report_many(own, admin, entries)
    app = run("pages/progress_admin.py", admin)
    text = all_text(app)
    assert "共 45 条孤立记录，每页 20 条" in text
    assert len(app.radio) == 20 and "已删除的第0项工作" in text and "已删除的第20项工作" not in text
    app.number_input(key="orphans_page").set_value(3).run()
    assert len(app.radio) == 5 and "已删除的第44项工作" in all_text(app)
    assert [r.key for r in app.radio] == [f"orphan_{n}" for n in range(40, 45)]
