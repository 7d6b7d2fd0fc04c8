"""Exact answers of the catalogue queries for each question of issue 7, on the fixture KB (tests/fixtures/kb).

Every expected row below was worked out by hand from the fixture files (fictitious data):
- KR: fixture-location-2016 (data-location prohibited, rank 4, must, verified-primary, personal-credit,
  2016-10-05..2019-01-01, scope "fixture"), fixture-location-noncritical-2016 (data-location no-restriction,
  rank 1, may, secondary, non-critical, 2016-10-05..2019-01-01), fixture-location-2019 (data-location
  domestic-required, rank 3, must, verified-primary, personal-credit and unique-identifier, from 2019-01-01),
  fixture-notification-2019 (notification prior-notification, rank 4, must, unverified, critical, material only,
  from 2019-01-01); instruments fixture-reg-2016 (in force 2016-10-05..2019-01-01) replaced by fixture-reg-2019;
- EU: fixture-audit (audit-rights institution-and-supervisor, rank 4, should, verified-primary, any, from
  2018-07-01), resting on the Fixture Guideline para. 4;
- data classes (ontology/schemes.ttl): personal-credit and unique-identifier within personal, personal, critical
  and non-critical within any.
The time boundaries are tested on both sides (valid_from is included, valid_until excluded).
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from cloudreg.pipeline import Pipeline
from cloudreg.project import Project
from tests.conftest import query_runner

ID = "https://w3id.org/cloudreg/id/"
KR = ID + "kr/requirement/"
EU = ID + "eu/requirement/"


@pytest.fixture(scope="module")
def q(fixture_pipe):
    return query_runner(fixture_pipe)


def pick(rows: list[dict], *cols: str) -> list[tuple]:
    return [tuple(r[c] for c in cols) for r in rows]


# --- the jurisdiction x topic matrix on a date ----------------------------------------------------------------

MATRIX_COLS = ("jurisdiction", "topic", "requirement", "value", "rank", "modality", "status", "valid_from",
               "valid_until", "scope", "label", "is_headline")
AUDIT = ("EU", "audit-rights", EU + "fixture-audit", "institution-and-supervisor", 4, "should", "verified-primary",
         "2018-07-01", None, None, "Fixture: audit rights for institution and supervisor", True)
LOC_2016 = ("KR", "data-location", KR + "fixture-location-2016", "prohibited", 4, "must", "verified-primary",
            "2016-10-05", "2019-01-01", "fixture", "Fixture: personal credit data may not go to a cloud", True)
NONCRIT_2016 = ("KR", "data-location", KR + "fixture-location-noncritical-2016", "no-restriction", 1, "may",
                "secondary", "2016-10-05", "2019-01-01", None, "Fixture: non-critical data anywhere", False)
LOC_2019 = ("KR", "data-location", KR + "fixture-location-2019", "domestic-required", 3, "must", "verified-primary",
            "2019-01-01", None, None, "Fixture: personal credit data on domestic cloud only", True)
NOTIF_2019 = ("KR", "notification", KR + "fixture-notification-2019", "prior-notification", 4, "must", "unverified",
              "2019-01-01", None, None, "Fixture: report before use", True)


@pytest.mark.parametrize(("as_of", "expected"), [
    ("2016-10-04", []),
    ("2016-10-05", [LOC_2016, NONCRIT_2016]),  # valid_from is included
    ("2018-07-31", [AUDIT, LOC_2016, NONCRIT_2016]),
    ("2018-12-31", [AUDIT, LOC_2016, NONCRIT_2016]),
    ("2019-01-01", [AUDIT, LOC_2019, NOTIF_2019]),  # valid_until is excluded: the 2016 rows are gone
    ("2019-06-01", [AUDIT, LOC_2019, NOTIF_2019]),
])
def test_matrix_requirements_in_force(q, as_of, expected):
    rows = q("matrix/requirements-in-force", as_of=as_of)
    assert pick(rows, *MATRIX_COLS) == expected


def test_matrix_cli_on_a_date(run, fixture_root):
    """`cloudreg matrix --as-of`: the headline cells are the strictest values in force (csv of the cells)."""
    def cells(day: str) -> dict[tuple[str, str], str]:
        r = run("matrix", "--as-of", day, "--format", "json", "--root", fixture_root)
        assert r.exit_code == 0, r.output
        m = json.loads(r.output)
        assert m["as_of"] == day
        return {(c["jurisdiction"], c["topic"]): c["value"] for c in m["cells"]
                if c["value"] not in (None, "not-researched")}

    assert cells("2018-07-31") == {("EU", "audit-rights"): "institution-and-supervisor",
                                   ("KR", "data-location"): "prohibited"}
    assert cells("2019-06-01") == {("EU", "audit-rights"): "institution-and-supervisor",
                                   ("KR", "data-location"): "domestic-required",
                                   ("KR", "notification"): "prior-notification"}


# --- compare two jurisdictions ------------------------------------------------------------------------------


def test_compare_jurisdictions_all_headline_topics(q):
    expected = {
        "2018-07-31": {"csp-oversight": ("not-researched", "not-researched", "true"),
                       "notification": ("not-researched", "not-researched", "true"),
                       "audit-rights": ("not-researched", "institution-and-supervisor", "false"),
                       "data-location": ("prohibited", "not-researched", "false")},
        "2016-10-05": {"csp-oversight": ("not-researched", "not-researched", "true"),
                       "notification": ("not-researched", "not-researched", "true"),
                       "audit-rights": ("not-researched", "not-researched", "true"),
                       "data-location": ("prohibited", "not-researched", "false")},
    }
    for day, by_topic in expected.items():
        rows = q("compare/jurisdictions", jurisdiction_a="KR", jurisdiction_b="EU", as_of=day)
        got = {r["topic"]: (r["value_a"], r["value_b"], r["same"]) for r in rows}
        assert {t: got[t] for t in by_topic} == by_topic, day
    # the same pair swapped: the columns swap
    rows = q("compare/jurisdictions", jurisdiction_a="EU", jurisdiction_b="KR", as_of="2018-07-31")
    aud = next(r for r in rows if r["topic"] == "audit-rights")
    assert (aud["value_a"], aud["value_b"]) == ("institution-and-supervisor", "not-researched")
    assert aud["sources_a"] == "Fixture Guideline, para. 4 <https://example.org/fixture-guideline#4>"


# --- who requires a value on a date -------------------------------------------------------------------------


def test_who_requires_prior_notification(q):
    assert q("compare/who-requires", topic="notification", value="prior-notification", as_of="2018-12-31") == []
    rows = q("compare/who-requires", topic="notification", value="prior-notification", as_of="2019-01-01")
    assert pick(rows, "jurisdiction", "requirement", "value_code", "modality", "status", "is_headline",
                "instrument", "locator", "url") == [
        ("KR", KR + "fixture-notification-2019", "prior-notification", "must", "unverified", "true",
         ID + "kr/fixture-reg-2019", "Art. 2(1)", "https://example.org/fixture-2019#art2")]
    # `topic/value` form binds the value's IRI: same answer
    assert q("compare/who-requires", topic="notification", value="notification/prior-notification",
             as_of="2019-01-01") == rows
    rows = q("compare/who-requires", topic="data-location", value="domestic-required", as_of="2019-06-01")
    assert pick(rows, "jurisdiction", "requirement", "is_headline") == [("KR", KR + "fixture-location-2019", "true")]
    assert q("compare/who-requires", topic="data-location", value="domestic-required", as_of="2018-07-31") == []


# --- changes between two dates ------------------------------------------------------------------------------


def test_changes_between_both_directions(q):
    cols = ("jurisdiction", "topic", "from_value", "to_value")
    back = q("changes/between", from_date="2019-06-01", to_date="2018-07-31")
    assert pick(back, *cols) == [("KR", "notification", "prior-notification", "not-researched"),
                                 ("KR", "data-location", "domestic-required", "prohibited")]
    # EU's audit rights start on 2018-07-01: a change from 2018-06-30, none from 2018-07-01
    rows = q("changes/between", from_date="2018-06-30", to_date="2018-07-31")
    assert pick(rows, *cols) == [("EU", "audit-rights", "not-researched", "institution-and-supervisor")]
    assert q("changes/between", from_date="2018-07-01", to_date="2018-12-31") == []


# --- lineage ------------------------------------------------------------------------------------------------


def test_lineage_of_instrument_without_lineage(q):
    assert q("instruments/lineage-of", instrument=ID + "eu/fixture-guideline") == []


def test_in_force_on(q):
    def ids(day):
        return sorted(r["instrument"] for r in q("instruments/in-force-on", as_of=day))

    assert ids("2016-10-04") == []
    assert ids("2018-07-31") == [ID + "eu/fixture-guideline", ID + "kr/fixture-reg-2016"]
    assert ids("2019-01-01") == [ID + "eu/fixture-guideline", ID + "kr/fixture-reg-2019"]


# --- FSC 2018 disagreements ---------------------------------------------------------------------------------


def test_fsc_2018_disagreement_row(q):
    rows = q("disagreements/fsc-2018")
    assert len(rows) == 1
    r = rows[0]
    assert (r["jurisdiction"], r["topic"], r["claimed_value"], r["primary_value"]) == \
        ("KR", "data-location", "assessment-required", "domestic-required")
    # the agreeing EU claim is not a disagreement
    assert all(x["claim"] != ID + "claim/fsc-2018/eu-audit-rights" for x in rows)


# --- requirements by data class -----------------------------------------------------------------------------


def test_by_data_class_any_and_as_of(q):
    def got(day):
        return {(r["requirement"], r["class"], r["relation"])
                for r in q("requirements/by-data-class", data_class="any", as_of=day)}

    assert got("2018-07-31") == {(EU + "fixture-audit", "any", "exact"),
                                 (KR + "fixture-location-2016", "personal-credit", "narrower"),
                                 (KR + "fixture-location-noncritical-2016", "non-critical", "narrower")}
    assert got("2019-06-01") == {(EU + "fixture-audit", "any", "exact"),
                                 (KR + "fixture-location-2019", "personal-credit", "narrower"),
                                 (KR + "fixture-location-2019", "unique-identifier", "narrower"),
                                 (KR + "fixture-notification-2019", "critical", "narrower")}
    rows = q("requirements/by-data-class", data_class="critical", as_of="2019-06-01")
    assert {(r["requirement"], r["class"], r["relation"]) for r in rows} == {
        (EU + "fixture-audit", "any", "broader"), (KR + "fixture-notification-2019", "critical", "exact")}


# --- strictest and most permissive --------------------------------------------------------------------------


def test_strictest_and_most_permissive_as_of(q):
    cols = ("topic", "position", "jurisdiction", "value")
    both = "strictest and most-permissive"
    assert pick(q("compare/strictest-and-most-permissive", as_of="2018-07-31"), *cols) == [
        ("audit-rights", both, "EU", "institution-and-supervisor"),
        ("data-location", both, "KR", "prohibited")]  # the headline: prohibited (4) beats no-restriction (1)
    assert pick(q("compare/strictest-and-most-permissive", as_of="2016-10-05"), *cols) == [
        ("data-location", both, "KR", "prohibited")]
    assert q("compare/strictest-and-most-permissive", as_of="2016-10-04") == []


EXTRA_EU = """@prefix cr:   <https://w3id.org/cloudreg/ontology#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix id:   <https://w3id.org/cloudreg/id/> .
@prefix topic: <https://w3id.org/cloudreg/id/topic/> .
@prefix v:    <https://w3id.org/cloudreg/id/value/> .
@prefix dc:   <https://w3id.org/cloudreg/id/data-class/> .
@prefix status: <https://w3id.org/cloudreg/id/status/> .
@prefix modality: <https://w3id.org/cloudreg/id/modality/> .
@prefix mat:  <https://w3id.org/cloudreg/id/materiality/> .

