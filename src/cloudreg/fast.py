"""The fast path: a pyoxigraph Store for load and query, the `reasonable` OWL 2 RL reasoner for the closure.

The reference path (rdflib + owlrl, `cloudreg.load` / `cloudreg.reason`) stays; tests/test_fast.py proves that both
give the same inferred triples on the ontology's axioms, the same validation report, the same matrix and the same
answer to every catalogue query.

Layout of the store: one named graph per source file (`urn:cloudreg:file:<path>`, as in `cloudreg.load`) with the
asserted triples, and one named graph `urn:cloudreg:inferred` with what the reasoner adds. Queries run with the
default graph as the union of all graphs.

What `reasonable` 0.4.4 does not do, and how it is handled here:
  - `owl:propertyChainAxiom` (rule prp-spo2) is not applied. Every chain axiom found in the data is run as a SPARQL
    CONSTRUCT rule and the result fed back to the reasoner, to a fixpoint (a chain result can enable other rules:
    domain, range, sub-properties; their results can enable another chain).
  - `owl:FunctionalProperty` (rule prp-fp: x p y1, x p y2 => y1 owl:sameAs y2) is applied by `reasonable` with a
    join whose cost grows with the square of the number of triples of the property (100k synthetic triples: 15 s
    and 3.1 GB instead of 3 s and 0.3 GB). The declarations stay in the store; they are withheld from the
    reasoner's input only, and the rule runs here as SPARQL (one hash join per property) with its owl:sameAs
    results fed to the reasoner in the same fixpoint loop as the chains. Two literal values of a functional
    property (non-conforming data) give a literal-subject sameAs that `reasonable` cannot be given: then the
    closure is recomputed with the declarations given to the reasoner (complete, slow on large data).
  - Schema-only (TBox) entailments: owlrl also derives reflexive and transitive rdfs:subClassOf / subPropertyOf,
    owl:equivalentClass / equivalentProperty, propagated rdfs:domain / range, rdfs:Datatype typing and disjointness
    of XSD datatypes. `reasonable` does not materialise these (rules scm-*). No catalogue query, shape or check reads
    them; instance-level entailments agree exactly (see SCHEMA_PREDICATES and tests/test_fast.py).
  - Memory and time: `reasonable` holds every triple it is given (at 1M synthetic triples, 3.3 GB). Most triples
    are of properties whose only axioms are rdfs:domain / rdfs:range ("simple" properties: never the object of
    any triple, so no sub-property, inverse, chain, restriction or characteristic can reach them). For those the
    only OWL 2 RL rules that can fire are prp-dom and prp-rng, so their triples are withheld from the reasoner and
    the two rules run here as SPARQL; the typing triples they give are handed to the reasoner instead (so that
    subclass and other rules still apply to them). owl:sameAs would copy withheld triples (eq-rep-*): if the
    closure has any non-reflexive owl:sameAs, it is recomputed with nothing withheld.
  - `reasonable` writes plain literals as xsd:string-typed literals (RDF 1.1 says they are the same term); they are
    normalised back to plain literals before comparing with the asserted triples.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef

from cloudreg.backends import Table
from cloudreg.errors import CloudregError, InputError
from cloudreg.load import KB, _bind, parse_file
from cloudreg.project import Project, file_graph_iri
from cloudreg.queries import QueryFile, with_values

INFERRED_GRAPH = "urn:cloudreg:inferred"
OWL = "http://www.w3.org/2002/07/owl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# The same noise filter as cloudreg.reason: reflexive sameAs, "is a Thing / Resource", literal subjects.
NOISE_OBJECTS = {OWL + "Thing", RDFS + "Resource"}

# Predicates of schema-to-schema entailments that owlrl materialises and reasonable does not (see module doc).
SCHEMA_PREDICATES = {RDFS + "subClassOf", RDFS + "subPropertyOf", RDFS + "domain", RDFS + "range",
                     OWL + "equivalentClass", OWL + "equivalentProperty", OWL + "disjointWith"}
META_CLASSES = {RDFS + "Datatype", RDFS + "Class", OWL + "Class", RDF + "Property", OWL + "ObjectProperty",
                OWL + "DatatypeProperty", OWL + "AnnotationProperty", OWL + "Restriction"}


# ---------------------------------------------------------------------------------------------------------------
# term conversion


def to_ox(term):
    """An rdflib term as a pyoxigraph term (plain literals stay plain; xsd:string is the same term in RDF 1.1)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != XSD_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise CloudregError(f"cannot convert {term!r} to an Oxigraph term")


