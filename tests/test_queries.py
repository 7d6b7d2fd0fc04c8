import pytest
from rdflib import Literal

from cloudreg.errors import InputError
from cloudreg.project import Project
from cloudreg.queries import bind_params, catalogue, find_query, load_query, to_term, with_values

from .conftest import REPO

CANONICAL = {
    "cr": "https://w3id.org/cloudreg/ontology#", "dct": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#", "prov": "http://www.w3.org/ns/prov#",
}


def _write(tmp_path, text, name="t/q.rq"):
    root = tmp_path
    (root / "ontology").mkdir(exist_ok=True)
    p = root / "queries" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return load_query(p, Project.at(root))


def test_catalogue_headers_are_valid():
    qs = catalogue(Project.at(REPO))
    assert len(qs) >= 8
    for q in qs:
        assert q.summary
        for p in q.params.values():
            assert p.example is not None, f"{q.name}: param {p.name} needs an example"


def test_declared_prefixes_match_canonical_map():
    import re

    for q in catalogue(Project.at(REPO)):
        for prefix, iri in re.findall(r"PREFIX\s+(\w*):\s*<([^>]+)>", q.text):
            if prefix in CANONICAL:
                assert CANONICAL[prefix] == iri, f"{q.name}: {prefix}: <{iri}>"


@pytest.mark.parametrize("q", catalogue(Project.at(REPO)), ids=lambda q: q.name)
def test_every_query_runs_on_the_fixture_kb(fixture_pipe, q):
    given = {name: p.example for name, p in q.params.items() if name != "as_of"}
    bindings = bind_params(q, given, q.params["as_of"].example if "as_of" in q.params else None)
    table = fixture_pipe.backend.select(q, bindings)
    assert table.columns


def test_unknown_header_key_is_an_error(tmp_path):
    with pytest.raises(InputError, match="unknown '#\\+' header key"):
        _write(tmp_path, "#+ summary: s\n#+ endpoint: http://x\nSELECT * WHERE { ?s ?p ?o }\n")


def test_missing_summary_is_an_error(tmp_path):
    with pytest.raises(InputError, match="summary"):
        _write(tmp_path, "#+ tags: [a]\nSELECT * WHERE { ?s ?p ?o }\n")


def test_bad_yaml_names_file_and_line(tmp_path):
    with pytest.raises(InputError, match=r"queries/t/q.rq:2"):
        _write(tmp_path, "#+ summary: s\n#+ tags: [a\nSELECT * WHERE { ?s ?p ?o }\n")


def test_param_must_be_used(tmp_path):
    with pytest.raises(InputError, match="not used"):
        _write(tmp_path, "#+ summary: s\n#+ params:\n#+   x: {type: date, example: '2020-01-01'}\n"
                         "SELECT * WHERE { ?s ?p ?o }\n")


def test_sparql_syntax_error_names_file(tmp_path):
    with pytest.raises(InputError, match="SPARQL syntax error"):
        _write(tmp_path, "#+ summary: s\nSELECT * WHERE { ?s ?p }\n")


def test_unknown_query_lists_known_ones():
    with pytest.raises(InputError, match="unknown query 'nope'.*matrix/requirements-in-force"):
        find_query(Project.at(REPO), "nope")


def test_path_traversal_is_refused():
    with pytest.raises(InputError):
        find_query(Project.at(REPO), "../ontology/cloudreg")


def test_missing_and_bad_parameters():
    q = find_query(Project.at(REPO), "requirements/by-jurisdiction")
    with pytest.raises(InputError, match="missing parameter jurisdiction"):
        bind_params(q, {}, "2020-01-01")
    with pytest.raises(InputError, match="unknown jurisdiction 'XX'"):
        bind_params(q, {"jurisdiction": "XX"}, "2020-01-01")
    with pytest.raises(InputError, match="not an ISO date"):
        bind_params(q, {"jurisdiction": "KR"}, "2020-02-30")
    with pytest.raises(InputError, match="unknown parameter"):
        bind_params(q, {"jurisdiction": "KR", "evil": "1"}, None)


def test_values_block_cannot_change_query_structure():
    q = find_query(Project.at(REPO), "requirements/by-jurisdiction")
    hostile = Literal('x" } } ; DROP ALL ; SELECT * WHERE { "')
    text = with_values(q.text, {"jurisdiction": hostile})
    from rdflib.plugins.sparql import prepareQuery

    prepared = prepareQuery(text)  # still one well-formed SELECT: the value stays one string literal
    assert prepared.algebra.name == "SelectQuery"
    assert hostile.n3() in text


def test_to_term_types():
    from cloudreg.queries import Param

    assert to_term(Param("d", "date"), "2018-07-31").datatype.endswith("#date")
    assert str(to_term(Param("j", "jurisdiction"), "kr")).endswith("/id/kr")
    with pytest.raises(InputError, match="not an IRI"):
        to_term(Param("i", "iri"), "not an iri")