id:eu\\/requirement\\/fixture-location-free a cr:Requirement ;
    rdfs:label "Fixture: data anywhere"@en ;
    dct:description "Fixture requirement added by a test."@en ;
    cr:topic topic:data-location ; cr:value v:data-location\\/no-restriction ; cr:modality modality:may ;
    cr:appliesToDataClass dc:any ; cr:materiality mat:any ;
    cr:validFrom "2019-03-01"^^xsd:date ;
    cr:verificationStatus status:secondary ; cr:verificationNote "fixture"@en ;
    cr:restsOn id:eu\\/fixture-guideline\\/para-4 .
"""


@pytest.fixture(scope="module")
def q_two(tmp_path_factory):
    """The fixture KB plus one EU data-location requirement (no-restriction from 2019-03-01), so that a topic has
    a strictest and a different most permissive jurisdiction."""
    from .conftest import FIXTURES, make_root

    root = make_root(tmp_path_factory.mktemp("two") / "repo", FIXTURES / "kb" / "data")
    (root / "data" / "eu" / "fixture-location-free.ttl").write_text(EXTRA_EU)
    return query_runner(Pipeline(Project.at(root)))


def test_strictest_differs_from_most_permissive(q_two):
    cols = ("topic", "position", "jurisdiction", "value")
    both = "strictest and most-permissive"
    assert pick(q_two("compare/strictest-and-most-permissive", as_of="2019-06-01"), *cols) == [
        ("notification", both, "KR", "prior-notification"),
        ("audit-rights", both, "EU", "institution-and-supervisor"),
        ("data-location", "strictest", "KR", "domestic-required"),
        ("data-location", "most-permissive", "EU", "no-restriction")]
    # before the EU requirement starts, KR alone decides the topic
    assert pick(q_two("compare/strictest-and-most-permissive", as_of="2019-02-28"), *cols)[-1] == \
        ("data-location", both, "KR", "domestic-required")
    rows = q_two("compare/jurisdictions", jurisdiction_a="KR", jurisdiction_b="EU", as_of="2019-06-01")
    loc = next(r for r in rows if r["topic"] == "data-location")
    assert (loc["value_a"], loc["value_b"], loc["same"]) == ("domestic-required", "no-restriction", "false")
    rows = q_two("compare/who-requires", topic="data-location", value="no-restriction", as_of="2019-06-01")
    assert pick(rows, "jurisdiction", "requirement", "is_headline") == [("EU", EU + "fixture-location-free", "true")]


# --- coverage and verification status ----------------------------------------------------------------------


def test_coverage_by_jurisdiction_topic(q):
    rows = q("coverage/by-jurisdiction-topic")
    assert pick(rows, "jurisdiction", "topic", "requirements", "verified_primary", "secondary", "seed_only",
                "unverified") == [
        ("KR", "notification", 1, 0, 0, 0, 1),
        ("KR", "data-location", 3, 2, 1, 0, 0),
        ("EU", "audit-rights", 1, 1, 0, 0, 0)]


# --- every output format through the CLI, with --as-of -----------------------------------------------------

WHO_COLS = ["jurisdiction", "requirement", "value_code", "modality", "status", "is_headline", "valid_from",
            "valid_until", "instrument", "instrument_title", "locator", "url", "label"]
WHO_ROW = ["KR", KR + "fixture-location-2016", "prohibited", "must", "verified-primary", "true", "2016-10-05",
           "2019-01-01", ID + "kr/fixture-reg-2016", "Fixture Regulation, 2016 edition", "Art. 1",
           "https://example.org/fixture-2016#art1", "Fixture: personal credit data may not go to a cloud"]
WHO_ARGS = ["query", "compare/who-requires", "-p", "topic=data-location", "-p", "value=prohibited"]


def _cut(s: str) -> str:
    return s if len(s) <= 60 else s[:57] + "..."


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "md"])
def test_every_format_exact(run, fixture_root, fmt):
    r = run(*WHO_ARGS, "--as-of", "2018-07-31", "--format", fmt, "--root", fixture_root)
    assert r.exit_code == 0, r.output
    out = r.output.rstrip("\n")
    empty = run(*WHO_ARGS, "--as-of", "2019-06-01", "--format", fmt, "--root", fixture_root)  # 2016 text repealed
    assert empty.exit_code == 0, empty.output
    none = empty.output.rstrip("\n")
    if fmt == "json":
        assert json.loads(out) == [dict(zip(WHO_COLS, WHO_ROW, strict=True))]
        assert json.loads(none) == []
    elif fmt in ("csv", "tsv"):
        delim = "," if fmt == "csv" else "\t"
        assert list(csv.reader(io.StringIO(out), delimiter=delim)) == [WHO_COLS, WHO_ROW]
        assert list(csv.reader(io.StringIO(none), delimiter=delim)) == [WHO_COLS]
    elif fmt == "md":
        assert out.splitlines() == ["| " + " | ".join(WHO_COLS) + " |", "|" + "|".join(["---"] * len(WHO_COLS)) + "|",
                                    "| " + " | ".join(WHO_ROW) + " |"]
        assert none.splitlines() == out.splitlines()[:2]
    else:
        lines = out.splitlines()
        assert len(lines) == 3
        assert re.split(r"\s{2,}", lines[0]) == WHO_COLS
        assert set(lines[1]) <= {"-", " "}
        assert re.split(r"\s{2,}", lines[2]) == [_cut(c) for c in WHO_ROW]
        empty_lines = none.splitlines()  # widths follow the cells: only the header names are the same
        assert len(empty_lines) == 2 and re.split(r"\s{2,}", empty_lines[0]) == WHO_COLS
