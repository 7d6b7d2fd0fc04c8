"""`cloudreg map`: hand-worked cases on the fictitious fixture KB, bad profiles, and properties on the real KB.

Fixture KB (tests/fixtures/kb): KR data-location `prohibited` for personal-credit until 2019-01-01, then
`domestic-required` for personal-credit and unique-identifier; KR `prior-notification` for critical data in material
use from 2019-01-01; EU audit rights `institution-and-supervisor` (should) on any data from 2018-07-01.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from cloudreg.mapper import Mapper, effective_classes
from cloudreg.pipeline import Pipeline
from cloudreg.profile import parse_profile
from cloudreg.project import FURTHER_TOPICS, HEADLINE_TOPICS, Project
from tests.conftest import FIXTURES, REPO, make_root

EXAMPLES = sorted((REPO / "examples" / "profiles").glob("*.yaml"))


def profile(classes="[personal-credit]", material="true", hosting="[SG]", operates="[KR, EU]", terms=""):
    return parse_profile(f"""\
name: Test Bank
operates_in: {operates}
workloads:
  - name: scoring
    data_classes: {classes}
    material: {material}
    hosting: {hosting}
    provider: Example Cloud
{terms}""")


def mapped(pipe: Pipeline, day: str, **kw) -> dict:
    return Mapper(pipe.project, pipe.backend).map(profile(**kw), dt.date.fromisoformat(day))


def obligations(m: dict, j: str | None = None) -> set[tuple[str, str, str]]:
    return {(o["jurisdiction"], o["topic"], o["value"]) for o in m["obligations"] if j in (None, o["jurisdiction"])}


def conflicts(m: dict) -> set[tuple[str, str, str]]:
    return {(c["jurisdiction"], c["topic"], c["kind"]) for c in m["conflicts"]}


def not_covered(m: dict, kind: str) -> set[tuple]:
    return {(n["jurisdiction"], n["topic"]) if kind != "unknown-hosting-country" else n["host"]
            for n in m["not_covered"] if n["kind"] == kind}


# --------------------------------------------------------------------------------------------------------------
# hand-worked cases on the fixture KB


def test_korean_credit_data_abroad_after_2019(fixture_pipe):
    m = mapped(fixture_pipe, "2020-01-01")
    assert obligations(m, "KR") == {("KR", "data-location", "domestic-required"),
                                    ("KR", "notification", "prior-notification")}  # critical: material workload
    assert obligations(m, "EU") == {("EU", "audit-rights", "institution-and-supervisor")}
    assert conflicts(m) == {("KR", "data-location", "outside-jurisdiction")}
    (c,) = m["conflicts"]
    assert c["hosting"] == ["SG"] and c["data_classes"] == ["personal-credit"]
    assert [s["locator"] for s in c["sources"]] == ["Art. 2(1)"]
    loc = next(o for o in m["obligations"] if o["topic"] == "data-location")
    assert loc["data_classes"] == ["personal-credit"] and "Korea" in loc["action"]
    assert [s["url"] for s in loc["sources"]] == ["https://example.org/fixture-2019#art2"]


def test_hosting_in_the_jurisdiction_removes_the_conflict(fixture_pipe):
    m = mapped(fixture_pipe, "2020-01-01", hosting="[KR]")
    assert conflicts(m) == set()
    assert ("KR", "data-location", "domestic-required") in obligations(m)
    assert conflicts(mapped(fixture_pipe, "2020-01-01", hosting="[KR, US]")) == {
        ("KR", "data-location", "outside-jurisdiction")}


def test_before_2019_personal_credit_may_not_go_to_a_cloud_at_all(fixture_pipe):
    m = mapped(fixture_pipe, "2018-12-31", hosting="[KR]")
    assert obligations(m, "KR") == {("KR", "data-location", "prohibited")}  # no notification rule yet
    assert conflicts(m) == {("KR", "data-location", "no-cloud")}         # even hosted at home
    assert m["conflicts"][0]["sources"][0]["locator"] == "Art. 1"
    assert ("KR", "notification") in not_covered(m, "not-researched")


def test_before_the_eu_guideline_nothing_in_the_eu(fixture_pipe):
    m = mapped(fixture_pipe, "2018-06-30")
    assert obligations(m, "EU") == set()
    assert ("EU", "audit-rights") in not_covered(m, "not-researched")
    assert obligations(mapped(fixture_pipe, "2018-07-01"), "EU") == {("EU", "audit-rights", "institution-and-supervisor")}


def test_data_class_changes_the_answer(fixture_pipe):
    # unique identifiers: domestic-required from 2019 too
    m = mapped(fixture_pipe, "2020-01-01", classes="[unique-identifier]", material="false")
    assert obligations(m, "KR") == {("KR", "data-location", "domestic-required")}
    # non-critical, not material: the 2016 no-restriction rule, nothing after 2019 for it
    m = mapped(fixture_pipe, "2018-01-01", classes="[non-critical]", material="false")
    assert obligations(m, "KR") == {("KR", "data-location", "no-restriction")} and conflicts(m) == set()
    m = mapped(fixture_pipe, "2020-01-01", classes="[non-critical]", material="false")
    assert obligations(m, "KR") == set()
    assert ("KR", "data-location") in not_covered(m, "no-matching-requirement")
    assert ("KR", "notification") in not_covered(m, "no-matching-requirement")


def test_data_class_hierarchy_broader_applies_narrower_does_not(fixture_pipe):
    # `personal` is broader than personal-credit: the KR personal-credit rule does not reach it; EU's `any` does
    m = mapped(fixture_pipe, "2020-01-01", classes="[personal]", material="false")
    assert obligations(m) == {("EU", "audit-rights", "institution-and-supervisor")}
    eu = m["obligations"][0]
    assert eu["data_classes"] == ["personal"]
    assert eu["modality"] == "should" and eu["action"].startswith("Expected (should)")


def test_materiality_decides_the_notification(fixture_pipe):
    yes = mapped(fixture_pipe, "2020-01-01", classes="[critical]", material="true", hosting="[KR]")
    no = mapped(fixture_pipe, "2020-01-01", classes="[critical]", material="false", hosting="[KR]")
    assert ("KR", "notification", "prior-notification") in obligations(yes)
    assert ("KR", "notification", "prior-notification") not in obligations(no)
    assert ("KR", "notification") in not_covered(no, "no-matching-requirement")


def test_material_workload_is_treated_as_holding_critical_data():
    p = profile(classes="[personal]", material="true")
    assert effective_classes(p.workloads[0]) == ["personal", "critical"]
    assert effective_classes(profile(classes="[personal]", material="false").workloads[0]) == ["personal"]


def test_provider_terms_without_supervisor_audit_conflict_in_the_eu(fixture_pipe):
    terms = "    provider_terms: {supervisor_audit: false, institution_audit: true}\n"
    m = mapped(fixture_pipe, "2020-01-01", hosting="[KR]", terms=terms)
    assert conflicts(m) == {("EU", "audit-rights", "no-supervisor-audit")}
    assert m["conflicts"][0]["sources"][0]["locator"] == "para. 4"
    ok = "    provider_terms: {supervisor_audit: true}\n"
    assert conflicts(mapped(fixture_pipe, "2020-01-01", hosting="[KR]", terms=ok)) == set()
    assert conflicts(mapped(fixture_pipe, "2020-01-01", hosting="[KR]")) == set()  # unknown terms: no conflict
    no_inst = "    provider_terms: {institution_audit: false}\n"
    assert conflicts(mapped(fixture_pipe, "2020-01-01", hosting="[KR]", terms=no_inst)) == {
        ("EU", "audit-rights", "no-institution-audit")}


def test_not_covered_jurisdiction_and_unknown_hosting_country(fixture_pipe):
    m = mapped(fixture_pipe, "2020-01-01", operates="[SG]", hosting="[BR, DE]")
    assert obligations(m) == set() and conflicts(m) == set()
    assert not_covered(m, "not-researched") == {("SG", t) for t in HEADLINE_TOPICS + FURTHER_TOPICS}
    assert not_covered(m, "unknown-hosting-country") == {"BR"}  # DE counts as EU, which the KB has
    unknown = next(n for n in m["not_covered"] if n["kind"] == "unknown-hosting-country")
    assert set(unknown) == {"jurisdiction", "workload", "topic", "reason", "kind", "host"}
    assert unknown["jurisdiction"] is None and "BR" in unknown["reason"]


@pytest.fixture(scope="module")
def eu_domestic_pipe(tmp_path_factory) -> Pipeline:
    """The fixture KB plus a made-up EU domestic-required rule, to test EU member states and Brexit."""
    root = make_root(tmp_path_factory.mktemp("eu-domestic"), FIXTURES / "kb" / "data")
    (root / "data" / "eu" / "fixture-eu-location.ttl").write_text("""\
