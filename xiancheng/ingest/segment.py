"""Segmentation: a plan's lines → headings, paragraphs and tables, each with its line span.

The five source documents differ in shape (see plans/manifest.yaml): one paragraph per line,
PDF text wrapped at a fixed width with page-break artefacts, Markdown with inconsistent `#`
depth, `<b>`/`<sup>` tags and a table of contents. This module turns all of them into one
sequence of blocks so that the record parsers never look at raw lines. It is pure: the same
lines give the same blocks.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

CN_DIGITS = "一二三四五六七八九十百零〇两"

# Heading patterns, outermost first. The rank orders them: a heading closes every open heading
# of the same or a deeper rank. Ranks come from the numbering style, not from Markdown `#`
# depth, which the Jincheng plan uses inconsistently (`##`/`###`/`####` for 第X节).
HEADING_PATTERNS: tuple[tuple[int, str, re.Pattern], ...] = (
    (0, "annex", re.compile(r"^附\s*件\s*(\d+)\s*$")),
    (1, "chapter", re.compile(rf"^第\s*([{CN_DIGITS}\d]+)\s*章\s*(.*)$")),
    (2, "section", re.compile(rf"^第\s*([{CN_DIGITS}\d]+)\s*节\s*(.*)$")),
    (3, "part", re.compile(rf"^([{CN_DIGITS}]+)\s*、\s*(.+)$")),
    (4, "paren", re.compile(rf"^[（(]\s*([{CN_DIGITS}]+)\s*[)）]\s*(.+)$")),
    (5, "item", re.compile(r"^(\d{1,2})\s*[.．、](?!\d)\s*(.+)$")),
    (6, "subitem", re.compile(r"^[（(]\s*(\d{1,2})\s*[)）]\s*(.+)$")),
    (7, "box", re.compile(r"^专栏\s*(\d+)\s*(.*)$")),
    (8, "year", re.compile(r"^(20\d{2})\s*年\s*\S{0,6}目标$")),
)
TITLE_RANK = 8  # unnumbered Markdown headings: nest under whatever numbered heading is open

SENTENCE_END = "。！？；"
CLOSERS = "。！？；：:」』”）)》】"
OPENERS_AT_END = "，、（(“《—-,"
LEADER = re.compile(r"(\.{3,}|…{2,}|·{3,}|－{3,})\s*\S*\s*\d*\s*$")
LEADER_MARKS = ("...", "……", "···", "－－－")  # what LEADER needs: most lines have none


def has_leader(text: str) -> bool:
    """A dot leader ends the text (a table-of-contents entry); the regex runs only when a
    leader's marks are there (searching every line took a tenth of segmenting)."""
    return any(mark in text for mark in LEADER_MARKS) and LEADER.search(text) is not None
TAG = re.compile(r"</?(b|strong|i|em|u|span|font|p|br)\b[^>]*>", re.I)
SUP = re.compile(r"\s*<sup>\s*([^<]*?)\s*</sup>\s*", re.I)
SUB = re.compile(r"\s*<sub>\s*([^<]*?)\s*</sub>\s*", re.I)
MD_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*#*\s*$")
BOLD = re.compile(r"\*\*(.+?)\*\*")
PAGE_ARTEFACT = re.compile(r"^(?:[-—－\s]*\d{1,3}[-—－\s]*|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?|\f)$")
LABEL_LINE = re.compile(r"^[^，。；：:、\t]{1,16}[：:]")
TOC_TITLE = re.compile(r"^目\s*录$")
SENTENCE_MARK = re.compile(r"[。！？]")
_SUPERSCRIPT = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")


