"""Sources: the files to load as bytes, archives expanded within limits, text decoded.

Nothing here is written to disk: uploads and archive members stay in memory, so a load never
leaves a stray file behind. Limits protect the server (they agree with the upload limit of
``.streamlit/config.toml`` and with the page's help text):

- a file (uploaded, or a member of an archive) is at most ``MAX_FILE_BYTES`` (300 Mo);
- an archive expands to at most ``MAX_EXPANDED_BYTES`` (1 Go) in all: declared sizes are
  checked before anything is expanded, and actual sizes while expanding (a forged header can
  declare less than it holds);
- an XLSX workbook is itself a ZIP: every member's declared and actual size is checked before a
  spreadsheet reader sees it (``check_xlsx``), at most ``MAX_WORKBOOK_BYTES`` expanded;
- an archive inside an archive is refused, and so is a member whose name climbs out of the
  archive (``..``) or is absolute: nothing legitimate is named so.

Text is UTF-8 (the customs' files), with or without BOM, or Windows-1252 (spreadsheets saved as
CSV). A file mixing both is refused with the line of the first byte that is not UTF-8, rather
than read as « CÃ´TE D'IVOIRE ». Control characters (binary content) are refused with their line.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from core.formatting import format_number
from core.load.errors import LoadError, where

MIB = 1024 * 1024
MAX_FILE_MB = 300
MAX_FILE_BYTES = MAX_FILE_MB * MIB  # per file; equals server.maxUploadSize (in Mo)
MAX_EXPANDED_BYTES = 1024 * MIB  # everything inside one archive, once expanded
MAX_WORKBOOK_BYTES = 300 * MIB  # the XML of one XLSX workbook, once expanded
MAX_MEMBERS = 1_000

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # XLS (and other Office 97 files)
# Archives and compressed files that are not opened inside an archive.
ARCHIVE_MAGICS = {
    b"\x1f\x8b": "gzip",
    b"7z\xbc\xaf\x27\x1c": "7z",
    b"Rar!": "RAR",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
}
# Files a customs archive may carry beside the data: read by no one, named in the report.
COMPANION_FILES = re.compile(
    r"^(lisez[-_ ]?moi|readme|libelle_|departement_region|licen[cs]e)", re.IGNORECASE
)


def mo(size: int) -> str:
    """Bytes as « 12,3 Mo » (mebibytes, as the upload limit counts them)."""
    return f"{format_number(size / MIB, 1)}\u00a0Mo"


@dataclass(frozen=True)
class Source:
    """A file to load: its display name and its bytes (from disk, an upload or an archive)."""

    name: str
    data: bytes

    @classmethod
    def from_path(cls, path: Path | str) -> Source:
        path = Path(path)
        if not path.is_file():
            raise LoadError(f"Fichier « {path} » introuvable.")
        check_size(path.name, path.stat().st_size)
        return cls(path.name, path.read_bytes())


@dataclass
class Expanded:
    """The files of a load once archives are opened, and what was set aside (for the report)."""

    members: list[Source] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # French sentences


def check_size(name: str, size: int, limit: int | None = None) -> None:
    limit = MAX_FILE_BYTES if limit is None else limit
    if size == 0:
        raise LoadError(f"{where(name)} : le fichier est vide.")
    if size > limit:
        raise LoadError(
            f"{where(name)} : {mo(size)}, au-delà de la limite de {mo(limit)} par fichier."
        )


def is_xlsx(data: bytes) -> bool:
    """A ZIP holding ``[Content_Types].xml`` and a ``xl/`` part: an Office Open XML workbook."""
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def _unsafe_name(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return (
        name.startswith(("/", "\\"))
        or bool(re.match(r"^[A-Za-z]:", name))
        or ".." in parts
        or "\x00" in name
    )


def _open_zip(name: str, data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise LoadError(f"{where(name)} : archive ZIP illisible ou endommagée.") from exc


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str, allowed: int
) -> bytes:
    """The member's bytes, never more than ``allowed`` (declared sizes can be forged)."""
    try:
        with archive.open(info) as member:
            data = member.read(allowed + 1)
    except RuntimeError as exc:  # encrypted member
        raise LoadError(f"{where(shown)} : membre chiffré (mot de passe), illisible.") from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise LoadError(
            f"{where(shown)} : archive ZIP endommagée ou falsifiée (taille ou somme de contrôle "
            "incohérente)."
        ) from exc
    if len(data) > allowed:
        raise LoadError(
            f"{where(shown)} : la décompression dépasse la limite de {mo(allowed)} ; "
            "archive refusée."
        )
    return data