_DT_CACHE: dict[str, URIRef] = {}


def to_rdflib(term):
    """A pyoxigraph term as the rdflib term the reference path would produce (xsd:string -> plain literal)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == XSD_STRING:
            return Literal(term.value)
        u = _DT_CACHE.get(dt)
        if u is None:
            u = _DT_CACHE[dt] = URIRef(dt)
        return Literal(term.value, datatype=u)
    if isinstance(term, ox.DefaultGraph):
        return None
    raise CloudregError(f"cannot convert {term!r} to an rdflib term")


# ---------------------------------------------------------------------------------------------------------------
# load


def load_store(project: Project, extra_files: list[Path] | None = None) -> tuple[ox.Store, list[str]]:
    """Parse every KB file into its own named graph of a new in-memory Store; errors name the file and line."""
    store = ox.Store()
    files = []
    for path in project.kb_files() + list(extra_files or []):
        rel = project.rel(path)
        load_file_into(store, path, rel)
        files.append(rel)
    if not files:
        raise InputError("no Turtle files found under ontology/ or data/", file=str(project.root))
    return store, files


def load_file_into(store: ox.Store, path: Path, rel: str, graph_iri: str | None = None) -> None:
    graph = ox.NamedNode(graph_iri or file_graph_iri(rel))
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text ({e.reason} at byte {e.start})", file=rel) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", file=rel) from None
    try:
        store.bulk_load(data, ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri(), to_graph=graph)
    except (SyntaxError, ValueError, OSError) as e:
        # the reference parser gives the message users know (file, line, what is wrong); use it for the error
        parse_file(path, rel)
        raise InputError(f"Turtle error: {e}", file=rel) from None


# ---------------------------------------------------------------------------------------------------------------
# reason


def chain_axioms(store: ox.Store) -> list[tuple[str, list[str]]]:
    """Every owl:propertyChainAxiom in the store: (property, [p1, ..., pn])."""
    out = []
    q = f"SELECT ?p ?l WHERE {{ ?p <{OWL}propertyChainAxiom> ?l }}"
    for row in store.query(q, use_default_graph_as_union=True):
        chain, node, seen = [], row["l"], set()
        while node != ox.NamedNode(RDF + "nil") and node not in seen:
            seen.add(node)
            first = next(store.quads_for_pattern(node, ox.NamedNode(RDF + "first"), None), None)
            rest = next(store.quads_for_pattern(node, ox.NamedNode(RDF + "rest"), None), None)
            if first is None or rest is None:
                raise InputError(f"malformed owl:propertyChainAxiom list for <{row['p'].value}>")
            chain.append(first.object.value)
            node = rest.object
        if chain:
            out.append((row["p"].value, chain))
    return sorted(out)


def chain_rule(prop: str, chain: list[str]) -> str:
    """SPARQL for OWL 2 RL rule prp-spo2: x0 p1 x1 ... p_n xn  =>  x0 prop xn (only triples not yet present)."""
    steps = " . ".join(f"?x{i} <{p}> ?x{i + 1}" for i, p in enumerate(chain))
    n = len(chain)
    return f"SELECT DISTINCT ?x0 ?x{n} WHERE {{ {steps} . FILTER NOT EXISTS {{ ?x0 <{prop}> ?x{n} }} }}"


def functional_properties(store: ox.Store) -> list[str]:
    q = f"SELECT DISTINCT ?p WHERE {{ ?p a <{OWL}FunctionalProperty> }}"
    return sorted(row["p"].value for row in store.query(q, use_default_graph_as_union=True)
                  if isinstance(row["p"], ox.NamedNode))


def functional_rule(prop: str) -> str:
    """SPARQL for OWL 2 RL rule prp-fp: x p y1, x p y2 => y1 owl:sameAs y2 (not yet present).

    Between literals (two values of a functional datatype property) the result has a literal subject: see
    reason_store for what happens then."""
    return (f"SELECT DISTINCT ?y1 ?y2 WHERE {{ ?x <{prop}> ?y1 . ?x <{prop}> ?y2 . "
            f"FILTER (!sameTerm(?y1, ?y2)) FILTER NOT EXISTS {{ ?y1 <{OWL}sameAs> ?y2 }} }}")


@dataclass
class ReasonStats:
    rounds: int = 0
    chain_triples: int = 0
    chains: list[tuple[str, list[str]]] = field(default_factory=list)
    functional: list[str] = field(default_factory=list)
    same_as_triples: int = 0
    domain_range_triples: int = 0


def _is_noise(s, p, o) -> bool:
    if isinstance(s, Literal):
        return True
    if str(p) == OWL + "sameAs" and s == o:
        return True
    return str(o) in NOISE_OBJECTS and not isinstance(o, Literal)


def _norm(t):
    """reasonable returns plain literals as xsd:string literals: give them back as plain literals."""
    s, p, o = t
    if isinstance(o, Literal) and o.datatype is not None and str(o.datatype) == XSD_STRING:
        o = Literal(str(o))
    return s, p, o


def _chain_step(store: ox.Store, stats: ReasonStats) -> list:
    new = []
    for prop, chain in stats.chains:
        for row in store.query(chain_rule(prop, chain), use_default_graph_as_union=True):
            new.append((row[0], ox.NamedNode(prop), row[1]))
    same = ox.NamedNode(OWL + "sameAs")
    seen = set()
    for prop in stats.functional:
        for row in store.query(functional_rule(prop), use_default_graph_as_union=True):
            pair = (row[0], row[1])
            if pair in seen:
                continue
            seen.add(pair)
            new.append((row[0], same, row[1]))
            stats.same_as_triples += 1
    return new


class _SameAsFound(Exception):
    """The closure has a non-reflexive owl:sameAs: withheld triples would be copied by it (rules eq-rep-*)."""


class _LiteralSameAs(Exception):
    """prp-fp found two literal values of a functional property: let the reasoner apply the rule itself."""


def reason_store(store: ox.Store, max_rounds: int = 50) -> ReasonStats:
    """Compute the closure of everything in `store` and write what it adds into the graph urn:cloudreg:inferred.

    prp-fp runs as SPARQL (see the module doc) unless a functional property has two literal values (data that
    does not conform: the shapes report it): `reasonable` cannot be given a literal-subject owl:sameAs, so the
    closure is then computed again with the declarations given to it (slow on large data, complete)."""
    functional_here, withhold = True, True
    while True:
        try:
            return _reason_store(store, max_rounds, functional_rule_here=functional_here, withhold=withhold)
        except _SameAsFound:
            withhold = False
        except _LiteralSameAs:
            functional_here, withhold = False, False


def simple_properties(store: ox.Store, functional_here: bool = True) -> dict[str, tuple[list[str], list[str]]]:
    """Properties used in the data whose only axioms are rdfs:domain / rdfs:range: {property: (domains, ranges)}.

    A simple property is never the object of a triple (so it is no super-property, inverse, chain member,
    restricted or declared equivalent) and, as a subject, carries only domain, range, declarations and
    annotations (not in the RDF, RDFS or OWL namespaces). Then prp-dom and prp-rng are the only rules its triples
    can feed, besides prp-fp for a functional one, which runs here on the whole store (`functional_here`).
    rdfs:label, rdfs:comment, rdfs:seeAlso and rdfs:isDefinedBy have no OWL 2 RL rule of their own and can be
    simple too."""
    annotations = {RDFS + "label", RDFS + "comment", RDFS + "seeAlso", RDFS + "isDefinedBy"}
    allowed = annotations | {RDFS + "domain", RDFS + "range", RDF + "type", OWL + "deprecated"}
    declarations = {OWL + "DatatypeProperty", OWL + "ObjectProperty", OWL + "AnnotationProperty", RDF + "Property"}
    if functional_here:
        declarations.add(OWL + "FunctionalProperty")
    used = {row[0].value for row in store.query(
        "SELECT DISTINCT ?p WHERE { ?s ?p ?o }", use_default_graph_as_union=True) if isinstance(row[0], ox.NamedNode)}
    out = {}
    for p in used:
        if p.startswith((RDF, RDFS, OWL)) and p not in annotations:
            continue
        node = ox.NamedNode(p)
        if next(store.quads_for_pattern(None, None, node), None) is not None:
            continue  # an object somewhere: some axiom may reach it
        domains, ranges, ok = [], [], True
        for q in store.quads_for_pattern(node, None, None):
            pred = q.predicate.value
            if pred.startswith((RDF, RDFS, OWL)) and pred not in allowed:
                ok = False
            elif pred == RDF + "type" and q.object.value not in declarations:
                ok = False
            elif pred in (RDFS + "domain", RDFS + "range"):
                if not isinstance(q.object, ox.NamedNode):
                    ok = False  # a class expression: leave it to the reasoner
                else:
                    (domains if pred.endswith("domain") else ranges).append(q.object.value)
        if ok:
            out[p] = (sorted(set(domains)), sorted(set(ranges)))
    return out


def domain_range_types(store: ox.Store, simple: dict[str, tuple[list[str], list[str]]]) -> list[tuple]:
    """prp-dom and prp-rng for the simple properties: (x, rdf:type, C) as pyoxigraph terms, each once."""
    parts = []
    for p, (domains, ranges) in sorted(simple.items()):
        for c in domains:
            if c not in NOISE_OBJECTS:
                parts.append(f"{{ ?x <{p}> ?o . BIND (<{c}> AS ?c) }}")
        for c in ranges:
            if c not in NOISE_OBJECTS:
                parts.append(f"{{ ?s <{p}> ?x . FILTER (!isLiteral(?x)) BIND (<{c}> AS ?c) }}")
    if not parts:
        return []
    q = "SELECT DISTINCT ?x ?c WHERE { " + " UNION ".join(parts) + " }"
    rdf_type = ox.NamedNode(RDF + "type")
    return [(row[0], rdf_type, row[1]) for row in store.query(q, use_default_graph_as_union=True)]


def _reason_store(store: ox.Store, max_rounds: int, functional_rule_here: bool, withhold: bool) -> ReasonStats:
    import reasonable

    inferred_g = ox.NamedNode(INFERRED_GRAPH)
    store.remove_graph(inferred_g) if inferred_g in set(store.named_graphs()) else None
    stats = ReasonStats(chains=chain_axioms(store),
                        functional=functional_properties(store) if functional_rule_here else [])
    simple = simple_properties(store, functional_rule_here) if withhold else {}
    if simple and next(store.quads_for_pattern(None, ox.NamedNode(OWL + "sameAs"), None), None) is not None:
        simple = {}  # asserted owl:sameAs: eq-rep-* can copy any triple
    withheld = {f"<{p}>".encode() for p in simple}

    def step() -> list:
        new = _chain_step(store, stats)
        if any(isinstance(s, ox.Literal) for s, _, _ in new):
            store.remove_graph(inferred_g)
            raise _LiteralSameAs
        return new

    # chains over the asserted triples first: usually the reasoner then runs once (each run costs a full pass)
    first = step()
    store.extend([ox.Quad(s, p, o, inferred_g) for s, p, o in first])
    stats.chain_triples += len(first)
    r = reasonable.PyReasoner()
    with tempfile.TemporaryDirectory(prefix="cloudreg-reason-") as tmp:
        path = os.path.join(tmp, "asserted.ttl")  # N-Triples is Turtle; reasonable only reads .ttl/.n3 names
        declaration = f"> <{RDF}type> <{OWL}FunctionalProperty> .".encode()
        with open(path, "wb") as fh:
            def kept(line: bytes) -> bool:
                if functional_rule_here and line.endswith(declaration):  # withhold the prp-fp declarations
                    return False
                # N-Triples: the predicate is the second space-separated field of a line
                fields = line.split(b" ", 2)
                return len(fields) > 1 and fields[1] not in withheld

            for g in store.named_graphs():
                data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)
                if withheld or (functional_rule_here and declaration in data):
                    data = b"\n".join(x for x in data.split(b"\n") if kept(x)) + b"\n"
                fh.write(data)
            if simple:  # prp-dom / prp-rng for the withheld triples, given to the reasoner as their result
                typing = domain_range_types(store, simple)
                stats.domain_range_triples = len(typing)
                fh.write(ox.serialize([ox.Triple(*t) for t in typing], format=ox.RdfFormat.N_TRIPLES))
        r.load_file(path)
    while True:
        stats.rounds += 1
        out = r.reason()
        quads = []
        for t in out:
            s, p, o = _norm(t)
            if _is_noise(s, p, o):
                continue
            quads.append(ox.Quad(to_ox(s), to_ox(p), to_ox(o), inferred_g))
        del out
        store.extend(quads)
        del quads
        # keep only what is not asserted in some file graph
        store.update(f"DELETE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{INFERRED_GRAPH}> "
                     f"{{ ?s ?p ?o }} GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != <{INFERRED_GRAPH}>) }}")
        new = step()
        if simple and bool(store.query(
                f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ ?a <{OWL}sameAs> ?b FILTER (!sameTerm(?a, ?b)) }} }}")):
            raise _SameAsFound  # eq-rep-* would copy withheld triples: do it again with nothing withheld
        if not new:
            break
        if stats.rounds >= max_rounds:
            raise CloudregError(f"reasoning did not reach a fixpoint in {max_rounds} rounds")
        stats.chain_triples += len(new)
        store.extend([ox.Quad(s, p, o, inferred_g) for s, p, o in new])
        r.from_graph([(to_rdflib(s), to_rdflib(p), to_rdflib(o)) for s, p, o in new])
    return stats


# ---------------------------------------------------------------------------------------------------------------
# query


class LocalOxigraphBackend:
    """Runs catalogue queries on a pyoxigraph Store (union of its graphs); returns a Table of rdflib terms.

    Parameters are bound with the same VALUES block as the remote backend (queries.with_values)."""

    def __init__(self, store: ox.Store):
        self.store = store

    def select(self, query: QueryFile, bindings: dict[str, object]) -> Table:
        text = with_values(query.text, bindings)
        try:
            result = self.store.query(text, use_default_graph_as_union=True)
        except (SyntaxError, ValueError, OSError) as e:
            raise CloudregError(f"query {query.name} failed: {e}") from None
        if not isinstance(result, ox.QuerySolutions):
            raise CloudregError(f"query {query.name}: not a SELECT query")
        cols = [v.value for v in result.variables]
        memo: dict = {}  # answers repeat terms (jurisdictions, topics, instruments): convert each once

        def conv(term):
            if term is None:
                return None
            hit = memo.get(term)
            if hit is None:
                hit = memo[term] = to_rdflib(term)
            return hit

        rows = [[conv(sol[i]) for i in range(len(cols))] for sol in result]
        return Table(cols, rows)


# ---------------------------------------------------------------------------------------------------------------
# rdflib views (what Pipeline exposes), materialised from the store


def graph_of(store: ox.Store, graphs: Iterable[str]) -> Graph:
    g = Graph()
    _bind(g)
    for gi in graphs:
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(gi)):
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return g


def kb_of(project: Project, store: ox.Store, files: list[str]) -> KB:
    """The rdflib KB (one named graph per file) with the same blank nodes as the store."""
    ds = Dataset()
    kb = KB(project=project, dataset=ds, files=list(files))
    for rel in files:
        target = ds.graph(URIRef(file_graph_iri(rel)))
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(file_graph_iri(rel))):
            target.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return kb


def schema_level(t) -> bool:
    """A schema-to-schema triple (TBox entailment) that reasonable does not materialise; see module doc."""
    s, p, o = (str(x) for x in t)
    return p in SCHEMA_PREDICATES or (p == RDF + "type" and o in META_CLASSES)


# ---------------------------------------------------------------------------------------------------------------
# pipeline options

REASONERS = ("reasonable", "owlrl")
STORES = ("oxigraph", "memory")


def path_options(reasoner: str | None, store: str | None) -> tuple[str, str]:
    """Resolve --reasoner / --store (default: env CLOUDREG_REASONER / CLOUDREG_STORE, else the fast path)."""
    reasoner = reasoner or os.environ.get("CLOUDREG_REASONER") or "reasonable"
    store = store or os.environ.get("CLOUDREG_STORE") or "oxigraph"
    if reasoner not in REASONERS:
        raise InputError(f"--reasoner: unknown reasoner {reasoner!r}; expected one of {', '.join(REASONERS)}")
    if store not in STORES:
        raise InputError(f"--store: unknown store {store!r}; expected one of {', '.join(STORES)}")
    return reasoner, store


def store_of(kb: KB, inferred: Graph) -> ox.Store:
    """A Store from the reference path's rdflib KB and inferred triples (reasoner owlrl, store oxigraph)."""
    st = ox.Store()
    quads = []
    for rel in kb.files:
        g = ox.NamedNode(file_graph_iri(rel))
        quads += [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in kb.graph_for(rel)]
    g = ox.NamedNode(INFERRED_GRAPH)
    quads += [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in inferred]
    st.extend(quads)
    return st


