"""Real browser: a download whose file cannot be made says so in the page, and the server log
has the traceback; a download that works still delivers its file with one click.

The buttons are the app's own (xiancheng.ui.downloads) on a small page served by the real
server; one exporter raises the way a bad text once made the map exports raise.
"""

from __future__ import annotations

import textwrap

import pytest

from appserver import running_app

pytestmark = pytest.mark.browser

PAGE = textwrap.dedent('''
    import streamlit as st
    from xiancheng.ui.downloads import download_button

    def broken():
        raise ValueError("mathtext: Unknown symbol \\\\undefined")

    st.title("导出")
    download_button("PNG", broken, file_name="县城类型图_运城市.png", key="broken-png", mime="image/png")
    download_button("CSV", lambda: "单位,数值\\n临猗县,1\\n", file_name="指标数值.csv", key="good-csv", mime="text/csv")
''')


def test_a_failing_download_shows_a_message_and_a_good_one_downloads(browser, tmp_path):
    script = tmp_path / "downloads_page.py"
    script.write_text(PAGE, encoding="utf-8")
    with running_app(script=str(script)) as (url, process, _seconds):
        context = browser.new_context(locale="zh-CN", accept_downloads=True)
        page = context.new_page()
        page.goto(url)
        page.get_by_role("heading", name="导出").wait_for(timeout=45000)
        page.get_by_role("button", name="PNG").click()
        alert = page.get_by_text("未能生成 县城类型图_运城市.png", exact=False)
        alert.wait_for(timeout=30000)
        text = alert.inner_text()
        assert "错误编号" in text and "ValueError" not in text and "Traceback" not in text

        with page.expect_download(timeout=30000) as info:
            page.get_by_role("button", name="CSV").click()
        assert info.value.suggested_filename == "指标数值.csv"
        context.close()
        process.terminate()
        process.wait(15)
        log = process.log_path.read_text(encoding="utf-8", errors="replace")
    reference = text.split("错误编号 ")[1][:8]
    assert f"export 县城类型图_运城市.png failed (error {reference})" in log
    assert "ValueError: mathtext: Unknown symbol" in log
