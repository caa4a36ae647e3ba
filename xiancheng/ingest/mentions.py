"""County and city mentions in running text, resolved to adcodes through geo's alias table."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .. import geo

# Names that are also ordinary words (老城区, 中心城区, 矿区, 郊区): only taken as a place when
# they stand alone as a list label ("城区：南村铸造小镇") or an item of a 、-list.
GENERIC_NAMES = geo.GENERIC_NAMES
# A place name is a whole token: the text before it ends a word (punctuation, a list mark,
# a joining word, the start of the line, a province or city name) and the text after it is
# punctuation or the name's own suffix. 提高平均 is not 高平, 振兴县域 is not 兴县.
BOUNDARY_BEFORE = set("、，。；：:,（(“《和与及在至到对向从由的同、 \t-—")
BOUNDARY_AFTER = set("、，。；：:,）)”》和与及等县市区两三四五六七八九十各的发 \t-—")
# A unit named by one character plus 县 (兴县, 代县, 临县, 夏县, 应县, 古县 …) hides in
# ordinary words (振兴县域, 现代县城, 莅临县城, 华夏县域, 相应县级). After anything but a
# boundary or a place name it counts only when its first character does not close a word
# with the character before it: 支持绛县 is 绛县 (持绛 is no word), 振兴县域 is not 兴县
# (振兴 is). The words come from jieba's dictionary, the standard Chinese word list.
PROVINCE_NAMES = ("山西省", "山西", "全省")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    name: str
    adcode: Optional[str]  # None: the name is known but ambiguous in this document's city

    @property
    def level(self) -> str:
        if self.adcode is None:
            return "unresolved"
        if self.adcode in geo.cities():
            return "city"
        return "county"


@lru_cache(maxsize=1)
def _names() -> tuple[re.Pattern, frozenset[str], frozenset[str], tuple[str, ...]]:
    index = geo.name_index()
    full = {c.name for c in geo.counties().values()} | set(geo.cities().values())
    full |= {c.city_name + c.name for c in geo.counties().values()}
    # one-character stem + 县: a full name, but as easily the tail of an ordinary word
    short_full = frozenset(n for n in full if len(n) == 2 and n not in GENERIC_NAMES)
    pattern = re.compile(_trie_pattern(n for n in index if len(n) >= 2))
    # what may stand right before a name: a province or city name, full ("临汾市") or short ("临汾")
    places = PROVINCE_NAMES + tuple(geo.cities().values()) + tuple(n[:-1] for n in geo.cities().values())
    return pattern, frozenset(full), short_full, places


def _trie_pattern(names) -> str:
    """One regex for many names, as a trie: at each character only the names that go on
    with it are tried (an alternation of all names tried each in turn at every position,
    twice as slow). Longer names are tried before a name ends, so the longest name wins,
    as in an alternation sorted longest first."""
    trie: dict = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}  # a name ends here

    def branch(node: dict) -> str:
        ways = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        if not ways:
            return ""
        group = ways[0] if len(ways) == 1 and len(ways[0]) == 1 else "(?:" + "|".join(ways) + ")"
        return group + "?" if "" in node else group

    return branch(trie)


@lru_cache(maxsize=1)
def _words_ending_in(stems: frozenset[str]) -> frozenset[str]:
    """Two-character dictionary words whose second character is one of stems (现代, 振兴 …)."""
    # Found without importing jieba (its import alone costs more than reading the list).
    spec = importlib.util.find_spec("jieba")
    text = (Path(spec.origin).parent / "dict.txt").read_text(encoding="utf-8")
    chars = re.escape("".join(sorted(stems)))
    return frozenset(re.findall(rf"^(.[{chars}]) \d", text, re.M))


def _starts_token(text: str, start: int, places: tuple[str, ...]) -> bool:
    if start == 0 or text[start - 1] in BOUNDARY_BEFORE:
        return True
    return text[:start].endswith(places)


def find_mentions(text: str, city_adcode: Optional[str]) -> list[Mention]:
    """Place names in text (longest name wins), each resolved relative to the document's city.

    city_adcode None (a province document): names shared by several cities stay unresolved.
    """
    pattern, full, short_full, places = _names()
    found = []
    for m in pattern.finditer(text):
        name = m.group(0)
        before = text[m.start() - 1] if m.start() > 0 else "、"
        after = text[m.end()] if m.end() < len(text) else "、"
        if name in GENERIC_NAMES:
            if not (before in "、，。；：\t " and after in "：:、，") and m.start() != 0:
                continue
            if m.start() == 0 and after not in "：:、，":
                continue
        elif name in short_full:
            words = _words_ending_in(frozenset(n[0] for n in short_full))
            if not _starts_token(text, m.start(), places) and text[m.start() - 1 : m.start() + 1] in words:
                continue
        elif name not in full and (not _starts_token(text, m.start(), places) or after not in BOUNDARY_AFTER):
            continue
        found.append(Mention(m.start(), m.end(), name, geo.resolve(name, city_adcode)))
    return found


def county_adcodes(mentions: list[Mention]) -> list[str]:
    """Distinct county-level adcodes in mention order."""
    seen: dict[str, None] = {}
    for mention in mentions:
        if mention.level == "county":
            seen.setdefault(mention.adcode, None)
    return list(seen)


def county_towns(city_adcode: str) -> list[str]:
    """The city's 县 and 县级市: the units its county-town plans speak of (not 市辖区)."""
    return list(_county_towns(city_adcode))


def all_units(city_adcode: str) -> list[str]:
    return list(_all_units(city_adcode))


# Asked for every task that names no county (a scan of all 117 units each time).
@lru_cache(maxsize=None)
def _county_towns(city_adcode: str) -> tuple[str, ...]:
    return tuple(sorted(a for a in geo.counties_of_city(city_adcode) if geo.counties()[a].kind != "市辖区"))


@lru_cache(maxsize=None)
def _all_units(city_adcode: str) -> tuple[str, ...]:
    return tuple(sorted(geo.counties_of_city(city_adcode)))