@prefix cr: <https://w3id.org/cloudreg/ontology#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/cloudreg/id/> . @prefix topic: <https://w3id.org/cloudreg/id/topic/> .
@prefix v: <https://w3id.org/cloudreg/id/value/> . @prefix dc: <https://w3id.org/cloudreg/id/data-class/> .
@prefix status: <https://w3id.org/cloudreg/id/status/> . @prefix modality: <https://w3id.org/cloudreg/id/modality/> .
@prefix mat: <https://w3id.org/cloudreg/id/materiality/> .
id:eu\\/requirement\\/fixture-eu-location a cr:Requirement ; rdfs:label "Fixture: personal data in the EU"@en ;
    dct:description "Fixture requirement."@en ;
    cr:topic topic:data-location ; cr:value v:data-location\\/domestic-required ; cr:modality modality:must ;
    cr:appliesToDataClass dc:personal ; cr:materiality mat:material ; cr:validFrom "2018-07-01"^^xsd:date ;
    cr:verificationStatus status:unverified ; cr:verificationNote "fixture"@en ;
    cr:restsOn id:eu\\/fixture-guideline\\/para-4 .
""", encoding="utf-8")
    return Pipeline(Project.at(root))


@pytest.mark.parametrize("host, day, conflict", [
    ("DE", "2020-01-01", False), ("EU", "2020-01-01", False), ("US", "2020-01-01", True),
    ("GB", "2019-06-01", False), ("GB", "2021-06-01", True),      # the UK left the EU on 31 January 2020
    ("HR", "2013-06-30", True), ("HR", "2018-07-01", False),      # Croatia joined on 1 July 2013 (rule from 2018)
    ("NO", "2020-01-01", True),                                   # EEA, not EU
])
def test_eu_member_states_count_as_eu_on_the_date(eu_domestic_pipe, host, day, conflict):
    m = mapped(eu_domestic_pipe, day, classes="[personal-credit]", material="true", hosting=f"[{host}]",
               operates="[EU]")
    if day < "2018-07-01":
        assert conflicts(m) == set()  # the made-up rule is not in force yet
        return
    assert (("EU", "data-location", "outside-jurisdiction") in conflicts(m)) == conflict
    # material only: a non-material workload is not caught
    m2 = mapped(eu_domestic_pipe, day, classes="[personal-credit]", material="false", hosting=f"[{host}]",
                operates="[EU]")
    assert ("EU", "data-location", "outside-jurisdiction") not in conflicts(m2)


def test_both_engines_give_the_same_map(fixture_root, fixture_pipe):
    reference = Pipeline(Project.at(fixture_root), reasoner="owlrl", store="memory")
    for day in ("2018-12-31", "2020-01-01"):
        terms = "    provider_terms: {supervisor_audit: false}\n"
        assert mapped(reference, day, terms=terms) == mapped(fixture_pipe, day, terms=terms)


def test_every_obligation_and_conflict_cites_a_provision_on_the_fixture(fixture_pipe):
    for day in ("2018-01-01", "2020-01-01"):
        m = mapped(fixture_pipe, day, classes="[personal-credit, non-critical]",
                   terms="    provider_terms: {supervisor_audit: false}\n")
        assert m["obligations"] and m["conflicts"]
        _assert_cited(m)


def test_the_two_hosting_tables_agree():
    def table(name):
        text = (REPO / "queries" / "map" / name).read_text(encoding="utf-8")
        return [" ".join(r.split()) for r in re.findall(r'^\s*\("[A-Z]{2}".*\)\s*$', text, re.M)]
    a, b = table("host-jurisdictions.rq"), table("location-conflicts.rq")
    assert len(a) > 27 and a == b


# --------------------------------------------------------------------------------------------------------------
# the command line and the output formats

KR_PROFILE = """\
name: CLI Bank
as_of: 2020-01-01
operates_in: [KR, EU]
workloads:
  - name: scoring
    data_classes: [personal-credit]
    material: true
    hosting: [SG]
    provider: Example Cloud
