"""County and city mentions in running text, resolved to adcodes through geo's alias table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .. import geo

# Names that are also ordinary words (老城区, 中心城区, 矿区, 郊区): only taken as a place when
# they stand alone as a list label ("城区：南村铸造小镇") or an item of a 、-list.
GENERIC_NAMES = frozenset({"城区", "矿区", "郊区"})
# A short name (临猗 for 临猗县) must stand at a word boundary: 提高平均 is not 高平.
BOUNDARY_BEFORE = set("、，。；：:,（(“《和与及在至到对向从由的同、 \t-—")
BOUNDARY_AFTER = set("、，。；：:,）)”》和与及等县市区两三四五六七八九十各的发 \t-—")


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
def _names() -> tuple[re.Pattern, frozenset[str]]:
    index = geo.name_index()
    full = {c.name for c in geo.counties().values()} | set(geo.cities().values())
    full |= {c.city_name + c.name for c in geo.counties().values()}
    names = sorted((n for n in index if len(n) >= 2), key=lambda n: (-len(n), n))
    pattern = re.compile("|".join(re.escape(n) for n in names))
    return pattern, frozenset(full)


def find_mentions(text: str, city_adcode: Optional[str]) -> list[Mention]:
    """Place names in text (longest name wins), each resolved relative to the document's city."""
    pattern, full = _names()
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
        elif name not in full and (before not in BOUNDARY_BEFORE or after not in BOUNDARY_AFTER):
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
    return sorted(a for a in geo.counties_of_city(city_adcode) if geo.counties()[a].kind != "市辖区")


def all_units(city_adcode: str) -> list[str]:
    return sorted(geo.counties_of_city(city_adcode))
