"""Stage 3 on the fast path: the SHACL shapes compiled to SPARQL and run on the Oxigraph store.

pySHACL walks every focus node in Python; on the real KB that was a quarter of `cloudreg build --no-site`, and at
1M synthetic triples it did not finish in four minutes. Here each constraint of each shape becomes one SELECT that
returns the violating (focus, value) rows, answered by Oxigraph over the union of the store's graphs. The results
are the same `Violation`s pySHACL's report gives (rule name, message, path, value, severity): tests/test_fast.py
compares the two reports on the fixture KB, the real KB and every broken fixture under tests/fixtures/shapes/.

Supported: targets sh:targetClass, sh:targetNode, sh:targetSubjectsOf, sh:targetObjectsOf and SHACL-AF
sh:SPARQLTarget; property shapes whose sh:path is an IRI; constraints minCount, maxCount, datatype, class, node,
hasValue, in, nodeKind, pattern, minLength, maxLength, lessThan, languageIn, uniqueLang, and SPARQL-based
constraints (sh:sparql / sh:select) on node shapes; each with exactly one sh:message. Anything else raises
`Unsupported`, and the caller falls back to pySHACL: a shape is never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

SH = Namespace("http://www.w3.org/ns/shacl#")
XSD = "http://www.w3.org/2001/XMLSchema#"
TYPE_PATH = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
# datatypes whose lexical form can be checked with a SPARQL cast (pySHACL checks these with rdflib's parser)
CASTABLE = {XSD + t for t in ("date", "dateTime", "integer", "decimal", "boolean", "double", "float")}
VALUE_CONSTRAINTS = {SH.datatype, SH["class"], SH.node, SH["in"], SH.nodeKind, SH.pattern, SH.minLength,
                     SH.maxLength, SH.languageIn}
KNOWN = VALUE_CONSTRAINTS | {SH.minCount, SH.maxCount, SH.hasValue, SH.lessThan, SH.uniqueLang, SH.flags}
SHAPE_KEYS = {RDF.type, SH.path, SH.message, SH.property, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
              SH.targetObjectsOf, SH.target, SH.sparql, SH.severity, SH.name, SH.description,
              URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
              URIRef("http://www.w3.org/2000/01/rdf-schema#label")}
COMPONENT = {SH.minCount: "MinCount", SH.maxCount: "MaxCount", SH.datatype: "Datatype", SH["class"]: "Class",
             SH.node: "Node", SH.hasValue: "HasValue", SH["in"]: "In", SH.nodeKind: "NodeKind",
             SH.pattern: "Pattern", SH.minLength: "MinLength", SH.maxLength: "MaxLength",
             SH.lessThan: "LessThan", SH.languageIn: "LanguageIn", SH.uniqueLang: "UniqueLang"}


class Unsupported(Exception):
    """The shapes use something this compiler does not translate; validate with pySHACL instead."""


@dataclass
class Check:
    """One compiled constraint: run `query`; every row is a violation."""

    query: str
    shape: str  # node shape (or the property shape's node shape) the rule is named after
    component: str  # e.g. MinCountConstraintComponent
    path: str | None
    message: str
    severity: str  # "error" or "warning"
    value_var: str | None  # the column that is the sh:value, if any
    format_vars: bool = False  # SPARQL constraint: substitute {?var} in the message with the row's values
    detail_shape: object = None  # sh:node: the shape whose own results pySHACL also reports for the value


TARGET_SLOT = "__CLOUDREG_TARGET__"


@dataclass
class Compiled:
    checks: list[Check]
    details: dict  # node shape used by sh:node -> its checks, with TARGET_SLOT where the focus nodes go

    def detail_checks(self, shape, values: list) -> list[Check]:
        """The checks of `shape` with the given value nodes (rdflib terms) as focus nodes."""
        from cloudreg.fast import to_ox

        target = "{ VALUES ?this { " + " ".join(str(to_ox(v)) for v in values) + " } }"
        return [Check(**{**ch.__dict__, "query": ch.query.replace(TARGET_SLOT, target)})
                for ch in self.details[shape]]


# ---------------------------------------------------------------------------------------------------------------
# SPARQL text helpers


def iri(term) -> str:
    if not isinstance(term, URIRef):
        raise Unsupported(f"expected an IRI, got {term!r}")
    return f"<{term}>"


def lit(term) -> str:
    """A term of the shapes graph written as SPARQL."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        text = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype is not None:
            return f'"{text}"^^<{term.datatype}>'
        return f'"{text}"'
    raise Unsupported(f"a blank node cannot be a constant in a constraint: {term!r}")


