"""Text helpers: shortened labels, wrapped labels for Plotly, file-name slugs and Markdown
shown literally."""

from __future__ import annotations

import pytest

from core.labels import md, shorten, slug, wrap

LONG = "Produits des industries alimentaires, boissons et tabac"


# --- shorten ---------------------------------------------------------------------------------
def test_shorten_keeps_short_labels_and_cuts_long_ones_with_an_ellipsis():
    assert shorten(LONG, None) == LONG
    assert shorten(LONG, len(LONG)) == LONG
    assert shorten(LONG, 30) == "Produits des industries alime…"
    assert len(shorten(LONG, 30)) == 30


def test_shorten_drops_trailing_punctuation_before_the_ellipsis():
    assert shorten("abc, def", 6) == "abc…"  # not "abc,…"
    assert shorten("Aa – Dunkerque", 5) == "Aa…"  # not "Aa –…"


# --- wrap ------------------------------------------------------------------------------------
def test_wrap_breaks_at_spaces_into_br_lines():
    assert wrap("court", 15) == "court"
    assert wrap("Boissons et tabac", 10) == "Boissons<br>et tabac"
    assert wrap(LONG, 25, lines=5) == (
        "Produits des industries<br>alimentaires, boissons et<br>tabac"
    )


def test_wrap_shortens_the_last_line_when_there_are_too_many():
    # Lines of 15: "Produits des", "industries", "alimentaires, boissons et tabac" (the rest).
    assert wrap(LONG, 15) == "Produits des<br>industries<br>alimentaires…"
    assert wrap(LONG, 15, lines=2) == "Produits des<br>industries ali…"
    assert all(len(line) <= 15 for line in wrap(LONG, 15).split("<br>"))


def test_wrap_never_cuts_a_word_longer_than_the_width():
    assert wrap("Anticonstitutionnellement long", 10) == "Anticonstitutionnellement<br>long"
    assert wrap("", 10) == ""


# --- slug ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Val-d'Oise", "val-d-oise"),
        ("Île-de-France", "ile-de-france"),
        ("Provence-Alpes-Côte d'Azur", "provence-alpes-cote-d-azur"),
        ("Seine-Saint-Denis", "seine-saint-denis"),
        ("La Réunion", "la-reunion"),
        ("R11", "r11"),
        ("  --Données !  ", "donnees"),
        ("produits-A38", "produits-a38"),
    ],
)
def test_slug_is_lowercase_ascii_with_single_dashes(text, expected):
    assert slug(text) == expected
    assert slug(text).isascii()


# --- md --------------------------------------------------------------------------------------
WJ = "\u2060"  # word joiner: escaping alone leaves GFM autolinks active


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[x](http://evil)", r"\[x\](http\:/" + WJ + "/evil)"),  # no link, no autolink
        ("![t](http://evil/t.png)", r"\!\[t\](http\:/" + WJ + r"/evil/t\.png)"),  # no image
        ("www.evil.fr", "www" + WJ + r"\.evil\.fr"),  # no GFM autolink (seen in Chromium)
        ("moi@evil.fr", r"moi\@" + WJ + r"evil\.fr"),  # no e-mail autolink
        ("<b>gras</b>", r"\<b\>gras\</b\>"),  # no HTML
        (":red[x]", r"\:red\[x\]"),  # no colour directive
        ("# titre", r"\# titre"),  # no heading
        ("a_b*c", r"a\_b\*c"),  # no emphasis
        ("$1+1$", r"\$1+1\$"),  # no LaTeX
        ("a|b~c`d", r"a\|b\~c\`d"),  # no table, strike-through or code
        ("Val-d'Oise", "Val-d'Oise"),  # ordinary text unchanged
    ],
)
def test_md_escapes_what_markdown_would_interpret(text, expected):
    assert md(text) == expected


def test_md_turns_line_breaks_and_control_characters_into_spaces():
    assert md("a\nb\x00c\td\r") == "a b c d "
    assert md(12.5) == "12\\.5"  # any object, as text


def test_md_cuts_long_values_before_escaping():
    assert md("x" * 50, limit=10) == "x" * 9 + "…"
    # The escapes come after the cut, so a cut never leaves a dangling backslash.
    assert md("[" * 12, limit=10) == "\\[" * 9 + "…"
    assert md("court", limit=10) == "court"
