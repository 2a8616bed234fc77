"""The one exception of loading, and the helpers that keep its French messages short.

Every refusal is a ``LoadError`` whose ``messages`` are French sentences naming the file, and
when a row is at fault its line, its field and the value read (cut when long). Rules that hit
many rows list a few of them and count the rest, so that a message stays readable however
broken the file is (``capped``).
"""

from __future__ import annotations

from collections.abc import Iterable

from core.formatting import format_number

MAX_EXAMPLES = 5  # rows listed per rule and file; the others are counted
MAX_MESSAGES = 40  # messages of one refusal; the others are counted
MAX_VALUE_CHARS = 60  # a value quoted in a message is cut beyond this


class LoadError(Exception):
    """A load refused; ``messages`` are French, each naming file (and line, field, value)."""

    def __init__(self, messages: str | Iterable[str]) -> None:
        listed = [messages] if isinstance(messages, str) else list(messages)
        if len(listed) > MAX_MESSAGES:
            rest = len(listed) - MAX_MESSAGES
            listed = [*listed[:MAX_MESSAGES], f"… et {format_number(rest)} autres erreurs."]
        self.messages = listed
        super().__init__("\n".join(self.messages))


# The name the previous loader gave it; kept so that callers written against it still work.
IngestError = LoadError


def shown(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """A value as quoted in a message: control characters made visible, cut when long."""
    text = "" if value is None else str(value)
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02X}" for c in text)
    if len(text) > limit:
        text = f"{text[:limit]}… ({format_number(len(text))} caractères)"
    return text


def where(file: str, line: int | None = None, field: str | None = None) -> str:
    """« Fichier « a.csv », ligne 12, colonne « Valeur » » (the start of a message)."""
    parts = [f"Fichier « {file} »"]
    if line is not None:
        parts.append(f"ligne {format_number(line)}")
    if field:
        parts.append(field)
    return ", ".join(parts)


def capped(examples: list[str], total: int, rest: str) -> list[str]:
    """The first ``MAX_EXAMPLES`` messages, then « … et N autres <rest> » for the others."""
    out = examples[:MAX_EXAMPLES]
    if total > len(out):
        out.append(f"… et {format_number(total - len(out))} autres {rest}.")
    return out