PREFIX_RE = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>\s*$", re.I | re.M)


def split_prefixes(text: str) -> tuple[dict[str, str], str]:
    prefixes = {m.group(1) or "": m.group(2) for m in PREFIX_RE.finditer(text)}
    return prefixes, PREFIX_RE.sub("", text).strip()


def prefix_block(prefixes: dict[str, str]) -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items()))


# ---------------------------------------------------------------------------------------------------------------
# the compiler


class Compiler:
    def __init__(self, shapes: Graph):
        self.g = shapes
        self.prefixes: dict[str, str] = {}

    def one(self, node, pred):
        vals = list(self.g.objects(node, pred))
        if len(vals) > 1:
            raise Unsupported(f"{node}: more than one {pred}")
        return vals[0] if vals else None

    def name(self, node) -> str:
        from cloudreg.validate import _short

        return "anonymous shape" if isinstance(node, BNode) else _short(node)

    def severity(self, node) -> str:
        sev = self.one(node, SH.severity)
        return "error" if sev in (None, SH.Violation) else "warning"

    def message(self, node) -> str:
        msgs = list(self.g.objects(node, SH.message))
        if len(msgs) != 1:
            raise Unsupported(f"{node}: pySHACL's wording of a result needs exactly one sh:message here")
        return str(msgs[0])

    # targets ----------------------------------------------------------------------------------------------------

    def target(self, shape) -> str | None:
        """A group pattern binding ?this to each focus node of `shape`, or None if it has no target."""
        parts = []
        for c in self.g.objects(shape, SH.targetClass):
            parts.append(f"{{ ?this {TYPE_PATH} {iri(c)} . }}")
        nodes = list(self.g.objects(shape, SH.targetNode))
        if nodes:
            parts.append("{ VALUES ?this { " + " ".join(lit(n) for n in nodes) + " } }")
        for p in self.g.objects(shape, SH.targetSubjectsOf):
            parts.append(f"{{ ?this {iri(p)} ?target_o . }}")
        for p in self.g.objects(shape, SH.targetObjectsOf):
            parts.append(f"{{ ?target_s {iri(p)} ?this . }}")
        for t in self.g.objects(shape, SH.target):
            if (t, RDF.type, SH.SPARQLTarget) not in self.g or self.one(t, SH.select) is None:
                raise Unsupported(f"{shape}: only SPARQL targets (sh:SPARQLTarget with sh:select) are supported")
            prefixes, body = split_prefixes(str(self.one(t, SH.select)))
            self.prefixes.update(prefixes)
            parts.append("{ " + body + " }")
        if not parts:
            return None
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"

    # constraints on the values of a path ------------------------------------------------------------------------

    def value_test(self, pred, obj, v: str, depth: int) -> str:
        """A SPARQL expression true when value `v` VIOLATES the constraint (pred obj)."""
        if pred == SH.datatype:
            dt = str(obj)
            if dt == str(RDF.langString):
                ok = f"isLiteral({v}) && LANG({v}) != \"\""
            elif dt == XSD + "string":
                ok = f"isLiteral({v}) && LANG({v}) = \"\" && DATATYPE({v}) = <{dt}>"
            else:
                ok = f"isLiteral({v}) && DATATYPE({v}) = <{dt}>"
                if dt in CASTABLE:
                    ok += f" && COALESCE(isLiteral(<{dt}>(STR({v}))), false)"
            return f"!({ok})"
        if pred == SH["class"]:
            return f"NOT EXISTS {{ {v} {TYPE_PATH} {iri(obj)} }}"
        if pred == SH["in"]:
            members = list(Collection(self.g, obj))
            return "!(" + (" || ".join(f"sameTerm({v}, {lit(m)})" for m in members) or "false") + ")"
        if pred == SH.nodeKind:
            kinds = {SH.IRI: f"isIRI({v})", SH.BlankNode: f"isBlank({v})", SH.Literal: f"isLiteral({v})",
                     SH.BlankNodeOrIRI: f"(isBlank({v}) || isIRI({v}))",
                     SH.BlankNodeOrLiteral: f"(isBlank({v}) || isLiteral({v}))",
                     SH.IRIOrLiteral: f"(isIRI({v}) || isLiteral({v}))"}
            if obj not in kinds:
                raise Unsupported(f"sh:nodeKind {obj}")
            return f"!{kinds[obj]}"
        if pred in (SH.minLength, SH.maxLength):
            op = "<" if pred == SH.minLength else ">"
            return f"(isBlank({v}) || STRLEN(STR({v})) {op} {int(obj)})"
        if pred == SH.languageIn:
            langs = [str(x).lower() for x in Collection(self.g, obj)]
            if not langs:
                return "true"
            inl = ", ".join(lit(Literal(x)) for x in langs)
            return (f"!(isLiteral({v}) && LANG({v}) != \"\" && (LCASE(LANG({v})) IN ({inl}) || "
                    f"LCASE(STRBEFORE(LANG({v}), \"-\")) IN ({inl})))")
        if pred == SH.node:
            return f"EXISTS {{ {self.node_violation(obj, v, depth + 1)} }}"
        raise Unsupported(f"constraint {pred}")

    def pattern_test(self, pshape, v: str) -> str:
        pat = self.one(pshape, SH.pattern)
        flags = self.one(pshape, SH.flags)
        args = lit(Literal(str(pat))) + (f", {lit(Literal(str(flags)))}" if flags is not None else "")
        return f"(isBlank({v}) || !REGEX(STR({v}), {args}))"

    def node_violation(self, shape, x: str, depth: int) -> str:
        """A group pattern that matches when node `x` does not conform to node shape `shape` (used by sh:node).

        Only constraints that need no aggregation are allowed here (minCount 1, hasValue and value tests)."""
        if depth > 8:
            raise Unsupported("sh:node nested too deep (or recursive)")
        alts = []
        for ps in self.g.objects(shape, SH.property):
            path = iri(self.one(ps, SH.path))
            w = f"?n{depth}"
            for pred, obj in self.g.predicate_objects(ps):
                if pred in (SH.path, SH.message, SH.severity, SH.name, SH.description, RDF.type, SH.flags):
                    continue
                if pred == SH.hasValue:
                    alts.append(f"{{ FILTER NOT EXISTS {{ {x} {path} {lit(obj)} }} }}")
                elif pred == SH.minCount and int(obj) == 1:
                    alts.append(f"{{ FILTER NOT EXISTS {{ {x} {path} {w} }} }}")
                elif pred == SH.pattern:
                    alts.append(f"{{ {x} {path} {w} . FILTER {self.pattern_test(ps, w)} }}")
                elif pred in VALUE_CONSTRAINTS:
                    alts.append(f"{{ {x} {path} {w} . FILTER ({self.value_test(pred, obj, w, depth)}) }}")
                else:
                    raise Unsupported(f"{pred} inside a shape used by sh:node")
        for pred in set(self.g.predicates(shape, None)) - {RDF.type, SH.property, SH.message, SH.severity}:
            raise Unsupported(f"{pred} on a node shape used by sh:node")
        if not alts:
            return "FILTER (false)"
        return " UNION ".join(alts)

    # one property shape ------------------------------------------------------------------------------------------

    def property_checks(self, node_shape, ps, tgt: str) -> list[Check]:
        path_node = self.one(ps, SH.path)
        if not isinstance(path_node, URIRef):
            raise Unsupported(f"{ps}: only IRI paths are supported (got {path_node!r})")
        path = iri(path_node)
        unknown = set(self.g.predicates(ps, None)) - KNOWN - SHAPE_KEYS
        if unknown:
            raise Unsupported(f"{ps}: unsupported constraint(s) {sorted(map(str, unknown))}")
        base = dict(shape=self.name(node_shape), path=self.name(path_node), message=self.message(ps),
                    severity=self.severity(ps))
        checks = []
        for pred, obj in self.g.predicate_objects(ps):
            if pred not in KNOWN or pred == SH.flags:
                continue
            comp = COMPONENT[pred] + "ConstraintComponent"
            if pred == SH.minCount:
                q = (f"SELECT ?this WHERE {{ {tgt} OPTIONAL {{ ?this {path} ?value }} }} "
                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {int(obj)})")
                checks.append(Check(q, component=comp, value_var=None, **base))
            elif pred == SH.maxCount:
                q = (f"SELECT ?this WHERE {{ {tgt} ?this {path} ?value }} "
                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(obj)})")
                checks.append(Check(q, component=comp, value_var=None, **base))
            elif pred == SH.hasValue:
                q = f"SELECT ?this WHERE {{ {tgt} FILTER NOT EXISTS {{ ?this {path} {lit(obj)} }} }}"
                checks.append(Check(q, component=comp, value_var=None, **base))
            elif pred == SH.pattern:
                q = (f"SELECT DISTINCT ?this ?value WHERE {{ {tgt} ?this {path} ?value . "
                     f"FILTER {self.pattern_test(ps, '?value')} }}")
                checks.append(Check(q, component=comp, value_var="value", **base))
            elif pred == SH.lessThan:
                # one result per failing pair, as pySHACL reports it; incomparable values fail
                q = (f"SELECT DISTINCT ?this ?value ?other WHERE {{ {tgt} ?this {path} ?value . "
                     f"?this {iri(obj)} ?other . FILTER (!COALESCE(?value < ?other, false)) }}")
                checks.append(Check(q, component=comp, value_var="value", **base))
            elif pred == SH.uniqueLang:
                if not (isinstance(obj, Literal) and obj.toPython() is True):
                    continue
                q = (f"SELECT DISTINCT ?this ?lang WHERE {{ {tgt} ?this {path} ?value, ?other . "
                     f"FILTER (isLiteral(?value) && isLiteral(?other) && !sameTerm(?value, ?other) && "
                     f"LANG(?value) != \"\" && LCASE(LANG(?value)) = LCASE(LANG(?other))) "
                     f"BIND (LCASE(LANG(?value)) AS ?lang) }}")
                checks.append(Check(q, component=comp, value_var=None, **base))
            else:
                q = (f"SELECT DISTINCT ?this ?value WHERE {{ {tgt} ?this {path} ?value . "
                     f"FILTER ({self.value_test(pred, obj, '?value', 0)}) }}")
                checks.append(Check(q, component=comp, value_var="value", **base,
                                    detail_shape=obj if pred == SH.node else None))
        return checks

    # SPARQL-based constraints --------------------------------------------------------------------------------------

    def sparql_check(self, node_shape, c, tgt: str) -> Check:
        select = self.one(c, SH.select)
        if select is None:
            raise Unsupported(f"{node_shape}: sh:sparql without sh:select")
        if list(self.g.objects(c, SH.prefixes)):
            raise Unsupported(f"{node_shape}: sh:prefixes (write PREFIX lines in the query)")
        prefixes, body = split_prefixes(str(select))
        body = re.sub(r"\$this\b", "?this", body)
        # pre-bind ?this: the focus nodes go first in the outermost group, before any FILTER reads ?this
        m = re.search(r"\bWHERE\s*\{", body, re.I)
        if m is None or re.match(r"\s*SELECT\b", body, re.I) is None:
            raise Unsupported(f"{node_shape}: SPARQL constraint is not SELECT ... WHERE {{ ... }}")
        body = body[:m.end()] + " " + tgt + " " + body[m.end():]
        self.prefixes.update(prefixes)
        return Check(body, shape=self.name(node_shape), component="SPARQLConstraintComponent", path=None,
                     message=self.message(c), severity=self.severity(c), value_var="value", format_vars=True)

    # all shapes -------------------------------------------------------------------------------------------------

    def compile(self) -> Compiled:
        checks = []
        for shape in sorted(set(self.g.subjects(RDF.type, SH.NodeShape)), key=str):
            tgt = self.target(shape)
            if tgt is None:
                continue  # reached only through sh:node
            if list(self.g.objects(shape, SH.message)):
                raise Unsupported(f"{shape}: sh:message on a node shape")
            for pred in set(self.g.predicates(shape, None)) - SHAPE_KEYS:
                raise Unsupported(f"{shape}: {pred} on a node shape")
            for ps in self.g.objects(shape, SH.property):
                checks += self.property_checks(shape, ps, tgt)
            for c in self.g.objects(shape, SH.sparql):
                checks.append(self.sparql_check(shape, c, tgt))
        # pySHACL also reports, for a value failing sh:node, that shape's own results on the value (sh:detail)
        details, todo = {}, [ch.detail_shape for ch in checks if ch.detail_shape is not None]
        while todo:
            shape = todo.pop()
            if shape in details:
                continue
            details[shape] = [c for ps in self.g.objects(shape, SH.property)
                              for c in self.property_checks(shape, ps, TARGET_SLOT)]
            todo += [c.detail_shape for c in details[shape] if c.detail_shape is not None]
        block = prefix_block(self.prefixes)
        for ch in checks + [c for cs in details.values() for c in cs]:
            ch.query = block + ch.query
        return Compiled(checks, details)