def expand(sources: list[Source]) -> Expanded:
    """Every file of the load: sources as they are, or the members of ZIP archives."""
    out = Expanded()
    for source in sources:
        check_size(source.name, len(source.data))
        if not source.data.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)) or is_xlsx(source.data):
            out.members.append(source)
            continue
        _expand_zip(source, out)
    if not out.members:
        raise LoadError("Aucun fichier de données à charger.")
    return out


def _expand_zip(source: Source, out: Expanded) -> None:
    archive = _open_zip(source.name, source.data)
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > MAX_MEMBERS:
        raise LoadError(
            f"{where(source.name)} : {format_number(len(infos))} fichiers dans l'archive, "
            f"au-delà de la limite de {format_number(MAX_MEMBERS)}."
        )
    unsafe = [i.filename for i in infos if _unsafe_name(i.filename)]
    if unsafe:
        listed = ", ".join(f"« {n[:80]} »" for n in unsafe[:3])
        raise LoadError(
            f"{where(source.name)} : nom de fichier dangereux dans l'archive ({listed} : chemin "
            "absolu ou remontant hors de l'archive) ; archive refusée."
        )
    declared = sum(i.file_size for i in infos)
    if declared > MAX_EXPANDED_BYTES:
        raise LoadError(
            f"{where(source.name)} : l'archive se décompresse en {mo(declared)}, au-delà de la "
            f"limite de {mo(MAX_EXPANDED_BYTES)}."
        )
    expanded = 0
    found = 0
    for info in infos:
        shown = f"{source.name}/{info.filename}"
        base = PurePosixPath(info.filename.replace("\\", "/")).name
        if info.filename.startswith("__MACOSX/") or base.startswith("."):
            out.skipped.append(f"« {shown} » ignoré : fichier de métadonnées du système.")
            continue
        if info.file_size > MAX_FILE_BYTES:
            check_size(shown, info.file_size)
        allowed = min(MAX_FILE_BYTES, MAX_EXPANDED_BYTES - expanded)
        data = _read_member(archive, info, shown, allowed)
        expanded += len(data)
        if not data:
            out.skipped.append(f"« {shown} » ignoré : fichier vide.")
            continue
        if COMPANION_FILES.match(base) and not base.lower().endswith((".zip", ".xlsx", ".xls")):
            out.skipped.append(
                f"« {shown} » ignoré : notice ou table de libellés de la DGDDI (les libellés "
                "officiels sont ceux de l'application)."
            )
            continue
        kind = nested_archive(data)
        if kind:
            raise LoadError(
                f"{where(shown)} : archive {kind} dans une archive, non acceptée "
                "(décompressez-la d'abord)."
            )
        out.members.append(Source(shown, data))
        found += 1
    if not found:
        raise LoadError(
            f"{where(source.name)} : l'archive ne contient aucun fichier de données"
            + (
                " (ignorés : "
                + ", ".join(f"« {i.filename[:60]} »" for i in infos[:3])
                + (" …" if len(infos) > 3 else "")
                + ")."
                if infos
                else "."
            )
        )


def nested_archive(data: bytes) -> str | None:
    """The kind of archive ``data`` is, when it is one (XLSX workbooks are not)."""
    if data.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return None if is_xlsx(data) else "ZIP"
    for magic, kind in ARCHIVE_MAGICS.items():
        if data.startswith(magic):
            return kind
    return None


