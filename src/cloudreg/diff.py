"""What changed in the headline matrix between two dates (interface.md `diff` shape)."""

from __future__ import annotations

import datetime as dt

from cloudreg.matrix import MatrixBuilder
from cloudreg.pipeline import Pipeline


def _sources(cell: dict) -> list[dict]:
    seen, out = set(), []
    for r in cell["requirements"]:
        if r["value"] != cell["value"]:
            continue
        for s in r["sources"]:
            key = (s["instrument_iri"], s["locator"])
            if key not in seen:
                seen.add(key)
                out.append(s)
    return out


def diff(pipe: Pipeline, from_: dt.date, to: dt.date, jurisdiction: str | None = None) -> dict:
    builder = MatrixBuilder(pipe.project, pipe.backend)
    js = [jurisdiction] if jurisdiction else None
    a, b = builder.build(from_, js), builder.build(to, js)
    changes = []
    for ca, cb in zip(a["cells"], b["cells"], strict=True):
        if ca["value"] != cb["value"]:
            changes.append({"jurisdiction": ca["jurisdiction"], "topic": ca["topic"],
                            "from_value": ca["value"], "to_value": cb["value"],
                            "from_sources": _sources(ca), "to_sources": _sources(cb)})
    return {"from": from_.isoformat(), "to": to.isoformat(), "changes": changes}


def diff_rows(d: dict) -> tuple[list[str], list[list]]:
    cols = ["jurisdiction", "topic", "from_value", "to_value", "to_sources"]
    rows = [[c["jurisdiction"], c["topic"], c["from_value"] or "not-researched", c["to_value"] or "not-researched",
             sorted({f"{s['instrument']} {s['locator']}" for s in c["to_sources"]})] for c in d["changes"]]
    return cols, rows
