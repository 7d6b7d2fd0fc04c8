"""Endpoint faults with real servers: a real Oxigraph SIGKILLed in the middle of `cloudreg load`, real loopback HTTP
servers that answer 503, drop connections, answer 4xx, or send garbage or an enormous body.

Nothing is mocked: the faults are produced by real sockets (tests/faults.py). The kill is placed exactly: a TCP proxy
in front of Oxigraph forwards the headers and half the body of the chosen PUT, then SIGKILLs the server.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from cloudreg.errors import CloudregError
from cloudreg.pipeline import Pipeline
from cloudreg.project import Project
from cloudreg.store import free_port, load, staging_graph

from .faults import KillingProxy, OxigraphProcess, ScriptedServer, Step

pytestmark = pytest.mark.endpoint

TARGET = "urn:cloudreg:test:crash"
EXTRA_TRIPLES = 4000


def _count(base: str, graph: str) -> int:
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    req = urllib.request.Request(base + "/query", data=urllib.parse.urlencode({"query": q}).encode(),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return int(json.loads(r.read())["results"]["bindings"][0]["n"]["value"])


def _staging_left(base: str) -> int:
    q = ("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
         "FILTER STRSTARTS(STR(?g), 'urn:cloudreg:staging') }")
    req = urllib.request.Request(base + "/query", data=urllib.parse.urlencode({"query": q}).encode(),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return int(json.loads(r.read())["results"]["bindings"][0]["n"]["value"])


def _grow_kb(root) -> None:
    """Make the next load different (and bigger) than the one already in the store."""
    lines = ["@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
             "@prefix id: <https://w3id.org/cloudreg/id/> ."]
    lines += [f'id:eu\\/crash-test-{i} rdfs:comment "padding triple {i} for the crash test" .'
              for i in range(EXTRA_TRIPLES)]
    (root / "data" / "eu" / "crash-padding.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def oxi(tmp_path):
    server = OxigraphProcess(tmp_path / "oxigraph-db").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("phase", ["target", "staging"])
def test_sigkill_mid_load_keeps_previous_graph_and_rerun_completes(phase, oxi, scratch_root, run):
    # 1. the previous graph: the fixture KB, loaded and verified through the CLI
    r = run("load", "--root", scratch_root, "--store", f"{oxi.base}/store", "--endpoint", f"{oxi.base}/query",
            "--graph", TARGET)
    assert r.exit_code == 0, r.output
    before = _count(oxi.base, TARGET)
    assert before == len(Pipeline(Project.at(scratch_root)).closure) > 0
    _grow_kb(scratch_root)
    expected_after = len(Pipeline(Project.at(scratch_root)).closure)
    assert expected_after > before

    # 2. a second load through a proxy that SIGKILLs Oxigraph when half the chosen PUT's body has been sent
    trigger_graph = TARGET if phase == "target" else staging_graph(TARGET)
    proxy = KillingProxy(oxi.port, "PUT /store?graph=" + urllib.parse.quote(trigger_graph, safe=""), oxi.kill)
    store = f"http://127.0.0.1:{proxy.port}/store"
    try:
        if phase == "target":  # the CLI as users run it (it retries with back-off, then exits 2)
            r = run("load", "--root", scratch_root, "--store", store, "--endpoint", f"{oxi.base}/query",
                    "--graph", TARGET)
            assert r.exit_code == 2, r.output
            assert "Traceback" not in r.output and store in r.stderr and "failed after 5 attempts" in r.stderr
        else:
            with pytest.raises(CloudregError, match="failed after 1 attempts"):
                load(Pipeline(Project.at(scratch_root)), store, endpoint=f"{oxi.base}/query", graph=TARGET,
                     retries=0)
        assert proxy.fired.is_set() and oxi.proc.poll() is not None, "the server was not killed mid-PUT"
        put_line = "PUT /store?graph=" + urllib.parse.quote(trigger_graph, safe="")
        assert any(line.startswith(put_line) for line in proxy.request_lines)

        # 3. restart on the same data folder: the previous graph is intact
        oxi.start()
        assert _count(oxi.base, TARGET) == before

        # 4. a re-run (same command, through the same proxy, which no longer interferes) completes and verifies
        r = run("load", "--root", scratch_root, "--store", store, "--endpoint", f"{oxi.base}/query",
                "--graph", TARGET)
        assert r.exit_code == 0, r.output
        assert "count verified through the endpoint" in r.output
        assert _count(oxi.base, TARGET) == expected_after
        assert _staging_left(oxi.base) == 0  # the crashed run's staging graph was replaced, then deleted
    finally:
        proxy.close()


# --- retries, back-off, 4xx, unreachable ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    """A real Oxigraph that the scripted servers proxy to once their faults are used up."""
    server = OxigraphProcess(tmp_path_factory.mktemp("upstream") / "db").start()
    try:
        yield server
    finally:
        server.stop()


def test_503_twice_then_success_with_backoff(upstream, fixture_pipe):
    flaky = ScriptedServer([Step("status", 503, b"busy"), Step("status", 503, b"busy")], Step("proxy"),
                           upstream=upstream.base)
    try:
        res = load(fixture_pipe, f"{flaky.base}/store", graph="urn:cloudreg:test:flaky", retries=3, backoff=0.1)
    finally:
        flaky.close()
    assert res.triples == len(fixture_pipe.closure) == _count(upstream.base, "urn:cloudreg:test:flaky")
    # PUT staging x3 (two 503s, then through), GET staging, PUT target, DELETE staging, GET target
    methods = [a.method for a in flaky.attempts]
    assert methods == ["PUT", "PUT", "PUT", "GET", "PUT", "DELETE", "GET"], methods
    t = [a.at for a in flaky.attempts[:3]]
    assert t[1] - t[0] >= 0.1 and t[2] - t[1] >= 0.2, "back-off must wait, and double"


def test_dropped_connections_are_retried(upstream, fixture_pipe):
    flaky = ScriptedServer([Step("drop"), Step("drop"), Step("status", 502, b"bad gateway")], Step("proxy"),
                           upstream=upstream.base)
    try:
        res = load(fixture_pipe, f"{flaky.base}/store", graph="urn:cloudreg:test:drops", retries=3, backoff=0.01)
    finally:
        flaky.close()
    assert res.triples == _count(upstream.base, "urn:cloudreg:test:drops")
    assert len(flaky.attempts) == 4 + 4  # three faults on the first PUT, then its success, then 3 more requests


def test_5xx_until_the_end_names_the_url_and_attempts(fixture_pipe):
    down = ScriptedServer([], Step("status", 503, b"maintenance until noon"))
    try:
        with pytest.raises(CloudregError) as e:
            load(fixture_pipe, f"{down.base}/store", graph="urn:x", retries=2, backoff=0.01)
    finally:
        down.close()
    msg = str(e.value)
    assert f"{down.base}/store" in msg and "failed after 3 attempts" in msg and "HTTP 503" in msg
    assert "maintenance until noon" in msg
    assert len(down.attempts) == 3


@pytest.mark.parametrize("code", [400, 403, 404, 413])
def test_4xx_is_reported_at_once_with_the_servers_message(code, fixture_pipe):
    refusing = ScriptedServer([], Step("status", code, b"you shall not pass"))
    try:
        with pytest.raises(CloudregError) as e:
            load(fixture_pipe, f"{refusing.base}/store", graph="urn:x", retries=4, backoff=5)
    finally:
        refusing.close()
    assert len(refusing.attempts) == 1  # not retried (and the 5 s back-off never ran)
    msg = str(e.value)
    assert f"HTTP {code}" in msg and "you shall not pass" in msg and f"{refusing.base}/store" in msg


def test_credentials_never_appear_in_errors(fixture_pipe):
    refusing = ScriptedServer([], Step("status", 401, b"no"))
    url = f"http://alice:s3cret@127.0.0.1:{refusing.port}/store"
    try:
        with pytest.raises(CloudregError) as e:
            load(fixture_pipe, url, graph="urn:x", retries=0)
    finally:
        refusing.close()
    assert "s3cret" not in str(e.value) and "HTTP 401" in str(e.value)


def test_unreachable_store_cli_exit_2_names_url(fixture_root, run):
    url = f"http://127.0.0.1:{free_port()}/store"
    r = run("load", "--root", fixture_root, "--store", url, "--timeout", "1")
    assert r.exit_code == 2
    assert url in r.stderr and "failed after" in r.stderr and "Traceback" not in r.output + r.stderr


def test_unreachable_query_endpoint_cli_exit_2_names_url(fixture_root, run):
    url = f"http://127.0.0.1:{free_port()}/sparql"
    r = run("query", "claims/all", "--root", fixture_root, "--endpoint", url)
    assert r.exit_code == 2
    assert url in r.stderr and "Traceback" not in r.output + r.stderr


# --- a hostile query endpoint: malformed or enormous results -------------------------------------------------


@pytest.mark.parametrize("body", [b"<html>not json</html>", b'{"head": {"vars": ["x"]}}', b"\xff\xfe garbage",
                                  b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "evil"}}]}}'])
def test_malformed_results_give_a_clear_error(body, fixture_root, run):
    hostile = ScriptedServer([], Step("status", 200, body, ctype="application/sparql-results+json"))
    try:
        r = run("query", "claims/all", "--root", fixture_root, "--endpoint", f"{hostile.base}/sparql")
    finally:
        hostile.close()
    assert r.exit_code == 2, r.output
    assert hostile.base in r.stderr or "SPARQL JSON" in r.stderr
    assert "Traceback" not in r.output + r.stderr


CAP = 2 * 2**20  # a small cap for the test (the default is backends.MAX_RESULT_BYTES)


def test_enormous_result_is_cut_off_with_bounded_memory(fixture_root, run, monkeypatch):
    import resource

    monkeypatch.setenv("CLOUDREG_MAX_RESULT_BYTES", str(CAP))
    sent = {"bytes": 0}

    def endless():  # a valid-looking SPARQL JSON head, then bindings forever (until the client hangs up)
        yield b'{"head": {"vars": ["x"]}, "results": {"bindings": ['
        row = b'{"x": {"type": "literal", "value": "' + b"A" * 4000 + b'"}},'
        while sent["bytes"] < 100 * CAP:  # a hard stop so a broken client cannot hang CI
            sent["bytes"] += len(row) * 256
            yield row * 256

    hostile = ScriptedServer([], Step("stream", ctype="application/sparql-results+json", chunks=endless))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    try:
        r = run("query", "claims/all", "--root", fixture_root, "--endpoint", f"{hostile.base}/sparql")
    finally:
        hostile.close()
    rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert r.exit_code == 2, r.output
    assert "larger than" in r.stderr and hostile.base in r.stderr
    assert sent["bytes"] < 100 * CAP, "the client read the whole stream"
    assert rss_growth_mb < 3 * CAP / 2**20 + 64