def compile_shapes(shapes: Graph) -> Compiled:
    """Every constraint of `shapes` as a SPARQL check; raises Unsupported if any cannot be translated."""
    return Compiler(shapes).compile()


def violations(store: ox.Store, compiled: Compiled):
    """Yield (check, focus, value, row) for every result pySHACL would report, nested sh:node details included
    (once per failing outer result, as pySHACL repeats them)."""
    pending: dict = {}
    for ch, focus, value, row in run_checks(store, compiled.checks):
        yield ch, focus, value, row
        if ch.detail_shape is not None and value is not None:
            pending.setdefault(ch.detail_shape, []).append(value)
    while pending:
        shape, values = pending.popitem()
        unique = list(dict.fromkeys(values))
        by_focus: dict = {}
        for hit in run_checks(store, compiled.detail_checks(shape, unique)):
            by_focus.setdefault(str(hit[1]), []).append(hit)
        for v in values:
            for ch, focus, value, row in by_focus.get(str(v), []):
                yield ch, focus, value, row
                if ch.detail_shape is not None and value is not None:
                    pending.setdefault(ch.detail_shape, []).append(value)


def run_checks(store: ox.Store, checks: list[Check]):
    """Yield (check, focus, value, row) for every violation, in a stable order (terms as rdflib terms)."""
    from cloudreg.fast import to_rdflib

    for ch in checks:
        result = store.query(ch.query, use_default_graph_as_union=True)
        cols = [v.value for v in result.variables]
        seen = set()
        for sol in result:
            row = {c: to_rdflib(sol[c]) for c in cols}
            key = tuple(sorted((k, str(v)) for k, v in row.items() if v is not None))
            if key in seen:
                continue
            seen.add(key)
            focus = row.get("this")
            value = row.get(ch.value_var) if ch.value_var else None
            if ch.format_vars and value is None:
                # SHACL: a SPARQL constraint of a node shape without ?value reports the focus node (and pySHACL
                # then fills {?value} in the message with it)
                value = row["value"] = focus
            yield ch, focus, value, row


def message_for(ch: Check, row: dict) -> str:
    """sh:message, with {?var} / {$var} replaced by the row's values for SPARQL constraints (as pySHACL does)."""
    msg = ch.message
    if ch.format_vars:
        for var, val in row.items():
            if val is not None:
                msg = re.sub("{[?$]" + var + "}", lambda _m, v=str(val): v, msg)
    return msg
