"""Property-based tests: parameter binding and header parsing hold for arbitrary input.

Note: rdflib 7.6 evaluates `{ VALUES ... OPTIONAL { pattern using the VALUES variable } }` as an inner join
(rows without a match vanish), so the echo query avoids OPTIONAL; Oxigraph and Virtuoso follow the spec.
"""

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery

from cloudreg.backends import LocalBackend
from cloudreg.project import Project
from cloudreg.queries import load_query, with_values

HOSTILE = st.one_of(
    st.text(),
    st.sampled_from(['"', "'", "}", "{", "} UNION { ?s ?p ?o }", "#", "\n", "\\", '"""', "'''", ">", "<",
                     "\" . } ; DROP ALL ; SELECT * { \"", "é\u202e\u0000".replace("\u0000", "")]),
    st.lists(st.sampled_from(['"', "}", "{", "UNION", "#", "\n", "\\", "x", " ", "é", "'"]), max_size=12)
      .map("".join),
)

QUERY = """#+ summary: echo a bound string and its length
#+ params:
#+   needle: {type: string, example: "x"}
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?needle ?n ?hit WHERE {
  BIND (STRLEN(?needle) AS ?n)
  BIND (EXISTS { ?s rdfs:label ?needle } AS ?hit)
}
"""


def _query(tmp_path_factory):
    root = tmp_path_factory.mktemp("prop")
    (root / "ontology").mkdir()
    (root / "queries").mkdir()
    (root / "queries" / "echo.rq").write_text(QUERY)
    return load_query(root / "queries" / "echo.rq", Project.at(root))


GRAPH = Graph()
GRAPH.add((URIRef("urn:x:a"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("x")))


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=HOSTILE)
def test_bound_text_never_changes_query_shape_or_results(tmp_path_factory, value):
    q = _query(tmp_path_factory)
    term = Literal(value)
    # local: initBindings
    local = LocalBackend(GRAPH).select(q, {"needle": term})
    # remote form: VALUES block written with .n3(); parse it and run it on the same graph
    text = with_values(q.text, {"needle": term})
    prepared = prepareQuery(text)
    assert prepared.algebra.name == "SelectQuery"
    assert [str(v) for v in prepared.algebra["PV"]] == ["needle", "n", "hit"]
    remote = [list(r) for r in GRAPH.query(text)]
    assert len(local.rows) == 1 and len(remote) == 1
    assert str(local.rows[0][0]) == value and str(remote[0][0]) == value
    assert int(local.rows[0][1]) == int(remote[0][1]) == len(value)
    # only the literal "x" matches a label
    assert local.rows[0][2].toPython() == (value == "x") == remote[0][2].toPython()


SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40) \
    .filter(lambda s: s.strip() == s and s.strip())


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(summary=SAFE_TEXT, tags=st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True), max_size=4),
       description=SAFE_TEXT)
def test_header_round_trips(tmp_path_factory, summary, tags, description):
    root = tmp_path_factory.mktemp("hdr")
    (root / "ontology").mkdir()
    (root / "queries").mkdir()
    header = yaml.safe_dump({"summary": summary, "description": description, "tags": tags,
                             "reasoning": "none", "site": False}, allow_unicode=True, sort_keys=False)
    text = "".join("#+ " + line + "\n" for line in header.splitlines()) + "SELECT * WHERE { ?s ?p ?o }\n"
    (root / "queries" / "q.rq").write_text(text, encoding="utf-8")
    q = load_query(root / "queries" / "q.rq", Project.at(root))
    assert (q.summary, q.description, q.tags, q.reasoning, q.site) == (summary.strip(), description.strip(),
                                                                       tags, "none", False)
