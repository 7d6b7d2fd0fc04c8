"""The real repository: every file parses, the KB conforms, the contract holds on real data."""

import datetime as dt

import pytest
from rdflib import Graph

from cloudreg.matrix import MatrixBuilder
from cloudreg.project import SNAPSHOT_2018

from .conftest import REPO

TTL = sorted(REPO.glob("ontology/**/*.ttl")) + sorted(REPO.glob("data/**/*.ttl"))


@pytest.mark.parametrize("path", TTL, ids=lambda p: str(p.relative_to(REPO)))
def test_every_turtle_file_parses(path):
    assert len(Graph().parse(path, format="turtle")) > 0


def test_real_kb_conforms(real_pipe):
    errors = [v.text() for v in real_pipe.report.violations if v.severity == "error"]
    assert errors == []


@pytest.mark.parametrize("day", [SNAPSHOT_2018, dt.date.today()], ids=["2018-07-31", "today"])
def test_real_matrix_shape(real_pipe, day):
    m = MatrixBuilder(real_pipe.project, real_pipe.backend).build(day)
    assert len(m["cells"]) == 28
    for c in m["cells"]:
        if c["status"] == "not-researched":
            assert c["value"] is None and c["requirements"] == []
        else:
            assert c["value"] is not None
            for r in c["requirements"]:
                assert r["sources"], r["iri"]
                assert all(s["locator"] and s["url"] for s in r["sources"]), r["iri"]


def test_korea_headline_cells_are_researched_on_both_snapshots(real_pipe):
    b = MatrixBuilder(real_pipe.project, real_pipe.backend)
    for day in (SNAPSHOT_2018, dt.date.today()):
        cells = [c for c in b.build(day)["cells"] if c["jurisdiction"] == "KR"]
        assert [c["status"] for c in cells if c["status"] == "not-researched"] == [], day


def test_ontology_terms_are_bilingual(real_pipe):
    from rdflib import OWL, RDF, RDFS

    g = real_pipe.asserted
    for cls in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in g.subjects(RDF.type, cls):
            if not str(term).startswith("https://w3id.org/cloudreg/"):
                continue
            langs = {lbl.language for lbl in g.objects(term, RDFS.label)}
            assert {"en", "ko"} <= langs, term
