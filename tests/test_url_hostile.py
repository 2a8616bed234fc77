"""Hostile and random URLs never break a page, never show another territory without a notice,
and never turn what the URL holds into a link, an image or HTML (issue 12).

Two layers: property-based tests (hypothesis) on ``Filters.from_query_params`` — what every page
reads — and a sweep of every page through AppTest with hostile values for every parameter.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from core.filters import PARAM_NAMES, QUOTE_MAX, Filters, normalise_territory
from core.labels import md
from tests.apptest_helpers import ROOT

HOSTILE = [
    "[Reconnectez-vous](https://evil.example/login)",
    "![t](http://evil.example/t.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "93' OR '1'='1",
    "93; DROP TABLE trade; --",
    ":red[alerte]",
    "²",
    "①",
    "٣",  # Arabic-Indic digit three
    "",
    " ",
    "\u0000",
    "é" * 5000,
    "9" * 400,
    "2024abc",
    "-1",
    "+10",
    "1e3",
    "NaN",
    "fr\nR11",
]
PAGE_PARAMS = ["zone", "vue", "portee", "indicateur", "comparer", "carte", "detail", "serie"]

values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.text(alphabet=string.ascii_letters + string.digits + "-_,;%&=", max_size=12),
)
params = st.dictionaries(
    st.sampled_from(PARAM_NAMES),
    st.one_of(values, st.lists(values, min_size=1, max_size=3)),
    max_size=len(PARAM_NAMES),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params)
def test_any_url_gives_valid_filters_and_says_what_it_ignored(demo_db, raw):
    catalog = demo_db.catalog()
    filters, notices = Filters.from_query_params(raw, catalog)  # never raises
    assert filters.period in catalog.periods
    assert filters.territory in catalog.territory_codes()
    asked = raw.get("territoire")
    asked = asked[-1] if isinstance(asked, list) else asked
    if asked is not None and asked.strip():
        expected = normalise_territory(asked, catalog)
        if expected is None:
            # Another territory than asked is shown only with a notice saying so.
            assert filters.territory == "FR"
            assert any(n.startswith("Territoire « ") for n in notices)
        else:
            assert filters.territory == expected
    for notice in notices:
        # Quoted values are cut: a notice never carries a huge URL value back to the screen.
        assert len(notice) < 400, notice
        assert "\n" not in notice and "\x00" not in notice
    # The filters' own URL reads back to the same filters, without notice.
    again, again_notices = Filters.from_query_params(filters.to_query_params(), catalog)
    assert again == filters and again_notices == []


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200)))
def test_markdown_escaping_leaves_no_active_syntax(text):
    shown = md(text)
    # No unescaped link, image, HTML tag or colour directive can survive.
    assert not re.search(r"(?<!\\)\[", shown)
    assert not re.search(r"(?<!\\)<", shown)
    assert not re.search(r"(?<!\\)!", shown)
    assert not re.search(r"(?<!\\):", shown)


def test_quote_cuts_long_values():
    filters_notice = Filters.from_query_params({"territoire": "x" * 1000}, None or _catalog())[1]
    assert len(filters_notice) == 1
    quoted = re.search(r"« (.*?) »", filters_notice[0]).group(1)
    assert len(quoted) == QUOTE_MAX and quoted.endswith("…")


def _catalog():
    from core.db import Database

    return Database().catalog()


def deep_link(params: dict[str, str], page: str | None) -> tuple[AppTest, list[str]]:
    """The app opened with ``params`` (the session's first run reads the URL and says what it
    ignored), then ``page``; returns the app and every notice both runs showed."""
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    notices = [w.value for w in at.warning]
    if page is not None:
        at.switch_page(f"pages/{page}")
        at.run()
        notices += [w.value for w in at.warning]
    return at, notices


PAGES = [
    None, "partners.py", "products.py", "flows.py", "fiche.py", "trends.py", "rankings.py",
    "specialisation.py", "compare.py", "map.py", "data.py",
]  # fmt: skip


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "value",
    [
        "[Reconnectez-vous](https://evil.example/login)",
        "![t](http://evil.example/t.png)",
        "<img src=x onerror=alert(1)>",
        "93' OR '1'='1",
        "²",
    ],
)
def test_every_page_survives_hostile_values_in_every_parameter(page, value):
    params = {name: value for name in [*PARAM_NAMES, *PAGE_PARAMS]}
    at, notices = deep_link(params, page)
    assert not at.exception, [str(e.value) for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    # France is shown, and the page says the territory was not understood.
    assert any(n.startswith("Territoire « ") for n in notices), notices
    for notice in notices:
        assert not re.search(r"(?<!\\)\]\(", notice)
        assert not re.search(r"(?<!\\)<img", notice)
        assert not re.search(r"(?<!\\)!\[", notice)