"""


def test_cli_json_is_the_contract_shape(run, fixture_root, tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(KR_PROFILE, encoding="utf-8")
    r = run("map", f, "--root", fixture_root, "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert set(d) == {"profile", "as_of", "obligations", "conflicts", "not_covered"}
    assert d["profile"] == "CLI Bank" and d["as_of"] == "2020-01-01"   # the profile's date
    for o in d["obligations"]:
        assert {"jurisdiction", "workload", "topic", "value", "action", "sources"} <= set(o)
    for c in d["conflicts"]:
        assert {"jurisdiction", "workload", "topic", "reason", "sources"} <= set(c)
    for n in d["not_covered"]:
        assert {"jurisdiction", "workload", "topic", "reason", "kind"} <= set(n)
    # --as-of overrides the profile's date
    d2 = json.loads(run("map", f, "--root", fixture_root, "--format", "json", "--as-of", "2018-12-31").stdout)
    assert d2["as_of"] == "2018-12-31"
    assert {c["kind"] for c in d2["conflicts"]} == {"no-cloud"}


def test_cli_csv_has_one_row_per_obligation(run, fixture_root, tmp_path):
    import csv
    import io

    f = tmp_path / "p.yaml"
    f.write_text(KR_PROFILE, encoding="utf-8")
    d = json.loads(run("map", f, "--root", fixture_root, "--format", "json").stdout)
    rows = list(csv.DictReader(io.StringIO(run("map", f, "--root", fixture_root, "--format", "csv").stdout)))
    assert len(rows) == len(d["obligations"]) == 3
    assert {(r["jurisdiction"], r["topic"], r["value"]) for r in rows} == obligations(d)
    assert all("<https://example.org/" in r["sources"] for r in rows)


def test_cli_markdown_report_has_its_sections(run, fixture_root, tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(KR_PROFILE, encoding="utf-8")
    r = run("map", f, "--root", fixture_root)
    assert r.exit_code == 0
    md = r.stdout
    for heading in ("# Cloud obligations map: CLI Bank", "## Summary", "## KR: Korea", "### Conflicts",
                    "### Checklist", "### Not covered", "## Sources"):
        assert heading in md
    assert "Fixture Regulation, 2019 edition, Art. 2(1): <https://example.org/fixture-2019#art2>" in md
    assert "must stay in Korea, but the workload is hosted in SG" in md


# --------------------------------------------------------------------------------------------------------------
# bad input: exit 2, naming the file, the field and the line

GOOD_LINES = KR_PROFILE.splitlines()


def _with(line_no: int, text: str) -> str:
    lines = list(GOOD_LINES)
    lines[line_no - 1] = text
    return "\n".join(lines) + "\n"


BAD = [
    # (profile text, line, field named in the message)
    (_with(3, "operates_in: [KR, XX]"), 3, "operates_in[1]"),
    (_with(6, "    data_classes: [personal-credit, secret]"), 6, "workloads[0].data_classes[1]"),
    (_with(2, "as_of: 2020-13-01"), 2, "as_of"),
    (_with(2, "as_of: yesterday"), 2, "as_of"),
    (_with(2, "as_of: 2020-01-01 10:00:00"), 2, "as_of"),
    (_with(7, "    material: maybe"), 7, "workloads[0].material"),
    (_with(7, "    material: [true]"), 7, "workloads[0].material"),
    (_with(8, "    hosting: [Singapore]"), 8, "workloads[0].hosting[0]"),
    (_with(8, "    hosting: SG"), 8, "workloads[0].hosting"),
    (_with(9, "    providr: Example Cloud"), 9, "workloads[0].providr"),
    (_with(3, "operates_in: []"), 3, "operates_in"),
    (_with(1, "nam: CLI Bank"), 1, "nam"),
    (_with(6, "    data_classes: [personal-credit"), None, "YAML syntax error"),
    ("\n".join(GOOD_LINES[:8]) + "\n", 5, "workloads[0].provider"),            # missing field: the workload's line
    ("\n".join(GOOD_LINES[1:]) + "\n", 1, "name"),                              # missing top-level field
]


@pytest.mark.parametrize("text, line, fieldname", BAD, ids=[b[2] + f"@{b[1]}" for b in BAD])
def test_bad_profile_exits_2_naming_file_field_and_line(run, fixture_root, tmp_path, text, line, fieldname):
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    r = run("map", f, "--root", fixture_root)
    assert r.exit_code == 2
    msg = r.stderr
    assert str(f) in msg and fieldname in msg
    if line is not None:
        assert f"{f}:{line}: {fieldname}" in msg
    else:
        assert re.search(re.escape(str(f)) + r":\d+: ", msg)


def test_yaml_syntax_error_names_the_line(run, fixture_root, tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(_with(7, "    material: true: false"), encoding="utf-8")
    r = run("map", f, "--root", fixture_root)
    assert r.exit_code == 2 and f"{f}:7: YAML syntax error" in r.stderr


def test_profiles_are_loaded_safely(run, fixture_root, tmp_path):
    marker = tmp_path / "pwned"
    f = tmp_path / "evil.yaml"
    f.write_text(_with(1, f'name: !!python/object/apply:os.system ["touch {marker}"]'), encoding="utf-8")
    r = run("map", f, "--root", fixture_root)
    assert r.exit_code == 2 and f"{f}:1: name" in r.stderr
    assert not marker.exists()


def test_missing_profile_file_exits_2(run, fixture_root, tmp_path):
    r = run("map", tmp_path / "nope.yaml", "--root", fixture_root)
    assert r.exit_code == 2 and "nope.yaml" in r.stderr


def test_norway_is_a_country_code_not_false():
    p = profile(hosting="[NO, sg]")
    assert p.workloads[0].hosting == ["NO", "SG"]


# --------------------------------------------------------------------------------------------------------------
# the real KB: properties only (the data is changing)


def _assert_cited(m: dict) -> None:
    for item in m["obligations"] + m["conflicts"]:
        assert item["sources"], f"no source: {item}"
        for s in item["sources"]:
            assert s["instrument"] and s["locator"], f"source without instrument or locator: {item}"


def test_examples_exist():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_profiles_give_cited_reports_on_the_real_kb(run, path: Path):
    r = run("map", path, "--root", REPO, "--format", "json")
    assert r.exit_code == 0, r.output
    m = json.loads(r.stdout)
    assert m["obligations"] or m["not_covered"]
    _assert_cited(m)
    jurisdictions = set(re.search(r"operates_in: \[(.*)\]", path.read_text()).group(1).replace(" ", "").split(","))
    assert {o["jurisdiction"] for o in m["obligations"]} <= jurisdictions
    md = run("map", path, "--root", REPO).stdout
    assert md.startswith("# Cloud obligations map: ") and "## Sources" in md
