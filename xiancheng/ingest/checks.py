"""Checks before publishing: adcodes exist, units are known, every citation quotes its lines."""

from __future__ import annotations

from typing import Callable, Optional

from .. import geo
from .issues import Issue, error, warning
from .segment import compact
from .targets import KNOWN_UNITS


def valid_adcodes() -> frozenset[str]:
    return frozenset(geo.counties()) | frozenset(geo.cities()) | {geo.PROVINCE_ADCODE}


def record_adcodes(record) -> list[str]:
    codes = []
    for name in ("adcode", "scope_adcode"):
        value = getattr(record, name, None)
        if value:
            codes.append(value)
    codes.extend(getattr(record, "adcodes", []) or [])
    return codes


def quote_in(quote: str, cited: str) -> bool:
    """The quote is in the cited text with whitespace ignored. A quote of several paragraphs
    (joined by newlines) is found paragraph by paragraph, in order: page artefacts that the
    segmenter skipped may stand between them."""
    if not quote.strip():
        return False
    cited = compact(cited)
    position = 0
    for part in quote.split("\n"):
        part = compact(part)
        found = cited.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


def check_record(kind: str, record, cleaned_lines_of: Callable[[str], Optional[list[str]]], adcodes: frozenset[str]) -> list[Issue]:
    """Problems with one record; an error means the record must not be published.

    cleaned_lines_of(document) gives the document's lines after segment.clean_line (what
    quotes are made of), cleaned once per document rather than once per record.
    """
    c = record.citation
    issues: list[Issue] = []
    lines = cleaned_lines_of(c.document)
    if lines is None:
        return [error(c.document, c.line_start, "citation-document", f"{kind} cites a document that is not loaded", kind=kind)]
    if not (1 <= c.line_start <= c.line_end <= len(lines)):
        return [error(c.document, c.line_start, "citation-range", f"{kind} cites lines {c.line_start}-{c.line_end} outside 1-{len(lines)}",
                      kind=kind, start=c.line_start, end=c.line_end, n=len(lines))]
    cited = "".join(lines[c.line_start - 1 : c.line_end])  # quote_in compacts it
    if not quote_in(c.quote, cited):
        issues.append(error(c.document, c.line_start, "citation-quote", f"{kind} quote not found in lines {c.line_start}-{c.line_end}: {c.quote[:40]!r}",
                            kind=kind, start=c.line_start, end=c.line_end, quote=c.quote[:40]))
    for code in record_adcodes(record):
        if code not in adcodes:
            issues.append(error(c.document, c.line_start, "unknown-adcode", f"{kind} has adcode {code} that is not in geodata",
                                form="record", kind=kind, adcode=code))
    unit = getattr(record, "unit", "")
    if kind == "targets" and unit and unit not in KNOWN_UNITS:
        issues.append(warning(c.document, c.line_start, "unknown-unit", f"target unit {unit!r} is not in the known set", unit=unit))
    return issues


def check_counts(current: dict[str, dict[str, int]], previous: dict[str, dict[str, int]]) -> list[Issue]:
    """Warn when a document yields fewer records than the last build did."""
    issues = []
    for document, counts in current.items():
        before = previous.get(document, {})
        for name, value in counts.items():
            if name in before and value < before[name] and name not in ("warnings", "unresolved_mentions", "unparsed"):
                issues.append(warning(document, None, "count-dropped", f"{name}: {value}, the last build had {before[name]}",
                                      kind=name, now=value, before=before[name]))
    return issues
