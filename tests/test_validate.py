import re
from pathlib import Path

import pytest

from cloudreg.load import load_kb
from cloudreg.pipeline import Pipeline
from cloudreg.project import Project
from cloudreg.reason import closure_of, reason
from cloudreg.validate import validate

from .conftest import FIXTURES, make_root

SHAPES = FIXTURES / "shapes"


def _validate_fixture(tmp_path: Path, fixture: Path):
    root = make_root(tmp_path / "repo")
    (root / "data" / "kr").mkdir(parents=True)
    (root / "data" / "kr" / "base.ttl").write_text((SHAPES / "base.ttl").read_text())
    (root / "data" / "kr" / fixture.name).write_text(fixture.read_text())
    kb = load_kb(Project.at(root))
    asserted = kb.asserted()
    return validate(kb, closure_of(asserted, reason(asserted)))


@pytest.mark.parametrize("fixture", sorted((SHAPES / "valid").glob("*.ttl")), ids=lambda p: p.stem)
def test_valid_fixtures_conform(tmp_path, fixture):
    report = _validate_fixture(tmp_path, fixture)
    assert report.conforms, [v.text() for v in report.violations]


@pytest.mark.parametrize("fixture", sorted((SHAPES / "invalid").glob("*.ttl")), ids=lambda p: p.stem)
def test_invalid_fixtures_fail_with_the_expected_message(tmp_path, fixture):
    expect = re.match(r"# expect: (.*)", fixture.read_text()).group(1).strip()
    report = _validate_fixture(tmp_path, fixture)
    assert not report.conforms
    messages = [v.message for v in report.violations]
    assert any(expect in m for m in messages), messages
    # the violation names the file it comes from
    hit = next(v for v in report.violations if expect in v.message)
    assert hit.file in (f"data/kr/{fixture.name}", "data/kr/base.ttl")


def test_every_shape_constraint_has_a_message():
    from rdflib import BNode, Graph, Namespace

    sh = Namespace("http://www.w3.org/ns/shacl#")
    g = Graph()
    for f in (Path(__file__).parents[1] / "ontology" / "shapes").glob("*.ttl"):
        g.parse(f)
    props = set(g.objects(None, sh.property)) | set(g.objects(None, sh.sparql))
    assert props
    for p in props:
        assert isinstance(p, BNode)
        assert g.value(p, sh.message) is not None, p


def test_fixture_kb_conforms(fixture_pipe):
    assert fixture_pipe.report.conforms, [v.text() for v in fixture_pipe.report.violations]


def test_sparql_check_reports_replaced_instrument_without_end(scratch_root):
    f = scratch_root / "data" / "kr" / "fixture-reg-2016.ttl"
    f.write_text(f.read_text().replace(' ; cr:inForceUntil "2019-01-01"^^xsd:date', ""))
    report = Pipeline(Project.at(scratch_root)).report
    hits = [v for v in report.violations if v.rule == "queries/checks/replaced-instrument-still-in-force.rq"]
    assert hits and hits[0].file == "data/kr/fixture-reg-2016.ttl"
    assert not report.conforms


def _starts(root, req: str, day: str) -> None:
    f = root / "data" / "kr" / "fixture-reg-2016.ttl"
    text = f.read_text()
    marker = f"id:kr\\/requirement\\/{req} a cr:Requirement ;"
    head, rest = text.split(marker, 1)
    rest = rest.replace('cr:validFrom "2016-10-05"^^xsd:date', f'cr:validFrom "{day}"^^xsd:date', 1)
    f.write_text(head + marker + rest)


@pytest.mark.parametrize("path", [("reasonable", "oxigraph"), ("owlrl", "memory")], ids=["fast", "reference"])
def test_sparql_check_reports_requirement_before_its_instrument(scratch_root, path):
    """checks/requirement-before-instrument: a start before the instrument's time in force is an error, on both paths."""
    _starts(scratch_root, "fixture-location-2016", "2015-01-01")
    report = Pipeline(Project.at(scratch_root), reasoner=path[0], store=path[1]).report
    hits = [v for v in report.violations if v.rule == "queries/checks/requirement-before-instrument.rq"]
    assert [h.focus for h in hits] == ["https://w3id.org/cloudreg/id/kr/requirement/fixture-location-2016"]
    assert "starts 2015-01-01 outside the time in force" in hits[0].message
    assert hits[0].file == "data/kr/fixture-reg-2016.ttl" and not report.conforms


def test_requirement_resting_on_one_instrument_in_force_passes_the_check(scratch_root):
    """Resting also on a provision of an instrument in force on the start day: no violation (only all-out fails)."""
    _starts(scratch_root, "fixture-location-2016", "2019-06-01")  # after the 2016 edition ended
    f = scratch_root / "data" / "kr" / "fixture-reg-2016.ttl"
    f.write_text(f.read_text().replace('cr:validFrom "2019-06-01"^^xsd:date ; cr:validUntil "2019-01-01"^^xsd:date',
                                       'cr:validFrom "2019-06-01"^^xsd:date'))
    assert 'cr:validFrom "2019-06-01"^^xsd:date' in f.read_text()
    report = Pipeline(Project.at(scratch_root)).report
    assert [v.focus for v in report.violations if v.rule == "queries/checks/requirement-before-instrument.rq"] \
        == ["https://w3id.org/cloudreg/id/kr/requirement/fixture-location-2016"]
    both = "cr:restsOn id:kr\\/fixture-reg-2016\\/art-1 , id:kr\\/fixture-reg-2019\\/art-2 ."
    f.write_text(f.read_text().replace("cr:restsOn id:kr\\/fixture-reg-2016\\/art-1 .", both, 1))
    report = Pipeline(Project.at(scratch_root)).report
    assert not [v for v in report.violations if v.rule == "queries/checks/requirement-before-instrument.rq"]
