"""SECURITY.md names, for every threat, the tests that cover it: each named test must exist (the suite runs them)."""

from __future__ import annotations

import re

from tests.conftest import REPO

REF = re.compile(r"`(tests/test_[a-z0-9_]+\.py)?((?:::test_[a-z0-9_]+)?)`")


def threat_rows() -> list[tuple[str, str]]:
    rows = []
    for line in (REPO / "SECURITY.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and cells[0].startswith("**"):
            rows.append((cells[0], cells[2]))
    return rows


def test_every_threat_names_tests_that_exist():
    rows = threat_rows()
    names = [r[0] for r in rows]
    for threat in ["malicious", "Script injection", "SPARQL injection", "Path traversal", "Unsafe YAML",
                   "hostile", "Partial outputs"]:
        assert any(threat.lower() in n.lower() for n in names), f"SECURITY.md has no row for {threat!r}"
    for threat, cell in rows:
        current, found = None, 0
        for m in REF.finditer(cell):
            file, func = m.group(1), m.group(2).removeprefix("::")
            current = file or current
            assert current, f"{threat}: {m.group(0)} names a test before naming its file"
            text = (REPO / current).read_text(encoding="utf-8")
            if func:
                assert re.search(rf"^def {func}\(", text, re.M), f"{threat}: {current}::{func} does not exist"
                found += 1
        assert found, f"{threat}: no test named"
