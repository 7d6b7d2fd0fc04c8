"""The comparison matrix: one cell per jurisdiction and headline topic, as of a date (interface.md shape).

The strictest-value logic and the as-of selection are in queries/matrix/requirements-in-force.rq; this module
groups its rows into the 28 cells and attaches sources, data classes and the claims of secondary sources.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from cloudreg.backends import Backend
from cloudreg.formats import plain
from cloudreg.project import HEADLINE_TOPICS, JURISDICTIONS, Project
from cloudreg.queries import find_query, to_term

STATUS_ORDER = ["verified-primary", "secondary", "seed-only", "unverified"]
MODALITY_ORDER = ["must", "should", "may"]


class MatrixBuilder:
    def __init__(self, project: Project, backend: Backend):
        self.project = project
        self.backend = backend
        self._in_force_cache: dict[str, list[dict]] = {}
        self._sources: dict[str, list[dict]] | None = None
        self._classes: dict[str, list[str]] | None = None

    def in_force(self, as_of: dt.date) -> list[dict]:
        key = as_of.isoformat()
        if key not in self._in_force_cache:
            q = find_query(self.project, "matrix/requirements-in-force")
            rows = self.backend.select(q, {"as_of": to_term(q.params["as_of"], key)}).dicts()
            self._in_force_cache[key] = [{k: plain(v) for k, v in r.items()} for r in rows]
        return self._in_force_cache[key]

    def sources(self) -> dict[str, list[dict]]:
        if self._sources is None:
            q = find_query(self.project, "requirements/sources")
            out: dict[str, list[dict]] = defaultdict(list)
            for r in self.backend.select(q, {}).dicts():
                out[str(r["requirement"])].append({
                    "instrument": plain(r["instrument_title"]), "instrument_iri": plain(r["instrument"]),
                    "locator": plain(r["locator"]), "url": plain(r["url"])})
            for srcs in out.values():  # engines order long strings differently (Virtuoso): sort here
                srcs.sort(key=lambda s: (s["instrument_iri"] or "", s["locator"] or ""))
            self._sources = out
        return self._sources

    def data_classes(self) -> dict[str, list[str]]:
        if self._classes is None:
            q = find_query(self.project, "requirements/data-classes")
            out: dict[str, list[str]] = defaultdict(list)
            for r in self.backend.select(q, {}).dicts():
                out[str(r["requirement"])].append(str(r["data_class"]))
            self._classes = out
        return self._classes

    def claims(self) -> list[dict]:
        q = find_query(self.project, "claims/all")
        return [{k: plain(v) for k, v in r.items()} for r in self.backend.select(q, {}).dicts()]

    def headline(self, as_of: dt.date) -> dict[tuple[str, str], str]:
        return {(r["jurisdiction"], r["topic"]): r["value"] for r in self.in_force(as_of) if r["is_headline"]}

    def build(self, as_of: dt.date, jurisdictions: list[str] | None = None) -> dict:
        rows = self.in_force(as_of)
        by_cell: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for r in rows:
            by_cell[(r["jurisdiction"], r["topic"])].append(r)
        sources, classes = self.sources(), self.data_classes()
        claims_by_cell: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for c in self.claims():
            if dt.date.fromisoformat(c["claim_as_of"]) > as_of:
                continue  # a claim about a later date (a plan) says nothing about this one
            claims_by_cell[(c["jurisdiction"], c["topic"])].append(c)
        cells = []
        for j in jurisdictions or JURISDICTIONS:
            for t in HEADLINE_TOPICS:
                reqs = by_cell.get((j, t), [])
                cell: dict = {"jurisdiction": j, "topic": t}
                if not reqs:
                    cell.update(value=None, modality=None, status="not-researched", requirements=[])
                else:
                    top = [r for r in reqs if r["is_headline"]]
                    cell["value"] = top[0]["value"]
                    cell["modality"] = min((r["modality"] for r in top), key=MODALITY_ORDER.index)
                    cell["status"] = min((r["status"] for r in top), key=STATUS_ORDER.index)
                    cell["requirements"] = [{
                        "iri": r["requirement"], "value": r["value"], "modality": r["modality"],
                        "data_classes": sorted(classes.get(r["requirement"], [])),
                        "scope": r["scope"], "valid_from": r["valid_from"], "valid_until": r["valid_until"],
                        "status": r["status"], "sources": sources.get(r["requirement"], []),
                    } for r in reqs]
                cell["claims"] = [self._claim(c) for c in claims_by_cell.get((j, t), [])]
                cells.append(cell)
        return {"as_of": as_of.isoformat(), "cells": cells}

    def _claim(self, c: dict) -> dict:
        on = dt.date.fromisoformat(c["claim_as_of"])
        primary = self.headline(on).get((c["jurisdiction"], c["topic"]))
        return {"by": c["by"], "value": c["value"],
                "agrees": None if primary is None else primary == c["value"], "locator": c["locator"]}


def matrix_rows(m: dict) -> tuple[list[str], list[list]]:
    """Long form: one row per cell (csv)."""
    cols = ["jurisdiction", "topic", "value", "modality", "status", "requirements", "sources", "claims"]
    rows = []
    for c in m["cells"]:
        srcs = sorted({f"{s['instrument']} {s['locator']}" for r in c["requirements"] for s in r["sources"]})
        cl = [f"{x['by']}: {x['value']} ({'agrees' if x['agrees'] else 'disagrees' if x['agrees'] is False else '?'})"
              for x in c["claims"]]
        rows.append([c["jurisdiction"], c["topic"], c["value"] if c["value"] else "not-researched",
                     c["modality"], c["status"], len(c["requirements"]), srcs, cl])
    return cols, rows


def matrix_grid(m: dict) -> tuple[list[str], list[list]]:
    """Wide form: jurisdictions down, headline topics across (table, md). Not-researched shows as such."""
    cols = ["jurisdiction"] + HEADLINE_TOPICS
    grid: dict[str, dict[str, str]] = defaultdict(dict)
    for c in m["cells"]:
        if c["value"] is None:
            text = "— not researched"
        else:
            mark = {"verified-primary": "", "secondary": " (secondary)", "seed-only": " (seed-only)",
                    "unverified": " (unverified)"}[c["status"]]
            text = c["value"] + mark
        if any(x["agrees"] is False for x in c["claims"]):
            text += " ≠FSC"
        grid[c["jurisdiction"]][c["topic"]] = text
    rows = [[j] + [grid[j].get(t, "") for t in HEADLINE_TOPICS] for j in grid]
    return cols, rows
