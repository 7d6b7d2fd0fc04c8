import datetime as dt

from cloudreg.diff import diff
from cloudreg.matrix import MatrixBuilder
from cloudreg.project import HEADLINE_TOPICS, JURISDICTIONS

CELL_KEYS = {"jurisdiction", "topic", "value", "modality", "status", "requirements", "claims"}
REQ_KEYS = {"iri", "value", "modality", "data_classes", "scope", "valid_from", "valid_until", "status", "sources"}
SRC_KEYS = {"instrument", "instrument_iri", "locator", "url"}


def _cell(m, j, t):
    return next(c for c in m["cells"] if c["jurisdiction"] == j and c["topic"] == t)


def test_28_cells_in_contract_shape_and_stable_order(fixture_pipe):
    m = MatrixBuilder(fixture_pipe.project, fixture_pipe.backend).build(dt.date(2018, 7, 31))
    assert m["as_of"] == "2018-07-31"
    assert [(c["jurisdiction"], c["topic"]) for c in m["cells"]] == [
        (j, t) for j in JURISDICTIONS for t in HEADLINE_TOPICS]
    for c in m["cells"]:
        assert set(c) == CELL_KEYS
        for r in c["requirements"]:
            assert set(r) == REQ_KEYS
            for s in r["sources"]:
                assert set(s) == SRC_KEYS


def test_not_researched_looks_different_from_none(fixture_pipe):
    m = MatrixBuilder(fixture_pipe.project, fixture_pipe.backend).build(dt.date(2018, 7, 31))
    c = _cell(m, "US", "notification")
    assert c["value"] is None and c["status"] == "not-researched" and c["requirements"] == []
    kr = _cell(m, "KR", "data-location")
    assert kr["value"] == "prohibited" and kr["status"] == "verified-primary"


def test_as_of_selects_the_right_requirement_on_both_sides_of_a_change(fixture_pipe):
    b = MatrixBuilder(fixture_pipe.project, fixture_pipe.backend)
    before = _cell(b.build(dt.date(2018, 12, 31)), "KR", "data-location")
    on = _cell(b.build(dt.date(2019, 1, 1)), "KR", "data-location")
    assert before["value"] == "prohibited"
    assert {r["iri"].rsplit("/", 1)[1] for r in before["requirements"]} == {
        "fixture-location-2016", "fixture-location-noncritical-2016"}
    assert on["value"] == "domestic-required"
    assert [r["iri"].rsplit("/", 1)[1] for r in on["requirements"]] == ["fixture-location-2019"]
    assert on["requirements"][0]["data_classes"] == ["personal-credit", "unique-identifier"]
    assert on["requirements"][0]["sources"][0]["locator"] == "Art. 2(1)"
    # before the first instrument: nothing researched for that date
    assert _cell(b.build(dt.date(2015, 1, 1)), "KR", "data-location")["status"] == "not-researched"


def test_headline_is_the_strictest_value_and_its_status(fixture_pipe):
    c = _cell(MatrixBuilder(fixture_pipe.project, fixture_pipe.backend).build(dt.date(2018, 1, 1)),
              "KR", "data-location")
    assert c["value"] == "prohibited"          # prohibited (rank 4) beats no-restriction (rank 1)
    assert c["modality"] == "must"
    assert c["status"] == "verified-primary"   # status of the requirement that sets the headline


def test_claims_agree_or_disagree_on_their_own_date(fixture_pipe):
    b = MatrixBuilder(fixture_pipe.project, fixture_pipe.backend)
    m2018 = b.build(dt.date(2018, 7, 31))
    assert _cell(m2018, "EU", "audit-rights")["claims"] == [
        {"by": "fsc-2018-cloud-paper", "value": "institution-and-supervisor", "agrees": True, "locator": "section 1"}]
    # the KR plan claim is about 2019-01-01: not shown in 2018, shown (and wrong) later
    assert _cell(m2018, "KR", "data-location")["claims"] == []
    later = _cell(b.build(dt.date(2020, 1, 1)), "KR", "data-location")["claims"]
    assert later == [{"by": "fsc-2018-cloud-paper", "value": "assessment-required", "agrees": False,
                      "locator": "section 2"}]


def test_diff_lists_changed_cells_with_sources(fixture_pipe):
    d = diff(fixture_pipe, dt.date(2018, 7, 31), dt.date(2020, 1, 1))
    assert d["from"] == "2018-07-31" and d["to"] == "2020-01-01"
    changes = {(c["jurisdiction"], c["topic"]): c for c in d["changes"]}
    assert set(changes) == {("KR", "data-location"), ("KR", "notification")}
    c = changes[("KR", "notification")]
    assert (c["from_value"], c["to_value"]) == (None, "prior-notification")
    assert c["from_sources"] == [] and c["to_sources"][0]["locator"] == "Art. 2(1)"
    only_eu = diff(fixture_pipe, dt.date(2018, 7, 31), dt.date(2020, 1, 1), "EU")
    assert only_eu["changes"] == []
