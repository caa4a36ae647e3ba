"""A build problem or warning (dataset.BuildWarning, ingest Issue) as a person reads it, in
their language.

An issue keeps its English `message` (the CLI and logs print it) and its code, and carries
its facts as values (`facts`: names, numbers, line ranges, and `form`, which of the code's
sentences applies). The sentence is i18n "problem.<code>.<form>" (form "text" when none)
filled from the facts. When the facts are not kept as values (an error whose words come from
YAML or pydantic, a correction the record model refused, a dataset built before facts were
kept), the headline "problem.<code>" is shown with the English message quoted beneath. A code
with no words at all (none should reach here: tests/test_problem_text.py walks the source)
shows its English message as it is. No Streamlit here.
"""

from __future__ import annotations

from .i18n import STRINGS, t

_PLACES = ("adcode", "filed")  # facts that are adcodes: the place's name beside the code


def describe(problem, lang: str = "zh") -> str:
    """problem: anything with document, line, code, message and facts (BuildWarning, Issue)."""
    code = problem.code
    facts = dict(getattr(problem, "facts", None) or {})
    form = facts.pop("form", "text")
    headline = f"problem.{code}"
    sentence = f"{headline}.{form}"
    if sentence in STRINGS and (facts or form == "text"):
        values = {"document": problem.document, "line": problem.line, **facts}
        try:
            return t(sentence, lang, **_worded(values, lang))
        except (KeyError, IndexError):  # facts from another version of the build: the headline below
            pass
    if headline not in STRINGS:
        return problem.message
    return t(headline, lang) + "\n" + t("problem.detail", lang, detail=problem.message)


def severity(value: str, lang: str = "zh") -> str:
    key = f"problem.severity.{value}"
    return t(key, lang) if key in STRINGS else value


def _worded(values: dict, lang: str) -> dict:
    from .refusals import _place

    out = dict(values)
    kind = values.get("kind")
    if kind is not None and f"problem.kind.{kind}" in STRINGS:
        out["kind"] = t(f"problem.kind.{kind}", lang)
    level = values.get("level")
    if level is not None and f"problem.level.{level}" in STRINGS:
        out["level"] = t(f"problem.level.{level}", lang)
    for name in _PLACES:
        if values.get(name):
            out[name] = _place(str(values[name]), lang)
    if isinstance(values.get("start"), int) and isinstance(values.get("end"), int):
        one = values["start"] == values["end"]
        out["lines"] = t("problem.lines.one" if one else "problem.lines", lang, start=values["start"], end=values["end"])
    if values.get("city"):  # the plan's city, by name
        from . import geo

        out["city"] = geo.place_name(str(values["city"]))
    if isinstance(values.get("share"), (int, float)):
        out["share"] = f"{values['share']:.0%}"
    return out
