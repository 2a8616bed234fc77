"""Row checks: text columns (``layouts.RawTable``) → typed rows at the data model's grain.

Everything runs in one private in-memory DuckDB database (``Checker.con``), vectorised: codes are
read once per distinct value (``core.load.codes``) and joined back, values are parsed in SQL
with exact decimal arithmetic (« 1 234,567 » thousands of euros → 1 234 567 €, never a float).
Every rule that a row breaks becomes a French message naming the file, the line, the field and
the value; a rule broken by many rows lists a few and counts the others.

Refused (the load stops): unknown flows, quarters, months or years (before 1990 or after next
year), unknown département codes (they have no place in the data), malformed product, A129 or
partner codes, values or masses that are not whole numbers of the file's unit, negative or
beyond what can be true (``MAX_VALUE_EUR`` a row, ``MAX_SLICE_EUR`` a quarter), the same key
twice at the files' own grain, a file mixing CPF4 and A129 products, a CPF4 code given two
different A129 parents.

Kept and listed in the report: unknown partner codes (build.py labels them « non déterminé »),
unknown CPF4 codes (labelled « non référencé » under the file's A129), CPF4 codes whose A129 in
the file differs from the application's table (the file wins).

Set aside and counted in the report (header layouts only): total and subtotal rows (keeping
them would count twice) and rows whose value cell is empty (no figure to store).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from core.build import Reference
from core.formatting import format_number
from core.load import codes
from core.load.errors import LoadError, capped, shown, where
from core.load.layouts import RawTable

MAX_VALUE_EUR = 10**13  # ten thousand billion euros: no single row of trade comes near it
MAX_MASS_KG = 10**13
MAX_SLICE_EUR = 10**14  # a quarter of France's trade is about 3·10^11 €
MAX_SLICE_KG = 10**14
TOTAL_WORDS = re.compile(r"^(total|sous total|ensemble|tous|toutes|all)\b")
_SPACES = "[\\s\u00a0\u202f\u2009']"

ROWS_SQL = """
CREATE TABLE rows (
    file_id INTEGER NOT NULL, line BIGINT NOT NULL, flow VARCHAR NOT NULL,
    year SMALLINT NOT NULL, quarter TINYINT NOT NULL, month TINYINT NOT NULL,
    dept VARCHAR NOT NULL, grain VARCHAR NOT NULL, a129 VARCHAR, product VARCHAR NOT NULL,
    kind VARCHAR NOT NULL, country VARCHAR NOT NULL, value_eur BIGINT NOT NULL, mass_kg BIGINT
)
"""


@dataclass
class FileReport:
    name: str
    layout: str
    rows_read: int = 0
    rows_kept: int = 0
    value_eur: int = 0
    set_aside: list[str] = field(default_factory=list)  # French sentences


@dataclass
class Context:
    """What the checks need to know of the reference tables."""

    dept_spellings: dict[str, str]  # "01", "1"?, "9A", "971"… → stored code
    products: pd.DataFrame  # the reference products (code, a129, …)
    a129_codes: set[str]
    countries: set[str]
    country_names: dict[str, str]  # normalised French name → code

    @classmethod
    def of(cls, ref: Reference) -> Context:
        spellings: dict[str, str] = {}
        for code, customs in zip(ref.depts["code"], ref.depts["customs_code"], strict=True):
            spellings[code] = code
            spellings[customs] = code
        names = {codes.normalise(n): c for c, n in zip(ref.countries["code"], ref.countries["name_fr"], strict=True)}  # fmt: skip
        return cls(
            dept_spellings=spellings,
            products=ref.products,
            a129_codes=set(ref.products["a129"]),
            countries=set(ref.countries["code"]),
            country_names=names,
        )


def _decimal_mark(samples: list[str]) -> str:
    """The decimal mark of a value column: "," or "."; a value with both marks decides (the
    last one is decimal), a mark repeated within a value is a thousands separator, otherwise
    the single mark found is decimal (French files use the decimal comma)."""
    marked = [s for s in samples if "," in s or "." in s]
    for text in marked:
        if "," in text and "." in text:
            return "," if text.rfind(",") > text.rfind(".") else "."
    for mark in (",", "."):
        with_mark = [s for s in marked if mark in s]
        if with_mark:
            if any(s.count(mark) > 1 for s in with_mark):
                return "." if mark == "," else ","
            return mark
    return ","


@dataclass(frozen=True)
class Rule:
    key: str
    fld: str  # the raw column quoted in the message
    sql: str  # true when the row breaks the rule
    what: str  # French, after the colon
    short: str  # French, for « … et N autres lignes <short> »


class Checker:
    """Checks files one at a time into ``rows``, then across files (``finish``)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute(ROWS_SQL)
        self.files: list[FileReport] = []
        self.names: list[str] = []  # file_id → display name
        self.labels: list[dict[str, str]] = []  # file_id → how messages name its fields
        self.notes: list[str] = []
        self.official: list[bool] = []
        self.finer = False  # a file has months or 2A/2B: rows must be summed to the grain

    def close(self) -> None:
        self.con.close()

    # --- distinct-value maps -------------------------------------------------------------

    def _map(self, raw: str, name: str, fn: Callable[[str], tuple], columns: list[str]) -> None:
        values = [r[0] for r in self.con.execute(f"SELECT DISTINCT {raw} FROM raw").fetchall()]  # noqa: S608 (the program's own identifiers and numbers)
        frame = pd.DataFrame([(v, *fn(v)) for v in values], columns=["raw", *columns])
        self.con.register(f"m_{name}", frame)

    def _maps(self, table: RawTable) -> None:
        official = table.official
        cols = set(table.data.column_names)

        def total(v: str) -> bool:
            return not official and bool(TOTAL_WORDS.match(codes.normalise(v)))

        self._map("flow", "flow", lambda v: (codes.flow(v, strict=official), total(v)), ["code", "total"])  # fmt: skip
        kind = table.period_kind

        def period(v: str) -> tuple:
            p = codes.period(v, kind)
            return (p.year, p.quarter, p.month, total(v)) if p else (None, None, None, total(v))

        self._map("period", "period", period, ["year", "quarter", "month", "total"])
        if "year" in cols:
            self._map("year", "year", lambda v: (codes.year(v), total(v)), ["code", "total"])

        def dept(v: str) -> tuple:
            code, grain = codes.dept(v, self.ctx.dept_spellings)
            return code, grain, total(v)

        self._map("dept", "dept", dept, ["code", "grain", "total"])
        if "a129" in cols:
            self._map("a129", "a129", lambda v: (codes.a129(v),), ["code"])
        if official:
            self._map("product", "product", lambda v: (codes.product_strict(v), "cpf", False), ["code", "kind", "total"])  # fmt: skip
            self._map("country", "country", lambda v: (codes.country_strict(v), False), ["code", "total"])  # fmt: skip
        else:
            self._map("product", "product", lambda v: (*codes.product(v), total(v)), ["code", "kind", "total"])  # fmt: skip
            names = self.ctx.country_names
            self._map("country", "country", lambda v: (codes.country(v, names), total(v)), ["code", "total"])  # fmt: skip

    # --- values --------------------------------------------------------------------------

    def _number_sql(self, table: RawTable, col: str, factor: int) -> tuple[str, str, str, str]:
        """(cleaned text, number expression, 'not a number' test, 'negative' test)."""
        if table.official:
            text = f"trim(r.{col})"
            return (
                text,
                f"TRY_CAST({text} AS HUGEINT)",
                f"NOT regexp_full_match({text}, '-?[0-9]+')",
                f"regexp_full_match({text}, '-[0-9]+')",
            )
        samples = [
            r[0]
            for r in self.con.execute(
                f"SELECT {col} FROM raw WHERE {col} SIMILAR TO '.*[.,].*' LIMIT 5000"  # noqa: S608 (the program's own identifiers and numbers)
            ).fetchall()
        ]
        mark = _decimal_mark([re.sub(_SPACES, "", s.strip()) for s in samples])
        other = "." if mark == "," else ","
        spaces = _SPACES.replace("'", "''")  # a quote inside an SQL literal
        text = f"regexp_replace(trim(r.{col}), '{spaces}', '', 'g')"
        text = f"replace({text}, '{other}', '')"
        if mark == ",":
            text = f"replace({text}, ',', '.')"
        number = f"round(TRY_CAST(ltrim({text}, '+') AS DECIMAL(38, 6)) * {factor})"
        return (
            text,
            number,
            f"NOT regexp_full_match({text}, '[+-]?[0-9]+([.][0-9]+)?')",
            f"regexp_full_match({text}, '-[0-9]+([.][0-9]+)?')",
        )

    # --- one file ------------------------------------------------------------------------

    def add(self, table: RawTable) -> list[str]:
        """Check one table; its rows join ``rows`` when it has no error. Returns the errors."""
        con = self.con
        file_id = len(self.names)
        self.names.append(table.name)
        self.labels.append(table.labels)
        self.official.append(table.official)
        report = FileReport(table.name, table.layout, rows_read=table.rows)
        self.files.append(report)
        self.notes.extend(table.notes)
        con.register("raw", table.data)
        try:
            self._maps(table)
            return self._check(table, file_id, report)
        finally:
            for name in ("raw", "m_flow", "m_period", "m_year", "m_dept", "m_a129", "m_product", "m_country"):  # fmt: skip
                with contextlib.suppress(duckdb.Error, KeyError):
                    con.unregister(name)
            con.execute("DROP TABLE IF EXISTS chk")

    def _check(self, table: RawTable, file_id: int, report: FileReport) -> list[str]:
        con = self.con
        cols = set(table.data.column_names)
        has_year, has_a129, has_mass = "year" in cols, "a129" in cols, "mass" in cols
        v_text, v_num, v_nan, v_neg = self._number_sql(table, "value", table.value_factor)
        if has_mass:
            m_text, m_num, m_nan, m_neg = self._number_sql(table, "mass", table.mass_factor)
        else:
            m_text, m_num, m_nan, m_neg = "''", "NULL", "false", "false"
        year_expr = "my.code" if has_year else "mp.year"
        total_terms = ["mf.total", "mp.total", "md.total", "mpr.total", "mc.total"]
        if has_year:
            total_terms.append("my.total")
        con.execute(
            f"""
            CREATE TEMP TABLE chk AS
            SELECT r.line,
                   mf.code AS flow, {year_expr} AS year, mp.year AS p_year,
                   mp.quarter, mp.month, md.code AS dept, md.grain,
                   {"ma.code" if has_a129 else "NULL"} AS a129,
                   {"trim(r.a129) = ''" if has_a129 else "true"} AS a129_empty,
                   mpr.code AS product, mpr.kind, mc.code AS country,
                   {v_text} = '' AS value_empty,
                   CASE WHEN {v_nan} THEN NULL ELSE {v_num} END AS value_num,
                   {v_nan} AS value_nan, {v_neg} AS value_neg,
                   {m_text} = '' AS mass_empty,
                   CASE WHEN {m_nan} THEN NULL ELSE {m_num} END AS mass_num,
                   ({m_nan}) AND {m_text} <> '' AS mass_nan, {m_neg} AS mass_neg,
                   coalesce({" OR ".join(total_terms)}, false) AS total
            FROM raw r
            LEFT JOIN m_flow mf ON mf.raw = r.flow
            LEFT JOIN m_period mp ON mp.raw = r.period
            {"LEFT JOIN m_year my ON my.raw = r.year" if has_year else ""}
            LEFT JOIN m_dept md ON md.raw = r.dept
            {"LEFT JOIN m_a129 ma ON ma.raw = r.a129" if has_a129 else ""}
            LEFT JOIN m_product mpr ON mpr.raw = r.product
            LEFT JOIN m_country mc ON mc.raw = r.country
            """  # noqa: S608 (the program's own identifiers and numbers)
        )
        # Header layouts: total rows and rows without a value are set aside, and counted.
        skip = "false" if table.official else "(total OR value_empty)"
        ymax = codes.year_max()
        official = table.official
        rules = [
            Rule("flow", "flow", "flow IS NULL",
                 "flux inconnu (E ou I attendu)" if official
                 else "flux inconnu (E, I, export, import… attendu)", "au flux inconnu"),
            Rule("period", "period", "quarter IS NULL",
                 "trimestre invalide (1 à 4 attendu)" if official else _period_what(table.period_kind),
                 "à la période illisible"),
        ]  # fmt: skip
        if has_year:
            rules += [
                Rule("year", "year", "year IS NULL", "année invalide (quatre chiffres attendus)",
                     "à l'année invalide"),
                Rule("year_range", "year", f"year NOT BETWEEN {codes.YEAR_MIN} AND {ymax}",
                     f"année hors des limites ({codes.YEAR_MIN} à {ymax})", "à l'année hors des limites"),
                Rule("year_period", "period", "p_year IS NOT NULL AND p_year <> year",
                     "période d'une autre année que la colonne d'année", "à la période incohérente"),
            ]  # fmt: skip
        else:
            rules += [
                Rule("year", "period", "quarter IS NOT NULL AND year IS NULL",
                     "la période ne porte pas l'année (« 2024-T1 » ou « 2024-03 » attendu)",
                     "sans année"),
                Rule("year_range", "period", f"year NOT BETWEEN {codes.YEAR_MIN} AND {ymax}",
                     f"année hors des limites ({codes.YEAR_MIN} à {ymax})", "à l'année hors des limites"),
            ]  # fmt: skip
        rules += [
            Rule(
                "dept",
                "dept",
                "dept IS NULL",
                "code département inconnu",
                "au code département inconnu",
            ),
        ]
        if has_a129:
            a129_bad = "a129 IS NULL" if official else "a129 IS NULL AND NOT a129_empty"
            rules.append(Rule("a129", "a129", a129_bad,
                              "code A129 invalide (lettre, deux chiffres, lettre attendus)",
                              "au code A129 invalide"))  # fmt: skip
        rules += [
            Rule("product", "product", "product IS NULL",
                 "code CPF4 invalide (quatre chiffres attendus)" if official
                 else "code produit invalide (CPF4 à quatre chiffres ou A129 attendu)",
                 "au code produit invalide"),
            Rule("country", "country", "country IS NULL",
                 "code pays invalide (deux caractères attendus)" if official
                 else "code pays invalide (code à deux lettres ou nom de pays attendu)",
                 "au code pays invalide"),
            Rule("value", "value", "value_nan",
                 "valeur non numérique (nombre entier d'euros attendu)" if official
                 else "valeur non numérique", "à la valeur non numérique"),
            Rule("value_neg", "value", "value_neg", "valeur négative", "à la valeur négative"),
            Rule("value_big", "value",
                 f"NOT value_nan AND NOT value_neg AND coalesce(value_num > {MAX_VALUE_EUR}, true)",
                 "valeur invraisemblable (plus de 10 000 milliards d'euros pour une ligne)",
                 "à la valeur invraisemblable"),
        ]  # fmt: skip
        if has_mass:
            rules += [
                Rule("mass", "mass", "mass_nan", "masse non numérique", "à la masse non numérique"),
                Rule("mass_neg", "mass", "mass_neg", "masse négative", "à la masse négative"),
                Rule("mass_big", "mass",
                     f"NOT mass_empty AND NOT mass_nan AND NOT mass_neg AND coalesce(mass_num > {MAX_MASS_KG}, true)",
                     "masse invraisemblable (plus de 10 milliards de tonnes pour une ligne)",
                     "à la masse invraisemblable"),
            ]  # fmt: skip
        counts = con.execute(
            "SELECT "  # noqa: S608 (the program's own identifiers and numbers)
            + ", ".join(f"count(*) FILTER (WHERE NOT {skip} AND ({r.sql}))" for r in rules)
            + " FROM chk"
        ).fetchall()[0]
        errors: list[str] = []
        for rule, count in zip(rules, counts, strict=True):
            if not count:
                continue
            examples = con.execute(
                f"""SELECT c.line, r.{rule.fld}
                FROM (SELECT line FROM chk WHERE NOT {skip} AND ({rule.sql})
                      ORDER BY line LIMIT 5) c
                JOIN raw r USING (line) ORDER BY c.line"""  # noqa: S608 (the program's own identifiers and numbers)
            ).fetchall()
            label = table.labels.get(rule.fld, rule.fld)
            if rule.key == "year" and not has_year:
                label = table.labels["period"]
            messages = [
                f"{where(table.name, line, label)} : {rule.what} (« {shown(value)} »)."
                for line, value in examples
            ]
            errors += capped(messages, count, f"lignes de « {table.name} » {rule.short}")
        if errors:
            return errors
        if not table.official:
            self._set_aside(report)
        con.execute(
            f"""
            INSERT INTO rows
            SELECT {file_id}, line, flow, year, quarter, month, dept, grain, a129, product, kind,
                   country, CAST(value_num AS BIGINT), CAST(mass_num AS BIGINT)
            FROM chk WHERE NOT {skip}
            """  # noqa: S608 (the program's own identifiers and numbers)
        )
        kept, value, finer, corsica = con.execute(
            f"""SELECT count(*), coalesce(sum(value_eur), 0),
                       count(*) FILTER (WHERE month <> 0 OR grain <> dept),
                       count(*) FILTER (WHERE grain IN ('2A', '2B'))
                FROM rows WHERE file_id = {file_id}"""  # noqa: S608 (the program's own identifiers and numbers)
        ).fetchall()[0]
        report.rows_kept, report.value_eur = int(kept), int(value)
        self.finer = self.finer or bool(finer)
        if corsica:
            self.notes.append(
                f"« {table.name} » : {format_number(corsica)} lignes de Corse-du-Sud (2A) ou de "
                "Haute-Corse (2B) enregistrées sous la Corse (20), seule Corse que publient "
                "les douanes."
            )
        if kept == 0:
            return [f"{where(table.name)} : aucune ligne de données."]
        return []

    def _set_aside(self, report: FileReport) -> None:
        for sql, what in (
            ("total", "lignes de total ou de sous-total écartées (elles compteraient deux fois)"),
            ("value_empty AND NOT total", "lignes sans valeur écartées (aucun chiffre à enregistrer)"),
        ):  # fmt: skip
            n, first = self.con.execute(
                f"SELECT count(*), min(line) FROM chk WHERE {sql}"  # noqa: S608 (the program's own identifiers and numbers)
            ).fetchall()[0]
            if n:
                report.set_aside.append(
                    f"« {report.name} » : {format_number(n)} {what} (première : ligne "
                    f"{format_number(first)})."
                )

    # --- across files --------------------------------------------------------------------

    def finish(self) -> None:
        """Checks across the files loaded together; then ``canon`` holds the rows to store."""
        con = self.con
        errors: list[str] = []
        for file_id, name in enumerate(self.names):
            if self.official[file_id]:
                continue  # CPF4 only, by its layout
            mixed = con.execute(
                f"""SELECT min(line) FILTER (WHERE kind = 'cpf'), any_value(product) FILTER (WHERE kind = 'cpf'),
                           min(line) FILTER (WHERE kind = 'a129'), any_value(product) FILTER (WHERE kind = 'a129')
                    FROM rows WHERE file_id = {file_id}"""  # noqa: S608 (the program's own identifiers and numbers)
            ).fetchall()[0]  # fmt: skip
            if mixed[0] is not None and mixed[2] is not None:
                label = self.labels[file_id].get("product")
                errors.append(
                    f"{where(name, mixed[2], label)} : code A129 « {mixed[3]} » dans un fichier de "
                    f"codes CPF4 (ligne {format_number(mixed[0])} : « {mixed[1]} ») ; un fichier "
                    "qui porte les deux niveaux compterait deux fois les mêmes échanges."
                )
        conflicts = con.execute(
            """WITH firsts AS (
                   SELECT product, a129, arg_min(file_id, (file_id, line)) AS file_id,
                          min((file_id, line)) AS at
                   FROM rows WHERE a129 IS NOT NULL AND kind = 'cpf' GROUP BY product, a129),
               bad AS (SELECT product FROM firsts GROUP BY product HAVING count(*) > 1)
            SELECT f.product, list(f.a129 ORDER BY f.at), list(f.file_id ORDER BY f.at),
                   list(f.at[2] ORDER BY f.at), (SELECT count(*) FROM bad)
            FROM firsts f SEMI JOIN bad USING (product)
            GROUP BY f.product ORDER BY min(f.at) LIMIT 5"""
        ).fetchall()
        if conflicts:
            listed = []
            for product, a129s, file_ids, lines, _ in conflicts:
                label = self.labels[file_ids[1]].get("a129", "code A129")
                first = f"« {self.names[file_ids[0]]} » ligne {format_number(lines[0])}"
                listed.append(
                    f"{where(self.names[file_ids[1]], lines[1], label)} : code CPF4 « {product} » "
                    f"rattaché à {a129s[1]}, alors qu'il l'est à {a129s[0]} ({first}) ; un code "
                    "CPF4 n'a qu'un code A129."
                )
            errors += capped(listed, conflicts[0][-1], "codes CPF4 rattachés à plusieurs A129")
        errors += self._duplicates()
        if errors:
            raise LoadError(errors)
        # Totals by slice before anything is summed into BIGINT columns (sums are HUGEINT here).
        big = con.execute(
            f"""SELECT year, quarter, flow, sum(value_eur), sum(mass_kg) FROM rows GROUP BY ALL
            HAVING sum(value_eur) > {MAX_SLICE_EUR} OR sum(mass_kg) > {MAX_SLICE_KG}
            ORDER BY ALL LIMIT 5"""  # noqa: S608 (the program's own identifiers and numbers)
        ).fetchall()
        if big:
            raise LoadError(
                [
                    f"Trimestre {y} T{q} ({_flow_fr(f)}) : total de {format_number(int(v))} € et "
                    f"{format_number(int(m or 0))} kg, invraisemblable (plus de 100 000 milliards "
                    "d'euros ou de kilogrammes) ; vérifiez l'unité des valeurs."
                    for y, q, f, v, m in big
                ]
            )
        group = "year, quarter, flow, dept, product, country"
        con.execute("CREATE TABLE files (file_id INTEGER, name VARCHAR)")
        con.executemany("INSERT INTO files VALUES (?, ?)", list(enumerate(self.names)))
        if self.finer:
            con.execute(
                f"""CREATE TABLE canon AS
                SELECT {group},
                       CAST(sum(value_eur) AS BIGINT) AS value_eur,
                       CAST(sum(mass_kg) AS BIGINT) AS mass_kg,
                       string_agg(DISTINCT f.name, ', ' ORDER BY f.name) AS source
                FROM rows JOIN files f USING (file_id) GROUP BY {group}"""  # noqa: S608 (the program's own identifiers and numbers)
            )
            months = con.execute("SELECT count(*) FROM rows WHERE month <> 0").fetchall()[0][0]
            if months:
                self.notes.append(
                    f"{format_number(months)} lignes mensuelles cumulées par trimestre (le "
                    "modèle de données est trimestriel, comme les fichiers de la DGDDI)."
                )
        else:
            con.execute(
                # Already at the data model's grain: a view, not a copy of millions of rows.
                f"""CREATE VIEW canon AS
                SELECT {group}, value_eur, mass_kg, f.name AS source
                FROM rows JOIN files f USING (file_id)"""  # noqa: S608 (the program's own identifiers and numbers)
            )

    def _duplicates(self) -> list[str]:
        key = "flow, year, quarter, month, grain, product, country"
        # Counting first is ten times cheaper than listing; most loads have no duplicate.
        n = self.con.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM rows GROUP BY {key} HAVING count(*) > 1)"  # noqa: S608 (the program's own identifiers and numbers)
        ).fetchall()[0][0]
        if not n:
            return []
        rows = self.con.execute(
            f"""SELECT {key}, list(file_id ORDER BY file_id, line)[1:3],
                       list(line ORDER BY file_id, line)[1:3], {n}
            FROM rows GROUP BY {key} HAVING count(*) > 1
            ORDER BY min(file_id), min(line) LIMIT 5"""  # noqa: S608 (the program's own identifiers and numbers)
        ).fetchall()
        if not rows:
            return []
        out = []
        for flow, year, quarter, month, grain, product, country, files, lines, _ in rows:
            places = " et ".join(
                f"« {self.names[f]} » ligne {format_number(ln)}"
                for f, ln in zip(files, lines, strict=True)
            )
            period = f"{year} T{quarter}" + (f" (mois {month})" if month else "")
            out.append(
                f"Clé en double ({places}) : {period}, {_flow_fr(flow)}, département {grain}, "
                f"produit {product}, pays {country}. Une même ligne chargée deux fois serait "
                "comptée deux fois : retirez le doublon (deux éditions couvrant la même période "
                "se chargent l'une après l'autre : la plus récente remplace l'autre)."
            )
        return capped(out, rows[0][-1], "clés en double")

    # --- what the report lists -----------------------------------------------------------

    def unknown_partners(self) -> pd.DataFrame:
        self.con.register("known_countries", pd.DataFrame({"code": sorted(self.ctx.countries)}))
        frame = self.con.sql(
            """SELECT country AS code, count(*) AS rows, CAST(sum(value_eur) AS BIGINT) AS value_eur
            FROM canon ANTI JOIN known_countries k ON k.code = canon.country
            GROUP BY country ORDER BY country"""
        ).df()
        self.con.unregister("known_countries")
        return frame

    def file_products(self) -> pd.DataFrame:
        """Every product of the files: code, kind, the file's A129 (or NULL), rows, value."""
        return self.con.sql(
            """SELECT product AS code, any_value(kind) AS kind, max(a129) AS a129,
                      count(*) AS rows, CAST(sum(value_eur) AS BIGINT) AS value_eur
            FROM rows GROUP BY product ORDER BY product"""
        ).df()

    def canon_arrow(self) -> pa.Table:
        """The rows to store, with the name of the file(s) each came from (``source``)."""
        return self.con.sql(
            """SELECT year, quarter, flow, dept, product, country, value_eur, mass_kg, source
            FROM canon"""
        ).to_arrow_table()


def _period_what(kind: str) -> str:
    return {
        "quarter": "trimestre illisible (1 à 4, T1 à T4 ou « 1er trimestre » attendu)",
        "month": "mois illisible (1 à 12, « 2024-03 » ou nom du mois attendu)",
        "period": "période illisible (« 2024-T1 », « 2024-03 », T1 à T4 ou mois 1 à 12 attendu)",
    }.get(kind, "période illisible")


def _flow_fr(flow: str) -> str:
    return {"export": "exportations", "import": "importations"}.get(flow, flow)
