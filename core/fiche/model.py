"""The fiche's document model: frozen sections of blocks (texts, links, key figures, figures).

The page, the standalone HTML and the PDF all read this one model, so the screen, the file and
the paper always say the same thing. Nothing here queries, formats or renders.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import plotly.graph_objects as go

from core.labels import slug
from core.periods import Period

BlockKind = Literal[
    "paragraph", "bullets", "note", "figure", "total", "subheading", "pagebreak", "keyfigures"
]


@dataclass(frozen=True)
class Span:
    """A run of text, a link when ``url`` is set (``https://…`` or ``mailto:…``)."""

    text: str
    url: str | None = None

    @property
    def is_email(self) -> bool:
        return bool(self.url and self.url.startswith("mailto:"))


Rich = tuple[Span, ...]


def rich(*parts: str | Span) -> Rich:
    return tuple(p if isinstance(p, Span) else Span(p) for p in parts)


def plain(spans: Rich) -> str:
    return "".join(s.text for s in spans)


@dataclass(frozen=True)
class KeyFigure:
    """One of the key figures of page 1: « Exportations », « 28 822,9 M€ », « +3,1 % par
    rapport à 2023 ». ``unpublished`` marks a figure the source does not publish, or one
    computed from such a figure."""

    label: str
    value: str
    detail: str = ""
    unpublished: bool = False


@dataclass(frozen=True)
class Block:
    """One piece of a section.

    - ``paragraph``: ``text`` (``label`` is a bold lead-in such as « Clé de lecture : »;
      ``spans`` carries links when there are any, and ``text`` is then their plain text);
      ``print_text`` replaces ``text`` on paper (« page précédente » exists only there);
    - ``bullets``: ``items`` (``rich_items`` with links when there are any);
    - ``note``: small print; ``subheading``; ``pagebreak`` (a new printed page);
    - ``total``: ``items`` are its lines, the first one bold;
    - ``figure``: ``text`` is its caption, ``figure`` the Plotly figure, ``items`` the lines
      printed under it (a région's or France's total);
    - ``keyfigures``: ``figures``, a grid of ``KeyFigure``.
    """

    kind: BlockKind
    text: str = ""
    label: str = ""
    items: tuple[str, ...] = ()
    figure: go.Figure | None = field(default=None, compare=False)
    spans: Rich = ()
    rich_items: tuple[Rich, ...] = ()
    print_text: str = ""
    figures: tuple[KeyFigure, ...] = ()
    columns: int = 1  # bullets laid out in this many columns (long lists)

    def text_for(self, medium: Literal["screen", "print"]) -> str:
        return self.print_text if medium == "print" and self.print_text else self.text

    @property
    def links(self) -> tuple[Span, ...]:
        spans = [*self.spans, *(s for item in self.rich_items for s in item)]
        return tuple(s for s in spans if s.url)


def paragraph(*parts: str | Span, label: str = "") -> Block:
    spans = rich(*parts)
    has_link = any(s.url for s in spans)
    return Block("paragraph", plain(spans), label=label, spans=spans if has_link else ())


def bullets(*items: str | tuple[str | Span, ...], columns: int = 1) -> Block:
    """A list; an item given as a tuple of parts may hold links."""
    riches = tuple(rich(*item) if isinstance(item, tuple) else rich(item) for item in items)
    has_link = any(s.url for item in riches for s in item)
    return Block(
        "bullets",
        items=tuple(plain(item) for item in riches),
        rich_items=riches if has_link else (),
        columns=columns,
    )


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]
    new_page: bool = True  # starts a new printed page
    level: int = 2  # heading level (2 = a section of the seeds, 3 = a sub-section)


@dataclass(frozen=True)
class Fiche:
    territory: str
    kind: str  # "departement", "region" or "france"
    name: str
    period: Period
    level: str  # product level of the treemap and the Sankey diagrams
    kicker: str  # « Les indicateurs clés : commerce extérieur »
    heading: str  # « Territoires d'industrie — Seine-Saint-Denis »
    period_line: str  # « Commerce extérieur de biens, 2025 (T1–T2) »
    period_note: str | None  # why a partial or rolling period is not a year
    source_note: str  # where the figures come from (demo or official)
    is_demo: bool
    sections: tuple[Section, ...]
    totals: dict[str, int]  # exports, imports (euros), for callers that need raw figures
    unpublished: dict[str, str] = field(default_factory=dict)  # flow → note

    @property
    def year(self) -> int:
        return self.period.year

    @property
    def title(self) -> str:
        """The document's title, with its period (« …, 2025 (T1–T2) »)."""
        return f"{self.kicker} — {self.heading}, {self.period.label}"

    @property
    def file_stem(self) -> str:
        """``fiche_93_seine-saint-denis_2024`` (``_A38`` when not the seeds' A129 level)."""
        suffix = "" if self.level == "A129" else f"_{self.level}"
        return f"fiche_{self.territory}_{slug(self.name)}_{self.period.slug}{suffix}"

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    def figures(self) -> Iterator[go.Figure]:
        for section in self.sections:
            for block in section.blocks:
                if block.figure is not None:
                    yield block.figure

    def links(self) -> tuple[Span, ...]:
        return tuple(link for s in self.sections for b in s.blocks for link in b.links)
