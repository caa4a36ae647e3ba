"""The CJK font for every static export, registered from the mplfonts package (never a system font)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

# Noto Sans CJK SC (SIL OFL) as shipped inside the PyPI package `mplfonts`: installed with
# the project's dependencies, so exports look the same on every machine, online or not.
FONT_FILE = "NotoSansCJKsc-Regular.otf"


class FontError(RuntimeError):
    """The packaged CJK font cannot be found; the message says which package provides it."""


def font_path() -> Path:
    """Path of the Noto Sans CJK SC file inside the installed mplfonts package."""
    try:
        import mplfonts
    except ImportError:
        raise FontError("缺少字体包 mplfonts，请安装项目依赖。 (the mplfonts package is missing; install the project's dependencies)") from None
    path = Path(mplfonts.__file__).resolve().parent / "fonts" / FONT_FILE
    if not path.is_file():
        raise FontError(f"字体文件 {path} 不存在。 (font file {path} not found in the mplfonts package)")
    return path


@lru_cache(maxsize=1)
def font_family() -> str:
    """Register the packaged font with matplotlib once and return its family name."""
    from matplotlib import font_manager

    path = font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def rc_params() -> dict:
    """matplotlib settings for exports: only the packaged font, real text in PDF.

    PDF text is embedded as a Type 42 (CID) font with a ToUnicode map, so the title and
    source line can be searched and copied. SVG text is drawn as paths, so an SVG looks
    the same on a machine without any CJK font.
    """
    family = font_family()
    return {
        "font.family": [family],
        "font.sans-serif": [family],
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "path",
        "axes.unicode_minus": False,  # the font has U+2212, but keep plain hyphen-minus in copies
        "hatch.linewidth": 0.6,
        # Titles, quotes and units come from plan documents: a pair of `$` is text, not
        # mathtext (which raised on "$\\undefined$" and killed the export).
        "text.parse_math": False,
    }


@lru_cache(maxsize=1)
def _ft2font():
    from matplotlib.ft2font import FT2Font

    font = FT2Font(str(font_path()))
    font.set_size(100, 72)  # 100 pt at 72 dpi: advances in 1/64 pixel = 1/64 pt at 100 pt
    return font


@lru_cache(maxsize=8192)
def _advance(char: str) -> float:
    """Advance width of one character, in em (1.0 = the font size)."""
    font = _ft2font()
    if not font.get_char_index(ord(char)):
        # Not in the font (a zero-width space, a rare symbol): matplotlib draws the font's
        # missing-glyph box, glyph 0, so measure that.
        glyph = font.load_glyph(0)
    else:
        glyph = font.load_char(ord(char))
    return glyph.linearHoriAdvance / 65536 / 100


# C0 and C1 controls and DEL have no glyph: FreeType refuses them (a DEL in a unit killed the
# export). Tab reads as a space; line feed is the line break wrap() keeps.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def drawable(text: str) -> str:
    """Text as matplotlib can draw it: controls dropped, tab and CR as space/line break."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROLS.sub("", text)


def text_width(text: str, size: float) -> float:
    """Width in points of a single line of text at the given font size (no kerning)."""
    return sum(_advance(c) for c in drawable(text)) * size


# Characters that must not start a line (Chinese line-breaking rule, 避头点) and that
# must not end one.
_NO_LINE_START = set("，。、；：？！）》」』】〕”’%％,.;:?!)]}…·-–—")
_NO_LINE_END = set("（《「『【〔“‘([{")


# Runs that must stay on one line: line citations (第160–162行) and 文号 (〔2024〕42号).
_UNBREAKABLE = re.compile(r"第\d+(?:[–-]\d+)?行|lines? \d+(?:[–-]\d+)?|〔\d{4}〕\d+号")


def _tokens(text: str) -> list[str]:
    """Break opportunities: each CJK character alone; Latin words, numbers, citations whole."""
    tokens: list[str] = []
    position = 0
    for match in _UNBREAKABLE.finditer(text):
        tokens += _plain_tokens(text[position : match.start()])
        tokens.append(match.group(0))
        position = match.end()
    return tokens + _plain_tokens(text[position:])


def _plain_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    word = ""
    for char in text:
        if char.isascii() and not char.isspace():
            word += char
            continue
        if word:
            tokens.append(word)
            word = ""
        tokens.append(char)
    if word:
        tokens.append(word)
    return tokens


def wrap(text: str, width: float, size: float) -> list[str]:
    """Lines of text no wider than width points at the given size (hard breaks kept).

    A single token wider than the line (a very long number) is cut by characters.
    """
    lines: list[str] = []
    for paragraph in drawable(text).split("\n"):
        line = ""
        for token in _tokens(paragraph):
            candidate = line + token
            if not line or text_width(candidate.rstrip(), size) <= width:
                line = candidate
                continue
            if token in _NO_LINE_START and len(line) > 1:
                # Pull the previous character down with the punctuation (避头点), and any
                # closing punctuation before it ("城。" + "”" → "城。”" on the next line).
                cut = len(line) - 1
                while cut > 1 and line[cut] in _NO_LINE_START:
                    cut -= 1
                lines.append(line[:cut].rstrip())
                line = line[cut:] + token
                continue
            if line[-1] in _NO_LINE_END and len(line) > 1:
                lines.append(line[:-1].rstrip())
                line = line[-1] + token
                continue
            lines.append(line.rstrip())
            line = token.lstrip()
        while text_width(line, size) > width and len(line) > 1:
            # An over-long token: cut it where it stops fitting.
            cut = len(line)
            while cut > 1 and text_width(line[:cut], size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line.rstrip())
    return lines


def clip_lines(lines: list[str], max_lines: int, width: float, size: float) -> list[str]:
    """At most max_lines lines; a cut last line ends with an ellipsis that still fits."""
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and text_width(last + "…", size) > width:
        last = last[:-1]
    kept[-1] = last + "…"
    return kept
