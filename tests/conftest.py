"""Shared fixtures: the real repository, a tiny frozen fixture KB, and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cloudreg.pipeline import Pipeline
from cloudreg.project import Project

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def query_runner(pipe: Pipeline):
    """run(name, **params): a catalogue query on the pipeline's reasoned graph, rows as dicts of plain values."""
    from cloudreg.backends import LocalBackend
    from cloudreg.formats import plain
    from cloudreg.queries import bind_params, find_query

    local = LocalBackend(pipe.closure)

    def run(name: str, **params) -> list[dict]:
        query = find_query(pipe.project, name)
        table = local.select(query, bind_params(query, params, None))
        return [{k: plain(v) for k, v in r.items()} for r in table.dicts()]

    return run


def make_root(tmp: Path, data: Path | None = None) -> Path:
    """A repository root in `tmp` with the real ontology/ and queries/, and the given data/ folder."""
    shutil.copytree(REPO / "ontology", tmp / "ontology")
    shutil.copytree(REPO / "queries", tmp / "queries")
    if data is not None:
        shutil.copytree(data, tmp / "data")
    else:
        (tmp / "data").mkdir()
    return tmp


@pytest.fixture(scope="session")
def fixture_root(tmp_path_factory) -> Path:
    return make_root(tmp_path_factory.mktemp("fixture-kb"), FIXTURES / "kb" / "data")


@pytest.fixture(scope="session")
def fixture_pipe(fixture_root) -> Pipeline:
    return Pipeline(Project.at(fixture_root))


@pytest.fixture(scope="session")
def real_pipe() -> Pipeline:
    return Pipeline(Project.at(REPO))


@pytest.fixture
def scratch_root(tmp_path) -> Path:
    """A writable copy of the fixture KB, for tests that break files."""
    return make_root(tmp_path / "repo", FIXTURES / "kb" / "data")


@pytest.fixture
def run():
    """Run the CLI in-process; returns the click Result (exit_code, stdout, stderr)."""
    from cloudreg.cli import cli

    runner = CliRunner()

    def _run(*args: str):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return _run
