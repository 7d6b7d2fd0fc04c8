"""Threats of SECURITY.md without a test elsewhere: path traversal through data and through --out, unsafe YAML
in query headers. Real files, real MkDocs build, real CLI."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from cloudreg.errors import InputError
from cloudreg.project import Project
from cloudreg.queries import load_query
from tests.conftest import FIXTURES, make_root
from tests.test_site import copy_site


def tree(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[p.relative_to(folder).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
        elif p.is_dir() and not p.is_symlink():
            out[p.relative_to(folder).as_posix() + "/"] = "dir"
    return out


def evil_instrument(iri: str) -> str:
    """A complete instrument (so that it gets a page of its own) under a hostile IRI."""
    return f"""@prefix cr: <https://w3id.org/cloudreg/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/cloudreg/id/> .
@prefix bind: <https://w3id.org/cloudreg/id/bindingness/> .
<{iri}> a cr:Regulation ;
    dct:title "Evil regulation"@en ; dct:identifier "EVIL-1" ;
    cr:jurisdiction id:kr ; cr:issuedBy id:kr\\/fsc ; cr:bindingness bind:binding ;
    dct:issued "2018-12-20"^^xsd:date ; cr:inForceFrom "2019-01-01"^^xsd:date ;
    cr:url "https://example.org/evil"^^xsd:anyURI .
"""


@pytest.fixture
def site_scratch(tmp_path) -> Path:
    root = make_root(tmp_path / "repo", FIXTURES / "kb" / "data")
    copy_site(root)
    return root


def test_data_iri_cannot_write_outside_the_site(site_scratch, tmp_path, run):
    """A data contribution whose instrument IRI climbs out of the site folder with ../ segments."""
    marker = f"cloudreg-traversal-{uuid.uuid4().hex[:8]}"
    climb = "../" * 12  # more than enough to reach / from any temporary folder
    iri = f"https://w3id.org/cloudreg/id/kr/{climb}{tmp_path.relative_to('/')}/{marker}"
    (site_scratch / "data" / "kr" / "evil.ttl").write_text(evil_instrument(iri), encoding="utf-8")
    before = tree(tmp_path)
    out = site_scratch / "out" / "site"
    r = run("site", "build", "--root", site_scratch, "--out", out)
    escaped = [p for p in tmp_path.rglob(f"{marker}*")]
    assert not escaped, f"a page was written outside the site: {escaped}"
    assert r.exit_code == 2 and "outside" in r.stderr and marker in r.stderr
    after = tree(tmp_path)
    after.pop("repo/out/", None)  # the (empty) parent of the target the user named
    assert after == before  # nothing written anywhere (and no temporary folder left)


@pytest.mark.parametrize("command", ["build", "export", "site"])
def test_out_writes_only_where_the_user_pointed(command, site_scratch, tmp_path, run):
    before = tree(tmp_path)
    out = tmp_path / "elsewhere" / "deep" / ("kb.ttl" if command == "export" else "result")
    args = {"build": ["build", "--no-site"], "export": ["export", "--format", "ttl"], "site": ["site", "build"]}
    r = run(*args[command], "--root", site_scratch, "--out", out)
    assert r.exit_code == 0, r.output
    after = tree(tmp_path)
    changed = {k for k in set(after) | set(before) if after.get(k) != before.get(k)}
    rel = out.relative_to(tmp_path).as_posix()
    parents = {"elsewhere/", "elsewhere/deep/"}
    stray = sorted(k for k in changed if not (k == rel or k.startswith(rel + "/") or k in parents))
    assert not stray, f"{command} --out wrote outside its target: {stray}"
    assert out.exists()


def test_query_header_yaml_is_loaded_safely(tmp_path, run):
    root = make_root(tmp_path / "repo", FIXTURES / "kb" / "data")
    marker = tmp_path / "pwned"
    q = root / "queries" / "evil" / "q.rq"
    q.parent.mkdir()
    q.write_text(f'#+ summary: !!python/object/apply:os.system ["touch {marker}"]\nSELECT * WHERE {{ ?s ?p ?o }}\n')
    with pytest.raises(InputError) as e:
        load_query(q, Project.at(root))
    assert "queries/evil/q.rq" in str(e.value)
    r = run("query", "evil/q", "--root", root)
    assert r.exit_code == 2 and "queries/evil/q.rq" in r.stderr
    assert not marker.exists()