class _DoubleWidth(dict):
    """str.translate table: a wide character becomes two cells, the rest stay (looked up once each)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        self[code] = cells = char * 2 if unicodedata.east_asian_width(char) in "WFA" else char
        return cells


_DOUBLE_WIDTH = _DoubleWidth()


def display_width(text: str) -> int:
    """Width in half-width cells: CJK characters count two, as they do on a printed page."""
    return len(text.translate(_DOUBLE_WIDTH))


def clean_line(raw: str) -> tuple[str, int]:
    """Strip markup and page artefacts from one line; returns (text, markdown heading depth).

    Leading spaces (PDF page-break artefacts), `<b>`, `**` and `#` markers go; `<sup>2</sup>`
    becomes `²`. The result is what quotes are made of, so citation checks apply the same
    cleaning to the cited lines.
    """
    text = raw.replace("\u3000", " ").replace("\xa0", " ").replace("\ufeff", "")
    if "<" in text:  # most lines carry no tag: skip three regex passes
        text = SUP.sub(lambda m: m.group(1).translate(_SUPERSCRIPT), text)
        text = SUB.sub(lambda m: m.group(1), text)
        text = TAG.sub("", text)
    if "**" in text:
        text = BOLD.sub(r"\1", text)
    text = text.strip().lstrip("-").strip() if text.strip().startswith("- ") else text.strip()
    depth = 0
    match = MD_HEADING.match(text)
    if match:
        depth = len(match.group(1))
        text = match.group(2)
    return text.strip(), depth


def compact(text: str) -> str:
    """Text with all whitespace removed: the form in which quotes are compared with lines."""
    # str.split() cuts at exactly what `\s` matches in a str pattern (str.isspace), and
    # costs a fifth of re.sub; this runs for every line and every citation of a build.
    return "".join(text.split())


def normalise_brackets(text: str) -> str:
    """Half-width brackets and colons as full-width, for matching only (never for quotes)."""
    return text.replace("(", "（").replace(")", "）").replace(":", "：")


# The first character of every heading pattern above (and any \d, checked apart): most
# lines start otherwise and need not be tried against nine patterns.
_HEADING_FIRST = frozenset("附第专（(" + CN_DIGITS)


def match_heading(text: str) -> Optional[tuple[int, str, str, str]]:
    """(rank, kind, marker, rest) when the text starts like a numbered heading."""
    first = text[:1]
    if first not in _HEADING_FIRST and not first.isdecimal():
        return None
    for rank, kind, pattern in HEADING_PATTERNS:
        m = pattern.match(text)
        if m:
            marker = m.group(0)[: m.start(2)] if m.lastindex and m.lastindex >= 2 else m.group(0)
            rest = m.group(2) if m.lastindex and m.lastindex >= 2 else ""
            return rank, kind, marker.strip(), rest.strip()
    return None


@dataclass(frozen=True)
class Heading:
    rank: int
    kind: str
    marker: str  # "（一）", "第三章", "1．" ...
    title: str  # heading text without the marker
    line_start: int
    line_end: int
    inline: bool = False  # a numbered paragraph whose title is its first sentence

    @property
    def text(self) -> str:
        return f"{self.marker}{self.title}" if self.kind not in ("title",) else self.title


@dataclass(frozen=True)
class Row:
    line: int
    cells: tuple[str, ...]
    text: str  # the cleaned line, tabs kept


@dataclass
class Block:
    """A heading, a paragraph (hard line breaks joined) or a table (rows of cells)."""

    kind: str  # "heading" / "paragraph" / "table"
    line_start: int
    line_end: int
    text: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, line number)
    path: tuple[Heading, ...] = ()  # enclosing headings, outermost first
    heading: Optional[Heading] = None  # for kind == "heading"; for inline-numbered paragraphs too
    rows: list[Row] = field(default_factory=list)  # for kind == "table"

    def lines_of(self, start: int, end: int) -> tuple[int, int]:
        """The line span of text[start:end] (character offsets into self.text)."""
        first = last = self.spans[0][1] if self.spans else self.line_start
        for offset, line in self.spans:
            if offset <= start:
                first = line
            if offset < max(end, start + 1):
                last = line
        return first, max(first, last)

    def under(self, predicate) -> Optional[Heading]:
        """The innermost enclosing heading that satisfies predicate."""
        for heading in reversed(self.path):
            if predicate(heading):
                return heading
        return None


@dataclass
class Segmented:
    document: str
    lines: list[str]  # raw lines, index 0 is line 1
    cleaned: list[str]
    blocks: list[Block]
    toc_lines: tuple[int, int] | None
    fixed_width: Optional[int]
    unparsed: list[tuple[int, str]] = field(default_factory=list)

    @property
    def headings(self) -> list[Heading]:
        return [b.heading for b in self.blocks if b.kind == "heading" and b.heading]

    def quote_of(self, line_start: int, line_end: int) -> str:
        """The cleaned text of a line span with hard line breaks joined."""
        return "".join(t for t in self.cleaned[line_start - 1 : line_end] if t)


def _toc_span(cleaned: list[str]) -> tuple[int, int] | None:
    """Line span of a table of contents: from a 目录 line until its first entry recurs.

    Entries may carry dot leaders and page numbers or not (the Yuncheng five-year plan has
    bare chapter titles); either way they are not sections of the document.
    """
    start = next((i for i, t in enumerate(cleaned) if TOC_TITLE.match(t.replace(" ", ""))), None)
    if start is None:
        return None

    def key(text: str) -> str:
        text = LEADER.sub("", text.split("\t")[0]).strip()
        head = match_heading(text)
        return compact(head[2]) if head else compact(text)

    first_key = None
    for i in range(start + 1, len(cleaned)):
        text = cleaned[i]
        if not text:
            continue
        if first_key is None:
            first_key = key(text)
            continue
        if key(text) == first_key:
            return start + 1, i  # 1-based: the 目录 line .. the line before the recurrence
        if len(text) >= 60 and "，" in text and not has_leader(text):
            return start + 1, i  # running text: the table of contents has ended
    return start + 1, start + 1


def _fixed_width(cleaned: list[str]) -> Optional[int]:
    """The print width of a PDF-like text (most lines the same width), else None."""
    widths = [display_width(t) for t in cleaned if len(t) >= 10 and "\t" not in t]
    if len(widths) < 20:
        return None
    mode, _ = Counter(widths).most_common(1)[0]
    near = sum(1 for w in widths if mode - 4 <= w <= mode + 4)
    if mode < 120 and near / len(widths) >= 0.5:
        return mode
    return None


def trailing_paren(text: str) -> Optional[tuple[int, str]]:
    """(offset, content) of a parenthesis that closes the text, full- or half-width."""
    stripped = text.rstrip().rstrip("。.；;")
    if not stripped or stripped[-1] not in "）)":
        return None
    depth = 0
    for i in range(len(stripped) - 1, -1, -1):
        c = stripped[i]
        if c in "）)":
            depth += 1
        elif c in "（(":
            depth -= 1
            if depth == 0:
                return i, stripped[i + 1 : -1]
    return None


UNIT_SUFFIXES = (
    "局", "委", "办", "部", "院", "队", "中心", "公司", "政府", "乡镇", "镇", "乡", "集团", "支队", "大队", "委员会", "管委会",
    "联社", "分局", "组", "所", "站", "社", "会", "处", "馆", "行", "厅", "单位", "街道", "办公室", "专班", "银行", "协会",
    "联合会", "分公司", "发改委",
)
UNIT_SPLIT = re.compile(r"[、，,；;]")
UNIT_PREFIX = re.compile(r"^(责任单位|牵头单位|配合单位|责任部门)[：:]\s*")
UNIT_ETC = re.compile(r"(等有关单位|等相关单位|等单位|等部门)$")


def split_units(content: str) -> list[str]:
    """Responsible units of a trailing parenthesis, as a list; [] if it is not a unit list."""
    body = UNIT_PREFIX.sub("", content.strip())
    parts = [p.strip() for p in UNIT_SPLIT.split(body) if p.strip()]
    if not parts:
        return []
    units = []
    for part in parts:
        part = UNIT_ETC.sub("", part)
        if len(part) > 30 or "。" in part:
            return []
        units.append(part)
    # str.endswith, not a regex search: the search tried every suffix at every character
    if not any((u[:-1] if u.endswith("\n") else u).endswith(UNIT_SUFFIXES) for u in units):  # as `…$` read it
        return []
    return units


def units_paren(text: str) -> Optional[tuple[int, list[str]]]:
    """(offset, units) when the text ends with a responsible-unit parenthesis."""
    found = trailing_paren(text)
    if not found:
        return None
    offset, content = found
    units = split_units(content)
    return (offset, units) if units else None


def _unclosed_paren(text: str) -> bool:
    """The text opens a parenthesis it does not close (it continues on the next line)."""
    depth = 0
    for c in text[-120:]:
        if c in "（(":
            depth += 1
        elif c in "）)" and depth:
            depth -= 1
    return depth > 0 and len(text) >= 8


def _ends_open(text: str) -> bool:
    return bool(text) and text[-1] not in CLOSERS


def segment(document: str, lines: list[str]) -> Segmented:
    """Split a document into blocks; see the module docstring."""
    cleaned_depth = [clean_line(raw) for raw in lines]
    cleaned = [c for c, _ in cleaned_depth]
    toc = _toc_span(cleaned)
    width = _fixed_width(cleaned)

    def in_toc(number: int) -> bool:
        return bool(toc and toc[0] <= number <= toc[1])

    def full(text: str) -> bool:
        return width is not None and display_width(text) >= width - 5

    def starts_unit(text: str, depth: int) -> bool:
        """A line that must start a new block whatever came before."""
        return bool(
            depth
            or "\t" in text
            or match_heading(text)
            or LABEL_LINE.match(text)
            or TOC_TITLE.match(text.replace(" ", ""))
        )

    def joins(prev: str, prev_depth: int, text: str, depth: int) -> bool:
        if prev_depth or depth or "\t" in prev or "\t" in text or match_heading(text):
            return False
        if units_paren(prev):
            return False
        if _unclosed_paren(prev) or (width is not None and full(prev)):
            return True  # "（责" + "任单位：……）", or a line wrapped at the print width
        if starts_unit(text, depth):
            return False
        if width is not None:
            return full(prev) or prev[-1] in OPENERS_AT_END
        if prev[-1] in OPENERS_AT_END:
            return True
        return _ends_open(prev) and len(prev) >= 25 and not LABEL_LINE.match(prev)

    # 1. physical lines → logical units (paragraph candidates, table rows)
    units: list[tuple[str, list[tuple[int, str]], int]] = []  # (kind, [(line, text)], md depth)
    unparsed: list[tuple[int, str]] = []
    dropped: set[int] = set()  # lines with text that no block keeps (page numbers, TOC entries)
    for index, (text, depth) in enumerate(cleaned_depth):
        number = index + 1
        if not text:
            continue
        if in_toc(number):
            dropped.add(number)
            continue
        if has_leader(text) and not depth:
            dropped.add(number)
            continue  # a table-of-contents entry outside a 目录 block: not a section
        if PAGE_ARTEFACT.match(text):
            dropped.add(number)
            continue
        if "\t" in lines[index] and not depth:
            units.append(("row", [(number, text)], 0))
            continue
        if units and units[-1][0] == "para":
            kind, parts, prev_depth = units[-1]
            if joins(parts[-1][1], prev_depth, text, depth):
                parts.append((number, text))
                continue
        units.append(("para", [(number, text)], depth))

    # 2. logical units → blocks, with the heading path
    blocks: list[Block] = []
    stack: list[Heading] = []
    for kind, parts, depth in units:
        line_start, line_end = parts[0][0], parts[-1][0]
        if kind == "row":
            number, text = parts[0]
            raw_cells = lines[number - 1].split("\t")
            cells = tuple(clean_line(c)[0] for c in raw_cells)
            row = Row(number, cells, text)
            last = blocks[-1] if blocks else None
            if last is not None and last.kind == "table":
                last.rows.append(row)
                last.line_end = number
                continue
            blocks.append(Block("table", number, number, path=tuple(stack), rows=[row]))
            continue
        text = ""
        spans = []
        previous = None
        for number, part in parts:
            if previous is not None and any(n in dropped for n in range(previous + 1, number)):
                # A paragraph joined across a dropped line (a page number): the line break
                # stays, so a quote across it is found in its lines part by part (quote_in).
                text += "\n"
            spans.append((len(text), number))
            text += part
            previous = number
        head = match_heading(text)
        heading: Optional[Heading] = None
        if head:
            rank, hkind, marker, rest = head
            body_sentence = SENTENCE_MARK.search(rest)
            if body_sentence and body_sentence.end() < len(rest):
                # "1．强化规划引领指导作用。围绕……": a numbered paragraph with an inline title
                title = rest[: body_sentence.start()]
                heading = Heading(rank, hkind, marker, title, line_start, line_end, inline=True)
            elif len(rest) <= 80 or hkind in ("chapter", "section", "box", "annex"):
                heading = Heading(rank, hkind, marker, rest.rstrip("。"), line_start, line_end)
            else:
                heading = Heading(rank, hkind, marker, rest[:40], line_start, line_end, inline=True)
        elif depth and len(text) <= 80:
            heading = Heading(TITLE_RANK, "title", "", text, line_start, line_end)
        if heading is not None:
            # a heading repeated after a page break with only a table between is the same heading
            prev_block = blocks[-1] if blocks else None
            if (
                prev_block is not None
                and prev_block.kind == "table"
                and stack
                and stack[-1].text == heading.text
                and not heading.inline
            ):
                continue
            while stack and stack[-1].rank >= heading.rank:
                stack.pop()
            if heading.inline:
                blocks.append(Block("heading", line_start, line_start, heading.text, [(0, line_start)], tuple(stack), heading))
                stack.append(heading)
                blocks.append(Block("paragraph", line_start, line_end, text, spans, tuple(stack), heading))
            else:
                blocks.append(Block("heading", line_start, line_end, text, spans, tuple(stack), heading))
                stack.append(heading)
            continue
        blocks.append(Block("paragraph", line_start, line_end, text, spans, tuple(stack)))

    _merge_split_tables(blocks)
    for block in blocks:
        if block.kind == "table":
            _drop_repeated_headers(block)
    return Segmented(document, list(lines), cleaned, blocks, toc, width, unparsed)


def _merge_split_tables(blocks: list[Block]) -> None:
    """Join a table continued after a page break (the header row repeated) to its first part."""
    i = 1
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "table":
            j = i - 1
            while j >= 0 and blocks[j].kind == "heading" and blocks[j].heading and blocks[j].heading.kind in ("box", "title"):
                j -= 1
            prev = blocks[j] if j >= 0 else None
            if (
                prev is not None
                and prev.kind == "table"
                and prev.rows
                and block.rows
                and _header_key(prev.rows[0]) == _header_key(block.rows[0])
            ):
                prev.rows.extend(block.rows[_header_len(prev.rows, block.rows) :])
                prev.line_end = block.line_end
                del blocks[j + 1 : i + 1]
                i = j + 1
                continue
        i += 1


def _drop_repeated_headers(table: Block) -> None:
    """A header row (or two-row header) repeated after a page break is not data."""
    rows = table.rows
    header = [_header_key(rows[0])]
    if len(rows) > 1 and not rows[1].cells[0].strip() and not re.search(r"\d{1,2}(\.\d+)?(?!\d*年)", "".join(rows[1].cells[:3])):
        header.append(_header_key(rows[1]))
    kept = rows[: len(header)]
    i = len(header)
    while i < len(rows):
        if _header_key(rows[i]) == header[0]:
            i += 1
            if len(header) > 1 and i < len(rows) and _header_key(rows[i]) == header[1]:
                i += 1
            continue
        kept.append(rows[i])
        i += 1
    table.rows = kept


def _header_key(row: Row) -> str:
    return compact("".join(row.cells))


def _header_len(first: list[Row], second: list[Row]) -> int:
    """How many header rows the continued part repeats (one or two-row headers)."""
    n = 0
    while n < len(first) and n < len(second) and _header_key(first[n]) == _header_key(second[n]):
        n += 1
    return n
