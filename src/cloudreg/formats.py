"""Output formats for tables of results: table (aligned text), csv, tsv, json, md."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence

from rdflib import Literal, URIRef

FORMATS = ["table", "csv", "tsv", "json", "md"]


def plain(term) -> object:
    """An RDF term as a JSON-friendly value: IRIs and text as strings, numbers and booleans as such."""
    if term is None:
        return None
    if isinstance(term, Literal):
        v = term.toPython()
        if isinstance(v, bool | int | float):
            return v
        if isinstance(v, dt.date | dt.datetime):
            return v.isoformat()
        return str(term)
    if isinstance(term, URIRef):
        return str(term)
    return str(term)


def cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list | tuple):
        return "; ".join(cell_text(x) for x in v)
    return str(v)


def render(columns: Sequence[str], rows: Sequence[Sequence[object]], fmt: str) -> str:
    rows = [[plain(v) if not isinstance(v, str | int | float | bool | list | type(None)) else v for v in r]
            for r in rows]
    if fmt == "json":
        return json.dumps([dict(zip(columns, r, strict=True)) for r in rows], ensure_ascii=False, indent=2)
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([cell_text(v) for v in r])
        return buf.getvalue().rstrip("\n")
    if fmt == "md":
        def esc(s: str) -> str:
            return s.replace("|", "\\|").replace("\n", " ")
        out = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
        out += ["| " + " | ".join(esc(cell_text(v)) for v in r) + " |" for r in rows]
        return "\n".join(out)
    if fmt == "table":
        texts = [[cell_text(v) for v in r] for r in rows]
        widths = [min(60, max([len(c)] + [len(t[i]) for t in texts])) for i, c in enumerate(columns)]

        def line(cells):
            return "  ".join((c if len(c) <= 60 else c[:57] + "...").ljust(w) for c, w in zip(cells, widths,
                                                                                            strict=True)).rstrip()
        out = [line(columns), line(["-" * w for w in widths])] + [line(t) for t in texts]
        return "\n".join(out)
    raise ValueError(f"unknown format {fmt!r}")
