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
