"""A grammar of DuckDB queries over the policy tests' lake, as Hypothesis strategies.

`queries()` draws a `Generated` query: SQL text, the constructs it uses (tags, to count
refusals by construct) and whether its answer is deterministic enough to compare exactly.
The grammar covers what an analyst may write (joins, WITH and WITH RECURSIVE, set
operations, windows, aggregates, nested subqueries, every allowlisted function, casts to every
type spelling DuckDB accepts, quoted and case-varied identifiers, comments in odd places) and
what an attacker would (functions and tables outside the allowlist, other schemas and
catalogs, file paths, placeholders, and text spliced into the places sqlglot keeps verbatim).

The vocabulary is in `sqlvocab.py`, the attack templates in `sqlattacks.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from tests.policies.sqlattacks import attacks
from tests.policies.sqlvocab import (
    AGGREGATES,
    COMMENTS,
    FUNCTIONS,
    HIDDEN_COLUMNS,
    LITERALS,
    OUTSIDE_FUNCTIONS,
    OUTSIDE_SCALARS,
    OUTSIDE_TABLES,
    PLACEHOLDERS,
    SOURCES,
    SPELLINGS,
    SPLICE_BASES,
    SPLICE_CARRIERS,
    SPLICE_QUALIFIERS,
    TYPES,
    WINDOWS,
    Generated,
)

__all__ = ["grammar_queries", "queries"]


@dataclass
class _Source:
    alias: str
    columns: dict[str, str]
    key: str | None  # a column unique per row of this source (for total orders)


@dataclass
class _Gen:
    draw: object
    tags: set[str] = field(default_factory=set)
    exact: bool = True
    ctes: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    n: int = 0
    hostile: str = ""  # the one construct outside the permitted surface still to draw

    # -- helpers --------------------------------------------------------------------------
    def pick(self, seq):
        return self.draw(st.sampled_from(list(seq)))

    def coin(self, p: float = 0.5) -> bool:
        return self.draw(st.integers(0, 999)) < p * 1000

    def spend(self, *kinds: str) -> str:
        """The hostile construct to draw here, if the query has one of `kinds` still to draw
        (one per hostile query); "" otherwise."""
        if self.hostile in kinds and self.coin(0.5):
            kind, self.hostile = self.hostile, ""
            return kind
        return ""

    def fresh(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def sp(self) -> str:
        """Whitespace, or a comment in an odd place."""
        s = self.pick(COMMENTS)
        if s.strip():
            self.tags.add("comment")
        return s

    def ident(self, name: str) -> str:
        """A spelling of an identifier DuckDB resolves to `name` (case-insensitive)."""
        how = self.pick(["plain", "plain", "plain", "quoted", "upper", "mixed"])
        if how == "plain":
            return name
        self.tags.add("ident:" + how)
        if how == "quoted":
            return f'"{name}"'
        if how == "upper":
            return name.upper()
        return "".join(c.upper() if i % 2 else c for i, c in enumerate(name))

    # -- sources --------------------------------------------------------------------------
    def table_source(self, depth: int) -> tuple[str, _Source]:
        choice = self.pick(["table"] * 6 + ["subquery", "cte", "values"])
        choice = self.spend("outside", "tfunc") or choice
        alias = self.fresh("t")
        if choice == "cte" and self.ctes:
            name, cols = self.pick(self.ctes)
            self.tags.add("cte_ref")
            return f"{name} {alias}", _Source(alias, cols, None)
        if choice == "subquery" and depth > 0:
            sql, cols, key = self.select(depth - 1)
            self.tags.add("subquery_from")
            return f"({sql}) AS {alias}", _Source(alias, cols, key)
        if choice == "values":
            self.tags.add("values")
            rows = ", ".join(f"({self.pick(LITERALS['V'][:8])}, {i})" for i in range(3))
            return f"(VALUES {rows}) {alias}(v, i)", _Source(alias, {"v": "V", "i": "I"}, "i")
        if choice == "outside":
            name = self.pick(OUTSIDE_TABLES)
            self.tags.add("outside_table")
            return f"{name} {alias}", _Source(alias, dict(SOURCES["ga_population"]), None)
        if choice == "tfunc":
            fn = self.pick(OUTSIDE_FUNCTIONS)
            self.tags.add("table_function:" + fn.split("(")[0])
            return f"{fn} {alias}", _Source(alias, {}, None)
        table = self.pick(["ga_population"] * 3 + ["wj_deaths", "zr_real_estate"])
        spelled = self.pick(SPELLINGS[table])
        if spelled.startswith("hub.") and not self.coin(0.3):
            spelled = table
        if spelled != table:
            self.tags.add("table_spelling")
        if spelled.startswith("hub."):
            self.tags.add("catalog_qualified")
        return f"{spelled}{self.sp()}{self.pick(['', 'AS '])}{alias}", \
            _Source(alias, dict(SOURCES[table]), "_record_no")

    # -- expressions ----------------------------------------------------------------------
    def column(self, scope: list[_Source], kind: str) -> str | None:
        found = [(s, c) for s in scope for c, k in s.columns.items() if k == kind]
        if not found:
            return None
        source, col = self.pick(found)
        return f"{source.alias}.{self.ident(col)}"

    def expr(self, scope: list[_Source], kind: str, depth: int) -> str:
        options = ["column"] * 5 + ["literal"] * 2 + ["function"] * 3 + ["cast", "case"]
        if depth <= 0:
            options = ["column", "column", "literal"]
        else:
            options += ["scalar_subquery", "operator"]
        hostile = self.spend("weird", "xcast", "splice")
        choice = self.pick(options)
        if hostile:
            choice = "weird" if hostile == "weird" else "cast"
            self.hostile = hostile if hostile != "weird" else ""
        if choice == "column":
            col = self.column(scope, kind)
            if col is not None:
                return col
            choice = "literal"
        if choice == "literal":
            return self.pick(LITERALS[kind])
        if choice == "function":
            candidates = [(n, t) for n, forms in FUNCTIONS.items() for k, t in forms if k == kind]
            name, template = self.pick(candidates)
            self.tags.add("fn:" + name)
            return self.fill(template, scope, depth - 1)
        if choice == "cast":
            return self.cast(scope, kind, depth)
        if choice == "case":
            self.tags.add("case")
            when, then = self.pred(scope, depth - 1), self.expr(scope, kind, depth - 1)
            return f"CASE WHEN {when} THEN {then} ELSE {self.expr(scope, kind, depth - 1)} END"
        if choice == "scalar_subquery":
            self.tags.add("scalar_subquery")
            return self.scalar_subquery(kind, depth - 1)
        if choice == "operator":
            a, b = self.expr(scope, kind, depth - 1), self.expr(scope, kind, depth - 1)
            op = {"V": "||", "I": self.pick(["+", "-", "*", "%", "//"]),
                  "N": self.pick(["+", "*", "/", "-"]), "D": None, "B": self.pick(["AND", "OR"]),
                  "L": "||"}[kind]
            if op is None:
                step = self.pick(["1", "INTERVAL 1 DAY", "INTERVAL '1' YEAR"])
                return f"({a} + {step})"
            self.tags.add("operator")
            return f"({a}{self.sp()}{op} {b})"
        # weird: placeholders, functions outside the allowlist, hidden columns
        what = self.pick(["placeholder", "outside_fn", "hidden_column"])
        self.tags.add(what)
        if what == "placeholder":
            return self.pick(PLACEHOLDERS)
        if what == "outside_fn":
            fn = self.pick(OUTSIDE_SCALARS)
            self.tags.add("outside_fn:" + fn.split("(")[0])
            return fn
        src = self.pick(scope) if scope else None
        col = self.pick(HIDDEN_COLUMNS)
        return f"{src.alias}.{col}" if src else col

    def fill(self, template: str, scope: list[_Source], depth: int) -> str:
        out, first_v = template, None
        for hole in ("V0", "V", "I", "N", "D", "B", "L"):
            while "{" + hole + "}" in out:
                if hole == "V0":
                    value = first_v or "NULL"
                else:
                    value = self.expr(scope, hole, depth)
                    if hole == "V" and first_v is None:
                        first_v = value
                out = out.replace("{" + hole + "}", value, 1)
        return out.replace("{{", "{").replace("}}", "}")

    def cast(self, scope: list[_Source], kind: str, depth: int) -> str:
        hostile, self.hostile = (self.hostile, "") if self.hostile in ("xcast", "splice") \
            else ("", self.hostile)
        if hostile == "splice":
            if kind in ("I", "N", "V"):
                return self.spliced(kind)
            self.hostile = hostile  # not a numeric place: splice further on
        target = self.pick(TYPES[kind] + TYPES["X"] if hostile else TYPES[kind])
        source_kind = self.pick(["V", "I", "N", "D", "B", kind, kind, kind])
        value = self.expr(scope, source_kind, depth - 1)
        form = self.pick(["CAST", "TRY_CAST", "::", "typed"])
        self.tags.add("cast:" + ("quoted" if '"' in target else "qualified" if "." in target
                                 else "param" if "(" in target else "array" if "[" in target
                                 else "plain"))
        self.tags.add("cast_form:" + form)
        if target in TYPES["X"]:
            self.tags.add("cast_to:" + target[:30])
        if form == "::":
            return f"({value})::{target}"
        if form == "typed":
            return f"{target} {self.pick(LITERALS['V'][:6])}"
        return f"{form}({value}{self.sp()}AS {target})"

    def spliced(self, kind: str) -> str:
        """An integer expression whose verbatim-kept text (a type name, a type parameter, an
        EXTRACT field) carries `+ <payload> +`: a number read from what the grant does not
        cover. Valid wherever an integer is, when the text is printed back as SQL."""
        what = self.pick(["sub", "sub", "sub", "param", "setting"])
        if what == "sub":
            table = self.pick(sorted(SOURCES))
            schema = self.pick(["hub.published", "hub.raw", "hub.standardised", "hub.history",
                                "hub.quarantine"])
            inner_scope = [_Source("z", dict(SOURCES[table]), "_record_no")]
            agg = self.pick([t for forms in AGGREGATES.values() for k, t, exact in forms
                             if exact and k == "I"])
            inner = (f"(SELECT {self.fill(agg, inner_scope, 0)} FROM {schema}.{table} z "
                     f"WHERE {self.pred(inner_scope, 0)})")
        elif what == "param":
            key = self.pick(["hub_k0_i", "hub_k0_o", "hub_k1_i", "hub_k2_o", "HUB_K0_I"])
            inner = f"octet_length(${key})"
        else:
            setting = self.pick(["allowed_directories", "secret_directory", "temp_directory"])
            inner = f"length(CAST(current_setting('{setting}') AS VARCHAR))"
        carrier, template = self.pick(SPLICE_CARRIERS)
        qualifier, base = self.pick(SPLICE_QUALIFIERS), self.pick(SPLICE_BASES)
        self.tags |= {"spliced", "splice:" + carrier, "splice_payload:" + what}
        if carrier.startswith("type"):
            self.tags.add("splice_qualifier:" + (qualifier or "-"))
        text = template.format(inner=inner, inner_sq=inner.replace("'", "''"), q=qualifier,
                               base=base)
        return text if kind == "I" else f"CAST({text} AS {self.pick(TYPES[kind][:2])})"

    def pred(self, scope: list[_Source], depth: int) -> str:
        kind = self.pick(["cmp", "cmp", "like", "null", "in", "between", "not", "andor",
                          "fn", "in_sub", "exists", "any"])
        if depth <= 0 and kind in ("in_sub", "exists", "any", "andor", "not"):
            kind = "cmp"
        k = self.pick(["V", "V", "I", "D", "N"])
        if kind == "cmp":
            op = self.pick(["=", "<>", "<", ">=", "!=", "IS DISTINCT FROM", "IS NOT DISTINCT FROM"])
            return f"{self.expr(scope, k, depth)} {op} {self.expr(scope, k, depth)}"
        if kind == "like":
            pattern = self.pick(["'%*%'", "'张%'", "'4413%'", "'%街道%'", "'19%'", "'_'"])
            op = self.pick(["LIKE", "ILIKE", "NOT LIKE"])
            return f"{self.expr(scope, 'V', depth)} {op} {pattern}"
        if kind == "null":
            return f"{self.expr(scope, k, depth)} IS {self.pick(['', 'NOT '])}NULL"
        if kind == "in":
            count = self.draw(st.integers(1, 3))
            items = ", ".join(self.pick(LITERALS["V"][:6]) for _ in range(count))
            return f"{self.expr(scope, 'V', depth)} IN ({items})"
        if kind == "between":
            low, high = self.expr(scope, "D", depth), self.expr(scope, "D", depth)
            return f"{low} BETWEEN DATE '1970-01-01' AND {high}"
        if kind == "not":
            return f"NOT ({self.pred(scope, depth - 1)})"
        if kind == "andor":
            left, op = self.pred(scope, depth - 1), self.pick(["AND", "OR"])
            return f"({left} {op} {self.pred(scope, depth - 1)})"
        if kind == "fn":
            return self.expr(scope, "B", depth)
        if kind == "in_sub":
            self.tags.add("in_subquery")
            sub, _cols, _ = self.select(depth - 1, kinds=["V"], correlated=scope)
            return f"{self.expr(scope, 'V', 0)} {self.pick(['IN', 'NOT IN'])} ({sub})"
        if kind == "any":
            self.tags.add("any_subquery")
            sub, _cols, _ = self.select(depth - 1, kinds=["V"], correlated=scope)
            return f"{self.expr(scope, 'V', 0)} = ANY ({sub})"
        self.tags.add("exists")
        sub, _, _ = self.select(depth - 1, correlated=scope)
        return f"{self.pick(['', 'NOT '])}EXISTS ({sub})"

    def scalar_subquery(self, kind: str, depth: int) -> str:
        agg = self.pick([(n, t) for n, forms in AGGREGATES.items() for k, t, exact in forms
                         if k == kind and exact] or [("count", "count(*)")])
        sql, source = self.table_source(0)
        scope = [source]
        body = self.fill(agg[1], scope, 0)
        where = f" WHERE {self.pred(scope, 0)}" if self.coin() else ""
        return f"(SELECT {body} FROM {sql}{where})"

    # -- queries --------------------------------------------------------------------------
    def select(self, depth: int, kinds: list[str] | None = None,
               correlated: list[_Source] | None = None) -> tuple[str, dict[str, str], str | None]:
        """One SELECT: its SQL, its output columns (name -> kind), a unique column if kept."""
        first, source = self.table_source(depth)
        scope, from_sql = [source], first
        if depth > 0 and self.coin(0.35):
            joined, other = self.table_source(depth - 1)
            how = self.pick(["JOIN", "LEFT JOIN", "INNER JOIN", "FULL OUTER JOIN", "RIGHT JOIN",
                             "CROSS JOIN", "SEMI JOIN", "ANTI JOIN", "NATURAL JOIN",
                             "POSITIONAL JOIN", "JOIN", "ASOF JOIN"])
            self.tags.add("join:" + how.split()[0].lower())
            common = [c for c in source.columns if c in other.columns]
            if how in ("CROSS JOIN", "NATURAL JOIN", "POSITIONAL JOIN"):
                on = ""
            elif common and self.coin(0.3):
                on = f" USING ({self.ident(self.pick(common))})"
            else:
                kind = self.pick(["V", "I", "D"])
                left, right = self.column([source], kind), self.column([other], kind)
                on = f" ON {left or 'true'} = {right or 'true'}"
                if how == "ASOF JOIN":
                    on = f" ON {left or 'true'} >= {right or 'true'}"
            from_sql = f"{from_sql} {how} {joined}{on}"
            if how not in ("SEMI JOIN", "ANTI JOIN"):  # their right side is not in scope
                scope.append(other)
            if how in ("POSITIONAL JOIN", "ASOF JOIN"):
                self.exact = False
        visible = scope + (correlated or [])
        if correlated:
            self.tags.add("correlated")
        where = f"{self.sp()}WHERE {self.pred(visible, depth)}" if self.coin(0.6) else ""
        mode = self.pick(["plain", "plain", "aggregate", "window", "star"])
        if kinds is not None and mode == "star":
            mode = "plain"
        items: list[tuple[str, str]] = []
        group = having = qualify = ""
        want = kinds or [self.pick(["V", "V", "I", "D", "N", "B", "L"])
                         for _ in range(self.draw(st.integers(1, 3)))]
        if mode == "star":
            self.tags.add("star")
            star = self.pick(["*", f"{source.alias}.*", "* EXCLUDE (name)", "COLUMNS('.*id.*')",
                              f"{source.alias}", "* REPLACE (1 AS _record_no)"])
            cols = dict(source.columns) if star.startswith("*") or star.endswith(".*") else {}
            sql = f"SELECT {star} FROM {from_sql}{where}"
            return sql, cols, source.key if cols else None
        if mode == "aggregate":
            self.tags.add("aggregate")
            keys = [self.expr(scope, self.pick(["V", "I", "D"]), 1)
                    for _ in range(self.draw(st.integers(0, 2)))]
            for i, kind in enumerate(want):
                name, template, exact = self.pick(
                    [(n, t, e) for n, forms in AGGREGATES.items() for k, t, e in forms if k == kind]
                    or [("count", "count(*)", True)])
                self.tags.add("agg:" + name)
                self.exact &= exact
                body = self.fill(template, scope, 1)
                if self.coin(0.15):
                    body += f" FILTER (WHERE {self.pred(scope, 0)})"
                    self.tags.add("filter")
                items.append((body, kind))
            group = f" GROUP BY {', '.join(keys)}" if keys else ""
            if keys and self.coin(0.3):
                group = " GROUP BY ALL"
                items = [(k, "V") for k in keys] + items
            if self.coin(0.25):
                op, bound = self.pick([">", ">=", "<"]), self.pick(["0", "1", "5"])
                having = f" HAVING count(*) {op} {bound}"
                self.tags.add("having")
        else:
            for kind in want:
                if mode == "window" and self.coin(0.5):
                    forms = [(n, t, total) for n, fs in WINDOWS.items() for k, t, total in fs
                             if k == kind]
                    if forms:
                        name, template, total = self.pick(forms)
                        self.tags.add("window:" + name)
                        keyed = [s for s in scope if s.key]
                        if total and len(keyed) != len(scope):
                            self.exact = False
                        order = ", ".join(f"{s.alias}.{s.key}" for s in keyed) or "1"
                        items.append((self.fill(template.replace("{K}", order), scope, 1), kind))
                        continue
                items.append((self.expr(visible, kind, depth + 1), kind))
            if mode == "window" and self.coin(0.2):
                keys = ", ".join(f"{s.alias}.{s.key}" for s in scope if s.key) or "1"
                qualify = (f" QUALIFY row_number() OVER (PARTITION BY {self.expr(scope, 'V', 0)} "
                           f"ORDER BY {keys}) = 1")
                self.tags.add("qualify")
                if any(s.key is None for s in scope):
                    self.exact = False
        names = [f"c{i}" for i in range(len(items))]
        distinct = ""
        if self.coin(0.1):
            distinct = "DISTINCT "
            self.tags.add("distinct")
        select_list = ", ".join(f"{e}{self.sp()}AS {self.ident(n)}"
                                for (e, _), n in zip(items, names))
        order = ""
        if self.coin(0.2):
            self.tags.add("limit")
            order = f" ORDER BY ALL LIMIT {self.pick(['1', '5', '50'])}"
            if self.coin(0.3):
                order += " OFFSET 2"
        elif self.coin(0.1):
            order = f" ORDER BY {self.pick(['1', 'ALL', '1 DESC NULLS LAST'])}"
        sql = (f"SELECT{self.sp()}{distinct}{select_list}{self.sp()}FROM {from_sql}{where}"
               f"{group}{having}{qualify}{order}")
        return sql, {n: k for (_, k), n in zip(items, names)}, None

    def query(self, depth: int) -> str:
        shape = self.pick(["select"] * 5 + ["with", "with", "setop", "setop", "recursive"])
        if shape == "with":
            self.tags.add("with")
            parts = []
            for _ in range(self.draw(st.integers(1, 2))):
                name = self.fresh("w")
                sql, cols, _ = self.select(depth - 1)
                parts.append(f"{self.ident(name)} AS ({sql})")
                self.ctes.append((name, cols))
            body, _, _ = self.select(depth)
            return f"WITH {', '.join(parts)} {body}"
        if shape == "recursive":
            self.tags.add("with_recursive")
            name = self.fresh("r")
            seed = self.pick([
                "SELECT 1 AS n, 'x' AS s",
                "SELECT 1 AS n, min(name) AS s FROM ga_population",
                "SELECT 1 AS n, id_number AS s FROM published.ga_population WHERE gender = '女'",
                "SELECT 1 AS n, name AS s FROM wj_deaths",
            ])
            rec = f"SELECT n + 1, s FROM {name} WHERE n < {self.pick(['2', '3', '5'])}"
            self.ctes.append((name, {"n": "I", "s": "V"}))
            body, _, _ = self.select(depth)
            return f"WITH RECURSIVE {name}(n, s) AS ({seed} UNION ALL {rec}) {body}"
        if shape == "setop":
            kinds = [self.pick(["V", "I", "D"]) for _ in range(self.draw(st.integers(1, 2)))]
            op = self.pick(["UNION", "UNION ALL", "EXCEPT", "INTERSECT", "EXCEPT ALL",
                            "INTERSECT ALL", "UNION BY NAME"])
            self.tags.add("setop:" + op.lower())
            left, _, _ = self.select(depth - 1, kinds=kinds)
            right, _, _ = self.select(depth - 1, kinds=kinds)
            return f"({left}) {op} ({right})"
        return self.select(depth)[0]


@st.composite
def grammar_queries(draw, depth: int = 2) -> Generated:
    """A query of the grammar: clean (only what an analyst may use) or with one hostile
    construct (a table, function, placeholder, column or type outside the permitted surface)."""
    gen = _Gen(draw, hostile=draw(st.sampled_from(["", "", "", "", "", "", "outside", "tfunc",
                                                    "weird", "xcast", "splice"])))
    sql = gen.query(draw(st.integers(0, depth)))
    return Generated(sql, frozenset(gen.tags), gen.exact)


def queries() -> st.SearchStrategy[Generated]:
    """Mostly grammar queries, with attack templates mixed in."""
    return st.one_of(grammar_queries(), grammar_queries(), grammar_queries(), attacks())
