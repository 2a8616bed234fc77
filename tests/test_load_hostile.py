"""Hostile input is harmless: archives that expand too far or lie about their size, dangerous
member names, nested archives, XLSX bombs, binary junk, UTF-16, a million rows; and, as
properties (hypothesis), random and hostile files are either loaded exactly or refused with a
French message naming the file (and line and field when a row is at fault), never with another
exception, never touching the current data, never leaving a file behind.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from core import store
from core.load import LoadError, Source, load_trade, read
from tests.load_fixtures import (
    REAL_ROWS,
    data_dir,  # noqa: F401 (fixture)
    line,
    small_build,
    state,
    text_of,
    totals_in,
    zip_bytes,
)


@pytest.fixture
def current(data_dir):  # noqa: F811
    """A published build, and the state a refused load must leave as it is."""
    store.publish(small_build("first", 1_000))
    return state(data_dir)


def refused(data_dir, sources, *fragments: str) -> str:  # noqa: F811
    before = state(data_dir)
    with pytest.raises(LoadError) as err:
        load_trade(sources)
    text = "\n".join(err.value.messages)
    for fragment in fragments:
        assert fragment in text, text
    assert state(data_dir) == before
    return text


def test_zip_bomb_is_refused_from_its_declared_size(data_dir, current, monkeypatch):  # noqa: F811
    monkeypatch.setattr(read, "MAX_EXPANDED_BYTES", 1_000_000)
    bomb = zip_bytes({"a.txt": b"0" * 600_000, "b.txt": b"0" * 600_000})
    assert len(bomb) < 10_000
    refused(
        data_dir, [Source("bombe.zip", bomb)], "Fichier « bombe.zip » : l'archive se décompresse en"
    )


def _forge_sizes(data: bytes, declared: int) -> bytes:
    """Write ``declared`` as the uncompressed size of the first member, in the local header
    and in the central directory (a ZIP bomb that lies)."""
    raw = bytearray(data)
    raw[22:26] = declared.to_bytes(4, "little")
    central = raw.find(b"PK\x01\x02")
    raw[central + 24 : central + 28] = declared.to_bytes(4, "little")
    return bytes(raw)


def test_zip_with_forged_sizes_is_refused_as_falsified(data_dir, current):  # noqa: F811
    forged = _forge_sizes(zip_bytes({"a.txt": text_of(REAL_ROWS) * 50}), 100)
    refused(
        data_dir,
        [Source("faux.zip", forged)],
        "Fichier « faux.zip/a.txt » : archive ZIP endommagée ou falsifiée",
    )


@pytest.mark.parametrize("member", ["..\\..\\evil.csv", "../evil.txt", "/etc/passwd", "C:\\x.csv"])
def test_dangerous_member_names_refuse_the_archive_and_say_so(data_dir, current, member):  # noqa: F811
    archive = zip_bytes({"ok.txt": text_of(REAL_ROWS), member: text_of(REAL_ROWS)})
    refused(data_dir, [Source("piege.zip", archive)], "Fichier « piege.zip » : nom de fichier dangereux",
            member[:20])  # fmt: skip


def test_nested_archives_are_refused(data_dir, current):  # noqa: F811
    inner = zip_bytes({"a.txt": text_of(REAL_ROWS)})
    refused(data_dir, [Source("poupee.zip", zip_bytes({"inner.zip": inner}))],
            "Fichier « poupee.zip/inner.zip » : archive ZIP dans une archive")  # fmt: skip


def test_companion_files_of_a_customs_archive_are_skipped_and_named(data_dir):  # noqa: F811
    archive = zip_bytes({"LISEZ-MOI.txt": "Avertissement…".encode(), "a.txt": text_of(REAL_ROWS),
                         "__MACOSX/._a.txt": b"\x00\x01"})  # fmt: skip
    report = load_trade([Source("douane.zip", archive)])
    text = "\n".join(report.summary())
    assert "« douane.zip/LISEZ-MOI.txt » ignoré" in text
    assert "« douane.zip/__MACOSX/._a.txt » ignoré" in text


def test_xlsx_bomb_is_refused_before_any_reading(data_dir, current, monkeypatch):  # noqa: F811
    from openpyxl import Workbook

    monkeypatch.setattr(read, "MAX_WORKBOOK_BYTES", 200_000)
    wb = Workbook()
    ws = wb.active
    ws.append(["Année", "Trimestre", "Flux", "Département", "CPF4", "Pays", "Valeur"])
    for _ in range(5_000):
        ws.append([2024, 1, "E", 93, "2110", "DE", 1])
    buf = io.BytesIO()
    wb.save(buf)
    started = time.perf_counter()
    refused(data_dir, [Source("bombe.xlsx", buf.getvalue())],
            "Fichier « bombe.xlsx » : le classeur se décompresse en")  # fmt: skip
    assert time.perf_counter() - started < 5


def test_a_file_over_the_size_limit_is_refused(data_dir, current, monkeypatch):  # noqa: F811
    monkeypatch.setattr(read, "MAX_FILE_BYTES", 100)
    refused(
        data_dir,
        [Source("gros.txt", text_of(REAL_ROWS))],
        "Fichier « gros.txt » :",
        "au-delà de la limite",
    )


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("vide.txt", b"", "le fichier est vide"),
        ("blancs.txt", b"\r\n  \r\n", "ne contient aucune ligne"),
        ("utf16.txt", "\n".join(REAL_ROWS).encode("utf-16"), "UTF-16"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(1000), "fichier binaire"),
        ("ctrl.txt", text_of(REAL_ROWS[:2]) + b"E;3;2018;01;18;A01Z;0111;BE;4\x07;1\r\n", "ligne 3, champ 9 (valeur en euros) : caractère de contrôle"),
        ("prose.txt", "Bonjour,\nceci n'est pas un fichier de données.\n".encode(), "format non reconnu"),
        ("faux.xlsx", b"PK\x03\x04 not really a workbook", "illisible"),
        ("faux.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "illisible"),
    ],
)  # fmt: skip
def test_junk_is_refused_naming_the_file(data_dir, current, name, data, fragment):  # noqa: F811
    text = refused(data_dir, [Source(name, data)], f"« {name} »")
    assert fragment in text


def test_html_and_formulas_in_a_file_name_are_kept_as_text(data_dir):  # noqa: F811
    name = '<img src=x onerror=alert(1)>=HYPERLINK("http://evil").txt'
    load_trade([Source(name, text_of(REAL_ROWS))])
    from tests.load_fixtures import query

    assert query("SELECT DISTINCT source FROM slices") == [(name,)]


def test_a_million_rows_load_and_a_broken_last_one_is_named(data_dir):  # noqa: F811
    countries = [
        f"{a}{b}" for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    ]
    depts = [f"{n:02d}" for n in range(1, 96)]
    lines = [
        f"E;{1 + i % 4};2024;{depts[(i // 4) % 95]};18;A01Z;{1000 + (i // 380) % 600:04d};"
        f"{countries[(i // 228_000) % 676]};{i % 1000 + 1};1"
        for i in range(1_000_000)
    ]
    broken = text_of([*lines[:-1], lines[-1].rsplit(";", 2)[0] + ";1x;1"])
    with pytest.raises(LoadError) as err:
        load_trade([Source("million.txt", broken)])
    assert "Fichier « million.txt », ligne 1\u202f000\u202f000, champ 9 (valeur en euros)" in str(
        err.value
    )
    report = load_trade([Source("million.txt", text_of(lines))])
    assert report.rows_read == 1_000_000
    assert sum(totals_in().values()) == sum(i % 1000 + 1 for i in range(1_000_000))


# --- Properties -------------------------------------------------------------------------------

HOSTILE = st.one_of(
    st.sampled_from(["", " ", "NULL", "NaN", "1e9", "-1", "+-9", "2024abc", "0x1F", "٣", "²",
                     "①", "1 000", "1,5", "99999999999999999999", "<b>x</b>", "=1+1", "@SUM(A1)",
                     "'; DROP TABLE trade; --", "\u202e", "é", "QU", "9A", "20", "2A", "000"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=";\r\n\x85\u2028\u2029"), max_size=12),
)  # fmt: skip
VALID = {
    "flow": st.sampled_from(["E", "I"]),
    "quarter": st.sampled_from(["1", "2", "3", "4"]),
    "year": st.sampled_from(["2019", "2023", "2024"]),
    "dept": st.sampled_from(["01", "20", "9A", "9E", "99", "93", "75"]),
    "a129": st.sampled_from(["A01Z", "C21Z"]),
    "cpf4": st.sampled_from(["0111", "2110", "0999"]),
    "country": st.sampled_from(["DE", "QU", "XK", "ZY"]),
    "value": st.integers(0, 10**12).map(str),
    "mass": st.one_of(st.just(""), st.integers(0, 10**9).map(str)),
}
# No shrinking: every example writes builds, and the whole file must run in well under a minute.
FAST = (Phase.explicit, Phase.reuse, Phase.generate)
ORDER = ["flow", "quarter", "year", "dept", "region", "a129", "cpf4", "country", "value", "mass"]
DEPTS = {"01": "01", "20": "20", "9A": "971", "9E": "976", "99": "99", "93": "93", "75": "75"}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@st.composite
def official_line(draw) -> dict[str, str]:
    fields = {k: draw(s) for k, s in VALID.items()}
    fields["region"] = "18"
    if draw(st.integers(0, 3)) == 0:  # one line in four has one hostile field
        fields[draw(st.sampled_from(sorted(VALID)))] = draw(HOSTILE)
    return fields


def oracle(fields: dict[str, str]) -> bool:
    """Independent judgement of one line of the published layout."""
    f = {k: v for k, v in fields.items()}
    return (
        f["flow"].strip() in ("E", "I")
        and f["quarter"].strip() in ("1", "2", "3", "4")
        and re.fullmatch(r"\d{4}", f["year"].strip()) is not None
        and 1990 <= int(f["year"].strip()) <= time.localtime().tm_year + 1
        and f["dept"].strip() in DEPTS
        and re.fullmatch(r"[A-Z]\d{2}[A-Z]", f["a129"].strip()) is not None
        and re.fullmatch(r"\d{4}", f["cpf4"].strip()) is not None
        and re.fullmatch(r"[A-Z][A-Z0-9]", f["country"].strip().upper()) is not None
        and f["country"].strip() == f["country"].strip().upper()
        and re.fullmatch(r" *\d+ *", f["value"]) is not None
        and int(f["value"]) <= 10**13
        and (f["mass"].strip(" ") == "" or (re.fullmatch(r" *\d+ *", f["mass"]) is not None
                                             and int(f["mass"]) <= 10**13))
    )  # fmt: skip


def _isolated(test):
    """Run each example in its own data directory holding one published build."""

    def run(*args, **kwargs):
        old = os.environ.get("COMEX_DATA_DIR")
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["COMEX_DATA_DIR"] = tmp
            os.environ.pop("COMEX_DB", None)
            try:
                # Demonstration data in place: an official load starts from empty.
                store.publish(
                    small_build("demo", 1_000, {"source": "demo", "label": "d", "files": []})
                )
                test(Path(tmp), *args, **kwargs)
            finally:
                if old is None:
                    os.environ.pop("COMEX_DATA_DIR", None)
                else:
                    os.environ["COMEX_DATA_DIR"] = old

    return run


def _check_refusal(err: LoadError, name: str, about_rows: bool) -> None:
    for message in err.messages:
        assert isinstance(message, str) and message
    text = "\n".join(err.messages)
    assert name in text, text
    if about_rows:
        assert "ligne" in text and ("champ" in text or "Clé en double" in text), text


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=FAST)
@given(st.lists(official_line(), min_size=1, max_size=8), st.booleans())
def test_property_hostile_fields_in_the_published_layout(rows, crlf):
    @_isolated
    def check(data: Path) -> None:
        lines = [";".join(r[k] for k in ORDER) for r in rows]
        payload = text_of(lines, crlf=crlf)
        valid = all(oracle(r) for r in rows) and not any(CONTROL.search(x) for x in lines)
        keys = [(r["flow"].strip(), r["quarter"].strip(), r["year"].strip(), r["dept"].strip(),
                 r["cpf4"].strip(), r["country"].strip()) for r in rows]  # fmt: skip
        pairings = {}
        for r in rows:
            pairings.setdefault(r["cpf4"].strip(), set()).add(r["a129"].strip())
        valid = (
            valid and len(set(keys)) == len(keys) and all(len(a) == 1 for a in pairings.values())
        )
        before = state(data)
        try:
            report = load_trade([Source("hostile.txt", payload)])
        except LoadError as err:
            assert not valid, err.messages
            _check_refusal(err, "« hostile.txt »", about_rows=True)
            assert state(data) == before
            return
        assert valid, lines
        expected: dict = {}
        for r in rows:
            key = (int(r["year"]), int(r["quarter"]), "export" if r["flow"].strip() == "E" else "import",
                   DEPTS[r["dept"].strip()])  # fmt: skip
            expected[key] = expected.get(key, 0) + int(r["value"])
        assert totals_in() == expected
        assert report.rows_read == len(rows)

    check()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=FAST)
@given(
    st.binary(max_size=600), st.sampled_from(["x.txt", "x.csv", "x.zip", "x.xlsx", "x.xls", "x"])
)
def test_property_random_bytes_are_refused_cleanly(data, name):
    @_isolated
    def check(tmp: Path) -> None:
        before = state(tmp)
        try:
            load_trade([Source(name, data)])
        except LoadError as err:
            _check_refusal(err, f"« {name}", about_rows=False)
            assert state(tmp) == before
            return
        # Random bytes that happen to be a valid file: then it loaded as one.
        assert store.current_build() != before[0]

    check()


HEADER = ["Année", "Trimestre", "Flux", "Département", "CPF4", "Pays", "Valeur (€)"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=FAST)
@given(
    st.lists(st.lists(HOSTILE, min_size=7, max_size=7), min_size=1, max_size=5),
    st.sampled_from(["cp1252", "utf-8"]),
)
def test_property_hostile_cells_of_a_header_csv(rows, encoding):
    @_isolated
    def check(tmp: Path) -> None:
        lines = [";".join(HEADER), *(";".join(r) for r in rows)]
        try:
            payload = ("\r\n".join(lines) + "\r\n").encode(encoding)
        except UnicodeEncodeError:
            payload = ("\r\n".join(lines) + "\r\n").encode("utf-8")
        before = state(tmp)
        try:
            load_trade([Source("cellules.csv", payload)])
        except LoadError as err:
            _check_refusal(err, "cellules.csv", about_rows=False)
            assert state(tmp) == before

    check()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=FAST)
@given(st.text(min_size=1, max_size=40))
def test_property_any_member_name_is_loaded_or_refused_cleanly(member):
    @_isolated
    def check(tmp: Path) -> None:
        try:
            archive = zip_bytes({member: text_of(REAL_ROWS)})
        except (ValueError, UnicodeEncodeError, IndexError):
            return  # zipfile itself cannot write that name
        before = state(tmp)
        try:
            load_trade([Source("noms.zip", archive)])
        except LoadError as err:
            _check_refusal(err, "noms.zip", about_rows=False)
            assert state(tmp) == before
            return
        assert sum(totals_in().values()) == 52 + 29_916 + 406_473 + 11_228

    check()


def test_loads_leave_no_file_in_temporary_or_working_directories(data_dir, tmp_path, monkeypatch):  # noqa: F811
    """Nothing is written outside the data directory's builds, accepted or refused."""
    scratch, cwd = tmp_path / "tmp", tmp_path / "cwd"
    scratch.mkdir()
    cwd.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.chdir(cwd)
    load_trade([Source("a.zip", zip_bytes({"a.txt": text_of(REAL_ROWS)}))])
    with pytest.raises(LoadError):
        load_trade([Source("b.txt", text_of([*REAL_ROWS, "E;9;2018;01;18;A01Z;0111;BE;1;1"]))])
    assert list(scratch.iterdir()) == [] and list(cwd.iterdir()) == []
    assert [p.name for p in (data_dir / "builds").iterdir()] == [store.current_build().name]
    assert line and zipfile  # helpers imported for the tests above
