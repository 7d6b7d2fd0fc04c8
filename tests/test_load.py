from cloudreg.errors import InputError
from cloudreg.load import load_kb
from cloudreg.project import Project


def test_one_named_graph_per_file(fixture_pipe):
    kb = fixture_pipe.kb
    assert "data/kr/fixture-reg-2016.ttl" in kb.files
    g = kb.graph_for("data/kr/fixture-reg-2016.ttl")
    assert len(g) > 0
    # the 2019 requirement is in its own file's graph, not in the 2016 one
    from rdflib import URIRef
    req = URIRef("https://w3id.org/cloudreg/id/kr/requirement/fixture-location-2019")
    assert (req, None, None) not in g
    assert kb.file_of(req) == "data/kr/fixture-reg-2019.ttl"


def test_asserted_is_union_of_files(fixture_pipe):
    kb = fixture_pipe.kb
    assert len(fixture_pipe.asserted) == len({t for rel in kb.files for t in kb.graph_for(rel)})


def test_syntax_error_names_file_and_line(scratch_root):
    bad = scratch_root / "data" / "kr" / "broken.ttl"
    bad.write_text('@prefix id: <https://w3id.org/cloudreg/id/> .\n\nid:a id:b id:c .\nid:a id:b "open .\n')
    try:
        load_kb(Project.at(scratch_root))
    except InputError as e:
        assert "data/kr/broken.ttl:4" in str(e)
        assert e.exit_code == 2
    else:
        raise AssertionError("a syntax error must stop loading")


def test_undefined_prefix_names_file(scratch_root):
    bad = scratch_root / "data" / "eu" / "prefix.ttl"
    bad.write_text("nope:a nope:b nope:c .\n")
    try:
        load_kb(Project.at(scratch_root))
    except InputError as e:
        assert "data/eu/prefix.ttl" in str(e)
    else:
        raise AssertionError("an undefined prefix must stop loading")


def test_non_utf8_file_is_named(scratch_root):
    (scratch_root / "data" / "eu" / "latin1.ttl").write_bytes(b'# caf\xe9\n')
    try:
        load_kb(Project.at(scratch_root))
    except InputError as e:
        assert "data/eu/latin1.ttl" in str(e) and "UTF-8" in str(e)
    else:
        raise AssertionError("non-UTF-8 input must be refused")
