import csv
import io

import pytest
from rdflib import Graph

from cloudreg.export import export


@pytest.mark.parametrize("fmt,rdf", [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_rdf_exports_round_trip(fixture_pipe, fmt, rdf):
    g = Graph().parse(data=export(fixture_pipe, fmt), format=rdf)
    assert len(g) == len(fixture_pipe.asserted)


def test_inferred_export_is_larger(fixture_pipe):
    g = Graph().parse(data=export(fixture_pipe, "ttl", inferred=True), format="turtle")
    assert len(g) == len(fixture_pipe.asserted) + len(fixture_pipe.inferred)


def test_csv_has_one_row_per_requirement(fixture_pipe):
    rows = list(csv.DictReader(io.StringIO(export(fixture_pipe, "csv"))))
    assert len(rows) == 5
    r = next(x for x in rows if x["requirement"].endswith("fixture-location-2019"))
    assert r["jurisdiction"] == "KR" and r["value"] == "domestic-required"
    assert sorted(r["data_classes"].split()) == ["personal-credit", "unique-identifier"]


def test_export_out_is_atomic(run, fixture_root, tmp_path):
    out = tmp_path / "kb.nt"
    r = run("export", "--format", "nt", "--out", out, "--root", fixture_root)
    assert r.exit_code == 0 and out.read_text().endswith("\n")
    assert [p.name for p in tmp_path.iterdir()] == ["kb.nt"]
