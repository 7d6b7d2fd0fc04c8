"""Stage 5a, export: the knowledge base as Turtle, N-Triples, JSON-LD, or a CSV of requirements.

On the fast path (store oxigraph) the RDF exports are written by Oxigraph's serialisers from the store and the CSV
query runs on the store; the reference path (store memory) uses rdflib's. Both give the same triples and rows
(tests/test_export.py, tests/test_fast.py)."""

from __future__ import annotations

from rdflib import Graph

from cloudreg.backends import LocalBackend
from cloudreg.formats import render
from cloudreg.pipeline import Pipeline
from cloudreg.queries import find_query

EXPORT_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "csv": None}


def export(pipe: Pipeline, fmt: str, inferred: bool = False) -> str:
    fast = pipe.store_kind == "oxigraph"
    if fmt == "csv":
        q = find_query(pipe.project, "requirements/all")
        if fast:
            from cloudreg.fast import LocalOxigraphBackend

            table = LocalOxigraphBackend(pipe.oxstore).select(q, {})
        else:
            table = LocalBackend(pipe.closure).select(q, {})
        # GROUP_CONCAT's order is the engine's: sort the list column so both paths (and re-runs) write one CSV
        i = table.columns.index("data_classes")
        rows = [r[:i] + [" ".join(sorted(str(r[i]).split())) if r[i] is not None else None] + r[i + 1:]
                for r in table.rows]
        return render(table.columns, rows, "csv") + "\n"
    if fast:
        from cloudreg.fast import export_store
        from cloudreg.load import PREFIXES

        return export_store(pipe.oxstore, fmt, inferred, PREFIXES)
    graph: Graph = pipe.closure if inferred else pipe.asserted
    if fmt == "nt":
        # N-Triples sorted, so exports diff cleanly
        text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
        return "\n".join(sorted(line for line in text.splitlines() if line.strip())) + "\n"
    if fmt == "jsonld":
        return graph.serialize(format="json-ld", auto_compact=True, indent=1)
    return graph.serialize(format="turtle")
