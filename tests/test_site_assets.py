"""The SPARQL page's browser assets on a machine without npm: fetched from the npm registry, checked against the lock."""

from __future__ import annotations

import json
import shutil

import pytest

from cloudreg.errors import CloudregError
from cloudreg.site import NODE_ASSETS, fetch_locked_packages
from tests.conftest import REPO

REPO_SITE = REPO / "site"


@pytest.fixture
def site_copy(tmp_path):
    for name in ("package.json", "package-lock.json"):
        shutil.copy(REPO_SITE / name, tmp_path / name)
    return tmp_path


def test_locked_packages_install_without_npm(site_copy):
    fetch_locked_packages(site_copy)
    for src in NODE_ASSETS:
        assert (site_copy / "node_modules" / src).is_file(), src
    assert json.loads((site_copy / "node_modules/oxigraph/package.json").read_text())["version"] == \
        json.loads((REPO_SITE / "package-lock.json").read_text())["packages"]["node_modules/oxigraph"]["version"]
    assert [p.name for p in site_copy.iterdir() if p.name.startswith(".pkg-")] == []  # no temp folder left


def test_a_tarball_that_does_not_match_the_lock_is_refused(site_copy):
    lock_path = site_copy / "package-lock.json"
    lock = json.loads(lock_path.read_text())
    lock["packages"]["node_modules/oxigraph"]["integrity"] = "sha512-" + "A" * 86 + "=="
    lock_path.write_text(json.dumps(lock))
    with pytest.raises(CloudregError, match="sha512 does not match .*package-lock.json"):
        fetch_locked_packages(site_copy)
    assert not (site_copy / "node_modules" / "oxigraph").exists()


def test_a_lock_without_integrity_is_refused(site_copy):
    lock_path = site_copy / "package-lock.json"
    lock = json.loads(lock_path.read_text())
    del lock["packages"]["node_modules/oxigraph"]["integrity"]
    lock_path.write_text(json.dumps(lock))
    with pytest.raises(CloudregError, match="node_modules/oxigraph has no version or sha512 integrity"):
        fetch_locked_packages(site_copy)


def test_nested_and_types_packages_install_without_npm(site_copy):
    """A nested lock key (a/node_modules/b) installs package b there; @types tarballs (top folder not package/)."""
    lock_path = site_copy / "package-lock.json"
    lock = json.loads(lock_path.read_text())
    keep = {k: v for k, v in lock["packages"].items() if k in ("", "node_modules/ms", "node_modules/@types/lodash")}
    assert len(keep) == 3, "the site's lock should still hold ms and @types/lodash (dependencies of @triply/yasqe)"
    keep["node_modules/debug/node_modules/ms"] = keep.pop("node_modules/ms")
    lock["packages"] = keep
    lock_path.write_text(json.dumps(lock))
    fetch_locked_packages(site_copy)
    nm = site_copy / "node_modules"
    assert json.loads((nm / "debug/node_modules/ms/package.json").read_text())["name"] == "ms"
    assert json.loads((nm / "@types/lodash/package.json").read_text())["name"] == "@types/lodash"
    assert sorted(p.name for p in nm.iterdir()) == ["@types", "debug"]
