"""What every parser of one document shares: its manifest entry, its blocks, its issues."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

from .. import geo
from ..dataset import Citation
from .issues import Issue, warning
from .manifest import ManifestEntry
from .mentions import Mention, all_units, county_adcodes, county_towns, find_mentions
from .segment import Block, Segmented


@dataclass
class Context:
    entry: ManifestEntry
    seg: Segmented
    issues: list[Issue] = field(default_factory=list)
    unresolved: list[tuple[int, str]] = field(default_factory=list)  # (line, name)
    unparsed: list[tuple[int, str]] = field(default_factory=list)  # (line, text)

    @property
    def document(self) -> str:
        return self.entry.document

    @cached_property
    def city(self) -> Optional[str]:  # asked for every place mention
        return self.entry.city_adcode

    def warn(self, line: Optional[int], code: str, message: str, /, **facts) -> None:
        self.issues.append(warning(self.document, line, code, message, **facts))

    def unparsed_fragment(self, line: int, text: str, why: str, form: str, **facts) -> None:
        """Something that looks like data but could not be parsed: listed, never dropped.
        why is the English reason; form names it for i18n ("problem.unparsed.<form>")."""
        self.unparsed.append((line, text))
        self.warn(line, "unparsed", f"{why}: {text[:60]}", form=form, text=text[:60], **facts)

    def cite(self, block: Block, start: int = 0, end: Optional[int] = None) -> Citation:
        end = len(block.text) if end is None else end
        first, last = block.lines_of(start, end)
        return Citation(document=self.document, line_start=first, line_end=last, quote=block.text[start:end].strip())

    def cite_lines(self, first: int, last: int, quote: Optional[str] = None) -> Citation:
        return Citation(
            document=self.document, line_start=first, line_end=last, quote=quote if quote is not None else self.seg.quote_of(first, last)
        )

    def mentions(self, text: str, line: int) -> list[Mention]:
        """Place mentions, noting names that cannot be resolved in this document's city."""
        found = find_mentions(text, self.city)
        for mention in found:
            if mention.adcode is None and (line, mention.name) not in self.unresolved:
                self.unresolved.append((line, mention.name))
                where = f"in {geo.place_name(self.city)}" if self.city else "without a city"
                facts = {"form": "city", "city": self.city} if self.city else {"form": "no-city"}
                self.warn(line, "unresolved-place", f"{mention.name} names no single unit {where}: left unresolved",
                          name=mention.name, **facts)
        return found

    def counties_in(self, text: str, line: int) -> list[str]:
        return county_adcodes(self.mentions(text, line))

    def default_units(self) -> list[str]:
        """Units a record applies to when its text names none (manifest task_scope).

        None for a province plan: what it says applies to the province as a whole and is
        shown as 省级 on every county page, never copied onto 117 counties.
        """
        if self.entry.scope_level == "province":
            return []
        if self.entry.scope_level == "county" or self.entry.task_scope == "scope":
            return [self.entry.scope_adcode]
        if self.entry.task_scope == "county-towns":
            return county_towns(self.city)
        return all_units(self.city)
