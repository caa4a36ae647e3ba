"""County-town types, positioning statements, pilot counties, key and characteristic towns.

Every statement is kept with its own citation: when the Yuncheng annex list and its body
text classify 垣曲县 or 平陆县 differently, both statements are published.
"""

from __future__ import annotations

import re

from .. import geo
from ..dataset import Citation, Classification, Positioning, Town
from .context import Context
from .segment import LABEL_LINE, Block

# Type names as plans write them → type keys: Shanxi's five (晋政办发〔2023〕80号) and the
# five of the 2022 national opinion on county-town urbanisation, with the variants plans use.
# 大城市周边县城 is Shanxi's 城市融合型; 专业功能县城 its 专业功能型; 生态保护型 and the short
# 生态功能区 (Gu's plan) are 重点生态功能区. 人口流失县城 has no Shanxi counterpart: it is
# kept as its own type, "population-loss" (dataset.NATIONAL_ONLY_TYPES), never folded into
# one of the five. The statement's quote keeps the wording the plan used.
TYPE_STEMS = {
    "城市融合": "urban-integration",
    "大城市周边": "urban-integration",
    "专业功能": "specialised-function",
    "文旅赋能": "culture-tourism",
    "农产品主产区": "agricultural",
    "重点生态功能区": "ecological",
    "生态功能区": "ecological",
    "生态保护": "ecological",
    "人口流失": "population-loss",
}
TYPE_PHRASE = re.compile("(" + "|".join(sorted(TYPE_STEMS, key=len, reverse=True)) + ")(?:型|类)?县城")
# The sentence forms that state a type: "古县属于…县城", "打造…县城", "建设成为…县城",
# "作为…县城", "列为…县城", "定位为…县城" (the verb at most 15 characters before the name,
# within one clause), and "以…县城定位为引领".
TYPE_VERB = re.compile(
    r"(属于|作为|列为|列入|确定为|划为|划入|定位为|打造成为|打造成|打造|建设成为|建设成|建成|建设|成为|争创|创建|是|为)"
    r"[^，。；：、,;:]{0,15}$"
)


def type_key(match: re.Match) -> str:
    return TYPE_STEMS[match.group(1)]


LIST_LINE = re.compile(r"^(?P<label>[^：:]{2,20})[：:]\s*(?P<items>.+)$")
POSITION_VERB = re.compile(r"(建设成为|打造成为|发展成为|努力成为|建成为|成为)")
POSITION_SECTION = re.compile(r"定位|格局")
SENTENCES = re.compile(r"[^。；！？]+[。；！？]?")


def _in_annex(block: Block) -> bool:
    return block.under(lambda h: h.kind == "annex") is not None


def parse_classifications(ctx: Context) -> list[Classification]:
    records: list[Classification] = []
    for block in ctx.seg.blocks:
        if block.kind != "paragraph":
            continue
        # 1. a list line: "文旅赋能型县城：新绛县、垣曲县"
        m = LIST_LINE.match(block.text)
        if m:
            label = TYPE_PHRASE.fullmatch(m.group("label").strip())
            if label:
                kind = "annex-list" if _in_annex(block) else "body-list"
                items_start = m.start("items")
                for mention in ctx.mentions(m.group("items"), block.line_start):
                    if mention.level != "county":
                        continue
                    records.append(
                        Classification(
                            adcode=mention.adcode,
                            type=type_key(label),
                            statement_kind=kind,
                            citation=ctx.cite(block, 0, len(block.text)),
                        )
                    )
                for item in re.split(r"[、，,]", m.group("items")):
                    item = item.strip(" 。")
                    if item and not ctx.mentions(item, block.line_start):
                        ctx.unresolved.append((block.line_start, item))
                        ctx.warn(block.line_start, "unresolved-county", f"county name not found in the alias table: {item}", name=item)
                del items_start
                continue
        # 2. the first sentence under a type heading: "（一）城市融合型县城" → "支持……临猗县、夏县……"
        heading = block.path[-1] if block.path else None
        if heading is not None and TYPE_PHRASE.fullmatch(heading.title) and not _in_annex(block):
            first = SENTENCES.match(block.text)
            sentence = first.group(0) if first else block.text
            counties = ctx.counties_in(sentence, block.line_start)
            if counties and _is_first_paragraph(ctx, block):
                for adcode in counties:
                    records.append(
                        Classification(
                            adcode=adcode,
                            type=type_key(TYPE_PHRASE.fullmatch(heading.title)),
                            statement_kind="body-text",
                            citation=ctx.cite(block, 0, len(sentence)),
                        )
                    )
                continue
        # 3. a sentence that states a type: a county plan about itself ("古县属于生态功能区
        # 县城", "以重点生态功能区县城定位为引领"), a city or province plan about the counties
        # it names before the verb ("支持临猗县、夏县打造城市融合型县城").
        for sentence in SENTENCES.finditer(block.text):
            records.extend(_sentence_statement(ctx, block, sentence))
    return records