def check_xlsx(name: str, data: bytes) -> None:
    """Refuse a workbook whose parts expand beyond ``MAX_WORKBOOK_BYTES`` or lie about their
    size, before any spreadsheet reader opens it (an XLSX bomb is a few Mo holding Go of XML)."""
    archive = _open_zip(name, data)
    infos = archive.infolist()
    declared = sum(i.file_size for i in infos)
    if declared > MAX_WORKBOOK_BYTES:
        raise LoadError(
            f"{where(name)} : le classeur se décompresse en {mo(declared)}, au-delà de la "
            f"limite de {mo(MAX_WORKBOOK_BYTES)} ; enregistrez-le en CSV."
        )
    if any(_unsafe_name(i.filename) for i in infos):
        raise LoadError(f"{where(name)} : classeur XLSX malformé (nom de partie dangereux).")
    # Actual sizes: zipfile never reads past a part's declared size and checks its CRC at the
    # end, so a part holding more than it declares is refused here, not by the reader's memory.
    for info in infos:
        try:
            with archive.open(info) as part:
                while part.read(4 * MIB):
                    pass
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError,
                NotImplementedError) as exc:  # fmt: skip
            raise LoadError(
                f"{where(name)} : classeur XLSX endommagé ou falsifié (partie « "
                f"{info.filename[:80]} » incohérente)."
            ) from exc


# --- Text ------------------------------------------------------------------------------------

_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))


def line_of(data: bytes | str, offset: int) -> int:
    """1-based line of a byte (or character) offset."""
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(newline, 0, offset) + 1  # type: ignore[arg-type]


def decode(name: str, data: bytes, check_control: bool = True) -> tuple[str, str]:
    """(text, encoding name). UTF-8 with or without BOM, else Windows-1252; refused when mixed,
    UTF-16 or binary, naming the line."""
    head = data[:4096]
    # UTF-16 and binary files are full of NUL bytes; a stray one is a control character below.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") * 8 > len(head):
        raise LoadError(
            f"{where(name)} : fichier binaire ou encodé en UTF-16 (octets nuls) ; enregistrez-le "
            "en CSV UTF-8."
        )
    try:
        text = data.decode("utf-8-sig")
        encoding = "UTF-8 avec BOM" if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
    except UnicodeDecodeError as exc:
        bad_line = line_of(data, exc.start)
        utf8 = _UTF8_MULTIBYTE.search(data)
        if utf8 is not None:
            raise LoadError(
                f"{where(name, bad_line)} : encodage mélangé (octet 0x{data[exc.start]:02X} "
                f"qui n'est pas de l'UTF-8, alors que la ligne {format_number(line_of(data, utf8.start()))} "
                "est en UTF-8) ; enregistrez tout le fichier en UTF-8."
            ) from exc
        try:
            text, encoding = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError as exc2:
            raise LoadError(
                f"{where(name, line_of(data, exc2.start))} : encodage illisible (octet "
                f"0x{data[exc2.start]:02X}, ni UTF-8 ni Windows-1252)."
            ) from exc2
    if check_control:
        found = find_control(data, text)
        if found is not None:
            raise LoadError(control_message(name, text, found))
    return text, encoding


def find_control(data: bytes, text: str) -> int | None:
    """Offset in ``text`` of the first control character (binary content), or None."""
    # Control bytes are the same in UTF-8 and Windows-1252; deleting every other byte is far
    # faster than a regular expression over a file of a hundred Mo.
    if not data.translate(None, _NOT_CONTROL):
        return None
    match = _CONTROL.search(text)
    return match.start() if match else None


def control_message(name: str, text: str, offset: int, field: str | None = None) -> str:
    return (
        f"{where(name, line_of(text, offset), field)} : caractère de contrôle "
        f"(0x{ord(text[offset]):02X}) : fichier binaire ou endommagé ?"
    )
