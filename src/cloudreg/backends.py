"""Where queries run: the local rdflib graph, or a remote SPARQL 1.1 endpoint. Both return a Table."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Protocol

from rdflib import BNode, Graph, Literal, URIRef

from cloudreg.errors import CloudregError
from cloudreg.queries import QueryFile, with_values

MAX_RESULT_BYTES = 256 * 2**20  # a SPARQL JSON answer larger than this is refused (the real KB's largest: ~1 MB)


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
        self.max_bytes = int(os.environ.get("CLOUDREG_MAX_RESULT_BYTES") or MAX_RESULT_BYTES)

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
            response = sw.query().response
            raw = response.read(self.max_bytes + 1)  # a hostile endpoint cannot make us hold more than the cap
            response.close()
        except Exception as e:
            raise CloudregError(f"endpoint {self.endpoint}: query {query.name} failed: "
                                f"{type(e).__name__}: {str(e)[:300]}") from None
        if len(raw) > self.max_bytes:
            raise CloudregError(f"endpoint {self.endpoint}: query {query.name}: the result is larger than "
                                f"{self.max_bytes} bytes (CLOUDREG_MAX_RESULT_BYTES); refused")
        try:
            data = json.loads(raw)
            cols = data["head"]["vars"]
            rows = [[_term(b.get(c)) for c in cols] for b in data["results"]["bindings"]]
        except (ValueError, KeyError, TypeError, AttributeError, CloudregError) as e:
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
