"""Stage 3, validate: pySHACL over the closure, plus the SPARQL checks in queries/checks/.

Each violation names the focus node, the file that states it, the rule broken and its message.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from rdflib import RDF, Graph, Namespace

from cloudreg.backends import LocalBackend
from cloudreg.load import KB, load_shapes
from cloudreg.queries import catalogue

SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass
class Violation:
    focus: str
    file: str | None
    rule: str
    message: str
    severity: str = "error"
    path: str | None = None
    value: str | None = None

    def text(self) -> str:
        where = self.file or "?"
        extra = f" [{self.path}" + (f" = {self.value}" if self.value else "") + "]" if self.path else ""
        return f"{where}: {self.severity}: <{self.focus}>{extra}: {self.message} (rule: {self.rule})"


@dataclass
class ValidationReport:
    violations: list[Violation] = field(default_factory=list)
    shapes_checked: int = 0
    checks_run: int = 0

    @property
    def conforms(self) -> bool:
        return not any(v.severity == "error" for v in self.violations)

    def as_json(self) -> dict:
        return {"conforms": self.conforms, "shapes": self.shapes_checked, "checks": self.checks_run,
                "violations": [asdict(v) for v in self.violations]}


def _short(node) -> str:
    s = str(node)
    for prefix, ns in (("cr:", "https://w3id.org/cloudreg/ontology#"), ("crs:", "https://w3id.org/cloudreg/shapes#"),
                       ("sh:", str(SH))):
        if s.startswith(ns):
            return prefix + s[len(ns):]
    return s


def _rule_name(report: Graph, result, shape) -> str:
    """A readable name for the rule: the node shape plus the property path or constraint."""
    path = report.value(result, SH.resultPath)
    comp = report.value(result, SH.sourceConstraintComponent)
    parent = None
    for s in report.subjects(SH.property, shape):
        parent = s
    base = _short(parent) if parent is not None else (_short(shape) if not isinstance(shape, type(None)) else "?")
    if base.startswith("n") and len(base) > 20:  # blank node id of an anonymous sparql constraint
        base = "anonymous shape"
    bits = [base]
    if path is not None:
        bits.append(_short(path))
    if comp is not None:
        bits.append(_short(comp).replace("sh:", ""))
    return " / ".join(bits)


def clashing_definitions(kb: KB) -> list[Violation]:
    """An IRI typed in more than one data file, or with two different types of ours, is a clash."""
    rows = ((rel, s, o) for rel in kb.files if rel.startswith("data/")
            for s, o in kb.graph_for(rel).subject_objects(RDF.type))
    return clashes(rows, kb.file_of)


def clashes(typings, file_of) -> list[Violation]:
    """`typings`: (data file, subject, rdf:type object) rows; `file_of(node)` names the file stating a node."""
    cr = "https://w3id.org/cloudreg/ontology#"
    where: dict = {}
    types: dict = {}
    for rel, s, o in typings:
        where.setdefault(s, set()).add(rel)
        if str(o).startswith(cr):
            types.setdefault(s, set()).add(o)
    out = []
    for s, files in where.items():
        if len(files) > 1:
            out.append(Violation(focus=str(s), file=sorted(files)[0], rule="duplicate IRI",
                                 message="the same IRI is defined (typed) in several files: " + ", ".join(sorted(files))))
    disjoint = [{cr + "Requirement", cr + "Claim", cr + "Provision", cr + "Jurisdiction", cr + "Authority"}]
    for s, ts in types.items():
        for group in disjoint:
            hit = sorted(str(t) for t in ts if str(t) in group)
            if len(hit) > 1:
                out.append(Violation(focus=str(s), file=file_of(s), rule="clashing IRI",
                                     message="one IRI is used for different kinds of thing: " + ", ".join(hit)))
    return out


def sparql_checks(project, backend, file_of) -> tuple[int, list[Violation]]:
    """The SPARQL checks of queries/checks/: (how many ran, their violations)."""
    n, out = 0, []
    for q in catalogue(project):
        if not q.is_check:
            continue
        n += 1
        table = backend.select(q, {})
        for row in table.dicts():
            focus = row.get("focus")
            out.append(Violation(focus=str(focus), file=file_of(focus), rule=f"queries/{q.name}.rq",
                                 message=str(row.get("message")), severity=q.severity or "error"))
    return n, out


def _sorted(rep: ValidationReport) -> ValidationReport:
    rep.violations.sort(key=lambda v: (v.severity != "error", v.file or "", v.focus, v.rule, v.message,
                                       v.path or "", v.value or ""))
    return rep


def validate_store(project, store, files: list[str]) -> ValidationReport:
    """The fast path's validation: the shapes compiled to SPARQL (cloudreg.shacl_sparql) and the checks, all on the
    Oxigraph store holding the closure. Raises shacl_sparql.Unsupported if a shape cannot be compiled."""
    from cloudreg.fast import LocalOxigraphBackend, store_file_of, store_typings
    from cloudreg.shacl_sparql import compile_shapes, message_for, violations

    shapes = load_shapes(project)
    compiled = compile_shapes(shapes)
    file_of = store_file_of(store, files)
    rep = ValidationReport(shapes_checked=len(set(shapes.subjects(RDF.type, SH.NodeShape))))
    for ch, focus, value, row in violations(store, compiled):
        rep.violations.append(Violation(
            focus=str(focus), file=file_of(focus), rule=" / ".join(x for x in (ch.shape, ch.path, ch.component) if x),
            message=message_for(ch, row), severity=ch.severity, path=ch.path,
            value=str(value) if value is not None else None))
    rep.violations += clashes(store_typings(store, files), file_of)
    rep.checks_run, found = sparql_checks(project, LocalOxigraphBackend(store), file_of)
    rep.violations += found
    return _sorted(rep)


def validate(kb: KB, closure: Graph, data_graph=None, check_backend=None) -> ValidationReport:
    """`data_graph` (e.g. the fast path's pyoxigraph Store holding the closure) and `check_backend` replace the
    rdflib closure for pySHACL and for the SPARQL checks; the report is the same (tests/test_fast.py)."""
    import pyshacl  # imported here: the fast path does not need it (and it takes a tenth of a second to import)

    shapes = load_shapes(kb.project)
    conforms, report_graph, _ = pyshacl.validate(
        closure if data_graph is None else data_graph, shacl_graph=shapes, inference="none", advanced=True,
        allow_warnings=True, inplace=data_graph is not None)
    rep = ValidationReport(shapes_checked=len(set(shapes.subjects(RDF.type, SH.NodeShape))))
    # shapes live in the shapes graph; copy their sh:property links so rule names can name the node shape
    for s, o in shapes.subject_objects(SH.property):
        report_graph.add((s, SH.property, o))
    for result in report_graph.subjects(RDF.type, SH.ValidationResult):
        focus = report_graph.value(result, SH.focusNode)
        shape = report_graph.value(result, SH.sourceShape)
        msg = report_graph.value(result, SH.resultMessage)
        sev = report_graph.value(result, SH.resultSeverity)
        path = report_graph.value(result, SH.resultPath)
        value = report_graph.value(result, SH.value)
        rep.violations.append(Violation(
            focus=str(focus), file=kb.file_of(focus), rule=_rule_name(report_graph, result, shape),
            message=str(msg) if msg is not None else "constraint violated",
            severity="error" if sev in (None, SH.Violation) else "warning",
            path=_short(path) if path is not None else None,
            value=str(value) if value is not None else None))
    rep.violations += clashing_definitions(kb)
    rep.checks_run, found = sparql_checks(kb.project, check_backend or LocalBackend(closure), kb.file_of)
    rep.violations += found
    return _sorted(rep)
