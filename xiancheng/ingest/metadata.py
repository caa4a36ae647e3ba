"""What a plan's own text says about it: title, issuer, 文号, date, scope and kind.

Chinese government documents open the same way: a red header "XX人民政府办公室文件", the
文号 (运政办发〔2024〕18号), a notice "关于印发《……》的通知" signed by the issuer with the
date (digits or Chinese numerals, 二〇二四年九月十四日), then the plan's own title. A plan
printed without the notice (洪洞县's) starts with its title and prints no issuer, number
or date: those stay empty. Every value found carries the line(s) it came from, so the
person adding the plan can check it against the text. Pure: lines in, values out.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Optional

from .. import geo
from .segment import clean_line, compact

HEADER_LINES = 80  # the notice and the title are within the first lines of every plan seen
PLAN_WORDS = re.compile(r"(方案|规划|纲要|意见|计划|办法|要点)$")
NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,14}[〔\[［(（]\s*((?:19|20)\d{2})\s*[〕\]］)）]\s*第?\s*\d{1,4}\s*号$")
DATE_DIGITS = re.compile(r"^((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日$")
CN_NUMERALS = "〇零○Ｏ一二三四五六七八九十"
DATE_CHINESE = re.compile(rf"^([{CN_NUMERALS}]{{4}})年([{CN_NUMERALS}]{{1,3}})月([{CN_NUMERALS}]{{1,3}})日$")
HEADER = re.compile(r"^(.{2,40}?)文件$")
NOTICE = re.compile(r"^(.{2,40}?)关于印发")
QUOTED_TITLE = re.compile(r"《([^《》]{4,80}?)》")
NOTICE_TITLE = re.compile(r"关于印发《?([^《》]{4,80}?)》?的通知")
ISSUER_SUFFIX = re.compile(r"(人民政府|办公室|办公厅|委员会|局|委|厅|政府)$")
TASKS_FOR_COUNTY_TOWNS = re.compile(r"各县[（(\[［]市[)）\]］].{0,16}落实")

_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0}


@dataclass(frozen=True)
class Found:
    """A value read from the text and the line span it was read from (1-based)."""

    value: str
    line_start: Optional[int] = None
    line_end: Optional[int] = None
    quote: str = ""  # the line(s) as printed
    note: str = ""  # how the value was derived when it is not printed as such

    @property
    def lines(self) -> Optional[tuple[int, int]]:
        return (self.line_start, self.line_end) if self.line_start else None


@dataclass
class Metadata:
    """Every field add-plan fills in; a field the text does not print is absent (None)."""

    title: Optional[Found] = None
    issuer: Optional[Found] = None
    number: Optional[Found] = None
    date: Optional[Found] = None
    scope: Optional[Found] = None  # value: adcode
    scope_level: Optional[str] = None  # province / city / county
    kind: Optional[Found] = None
    title_lines: Optional[tuple[int, int]] = None
    task_scope: Optional[Found] = None
    notes: list[str] = field(default_factory=list)

    def value(self, name: str) -> str:
        found = getattr(self, name)
        return found.value if found is not None else ""


def chinese_number(text: str) -> Optional[int]:
    """十=10, 二十七=27, 三十一=31, 九=9; digits as written; None if not a number."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        value = (_DIGIT.get(tens, -100) if tens else 1) * 10 + (_DIGIT.get(ones, -100) if ones else 0)
        return value if value >= 0 else None
    if len(text) == 1 and text in _DIGIT:
        return _DIGIT[text]
    return None


