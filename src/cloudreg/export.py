"""Stage 5a, export: the knowledge base as Turtle, N-Triples, JSON-LD, or a CSV of requirements."""

from __future__ import annotations

from rdflib import Graph

from cloudreg.backends import LocalBackend
from cloudreg.formats import render
from cloudreg.pipeline import Pipeline
from cloudreg.queries import find_query

EXPORT_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "csv": None}


def export(pipe: Pipeline, fmt: str, inferred: bool = False) -> str:
    if fmt == "csv":
        q = find_query(pipe.project, "requirements/all")
        table = LocalBackend(pipe.closure).select(q, {})
        return render(table.columns, table.rows, "csv") + "\n"
    graph: Graph = pipe.closure if inferred else pipe.asserted
    if fmt == "nt":
        # N-Triples sorted, so exports diff cleanly
        text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
        return "\n".join(sorted(line for line in text.splitlines() if line.strip())) + "\n"
    if fmt == "jsonld":
        return graph.serialize(format="json-ld", auto_compact=True, indent=1)
    return graph.serialize(format="turtle")