def _sentence_statement(ctx: Context, block: Block, sentence: re.Match) -> list[Classification]:
    """Classifications stated by one sentence; a type named for the plan's own county (or
    a county the sentence names) that is not read becomes a warning with its line."""
    text = sentence.group(0)
    phrases = list(TYPE_PHRASE.finditer(text))
    if not phrases:
        return []
    line = block.lines_of(sentence.start(), sentence.end())[0]
    named = ctx.counties_in(text, line)
    own = ctx.entry.scope_level == "county"
    if not own and not named:
        return []  # a type in general ("以城市融合型县城为重点"): about no county

    def cite() -> Citation:
        return ctx.cite(block, sentence.start(), sentence.end())

    stated = [p for p in phrases if TYPE_VERB.search(text[: p.start()]) or text[p.end() :].startswith("定位")]
    keys = list(dict.fromkeys(type_key(p) for p in stated))  # two types may be stated together

    def statements(adcodes: list[str]) -> list[Classification]:
        return [Classification(adcode=a, type=k, statement_kind="body-text", citation=cite()) for a in adcodes for k in keys]

    why = ""
    if not stated:
        why, form, facts = "no stating verb (属于/作为/打造/建设…) before the type name", "no-verb", {}
    elif own:
        others = [a for a in named if a != ctx.entry.scope_adcode]
        if not others:
            return statements([ctx.entry.scope_adcode])
        why = "the sentence also names " + "、".join(geo.place_name(a) for a in others)
        form, facts = "others", {"others": "、".join(geo.place_name(a) for a in others)}
    else:
        first = stated[0].start()
        subjects = [m.adcode for m in ctx.mentions(text[:first], line) if m.level == "county"]
        subjects = [a for a in dict.fromkeys(subjects) if geo.counties()[a].kind != "市辖区"]
        if subjects:
            return statements(subjects)
        why, form, facts = "no county town named before the type", "no-county", {}
    ctx.warn(line, "type-statement-unread", f"type named but not read as a classification ({why}): {text.strip()[:80]}",
             form=form, text=text.strip()[:80], **facts)
    return []


def _is_first_paragraph(ctx: Context, block: Block) -> bool:
    for other in ctx.seg.blocks:
        if other.kind == "paragraph" and other.path and other.path[-1] is block.path[-1]:
            return other is block
    return False


