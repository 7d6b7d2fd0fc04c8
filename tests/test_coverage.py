"""The coverage report (issue 9): counts per jurisdiction and topic, and the open items behind them (fixture KB)."""

from __future__ import annotations

from tests.conftest import query_runner

ID = "https://w3id.org/cloudreg/id/"


def rows(pipe, name: str) -> list[dict]:
    return query_runner(pipe)(name)


def test_open_items_lists_exactly_the_requirements_not_verified_against_the_primary_text(fixture_pipe):
    got = [(r["jurisdiction"], r["topic"], r["status"], r["requirement"], r["locators"], r["note"])
           for r in rows(fixture_pipe, "coverage/open-items")]
    # By hand from tests/fixtures/kb: of the KR requirements, the 2016 non-critical one is `secondary` (Art. 1)
    # and the 2019 notification one `unverified` (Art. 2(1)); everything else is verified-primary.
    assert got == [
        ("KR", "notification", "unverified", ID + "kr/requirement/fixture-notification-2019", "Art. 2(1)", "fixture"),
        ("KR", "data-location", "secondary", ID + "kr/requirement/fixture-location-noncritical-2016", "Art. 1",
         "fixture"),
    ]


def test_open_items_agree_with_the_coverage_counts(fixture_pipe):
    """Every not-verified requirement counted in the coverage table is listed as an open item, and no other."""
    counts = {(r["jurisdiction"], r["topic"]): int(r["requirements"]) - int(r["verified_primary"])
              for r in rows(fixture_pipe, "coverage/by-jurisdiction-topic")}
    listed: dict = {}
    for r in rows(fixture_pipe, "coverage/open-items"):
        listed[(r["jurisdiction"], r["topic"])] = listed.get((r["jurisdiction"], r["topic"]), 0) + 1
    assert listed == {k: n for k, n in counts.items() if n}


def test_open_items_agree_with_the_coverage_counts_on_the_real_kb(real_pipe):
    counts = {(r["jurisdiction"], r["topic"]): int(r["requirements"]) - int(r["verified_primary"])
              for r in rows(real_pipe, "coverage/by-jurisdiction-topic")}
    listed: dict = {}
    for r in rows(real_pipe, "coverage/open-items"):
        assert r["locators"], r["requirement"]
        listed[(r["jurisdiction"], r["topic"])] = listed.get((r["jurisdiction"], r["topic"]), 0) + 1
    assert listed == {k: n for k, n in counts.items() if n}
