"""Small text helpers every layer shares: shortened labels, file-name slugs, and text shown
literally by Markdown renderers. One definition each (charts, tables, the fiche and the pages
import them from here).
"""

from __future__ import annotations

import re
import unicodedata

# Markdown syntax, plus « . » and « @ » that GFM would turn into links (www.x.fr, a@b.fr).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$!:.@])")
_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "–": "-", "—": "-"}
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# GitHub's autolinks (``https://…``, ``www.…``, ``a@b.fr``) are found in the text after the
# escapes are read, so escaping does not stop them: a word joiner (invisible) breaks each.
_AUTOLINK = re.compile(r"(/)(?=\\?/)|(?i:(www))(?=\\?\.)|(@)")
WORD_JOINER = "\u2060"


def shorten(label: str, width: int | None) -> str:
    """`Produits des industries alimentaires, boissons…` when a label is wider than ``width``."""
    if width is None or len(label) <= width:
        return label
    return label[: width - 1].rstrip(" ,;–-") + "…"


def wrap(label: str, width: int, lines: int = 3) -> str:
    """Break a long label into lines of about ``width`` characters for Plotly (``<br>``),
    at most ``lines`` lines (the last one shortened): legends and node labels stay whole
    instead of being cut mid-word."""
    words, out, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        out.append(line)
    if len(out) > lines:
        out = [*out[: lines - 1], shorten(" ".join(out[lines - 1 :]), width)]
    return "<br>".join(out)


def slug(text: str) -> str:
    """`Val-d'Oise` → `val-d-oise`; `Île-de-France` → `ile-de-france`; `Cœur` → `coeur`;
    `T1–T2` → `t1-t2` (file names)."""
    text = text.translate(_LIGATURES)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def md(text: object, limit: int | None = None) -> str:
    """Text that ``st.markdown`` (and every Streamlit label rendering Markdown) shows
    literally: a file label ``[x](http://…)``, ``![t](…)``, ``<b>`` or ``:red[…]`` stays plain
    text, never a link, an image, HTML or a colour directive. Line breaks and control
    characters become spaces; ``limit`` cuts long values (with an ellipsis) before escaping."""
    value = _CONTROL.sub(" ", str(text))
    if limit is not None:
        value = shorten(value, limit)
    escaped = _MD_SPECIAL.sub(r"\\\1", value)
    return _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, escaped)