def parse_date(text: str) -> Optional[str]:
    """ISO date of a line that is only a date, in digits or Chinese numerals; else None."""
    text = compact(text)
    m = DATE_DIGITS.match(text)
    if m:
        year, month, day = (int(g) for g in m.groups())
    else:
        m = DATE_CHINESE.match(text)
        if not m:
            return None
        if any(c not in _DIGIT for c in m.group(1)):
            return None
        year = int("".join(str(_DIGIT[c]) for c in m.group(1)))
        month, day = chinese_number(m.group(2)), chinese_number(m.group(3))
        if month is None or day is None:
            return None
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def place_of(text: str) -> Optional[tuple[str, str]]:
    """(adcode, name as printed) of the place a title or issuer starts with.

    The longest name wins (临汾市洪洞县 over 临汾市); "山西省" alone is the province; an
    ambiguous name (城区 without its city) gives None.
    """
    text = compact(text)
    for prefix in ("中共", "山西省"):
        if text.startswith(prefix) and len(text) > len(prefix):
            rest = place_of(text[len(prefix):])
            if rest is not None:
                return rest[0], (prefix + rest[1]) if prefix == "山西省" else rest[1]
            if prefix == "山西省":
                return geo.PROVINCE_ADCODE, "山西省"
    index = geo.name_index()
    for length in range(min(len(text), 14), 1, -1):
        candidates = index.get(text[:length])
        if candidates:
            return (candidates[0], text[:length]) if len(candidates) == 1 else None
    return None


def level_of(adcode: str) -> str:
    if adcode == geo.PROVINCE_ADCODE:
        return "province"
    return "city" if adcode in geo.cities() else "county"


def kind_of(title: str) -> str:
    title = compact(title)
    if re.search(r"五年规划|远景目标纲要|规划纲要", title):
        return "five-year-plan"
    if "城镇化规划" in title:
        return "urbanisation-plan"
    if re.search(r"方案$", title):
        return "action-plan"
    return "other"


def _quote(lines: list[str], a: int, b: int) -> str:
    return " ".join(lines[i - 1].strip() for i in range(a, b + 1) if lines[i - 1].strip())


def detect(lines: list[str]) -> Metadata:
    """Read the metadata from a document's lines; see the module docstring."""
    cleaned = [clean_line(line)[0] for line in lines]
    compacted = [compact(text) for text in cleaned]
    head = range(min(len(lines), HEADER_LINES))
    meta = Metadata()

    def found(value: str, a: int, b: Optional[int] = None, note: str = "") -> Found:
        return Found(value, a, b or a, _quote(lines, a, b or a), note)

    # 文号: a line that is only the number (a number cited inside a sentence is another document's)
    for i in head:
        m = NUMBER.match(compacted[i])
        if m:
            meta.number = found(compacted[i], i + 1)
            break

    # the notice: 《title》 beside 印发/已经, else a heading 关于印发…的通知 over one to three lines
    nonempty = [i for i in head if compacted[i]]
    notice_title: Optional[Found] = None
    notice_end = 0
    for pattern, accept in ((QUOTED_TITLE, _notice_quote), (NOTICE_TITLE, _notice_heading)):
        for k in range(len(nonempty)):
            window = nonempty[k : k + 3]
            joined = "".join(compacted[j] for j in window)
            m = pattern.search(joined)
            if m and m.start() < len(compacted[window[0]]) and accept(joined, m):
                first = _line_of_offset(window, compacted, m.start())
                end = _line_of_offset(window, compacted, m.end() - 1)
                notice_title = found(m.group(1), first + 1, end + 1)
                notice_end = end + 1
                break
        if notice_title is not None:
            break

    # date: a line that is only a date, in the notice (before the plan's title) or signed at the end
    date_line = None
    for i in list(head) + list(range(max(len(lines) - 30, HEADER_LINES), len(lines))):
        iso = parse_date(cleaned[i])
        if iso:
            meta.date = found(iso, i + 1)
            date_line = i
            break
    if meta.date is None and meta.number is not None:
        year = NUMBER.match(meta.number.value).group(1)
        meta.date = Found(year, meta.number.line_start, meta.number.line_end, meta.number.quote, note="year of the 文号; no date is printed")

    # issuer: the red header "…文件", the signature above the date, or "…关于印发"
    for i in head[:12]:
        m = HEADER.match(compacted[i])
        if m and ISSUER_SUFFIX.search(m.group(1)):
            meta.issuer = found(m.group(1), i + 1)
            break
    if meta.issuer is None and date_line is not None:
        above = next((j for j in range(date_line - 1, max(date_line - 4, -1), -1) if compacted[j]), None)
        if above is not None and len(compacted[above]) <= 40 and ISSUER_SUFFIX.search(compacted[above]):
            meta.issuer = found(compacted[above], above + 1)
    if meta.issuer is None:
        for i in head:
            m = NOTICE.match(compacted[i])
            if m and ISSUER_SUFFIX.search(m.group(1)):
                meta.issuer = found(m.group(1), i + 1)
                break

    # title: as the notice names it; else the first heading-like line(s) that name a plan
    own = _own_title_lines(compacted, notice_title.value if notice_title else None, max(notice_end, (date_line or -1) + 1))
    if notice_title is not None:
        meta.title = notice_title
        meta.title_lines = own or notice_title.lines
    elif own is not None:
        a, b = own
        meta.title = found("".join(compacted[a - 1 : b]), a, b)
        meta.title_lines = own

    if meta.title is not None:
        kind = kind_of(meta.title.value)
        meta.kind = Found(kind, meta.title.line_start, meta.title.line_end, meta.title.quote, note="from the title")
    for source in (meta.title, meta.issuer):
        place = place_of(source.value) if source is not None else None
        if place is not None:
            meta.scope = Found(place[0], source.line_start, source.line_end, source.quote, note=f"{place[1]} in the {'title' if source is meta.title else 'issuer'}")
            meta.scope_level = level_of(place[0])
            break
    if meta.scope_level in ("county", "province"):
        meta.task_scope = Found("scope", note=f"a {meta.scope_level} plan: its tasks are the {meta.scope_level}'s own")
    elif meta.scope_level == "city":
        for i, text in enumerate(compacted):
            if TASKS_FOR_COUNTY_TOWNS.search(text):
                meta.task_scope = found("county-towns", i + 1, note="tasks fall on the county towns (县 and 县级市)")
                break
        else:
            meta.task_scope = Found("all-units", note="no line assigns the tasks to the county towns only")
    return meta


