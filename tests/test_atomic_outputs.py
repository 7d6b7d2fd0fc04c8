"""Atomic outputs: `cloudreg build` and `cloudreg site build` write into a temporary folder beside the target and move
it into place; a failure at any point leaves the previous output byte-for-byte untouched and no temporary folder.

Failures are injected by replacing one of our own steps with a wrapper that runs the real step and then raises
(so the temporary folder is full when the failure hits): real MkDocs, real files, nothing mocked.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cloudreg import fileio
from cloudreg import site as site_mod
from cloudreg.errors import CloudregError
from tests.conftest import FIXTURES, make_root
from tests.test_site import copy_site


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (relative path -> SHA-256 of its bytes), and every folder (-> 'dir')."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        out[rel] = "dir" if p.is_dir() and not p.is_symlink() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}-"))


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    r = make_root(tmp_path_factory.mktemp("atomic-root"), FIXTURES / "kb" / "data")
    copy_site(r)
    return r


@pytest.fixture(scope="module")
def previous_site(root) -> tuple[Path, dict]:
    """A site built for real once; the failing builds below must leave it exactly as it is."""
    from click.testing import CliRunner

    from cloudreg.cli import cli

    out = root / "out" / "site"
    r = CliRunner().invoke(cli, ["site", "build", "--root", str(root), "--out", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    snap = snapshot(out)
    assert "index.html" in snap and "ko/index.html" in snap
    return out, snap


class Injected(RuntimeError):
    pass


def _fail_after(real, exc: Exception | None = None):
    def wrapper(*args, **kwargs):
        real(*args, **kwargs)
        raise exc or Injected("injected failure")

    return wrapper


def test_site_build_failure_after_mkdocs_keeps_previous_site(root, previous_site, run, monkeypatch):
    out, snap = previous_site
    written = []

    def mkdocs_then_fail(config, docs, out_dir):
        site_mod_real(config, docs, out_dir)
        written.extend(p for p in Path(out_dir).rglob("*.html"))
        raise CloudregError("injected: a template raised")

    site_mod_real = site_mod.mkdocs_build
    monkeypatch.setattr(site_mod, "mkdocs_build", mkdocs_then_fail)
    r = run("site", "build", "--root", root, "--out", out)
    assert r.exit_code == 2 and "injected: a template raised" in r.stderr
    assert written, "the injection ran before anything was written: the test would prove nothing"
    assert snapshot(out) == snap
    assert leftovers(out.parent, "site") == []


def test_site_build_failure_in_page_generation_keeps_previous_site(root, previous_site, monkeypatch):
    out, snap = previous_site
    from cloudreg.pipeline import Pipeline
    from cloudreg.project import Project

    monkeypatch.setattr(site_mod, "generate_docs", _fail_after(site_mod.generate_docs))
    with pytest.raises(Injected):
        site_mod.build_only_site(Pipeline(Project.at(root)), out)
    assert snapshot(out) == snap
    assert leftovers(out.parent, "site") == []


def test_site_swap_failure_puts_previous_site_back(root, previous_site, monkeypatch):
    """The last step (moving the new folder in) fails: the previous site, already moved aside, is put back."""
    out, snap = previous_site
    from cloudreg.pipeline import Pipeline
    from cloudreg.project import Project

    def refuse(src, dst):
        assert Path(src).is_dir() and (Path(src) / "index.html").is_file()  # the new site was complete
        assert not Path(dst).exists()  # ... and the previous one had been moved aside
        raise OSError("injected: rename failed")

    monkeypatch.setattr(fileio, "_rename_into_place", refuse)
    with pytest.raises(OSError, match="injected"):
        site_mod.build_only_site(Pipeline(Project.at(root)), out)
    assert snapshot(out) == snap
    assert leftovers(out.parent, "site") == []


@pytest.fixture
def previous_build(root, run) -> tuple[Path, dict]:
    out = root / "out" / "build"
    r = run("build", "--root", root, "--out", out, "--no-site")
    assert r.exit_code == 0, r.output
    snap = snapshot(out)
    assert "kb/cloudreg.ttl" in snap and "kb/matrix-2018-07-31.json" in snap
    return out, snap


def test_build_failure_mid_write_keeps_previous_build(root, previous_build, run, monkeypatch):
    from cloudreg import build as build_mod

    out, snap = previous_build

    def half_then_fail(pipe, kb_dir):
        build_mod_real(pipe, kb_dir)  # every KB file written into the temporary folder...
        assert (Path(kb_dir) / "cloudreg.ttl").stat().st_size > 0
        raise CloudregError("injected: disk full")  # ... then the failure

    build_mod_real = build_mod.write_kb
    monkeypatch.setattr(build_mod, "write_kb", half_then_fail)
    r = run("build", "--root", root, "--out", out, "--no-site")
    assert r.exit_code == 2 and "injected: disk full" in r.stderr
    assert snapshot(out) == snap
    assert leftovers(out.parent, "build") == []


def test_build_with_site_failure_in_site_keeps_previous_build(root, previous_build, run, monkeypatch):
    out, snap = previous_build
    monkeypatch.setattr(site_mod, "build_site", _fail_after(site_mod.build_site, CloudregError("injected: mkdocs")))
    r = run("build", "--root", root, "--out", out)
    assert r.exit_code == 2 and "injected: mkdocs" in r.stderr
    assert snapshot(out) == snap
    assert leftovers(out.parent, "build") == []


def test_build_swap_failure_puts_previous_build_back(root, previous_build, run, monkeypatch):
    out, snap = previous_build

    def refuse(src, dst):
        raise OSError("injected: rename failed")

    monkeypatch.setattr(fileio, "_rename_into_place", refuse)
    with pytest.raises(OSError, match="injected"):
        run("build", "--root", root, "--out", out, "--no-site")
    assert snapshot(out) == snap
    assert leftovers(out.parent, "build") == []


def test_write_atomic_failure_keeps_previous_file(tmp_path):
    target = tmp_path / "export.ttl"
    target.write_text("previous\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):  # a real failure inside f.write: a lone surrogate cannot be UTF-8
        fileio.write_atomic(target, "new text, then \ud800 a lone surrogate")
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.ttl"]
