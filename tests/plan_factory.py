"""Plan texts made in the tests: a county action plan as county governments print them
(header, 文号, notice, date in digits or Chinese numerals, title, tasks with responsible
units), for places and wording the seed plans never use."""

from __future__ import annotations

TASKS = (
    ("增强城乡风险防控能力", "开展{county}城市体检，系统谋划提升县城整体韧性，完成老旧管网改造{n}公里", "县住建局、县应急局"),
    ("推进县城绿色低碳建设", "新建建筑全面执行绿色建筑标准，到2025年城镇绿色建筑占新建建筑比例达到{n}%以上", "县住建局、县发改局"),
    ("完善县城产业平台", "建设{county}特色产业园区，引进配套企业{n}家，提升园区承载能力", "县工信局、县商务局"),
)


def county_plan(county: str, issuer_prefix: str | None = None, number: str = "", date: str = "", tasks: int = 3, extra: int = 0) -> str:
    """The text of a county action plan. `date` is printed as given ("2024年9月1日" or
    "二〇二四年九月一日"); empty number/date print none; `extra` adds filler task lines."""
    issuer = f"{issuer_prefix or county}人民政府办公室"
    lines: list[str] = []
    if number or date:
        lines += [f"{issuer}文件", "", number, "", f"{issuer}", f"关于印发{county}推进以县城为重要载体的", "新型城镇化建设实施方案的通知", "",
                  "各乡（镇）人民政府，县直各有关单位：", "",
                  f"现将《{county}推进以县城为重要载体的新型城镇化建设实施方案》印发给你们，请认真组织实施。", "", issuer, "", date, ""]
    lines += [f"{county}推进以县城为重要载体的", "新型城镇化建设实施方案", "",
              f"为贯彻落实中央和省、市关于推进以县城为重要载体的城镇化建设部署，结合{county}实际，制定本方案。", "",
              "一、总体要求", "", "到2025年，全县常住人口城镇化率达到55%以上。", "", "二、重点任务", "",
              "（一）实施“安全韧性”的城乡基础设施提档升级行动", ""]
    for i in range(tasks):
        title, body, units = TASKS[i % len(TASKS)]
        lines += [f"{i + 1}．{title}。{body.format(county=county, n=10 + i)}。（{units}）", ""]
    for i in range(extra):
        lines += [f"{tasks + i + 1}．推进第{i + 1}项重点工作。在{county}实施配套工程第{i + 1}期，按年度计划推进建设任务并按季度报告进展。（县发改局）", ""]
    lines += ["三、保障措施", "", "（一）加强组织领导。建立工作专班，压实各方责任。", ""]
    return "\n".join(lines) + "\n"


def pdf_of(text: str, width: int = 36) -> bytes:
    """A PDF with a real text layer (reportlab, the CID font STSong-Light: CJK text that a
    PDF reader can extract), lines wrapped at `width` characters as printed plans are."""
    import io

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    page = canvas.Canvas(out)
    y = 800
    for line in text.split("\n"):
        for start in range(0, max(len(line), 1), width):
            if y < 60:
                page.showPage()
                y = 800
            page.setFont("STSong-Light", 11)
            page.drawString(50, y, line[start : start + width])
            y -= 16
    page.showPage()
    page.save()
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A PDF that is only a picture of a page (as a scanner makes): no text layer."""
    import io

    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (600, 800), 255)
    draw = ImageDraw.Draw(image)
    for y in range(60, 760, 24):
        draw.rectangle((60, y, 540, y + 10), fill=40)  # lines of "text" as ink, not characters
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawImage(ImageReader(image), 0, 0, width=595, height=842)
    page.showPage()
    page.save()
    return out.getvalue()


def docx_of(text: str, table: list[list[str]] | None = None) -> bytes:
    """A Word .docx (python-docx) with one paragraph per line, and a table after the text."""
    import io

    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