# ---------------------------------------------------------------------------------------------------------------
# export (Oxigraph's serialisers: rdflib's Turtle writer took about half of `cloudreg build --no-site`)

EXPORT_PREFIXES = {"rdf": RDF, "rdfs": RDFS, "xsd": "http://www.w3.org/2001/XMLSchema#"}


def file_graphs(store: ox.Store) -> list[ox.NamedNode]:
    return [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value != INFERRED_GRAPH]


def distinct_triples(store: ox.Store, inferred: bool = False) -> set[ox.Triple]:
    """The asserted triples (every file graph; with `inferred`, also urn:cloudreg:inferred), each once."""
    graphs = file_graphs(store) + ([ox.NamedNode(INFERRED_GRAPH)] if inferred else [])
    seen = set()
    for g in graphs:
        seen.update(q.triple for q in store.quads_for_pattern(None, None, None, g))
    return seen


def triples_of(store: ox.Store, inferred: bool = False) -> list[ox.Triple]:
    """distinct_triples sorted by subject, so that the Turtle writer groups a subject's triples and the output
    diffs cleanly between builds."""
    return sorted(distinct_triples(store, inferred), key=lambda t: (
        isinstance(t.subject, ox.BlankNode), t.subject.value, t.predicate.value, str(t.object)))


