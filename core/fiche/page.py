"""Print geometry of the fiche: A4, its margins, the width charts are drawn at, and the
smallest text a printed chart may carry.

Charts are laid out at the printed width (CSS pixels, 96 per inch, printed at scale 1), so what
is printed is what was drawn: 1 px is 0,75 pt, and 11 px is 8,25 pt, the floor of every
printed text (checked on the PDF by the tests).
"""

from __future__ import annotations

PAGE_MARGIN_MM = (14, 12, 16, 12)  # top, right, bottom, left
PRINT_WIDTH_PX = round((210 - PAGE_MARGIN_MM[1] - PAGE_MARGIN_MM[3]) / 25.4 * 96)
MIN_TEXT_PT = 8.0
CHART_FONT_PX = 11.5  # chart labels and values (8,6 pt)
SANKEY_FONT_PX = 11.0  # Sankey node labels (8,25 pt): ten wrapped names per column

# Sankey label columns (pixels): product names are long, country names short.
PRODUCT_LABELS_PX = 250
COUNTRY_LABELS_PX = 150
SANKEY_HEIGHT_PX = 600  # the territory's own diagram, one per page with its texts
COMPARISON_HEIGHT_PX = 420  # the région and France diagrams, two per page
CAPTION_CHARS = 88  # characters of a chart caption (10,5 pt bold) on one printed line
CAPTION_LINE_PX = 22
TREEMAP_HEIGHT_PX = 760
BUTTERFLY_ROW_PX = 28


def caption_lines(caption: str) -> int:
    """Lines a chart caption takes on paper (an estimate that errs on the long side)."""
    return -(-len(caption) // CAPTION_CHARS)
