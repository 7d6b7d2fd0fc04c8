"""Where queries run: the local rdflib graph, or a remote SPARQL 1.1 endpoint. Both return a Table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

from rdflib import BNode, Graph, Literal, URIRef

from cloudreg.errors import CloudregError
from cloudreg.queries import QueryFile, with_values


@dataclass
class Table:
    columns: list[str]
    rows: list[list[object]]  # rdflib terms or None

    def dicts(self) -> list[dict[str, object]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


class Backend(Protocol):
    def select(self, query: QueryFile, bindings: dict[str, object]) -> Table: ...


class LocalBackend:
    def __init__(self, graph: Graph):
        self.graph = graph

    def select(self, query: QueryFile, bindings: dict[str, object]) -> Table:
        try:
            result = self.graph.query(query.text, initBindings=bindings)
        except Exception as e:
            raise CloudregError(f"query {query.name} failed: {e}") from None
        cols = [str(v) for v in result.vars]
        return Table(cols, [list(r) for r in result])


class RemoteBackend:
    """A SPARQL 1.1 query endpoint (Oxigraph /query, Virtuoso /sparql). Read-only: SELECT/ASK only."""

    def __init__(self, endpoint: str, timeout: int = 60, default_graph: str | None = None):
        self.endpoint = endpoint
        self.timeout = timeout
        self.default_graph = default_graph

    def select(self, query: QueryFile, bindings: dict[str, object]) -> Table:
        from SPARQLWrapper import JSON, POST, SPARQLWrapper

        text = with_values(query.text, bindings)
        sw = SPARQLWrapper(self.endpoint)
        sw.setMethod(POST)
        sw.setReturnFormat(JSON)
        sw.setTimeout(self.timeout)
        if self.default_graph:
            sw.addDefaultGraph(self.default_graph)
        sw.setQuery(text)
        try:
            raw = sw.query().response.read()
        except Exception as e:
            raise CloudregError(f"endpoint {self.endpoint}: query {query.name} failed: "
                                f"{type(e).__name__}: {str(e)[:300]}") from None
        try:
            data = json.loads(raw)
            cols = data["head"]["vars"]
            rows = [[_term(b.get(c)) for c in cols] for b in data["results"]["bindings"]]
        except (ValueError, KeyError, TypeError) as e:
            raise CloudregError(f"endpoint {self.endpoint}: not a SPARQL JSON result ({e}): "
                                f"{raw[:200]!r}") from None
        return Table(cols, rows)


def _term(b: dict | None):
    if b is None:
        return None
    t = b.get("type")
    v = b.get("value", "")
    if t == "uri":
        return URIRef(v)
    if t == "bnode":
        return BNode(v)
    if t in ("literal", "typed-literal"):
        if "xml:lang" in b:
            return Literal(v, lang=b["xml:lang"])
        if "datatype" in b:
            return Literal(v, datatype=URIRef(b["datatype"]))
        return Literal(v)
    raise CloudregError(f"unknown term type in SPARQL JSON: {t!r}")