def _notice_quote(joined: str, m: re.Match) -> bool:
    """《X》 is the plan being issued: X names a plan, and the notice says it is issued."""
    title = m.group(1)
    return (
        bool(PLAN_WORDS.search(title)) and not title.startswith("关于")
        and bool(re.search(r"(印发|现将|将)$", joined[max(0, m.start() - 4) : m.start()]) or re.match(r"(已经|已|印发|经)", joined[m.end() :]))
    )


def _notice_heading(joined: str, m: re.Match) -> bool:
    """关于印发X的通知 as the notice's own heading, not cited inside a sentence."""
    return bool(PLAN_WORDS.search(m.group(1))) and re.match(r".{0,40}?关于印发", joined) is not None and not re.search(r"[，。；]", joined[: m.end()])


def _line_of_offset(window: list[int], compacted: list[str], offset: int) -> int:
    """The index of the line in window that holds character `offset` of their joined text."""
    for index in window:
        if offset < len(compacted[index]):
            return index
        offset -= len(compacted[index])
    return window[-1]


def _own_title_lines(compacted: list[str], title: Optional[str], start: int) -> Optional[tuple[int, int]]:
    """The plan's own title after the notice: one or two lines whose text is the title
    (whitespace ignored; a near match such as an extra 的 is taken when none is exact).
    Without a known title: the first short line(s) that end with a plan word."""
    end = min(len(compacted), start + 400)
    candidates = []
    for i in range(start, end):
        if not compacted[i]:
            continue
        nxt = next((j for j in range(i + 1, min(i + 3, len(compacted))) if compacted[j]), None)
        spans = [(i, i)] + ([(i, nxt)] if nxt is not None else [])
        for a, b in spans:
            text = "".join(compacted[a : b + 1])
            if title is None:
                if len(text) <= 60 and not re.search(r"[，。；：]", text) and PLAN_WORDS.search(text) and not text.endswith("通知"):
                    return a + 1, b + 1
                continue
            if text == title:
                return a + 1, b + 1
            if abs(len(text) - len(title)) <= 4 and not re.search(r"[，。；]", text):
                ratio = difflib.SequenceMatcher(None, text, title).ratio()
                if ratio >= 0.9:
                    candidates.append((ratio, a + 1, b + 1))
        if title is None and i - start > 40:
            return None
    if candidates:
        _, a, b = max(candidates, key=lambda c: (c[0], -c[1]))
        return a, b
    return None
