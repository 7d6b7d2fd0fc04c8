"""Every kind of bad input gets a clear error with the right exit code, naming the culprit."""

import pytest

from cloudreg.errors import InputError
from cloudreg.project import Project
from cloudreg.queries import load_query


def _query_file(root, text, name="bad/q.rq"):
    p = root / "queries" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def test_sparql_update_in_catalogue_is_refused(scratch_root, run):
    p = _query_file(scratch_root, "#+ summary: sneaky\nDELETE WHERE { ?s ?p ?o }\n")
    with pytest.raises(InputError, match="SPARQL Update is not allowed"):
        load_query(p, Project.at(scratch_root))
    r = run("query", "bad/q", "--root", scratch_root)
    assert r.exit_code == 2 and "queries/bad/q.rq" in r.stderr and "read-only" in r.stderr


def test_parameter_of_the_wrong_type(run, fixture_root):
    r = run("query", "requirements/by-jurisdiction", "-p", "jurisdiction=Korea", "--root", fixture_root)
    assert r.exit_code == 2 and "parameter jurisdiction" in r.stderr and "'Korea'" in r.stderr


def test_as_of_for_a_query_without_date(run, fixture_root):
    r = run("query", "claims/all", "--as-of", "2020-01-01", "--root", fixture_root)
    assert r.exit_code == 2 and "takes no date" in r.stderr


def test_header_not_yaml_mapping(scratch_root, run):
    _query_file(scratch_root, "#+ - just\n#+ - a list\nSELECT * WHERE { ?s ?p ?o }\n")
    r = run("query", "bad/q", "--root", scratch_root)
    assert r.exit_code == 2 and "queries/bad/q.rq" in r.stderr and "mapping" in r.stderr


def test_unknown_header_key_via_cli(scratch_root, run):
    _query_file(scratch_root, "#+ summary: s\n#+ endpoint: http://evil\nSELECT * WHERE { ?s ?p ?o }\n")
    r = run("queries", "--root", scratch_root)
    assert r.exit_code == 2 and "unknown '#+' header key(s): endpoint" in r.stderr


def test_same_iri_defined_in_two_files(scratch_root, run):
    src = (scratch_root / "data" / "eu" / "fixture-guideline.ttl").read_text()
    (scratch_root / "data" / "eu" / "copy.ttl").write_text(src)
    r = run("validate", "--root", scratch_root)
    assert r.exit_code == 1
    assert "defined (typed) in several files: data/eu/copy.ttl, data/eu/fixture-guideline.ttl" in r.output


def test_iri_used_for_two_kinds(scratch_root, run):
    f = scratch_root / "data" / "kr" / "fixture-reg-2019.ttl"
    f.write_text(f.read_text() + "\nid:kr\\/fixture-reg-2019\\/art-2 a cr:Requirement .\n")
    r = run("validate", "--root", scratch_root)
    assert r.exit_code == 1 and "different kinds of thing" in r.output


def test_malformed_date_literal_in_data(scratch_root, run):
    f = scratch_root / "data" / "kr" / "fixture-reg-2019.ttl"
    f.write_text(f.read_text().replace('cr:validFrom "2019-01-01"^^xsd:date', 'cr:validFrom "2019-1-1"^^xsd:date', 1))
    r = run("validate", "--root", scratch_root)
    assert r.exit_code == 1
    assert "data/kr/fixture-reg-2019.ttl" in r.output and "cr:validFrom" in r.output


def test_value_outside_scheme_names_requirement(scratch_root, run):
    f = scratch_root / "data" / "eu" / "fixture-guideline.ttl"
    f.write_text(f.read_text().replace("v:audit-rights\\/institution-and-supervisor", "v:level\\/required"))
    r = run("validate", "--root", scratch_root, "--format", "json")
    assert r.exit_code == 1
    import json

    v = [x for x in json.loads(r.stdout)["violations"] if "value scheme" in x["message"]]
    assert v and v[0]["focus"].endswith("eu/requirement/fixture-audit") and v[0]["file"] == "data/eu/fixture-guideline.ttl"
