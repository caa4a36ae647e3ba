"""The ingest's fast paths give exactly what the plain forms they replace give.

Ingest time was cut (bench/bench_ingest.py) by replacing a few per-line operations with
cheaper equivalents; these properties hold them to the originals on random Unicode (with
full-width punctuation, combining marks, compatibility characters and every kind of space)
and on the place names of the alias table.
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from xiancheng import geo
from xiancheng.ingest import mentions, segment
from xiancheng.ingest.duplicates import nfkc

TRICKY = "，：（）；！？％。、　\u00a0\u2003\u200b\u3000\t\n\r\x1c\x85ＡＢ１２①ﬁ㎡\u0301\u0308é\u1100\u1161\uac00…·－."
tricky_text = st.text(alphabet=st.one_of(st.sampled_from(TRICKY), st.characters(blacklist_categories=("Cs",))), max_size=60)


@given(tricky_text)
@settings(max_examples=500)
def test_nfkc_is_unicodedata_nfkc(value):
    assert nfkc(value) == unicodedata.normalize("NFKC", value)


@given(tricky_text)
@settings(max_examples=500)
def test_compact_removes_what_a_whitespace_regex_removes(value):
    assert segment.compact(value) == re.sub(r"\s+", "", value)


@given(tricky_text)
@settings(max_examples=300)
def test_leader_check_and_heading_prefilter_agree_with_the_patterns(value):
    for text in (value, value + "……12", "第" + value, "（一）" + value, "２" + value):
        assert segment.has_leader(text) == (segment.LEADER.search(text) is not None)
        plain = next((p.match(text) for _, _, p in segment.HEADING_PATTERNS if p.match(text)), None)
        assert (segment.match_heading(text) is None) == (plain is None)


def _alternation() -> re.Pattern:
    names = sorted((n for n in geo.name_index() if len(n) >= 2), key=lambda n: (-len(n), n))
    return re.compile("|".join(re.escape(n) for n in names))


def test_place_name_trie_finds_what_the_longest_first_alternation_finds():
    names = [n for n in geo.name_index() if len(n) >= 2]
    # every name alone, run together, cut short and inside longer names
    text = "、".join(names) + "".join(names) + "，".join(n[:-1] for n in names) + "".join(n + n[1:] for n in names)
    trie, plain = mentions._names()[0], _alternation()
    assert [(m.start(), m.group()) for m in trie.finditer(text)] == [(m.start(), m.group()) for m in plain.finditer(text)]


@given(st.lists(st.sampled_from(sorted(n for n in geo.name_index() if len(n) >= 2)), max_size=6), tricky_text)
@settings(max_examples=300)
def test_place_name_trie_on_names_in_random_text(names, filler):
    text = filler.join(names) + filler
    trie, plain = mentions._names()[0], _alternation()
    assert [(m.start(), m.group()) for m in trie.finditer(text)] == [(m.start(), m.group()) for m in plain.finditer(text)]


@given(st.lists(st.text(alphabet=st.sampled_from("局委中心公司镇办\n 、市县"), max_size=8), max_size=4))
def test_unit_suffix_check_reads_like_the_regex(parts):
    suffix = re.compile("(" + "|".join(segment.UNIT_SUFFIXES) + ")$")
    content = "、".join(parts)
    expected = None
    units = [p.strip() for p in re.split(r"[、，,；;]", content) if p.strip()]
    units = [re.sub(r"(等有关单位|等相关单位|等单位|等部门)$", "", u) for u in units]
    if units and all(len(u) <= 30 and "。" not in u for u in units) and any(suffix.search(u) for u in units):
        expected = units
    assert (segment.split_units(content) or None) == expected
