"""Text from plan documents, the manifest and URLs, made inert for Markdown (st.markdown and
every Streamlit element that renders Markdown: info, warning, error, caption, metric labels).

Backslash escapes stop links, images, math, HTML and emphasis, but not GFM's autolinks: a
bare http://…, www.… or name@host becomes a live link whatever is escaped around it. A word
joiner (U+2060, invisible, no width) after the scheme, the "www" or the "@" keeps such text
from reading as a link.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
# Characters with a meaning in CommonMark/GFM or Streamlit's Markdown (math $, :color[…]
# needs a [): links, images, emphasis, code, HTML, headings, lists, tables, strikethrough.
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")
_AUTOLINK = re.compile(r"(?i)(?:https?|ftp|mailto|xmpp|www)(?=[:.])|@")


def markdown_text(text) -> str:
    """text shown as written by a Markdown renderer: no markup, link, image, math or HTML."""
    text = _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, str(text))
    return _MARKUP.sub(r"\\\1", text)
