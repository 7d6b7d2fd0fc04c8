import json
import os
import subprocess
import sys

from .conftest import REPO


def test_validate_fixture_exits_0(run, fixture_root):
    r = run("validate", "--root", fixture_root)
    assert r.exit_code == 0, r.output
    assert "conforms" in r.output


def test_validate_json(run, fixture_root):
    r = run("validate", "--root", fixture_root, "--format", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["conforms"] is True


def test_out_of_scheme_value_exits_1_naming_requirement_file_and_rule(run, scratch_root):
    f = scratch_root / "data" / "kr" / "fixture-reg-2019.ttl"
    f.write_text(f.read_text().replace("v:notification\\/prior-notification", "v:audit-rights\\/none"))
    r = run("validate", "--root", scratch_root)
    assert r.exit_code == 1
    line = next(x for x in r.output.splitlines() if "fixture-notification-2019" in x)
    assert line.startswith("data/kr/fixture-reg-2019.ttl: error:")
    assert "is not in the value scheme of topic" in line and "rule:" in line


def test_requirement_without_source_exits_1(run, scratch_root):
    f = scratch_root / "data" / "eu" / "fixture-guideline.ttl"
    f.write_text(f.read_text().replace("    cr:restsOn id:eu\\/fixture-guideline\\/para-4 .",
                                       '    cr:scope "no source"@en .'))
    r = run("validate", "--root", scratch_root)
    assert r.exit_code == 1
    assert "fixture-audit" in r.output and "no source" in r.output and "data/eu/fixture-guideline.ttl" in r.output


def test_syntax_error_exits_2_and_build_writes_nothing(run, scratch_root):
    (scratch_root / "data" / "kr" / "broken.ttl").write_text("@prefix x: <http://x/> .\nx:a x:b .\n")
    out = scratch_root / "build"
    r = run("build", "--root", scratch_root, "--out", out, "--no-site")
    assert r.exit_code == 2
    assert "data/kr/broken.ttl:2" in r.stderr
    assert not out.exists()
    r = run("validate", "--root", scratch_root)
    assert r.exit_code == 2 and "data/kr/broken.ttl" in r.stderr


def test_failed_build_keeps_previous_build(run, scratch_root):
    out = scratch_root / "build"
    assert run("build", "--root", scratch_root, "--out", out, "--no-site").exit_code == 0
    before = sorted(p.name for p in (out / "kb").iterdir())
    assert "matrix-2018-07-31.json" in before and "cloudreg.ttl" in before
    f = scratch_root / "data" / "eu" / "fixture-guideline.ttl"
    f.write_text(f.read_text().replace("cr:modality modality:should ;", ""))
    r = run("build", "--root", scratch_root, "--out", out, "--no-site")
    assert r.exit_code == 1 and "nothing written" in r.stderr
    assert sorted(p.name for p in (out / "kb").iterdir()) == before
    assert not [p for p in scratch_root.iterdir() if p.name.startswith(".build-")]


def test_unknown_query_exits_2(run, fixture_root):
    r = run("query", "no/such-query", "--root", fixture_root)
    assert r.exit_code == 2 and "unknown query 'no/such-query'" in r.stderr


def test_missing_parameter_exits_2(run, fixture_root):
    r = run("query", "requirements/by-jurisdiction", "--root", fixture_root)
    assert r.exit_code == 2 and "missing parameter jurisdiction" in r.stderr


def test_malformed_date_exits_2(run, fixture_root):
    for args in (["matrix", "--as-of", "2018-31-07"], ["query", "instruments/in-force-on", "--as-of", "yesterday"],
                 ["diff", "--from", "2018-07-31", "--to", "2020-02-30"]):
        r = run(*args, "--root", fixture_root)
        assert r.exit_code == 2, args
        assert "is not an ISO date" in r.stderr


def test_bad_param_syntax_exits_2(run, fixture_root):
    r = run("query", "requirements/by-jurisdiction", "-p", "jurisdiction", "--root", fixture_root)
    assert r.exit_code == 2 and "key=value" in r.stderr


def test_not_a_repository_exits_2(run, tmp_path):
    r = run("matrix", "--root", tmp_path)
    assert r.exit_code == 2 and "not a cloudreg repository" in r.stderr


def test_query_as_of_both_sides(run, fixture_root):
    def values(day):
        r = run("query", "requirements/by-jurisdiction", "-p", "jurisdiction=KR", "--as-of", day,
                "--format", "json", "--root", fixture_root)
        assert r.exit_code == 0, r.output
        return sorted((x["topic"], x["value"]) for x in json.loads(r.stdout))
    assert values("2018-12-31") == [("data-location", "no-restriction"), ("data-location", "prohibited")]
    assert values("2019-01-01") == [("data-location", "domestic-required"), ("notification", "prior-notification")]


def test_matrix_json_has_28_cells(run, fixture_root):
    r = run("matrix", "--as-of", "2018-07-31", "--format", "json", "--root", fixture_root)
    assert r.exit_code == 0
    m = json.loads(r.stdout)
    assert len(m["cells"]) == 28 and m["as_of"] == "2018-07-31"


def test_matrix_formats(run, fixture_root):
    for fmt in ("table", "csv", "md"):
        r = run("matrix", "--as-of", "2018-07-31", "--format", fmt, "--root", fixture_root)
        assert r.exit_code == 0
        assert "not researched" in r.output or "not-researched" in r.output
        assert "prohibited" in r.output


def test_queries_lists_catalogue(run, fixture_root):
    r = run("queries", "--format", "json", "--root", fixture_root)
    names = [q["name"] for q in json.loads(r.stdout)]
    assert "matrix/requirements-in-force" in names and not any(n.startswith("checks/") for n in names)
    r = run("queries", "--tag", "lineage", "--root", fixture_root)
    assert "instruments/lineage" in r.output and "matrix/" not in r.output


def test_diff_json(run, fixture_root):
    r = run("diff", "--from", "2018-07-31", "--to", "2020-01-01", "--format", "json", "--root", fixture_root)
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert set(d) == {"from", "to", "changes"} and d["changes"]
    r = run("diff", "--from", "2018-07-31", "--to", "2020-01-01", "--jurisdiction", "XX", "--root", fixture_root)
    assert r.exit_code == 2 and "unknown jurisdiction" in r.stderr


def test_installed_entry_point_and_module(fixture_root):
    for cmd in ([os.path.join(os.path.dirname(sys.executable), "cloudreg")], [sys.executable, "-m", "cloudreg"]):
        p = subprocess.run(cmd + ["validate", "--root", str(fixture_root)], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        p = subprocess.run(cmd + ["query", "nope", "--root", str(fixture_root)], capture_output=True, text=True)
        assert p.returncode == 2 and "unknown query" in p.stderr


def test_every_command_has_help(run):
    from cloudreg.cli import cli

    for name in cli.commands:
        r = run(name, "--help")
        assert r.exit_code == 0 and "--root" in r.output, name
    assert (REPO / "README.md").exists()
