"""The synthetic generator (cloudreg.synth, used by `make bench`): deterministic from a seed, and its data conforms
to the real shapes and checks on both paths."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cloudreg.pipeline import Pipeline
from cloudreg.project import Project
from cloudreg.synth import generate

from .conftest import REPO


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted((root / "data").rglob("*.ttl")):
        h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    n1 = generate(tmp_path / "a", 3000, seed=7, repo=REPO)
    n2 = generate(tmp_path / "b", 3000, seed=7, repo=REPO)
    n3 = generate(tmp_path / "c", 3000, seed=8, repo=REPO)
    assert n1 == n2 and n1 >= 3000
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")
    assert n3 >= 3000


def test_size_is_close_to_what_was_asked(tmp_path):
    n = generate(tmp_path / "s", 10000, seed=1, repo=REPO)
    pipe = Pipeline(Project.at(tmp_path / "s"))
    data = len(pipe.asserted) - len(Pipeline(Project.at(_ontology_only(tmp_path))).asserted)
    assert 10000 <= n < 10300
    assert abs(data - n) / n < 0.05  # the generator's own count matches what is parsed


def _ontology_only(tmp_path: Path) -> Path:
    root = tmp_path / "empty"
    generate(root, 0, seed=1, repo=REPO)
    for p in (root / "data").rglob("*.ttl"):
        p.unlink()
    return root


def test_synthetic_10k_conforms_on_both_paths(tmp_path):
    generate(tmp_path / "s", 10000, seed=1, repo=REPO)
    project = Project.at(tmp_path / "s")
    reports = []
    for reasoner, store in (("reasonable", "oxigraph"), ("owlrl", "memory")):
        pipe = Pipeline(project, reasoner=reasoner, store=store)
        rep = pipe.report
        assert not rep.violations, [v for v in rep.as_json()["violations"][:5]]
        reports.append(rep.as_json())
        # the ontology's shape: every kind of node and link the real KB has is present
        for what in [
            "?x a cr:Jurisdiction",
            "?x a cr:Authority",
            "?x a cr:Instrument",
            "?x cr:replaces ?y",
            "?x a cr:Provision",
            "?x a cr:Requirement",
            "?x a cr:HeadlineRequirement",
            "?x cr:appliesIn ?y",
            "?x cr:validUntil ?y",
            "?x a cr:Claim",
            "?x cr:inForceUntil ?y",
        ]:
            q = f"PREFIX cr: <https://w3id.org/cloudreg/ontology#> ASK {{ {what} }}"
            assert pipe.closure.query(q).askAnswer, what
    assert reports[0] == reports[1]