def parse_positionings(ctx: Context) -> list[Positioning]:
    """Statements of what a county is to become (功能定位, 建设成为……)."""
    records: list[Positioning] = []
    for block in ctx.seg.blocks:
        if block.kind != "paragraph":
            continue
        innermost = block.path[-1] if block.path else None
        section = innermost if innermost is not None and POSITION_SECTION.search(innermost.title) else None
        # a list line in a 功能定位 box: "泽州县：以改造提升冶炼铸造……"
        m = LIST_LINE.match(block.text)
        if section is not None and m and "定位" in section.title:
            counties = ctx.counties_in(m.group("label"), block.line_start)
            if len(counties) == 1 and ctx.mentions(m.group("label"), block.line_start)[0].start == 0:
                records.append(Positioning(adcode=counties[0], text=m.group("items").strip(), citation=ctx.cite(block)))
                continue
        # a county plan's own 功能定位 section: the paragraph under the heading itself
        if (
            ctx.entry.scope_level == "county"
            and block.path
            and "功能定位" in block.path[-1].title
            and not block.heading
        ):
            records.append(Positioning(adcode=ctx.entry.scope_adcode, text=block.text, citation=ctx.cite(block)))
            continue
        for sentence in SENTENCES.finditer(block.text):
            text = sentence.group(0)
            verb = POSITION_VERB.search(text)
            mentions = [x for x in ctx.mentions(text, block.line_start) if x.level == "county"]
            if not mentions or mentions[0].start > 20:
                continue
            if verb is None and not (section is not None and mentions[0].start == 0):
                continue
            # the subject: the county (or 、-list of counties) the sentence opens with
            subjects = [mentions[0].adcode]
            end = mentions[0].end
            for mention in mentions[1:]:
                if mention.start == end + 1 and text[end] in "、和及与":
                    if mention.adcode not in subjects:
                        subjects.append(mention.adcode)
                    end = mention.end
                else:
                    break
            if verb is not None and verb.start() - end > 150:
                continue
            for adcode in subjects:
                records.append(
                    Positioning(adcode=adcode, text=text.strip(), citation=ctx.cite(block, sentence.start(), sentence.end()))
                )
    return records


TOWN_SECTIONS = (
    (re.compile(r"特色小镇|特色小城镇"), "characteristic-town"),
    (re.compile(r"重点镇|重点城镇"), "key-town"),
    (re.compile(r"专业镇"), "specialised-town"),
)


PILOT_COUNTY = re.compile(r"试点县[（(]([^）)]{2,12})[)）]")


def parse_towns(ctx: Context) -> list[Town]:
    """Key towns, characteristic towns, specialised towns and pilot counties where listed."""
    records: list[Town] = []
    for block in ctx.seg.blocks:
        if block.kind == "table" and block.rows and re.sub(r"\s", "", block.rows[0].cells[0]) in ("试点县", "试点县（市）"):
            for row in block.rows[1:]:
                name = row.cells[0].strip()
                counties = ctx.counties_in(name, row.line)
                if counties:
                    records.append(Town(name=name, adcode=counties[0], kind="pilot-county", citation=ctx.cite_lines(row.line, row.line, row.text)))
                elif name:
                    ctx.unparsed_fragment(row.line, row.text, "pilot county not found in the alias table", "pilot-county")
            continue
        if block.kind != "paragraph":
            continue
        for m in PILOT_COUNTY.finditer(block.text):
            for adcode in ctx.counties_in(m.group(1), block.line_start):
                records.append(Town(name=m.group(1), adcode=adcode, kind="pilot-county", citation=ctx.cite(block, m.start(), m.end())))
        m = LIST_LINE.match(block.text)
        if not m:
            continue
        heading = block.under(lambda h: any(p.search(h.title) for p, _ in TOWN_SECTIONS))
        if heading is None:
            continue
        kind = next(k for p, k in TOWN_SECTIONS if p.search(heading.title))
        counties = ctx.counties_in(m.group("label"), block.line_start)
        if len(counties) != 1:
            ctx.unparsed_fragment(block.line_start, block.text, "town list label is not one county", "town-label")
            continue
        for item in re.split(r"[、，,；;]", m.group("items")):
            item = item.strip(" 。")
            if item:
                records.append(Town(name=item, adcode=counties[0], kind=kind, citation=ctx.cite(block)))
    return records
