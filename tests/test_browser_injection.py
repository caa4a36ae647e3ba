"""Real browser: markup in plan text, manifest metadata and URL parameters stays text.

The app is started on a plans folder made here: Gu's plan with Markdown links and images,
HTML, math and bare URLs written into its manifest title, issuer and number, a positioning,
a task and a responsible unit, all pointing at evil.example. Every page is opened (also with
such URL parameters); Playwright's request log must show no request leaving localhost, and
no page or map iframe may carry a link to an outside host.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import yaml

from appserver import running_app

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
GU = "002_4ce72fc9d69db8e3.txt"
EVIL = "evil.example"
LINK = f"[点此](http://{EVIL}/link)"
IMAGE = f"![x](http://{EVIL}/image.png)"
HTML = f"<img src=http://{EVIL}/html.png><a href=http://{EVIL}/a>a</a>"
BARE = f"http://{EVIL}/bare www.{EVIL} mail@{EVIL}"
MATH = "$x^2$ \\\\ $"
LEAFLET = "https://leafletjs.com/"


def inject(text: str, anchor: str, payload: str) -> str:
    assert text.count(anchor) == 1, anchor
    return text.replace(anchor, anchor + payload)


@pytest.fixture(scope="module")
def injected_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("injection")
    plans = folder / "plans"
    plans.mkdir()
    text = (ROOT / "plans" / GU).read_text(encoding="utf-8")
    text = inject(text, "照“优生态、促转化”的思路", f"{LINK}{IMAGE}{HTML}{BARE}{MATH}")  # positioning
    text = inject(text, "底线的目标，开展城市体检", f"{BARE}{LINK}{IMAGE}")  # task text
    text = inject(text, "一村”安全状况明显改善。（责任单位：", f"[点此](http://{EVIL}/unit)局、")  # a responsible unit
    (plans / GU).write_text(text, encoding="utf-8")
    entry = yaml.safe_load((ROOT / "plans" / "manifest.yaml").read_text(encoding="utf-8"))["documents"][GU]
    entry.pop("sha256", None)
    entry.update(title=f"古县推进以县城为重要载体的新型城镇化建设行动方案{LINK}{IMAGE}{MATH}", issuer=HTML + BARE, number=LINK + MATH)
    (plans / "manifest.yaml").write_text(yaml.safe_dump({"documents": {GU: entry}}, allow_unicode=True), encoding="utf-8")
    env = {"XIANCHENG_PLANS_DIR": str(plans), "XIANCHENG_DATASET_PATH": str(folder / "dataset.json")}
    with running_app(env=env) as (url, _process, _seconds):
        yield url


def outside_links(page) -> list[str]:
    links = []
    for frame in page.frames:
        try:
            hrefs = frame.eval_on_selector_all("a[href], [src]", "els => els.map(e => e.href || e.src)")
        except Exception:  # a frame that went away while we read
            continue
        links += [h for h in hrefs if h and urlparse(h).hostname not in (None, "127.0.0.1", "localhost")
                  and not h.startswith(("data:", "blob:", "about:", "javascript:void"))]
    return links


def open_page(page, url: str, ready: str) -> None:
    page.goto(url)
    page.get_by_text(ready, exact=False).first.wait_for(timeout=60000)
    # and the run that drew it ended (its expanders are all there to be opened)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="detached", timeout=60000)
    for expander in page.locator("[data-testid='stExpander'] summary").all():
        expander.click()  # task text and units live in expanders
    page.wait_for_timeout(2500)  # images and the map iframe load


UNIT = quote(f"[点此](http://{EVIL}/unit)局")
# (path, text that says the page is drawn, whether the page shows the markup as text)
PAGES = [
    ("/?county=141025", "古县", True),
    ("/indicators?county=141025", "古县", False),
    ("/county?county=141025", "重点镇与特色小镇", True),  # below the tasks (not 任务: the navigation has 任务与项目)
    (f"/explorer?q={quote(f'[无此条目](http://{EVIL}/q)' + IMAGE)}", "当前筛选", True),  # no match: the filters are named
    (f"/explorer?unit={UNIT}", "在表格左侧勾选一行", False),
    (f"/documents?doc={quote(IMAGE + LINK + HTML)}", "未载入", True),
    (f"/documents?doc={GU}&from=196&to=197", "第196", True),
    # the slide's card names types, counts and targets, none of the injected text
    ("/?mode=present&set=type:ecological&county=141025", "古县", False),
]


@pytest.mark.parametrize("path, ready, shows_markup", PAGES, ids=[p for p, _, _ in PAGES])
def test_no_outside_request_or_link(page, injected_app, path, ready, shows_markup):
    open_page(page, injected_app + path, ready)
    text = page.locator("body").inner_text()
    assert "Traceback" not in text
    if shows_markup:  # the markup is on the page, as text (a word joiner keeps http: from linking)
        assert f"http\u2060://{EVIL}/" in text, text
    assert page.outside_requests == [], page.outside_requests
    # Leaflet's own attribution link in the map's corner is the one outside link (no document's)
    assert [link for link in outside_links(page) if link != LEAFLET] == []
