"""The comparison / time-travel catalogue queries, on the fixture KB, with exact expectations (run locally)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cloudreg.backends import LocalBackend
from cloudreg.diff import diff
from cloudreg.formats import FORMATS
from cloudreg.matrix import MatrixBuilder
from cloudreg.project import HEADLINE_TOPICS
from cloudreg.queries import bind_params, find_query
from tests.conftest import query_runner

ID = "https://w3id.org/cloudreg/id/"


@pytest.fixture(scope="module")
def q(fixture_pipe):
    return query_runner(fixture_pipe)


def test_compare_jurisdictions(q):
    rows = q("compare/jurisdictions", jurisdiction_a="KR", jurisdiction_b="EU", as_of="2019-06-01")
    by_topic = {r["topic"]: (r["value_a"], r["value_b"], r["same"]) for r in rows}
    assert len(rows) == 13 and [r["topic"] for r in rows][:4] == HEADLINE_TOPICS
    assert by_topic["data-location"] == ("domestic-required", "not-researched", "false")
    assert by_topic["notification"] == ("prior-notification", "not-researched", "false")
    assert by_topic["audit-rights"] == ("not-researched", "institution-and-supervisor", "false")
    assert by_topic["csp-oversight"] == ("not-researched", "not-researched", "true")
    loc = next(r for r in rows if r["topic"] == "data-location")
    assert loc["sources_a"] == "Fixture Regulation, 2019 edition, Art. 2(1) <https://example.org/fixture-2019#art2>"
    assert loc["sources_b"] == ""
    # 2018: the 2016 edition's prohibition is the headline (stricter than the non-critical no-restriction)
    rows = q("compare/jurisdictions", jurisdiction_a="KR", jurisdiction_b="EU", as_of="2018-07-31")
    loc = next(r for r in rows if r["topic"] == "data-location")
    assert loc["value_a"] == "prohibited" and "Fixture Regulation, 2016 edition, Art. 1" in loc["sources_a"]


def test_who_requires(q):
    rows = q("compare/who-requires", topic="data-location", value="prohibited", as_of="2018-07-31")
    assert [(r["jurisdiction"], r["requirement"], r["is_headline"]) for r in rows] == \
        [("KR", ID + "kr/requirement/fixture-location-2016", "true")]
    assert q("compare/who-requires", topic="data-location", value="prohibited", as_of="2019-06-01") == []
    rows = q("compare/who-requires", topic="data-location", value="data-location/no-restriction", as_of="2018-07-31")
    assert [(r["requirement"], r["is_headline"]) for r in rows] == \
        [(ID + "kr/requirement/fixture-location-noncritical-2016", "false")]
    # the value code must be of the asked topic
    assert q("compare/who-requires", topic="notification", value="prohibited", as_of="2018-07-31") == []


def test_changes_between_matches_diff(q, fixture_pipe):
    rows = q("changes/between", from_date="2018-07-31", to_date="2019-06-01")
    assert [(r["jurisdiction"], r["topic"], r["from_value"], r["to_value"]) for r in rows] == [
        ("KR", "notification", "not-researched", "prior-notification"),
        ("KR", "data-location", "prohibited", "domestic-required")]
    loc = rows[1]
    assert loc["from_instruments"] == "Fixture Regulation, 2016 edition [FIXTURE-2016]"
    assert loc["to_instruments"] == "Fixture Regulation, 2019 edition [FIXTURE-2019]"
    d = diff(fixture_pipe, dt.date(2018, 7, 31), dt.date(2019, 6, 1))
    assert {(c["jurisdiction"], c["topic"], c["from_value"] or "not-researched", c["to_value"]) for c in d["changes"]} \
        == {(r["jurisdiction"], r["topic"], r["from_value"], r["to_value"]) for r in rows
            if r["topic"] in HEADLINE_TOPICS}
    assert q("changes/between", from_date="2019-06-01", to_date="2019-07-01") == []


def test_lineage_of(q):
    rows = q("instruments/lineage-of", instrument=ID + "kr/fixture-reg-2016")
    assert [(r["relation"], r["other"], r["changed_on"]) for r in rows] == \
        [("replaced-by", ID + "kr/fixture-reg-2019", "2019-01-01")]
    rows = q("instruments/lineage-of", instrument=ID + "kr/fixture-reg-2019")
    assert [(r["relation"], r["other"], r["changed_on"]) for r in rows] == \
        [("replaces", ID + "kr/fixture-reg-2016", "2019-01-01")]


def test_lineage_of_needs_reasoning(fixture_pipe):
    query = find_query(fixture_pipe.project, "instruments/lineage-of")
    b = bind_params(query, {"instrument": ID + "kr/fixture-reg-2016"}, None)
    assert LocalBackend(fixture_pipe.asserted).select(query, b).rows == []  # cr:replacedBy is inferred only


def test_disagreements_agree_with_matrix(q, fixture_pipe):
    rows = q("disagreements/fsc-2018")
    assert {(r["claim"], r["claimed_value"], r["primary_value"], r["is_plan"]) for r in rows} == \
        {(ID + "claim/fsc-2018/kr-data-location-plan", "assessment-required", "domestic-required", True)}
    m = MatrixBuilder(fixture_pipe.project, fixture_pipe.backend).build(dt.date(2019, 6, 1))
    false_claims = {(c["jurisdiction"], c["topic"], x["value"]) for c in m["cells"] for x in c["claims"]
                    if x["agrees"] is False}
    assert false_claims == {(r["jurisdiction"], r["topic"], r["claimed_value"]) for r in rows}


def test_by_data_class(q):
    rows = q("requirements/by-data-class", data_class="personal", as_of="2018-07-31")
    assert {(r["requirement"], r["class"], r["relation"]) for r in rows} == {
        (ID + "kr/requirement/fixture-location-2016", "personal-credit", "narrower"),
        (ID + "eu/requirement/fixture-audit", "any", "broader")}
    rows = q("requirements/by-data-class", data_class="personal-credit", as_of="2019-06-01")
    assert {(r["requirement"], r["class"], r["relation"]) for r in rows} == {
        (ID + "kr/requirement/fixture-location-2019", "personal-credit", "exact"),
        (ID + "eu/requirement/fixture-audit", "any", "broader")}


def test_strictest_and_most_permissive(q):
    rows = q("compare/strictest-and-most-permissive", as_of="2019-06-01")
    assert [(r["topic"], r["position"], r["jurisdiction"], r["value"]) for r in rows] == [
        ("notification", "strictest and most-permissive", "KR", "prior-notification"),
        ("audit-rights", "strictest and most-permissive", "EU", "institution-and-supervisor"),
        ("data-location", "strictest and most-permissive", "KR", "domestic-required")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format(run, fixture_root, fmt):
    for args in (["compare/jurisdictions", "-p", "jurisdiction_a=KR", "-p", "jurisdiction_b=EU", "--as-of", "2019-06-01"],
                 ["changes/between", "-p", "from_date=2018-07-31", "-p", "to_date=2019-06-01"],
                 ["disagreements/fsc-2018"]):
        r = run("query", *args, "--format", fmt, "--root", fixture_root)
        assert r.exit_code == 0, r.output
        assert "domestic-required" in r.output
        if fmt == "json":
            assert isinstance(json.loads(r.output), list)
