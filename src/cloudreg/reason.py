"""Stage 2, reason: the OWL 2 RL closure of the asserted graph, returned apart as the inferred triples.

The reference engine is owlrl (pure Python). The fast engine (pyoxigraph + reasonable) lives in
`cloudreg.fast` and must give the same entailments on the ontology's axioms; tests compare them.
"""

from __future__ import annotations

import owlrl
from rdflib import OWL, Graph, Literal, URIRef

from cloudreg.load import _bind

# Reflexive sameAs and "is a Thing/Resource" say nothing a query here uses; they triple the graph.
_NOISE_OBJECTS = {OWL.Thing, URIRef("http://www.w3.org/2000/01/rdf-schema#Resource")}


def reason(asserted: Graph) -> Graph:
    """Return the triples the OWL 2 RL closure adds to `asserted` (the input is not modified)."""
    closure = Graph()
    for t in asserted:
        closure.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    inferred = Graph()
    _bind(inferred)
    for s, p, o in closure:
        if isinstance(s, Literal) or (s, p, o) in asserted:
            continue
        if p == OWL.sameAs and s == o:
            continue
        if o in _NOISE_OBJECTS:
            continue
        inferred.add((s, p, o))
    return inferred


def closure_of(asserted: Graph, inferred: Graph) -> Graph:
    g = Graph()
    _bind(g)
    for t in asserted:
        g.add(t)
    for t in inferred:
        g.add(t)
    return g
