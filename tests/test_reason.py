from rdflib import RDF, Literal, URIRef

from cloudreg.backends import LocalBackend
from cloudreg.queries import find_query, to_term

CR = "https://w3id.org/cloudreg/ontology#"
ID = "https://w3id.org/cloudreg/id/"


def test_inferred_kept_apart(fixture_pipe):
    assert len(fixture_pipe.inferred) > 0
    assert not any(t in fixture_pipe.asserted for t in fixture_pipe.inferred)
    assert not any(isinstance(s, Literal) for s, _, _ in fixture_pipe.inferred)


def test_replaced_by_is_inverse_of_replaces(fixture_pipe):
    t = (URIRef(ID + "kr/fixture-reg-2016"), URIRef(CR + "replacedBy"), URIRef(ID + "kr/fixture-reg-2019"))
    assert t not in fixture_pipe.asserted
    assert t in fixture_pipe.inferred


def test_applies_in_follows_the_property_chain(fixture_pipe):
    t = (URIRef(ID + "kr/requirement/fixture-location-2019"), URIRef(CR + "appliesIn"), URIRef(ID + "kr"))
    assert t not in fixture_pipe.asserted
    assert t in fixture_pipe.inferred
    est = (URIRef(ID + "eu/requirement/fixture-audit"), URIRef(CR + "establishedBy"),
           URIRef(ID + "eu/fixture-guideline"))
    assert est in fixture_pipe.inferred


def test_headline_classes_from_has_value(fixture_pipe):
    req = URIRef(ID + "kr/requirement/fixture-notification-2019")
    assert (req, RDF.type, URIRef(CR + "NotificationRequirement")) in fixture_pipe.inferred
    assert (req, RDF.type, URIRef(CR + "HeadlineRequirement")) in fixture_pipe.inferred
    assert (req, RDF.type, URIRef(CR + "DataLocationRequirement")) not in fixture_pipe.closure


def test_instrument_kinds_are_instruments(fixture_pipe):
    assert (URIRef(ID + "eu/fixture-guideline"), RDF.type, URIRef(CR + "Instrument")) in fixture_pipe.inferred


def test_transitive_data_class_hierarchy(fixture_pipe):
    t = (URIRef(ID + "data-class/personal-credit"), URIRef(CR + "withinDataClass"), URIRef(ID + "data-class/any"))
    assert t not in fixture_pipe.asserted
    assert t in fixture_pipe.inferred


def test_transitive_broader_topic_reaches_skos(fixture_pipe):
    t = (URIRef(ID + "topic/notification"), URIRef("http://www.w3.org/2004/02/skos/core#broaderTransitive"),
         URIRef(ID + "topic/supervision"))
    assert t in fixture_pipe.inferred


def test_matrix_answer_exists_only_after_reasoning(fixture_pipe):
    q = find_query(fixture_pipe.project, "matrix/requirements-in-force")
    bindings = {"as_of": to_term(q.params["as_of"], "2020-01-01")}
    before = LocalBackend(fixture_pipe.asserted).select(q, bindings)
    after = LocalBackend(fixture_pipe.closure).select(q, bindings)
    assert before.rows == []
    assert {str(r["requirement"]) for r in after.dicts()} >= {ID + "kr/requirement/fixture-location-2019"}


def test_lineage_exists_only_after_reasoning(fixture_pipe):
    q = find_query(fixture_pipe.project, "instruments/lineage")
    assert LocalBackend(fixture_pipe.asserted).select(q, {}).rows == []
    rows = LocalBackend(fixture_pipe.closure).select(q, {}).dicts()
    assert [(str(r["old"]), str(r["new"])) for r in rows] == [(ID + "kr/fixture-reg-2016", ID + "kr/fixture-reg-2019")]