def count_triples(store: ox.Store, inferred: bool) -> int:
    """How many distinct triples the asserted view (or, with `inferred`, the inferred graph) holds."""
    if inferred:
        return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED_GRAPH)))
    return len(distinct_triples(store))


def export_store(store: ox.Store, fmt: str, inferred: bool, prefixes: dict[str, str]) -> str:
    """The KB as Turtle, sorted N-Triples or JSON-LD, from the store; the same triples as the rdflib export."""
    prefixes = {**EXPORT_PREFIXES, **prefixes}
    triples = triples_of(store, inferred)
    if fmt == "nt":
        text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        return "\n".join(sorted(line for line in text.splitlines() if line.strip())) + "\n"
    if fmt == "ttl":
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")
    if fmt == "jsonld":
        return _compact_jsonld(ox.serialize(triples, format=ox.RdfFormat.JSON_LD), prefixes)
    raise CloudregError(f"unknown export format {fmt!r}")


def _compact_jsonld(expanded: bytes, prefixes: dict[str, str]) -> str:
    """Oxigraph writes expanded JSON-LD; give it a context of the prefixes and write property names and class
    names as compact IRIs (the same graph when expanded again; tests/test_export.py parses it back)."""
    import json

    by_len = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    def curie(iri: str) -> str:
        for p, ns in by_len:
            if iri.startswith(ns) and ":" not in iri[len(ns):] and iri[len(ns):]:
                return f"{p}:{iri[len(ns):]}"
        return iri

    nodes = json.loads(expanded)
    out = []
    for node in nodes:
        n = {}
        for k, v in node.items():
            if k == "@type":
                n[k] = [curie(t) for t in v]
            elif k.startswith("@"):
                n[k] = v
            else:
                n[curie(k)] = v
        out.append(n)
    return json.dumps({"@context": dict(sorted(prefixes.items())), "@graph": out}, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------------------------------------------------------
# what validation needs from the store (cloudreg.validate.validate_store)


def store_file_of(store: ox.Store, files: list[str]):
    """A function naming the first file (in load order) that states something about a node, like KB.file_of."""
    order = {file_graph_iri(rel): (i, rel) for i, rel in enumerate(files)}
    cache: dict = {}

    def file_of(node) -> str | None:
        if node is None:
            return None
        key = str(node)
        if key not in cache:
            try:
                subject = to_ox(node)
            except CloudregError:
                return None
            if isinstance(subject, ox.Literal):
                cache[key] = None
            else:
                hits = [order[q.graph_name.value] for q in store.quads_for_pattern(subject, None, None)
                        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in order]
                cache[key] = min(hits)[1] if hits else None
        return cache[key]

    return file_of


def store_typings(store: ox.Store, files: list[str]):
    """(data file, subject, type) for every rdf:type triple asserted in a file under data/ (rdflib terms)."""
    rdf_type = ox.NamedNode(RDF + "type")
    for rel in files:
        if not rel.startswith("data/"):
            continue
        for q in store.quads_for_pattern(None, rdf_type, None, ox.NamedNode(file_graph_iri(rel))):
            yield rel, to_rdflib(q.subject), to_rdflib(q.object)
