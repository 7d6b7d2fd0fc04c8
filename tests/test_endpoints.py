"""Remote SPARQL endpoints: the same answers locally (rdflib), on Oxigraph's server and on Virtuoso 7.2.

Session fixtures start a real Oxigraph server (`oxigraph serve`, writable, for `cloudreg load`), a read-only one
(`cloudreg serve`'s set-up) and a real Virtuoso (`virtuoso-t +foreground` with its own database directory) on free
loopback ports, and load the fixture KB and the real KB into each with `cloudreg.store.load` (Graph Store
Protocol). Nothing here is skipped: a missing server is a failure. Engine differences are normalised only where
SPARQL leaves the result unspecified (see `normalise`); anything else would be an explicit xfail(strict=True).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pytest
from rdflib import XSD, BNode, Literal, URIRef

from cloudreg.backends import LocalBackend, RemoteBackend
from cloudreg.diff import diff
from cloudreg.errors import CloudregError
from cloudreg.matrix import MatrixBuilder
from cloudreg.pipeline import Pipeline
from cloudreg.project import Project
from cloudreg.queries import bind_params, catalogue, find_query
from cloudreg.store import free_port, load, oxigraph_binary, prepare_store, start_read_only, wait_for_http

from .conftest import REPO

pytestmark = pytest.mark.endpoint

FIXTURE_GRAPH = "urn:cloudreg:test:fixture"
REAL_GRAPH = "urn:cloudreg:test:real"
ID_KR = "https://w3id.org/cloudreg/id/kr/requirement/"


# --- servers -------------------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    query: str
    store: str | None
    proc: subprocess.Popen

    def backend(self, graph: str | None) -> RemoteBackend:
        return RemoteBackend(self.query, default_graph=graph)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory):
    d = tmp_path_factory.mktemp("oxigraph")
    port = free_port()
    proc = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(d / "db"), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", proc)
        yield Server("oxigraph", f"http://127.0.0.1:{port}/query", f"http://127.0.0.1:{port}/store", proc)
    finally:
        _stop(proc)


VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
TempStorage        = TempDatabase
[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx
[Parameters]
ServerPort         = 127.0.0.1:{sql}
DisableUnixSocket  = 1
CaseMode           = 2
DirsAllowed        = ., {d}
NumberOfBuffers    = 10000
MaxDirtyBuffers    = 6000
[HTTPServer]
ServerPort         = 127.0.0.1:{http}
ServerRoot         = {d}
ServerThreads      = 10
Charset            = UTF-8
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows   = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 300
"""


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    exe = shutil.which("virtuoso-t")
    assert exe, "virtuoso-t not found: install Debian virtuoso-opensource (make test-deps does)"
    d = tmp_path_factory.mktemp("virtuoso")
    sql, http = free_port(), free_port()
    (d / "virtuoso.ini").write_text(VIRTUOSO_INI.format(d=d, sql=sql, http=http))
    log = open(d / "stdout.log", "wb")  # noqa: SIM115 - closed in teardown
    proc = subprocess.Popen([exe, "+configfile", str(d / "virtuoso.ini"), "+foreground"], cwd=d,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        try:
            wait_for_http(f"http://127.0.0.1:{http}/sparql?query=ASK%7B%7D", proc, timeout=180)
        except CloudregError as e:
            raise AssertionError(f"Virtuoso did not start: {e}\n{(d / 'stdout.log').read_text()[-2000:]}") from None
        yield Server("virtuoso", f"http://127.0.0.1:{http}/sparql",
                     f"http://dba:dba@127.0.0.1:{http}/sparql-graph-crud-auth", proc)
    finally:
        _stop(proc)
        log.close()


@pytest.fixture(scope="session")
def read_only(tmp_path_factory, fixture_pipe):
    """`cloudreg serve`'s server: the fixture KB in the default graph of a read-only Oxigraph."""
    d = tmp_path_factory.mktemp("serve")
    prepare_store(fixture_pipe, d / "store")
    port = free_port()
    proc = start_read_only(d / "store", port)
    try:
        yield Server("oxigraph-read-only", f"http://127.0.0.1:{port}/query", None, proc)
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def servers(oxigraph, virtuoso, fixture_pipe, real_pipe):
    """Both servers with the fixture KB and the real KB loaded (each into its own named graph)."""
    for s in (oxigraph, virtuoso):
        load(fixture_pipe, s.store, endpoint=s.query, graph=FIXTURE_GRAPH)
        load(real_pipe, s.store, endpoint=s.query, graph=REAL_GRAPH)
    return {"oxigraph": oxigraph, "virtuoso": virtuoso}


# --- comparing results ---------------------------------------------------------------------------------------

INTEGER_TYPES = {XSD.integer, XSD.int, XSD.long, XSD.short, XSD.byte, XSD.nonNegativeInteger,
                 XSD.positiveInteger, XSD.unsignedInt, XSD.unsignedLong}

# GROUP_CONCAT joins in an order SPARQL 1.1 leaves unspecified: these columns compare as sets of parts.
UNORDERED_CONCAT = {
    "requirements/all": {"data_classes": " "},
    "compare/jurisdictions": {"sources_a": " | ", "sources_b": " | "},
    "changes/between": {"from_instruments": " | ", "to_instruments": " | "},
    "coverage/open-items": {"locators": " | "},
}

# Queries whose ORDER BY is total (ends in a key): their row order must agree too.
TOTAL_ORDER = {
    "compare/jurisdictions", "changes/between", "compare/strictest-and-most-permissive",
    "matrix/requirements-in-force", "claims/all", "coverage/by-jurisdiction-topic",
    "instruments/lineage-of", "coverage/open-items",
}


def norm_term(t):
    """An RDF term as comparable data. Literals: lexical form + datatype (simple literal = xsd:string;
    integer subtypes = xsd:integer: COUNT/SUM are xsd:integer in SPARQL 1.1 but engines pick a subtype);
    blank nodes compare as 'some blank node' since labels are local to one result."""
    if t is None:
        return None
    if isinstance(t, BNode):
        return ("bnode",)
    if isinstance(t, URIRef):
        return ("iri", str(t))
    assert isinstance(t, Literal), t
    if t.language:
        return ("lit", str(t), "@" + t.language.lower())
    dtype = t.datatype or XSD.string
    if dtype in INTEGER_TYPES:
        return ("lit", str(int(str(t))), str(XSD.integer))
    return ("lit", str(t), str(dtype))


# Known engine difference: Virtuoso 7.2 returns SPARQL booleans (NOT EXISTS, =, `true`) as xsd:integer 1/0.
# Our own queries return "true"/"false" strings; these columns of the lead's queries stay boolean (matrix.py
# only tests their truth). They compare by truth value, and test_virtuoso_booleans_are_integers keeps the
# difference visible (strict xfail: it fails loudly the day Virtuoso returns real booleans).
BOOLEAN_COLUMNS = {"matrix/requirements-in-force": {"is_headline"}}


def norm_bool(t):
    if isinstance(t, Literal) and (t.datatype in INTEGER_TYPES or t.datatype == XSD.boolean):
        return ("bool", str(t) in ("1", "true"))
    return norm_term(t)


def normalise(name: str, table) -> list[tuple]:
    concat = UNORDERED_CONCAT.get(name, {})
    booleans = BOOLEAN_COLUMNS.get(name, set())
    rows = []
    for r in table.rows:
        out = []
        for col, v in zip(table.columns, r, strict=True):
            n = norm_bool(v) if col in booleans else norm_term(v)
            if col in concat and n is not None:
                parts = tuple(sorted(p for p in str(v).split(concat[col]) if p))
                n = ("concat", parts)
            out.append(n)
        rows.append(tuple(out))
    return rows


def assert_same(name: str, local, remote, where: str) -> None:
    assert local.columns == remote.columns, f"{name} on {where}: columns differ"
    a, b = normalise(name, local), normalise(name, remote)
    if name in TOTAL_ORDER:
        assert a == b, f"{name} on {where}: rows or their order differ"
    else:
        assert sorted(a, key=repr) == sorted(b, key=repr), f"{name} on {where}: rows differ"


# --- parameter sets ------------------------------------------------------------------------------------------

QUERY_NAMES = [q.name for q in catalogue(Project.at(REPO))]

# Extra parameter sets for the fixture KB (whose jurisdictions are KR and EU), beyond each query's examples.
FIXTURE_PARAMS: dict[str, list[dict[str, str]]] = {
    "compare/jurisdictions": [{"jurisdiction_a": "KR", "jurisdiction_b": "EU", "as_of": d}
                              for d in ("2018-07-31", "2019-06-01")],
    "compare/who-requires": [{"topic": "data-location", "value": v, "as_of": d}
                             for v in ("prohibited", "domestic-required", "data-location/no-restriction")
                             for d in ("2018-07-31", "2019-06-01")],
    "changes/between": [{"from_date": "2018-07-31", "to_date": "2019-06-01"},
                        {"from_date": "2019-06-01", "to_date": "2018-07-31"}],
    "instruments/lineage-of": [{"instrument": "https://w3id.org/cloudreg/id/kr/fixture-reg-2019"}],
    "requirements/by-data-class": [{"data_class": c, "as_of": d} for c in ("personal", "personal-credit", "any")
                                   for d in ("2018-07-31", "2019-06-01")],
    "compare/strictest-and-most-permissive": [{"as_of": "2018-07-31"}, {"as_of": "2019-06-01"}],
    "instruments/in-force-on": [{"as_of": "2018-07-31"}, {"as_of": "2019-06-01"}],
    "matrix/requirements-in-force": [{"as_of": "2018-07-31"}, {"as_of": "2019-06-01"}],
    "requirements/by-jurisdiction": [{"jurisdiction": "KR", "as_of": "2018-07-31"}],
}


def param_sets(q, extra: bool) -> list[dict[str, str]]:
    examples = {p.name: p.example or p.default for p in q.params.values()}
    sets = [examples] if all(v is not None for v in examples.values()) else []
    return sets + (FIXTURE_PARAMS.get(q.name, []) if extra else [])


KBS = {"fixture": FIXTURE_GRAPH, "real": REAL_GRAPH}


# Known engine failures, kept visible as strict xfails (they fail the suite the day the engine gets it right).
ENGINE_XFAIL = {
    ("compare/strictest-and-most-permissive", "virtuoso"):
        "Virtuoso 7.2 refuses the grouped sub-queries of this query with 'SQ156: Internal Optimized compiler "
        "error: Bad dfe in sqlo_place_exp' (the doubly nested NOT EXISTS form before it did not finish); "
        "Oxigraph and rdflib agree",
}
# Per knowledge base (none at present). The map/* queries once differed on Virtuoso (a `*` property path and a
# parameter in an OPTIONAL's filter): rewritten portably, see queries/README.md and
# test_virtuoso_zero_or_more_path_with_filter below.
ENGINE_XFAIL_BY_KB: dict[tuple[str, str, str], str] = {}
XFAIL_TIMEOUT = 15  # seconds: a known-slow engine query fails fast instead of taking the default 60 s


def _catalogue_cases():
    for name in QUERY_NAMES:
        for kb in ("fixture", "real"):
            for engine in ("oxigraph", "virtuoso"):
                reason = ENGINE_XFAIL.get((name, engine)) or ENGINE_XFAIL_BY_KB.get((name, engine, kb))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(name, kb, engine, marks=marks, id=f"{name}-{kb}-{engine}")


@pytest.mark.parametrize(("name", "kb", "engine"), list(_catalogue_cases()))
def test_catalogue_query_same_everywhere(name, kb, engine, servers, fixture_pipe, real_pipe):
    pipe = fixture_pipe if kb == "fixture" else real_pipe
    q = find_query(pipe.project, name)
    sets = param_sets(q, extra=kb == "fixture")
    assert sets, f"{name}: every parameter needs an example"
    remote = servers[engine].backend(KBS[kb])
    if (name, engine) in ENGINE_XFAIL:
        remote.timeout = XFAIL_TIMEOUT
    for given in sets:
        bindings = bind_params(q, dict(given), None)
        key = (name, kb, tuple(sorted(given.items())))
        if key not in _LOCAL:  # computed once for both engines
            _LOCAL[key] = LocalBackend(pipe.closure).select(q, bindings)
        assert_same(name, _LOCAL[key], remote.select(q, bindings), f"{engine}/{kb} {given}")


_LOCAL: dict = {}


@pytest.mark.xfail(strict=True, reason="Virtuoso 7.2 returns xsd:boolean results (NOT EXISTS in BIND) as "
                   "xsd:integer 1/0; the equivalence tests compare BOOLEAN_COLUMNS by truth value")
def test_virtuoso_booleans_are_integers(servers, fixture_pipe):
    q = find_query(fixture_pipe.project, "matrix/requirements-in-force")
    b = bind_params(q, {"as_of": "2018-07-31"}, None)
    local = LocalBackend(fixture_pipe.closure).select(q, b)
    remote = servers["virtuoso"].backend(FIXTURE_GRAPH).select(q, b)
    assert [list(map(norm_term, r)) for r in local.rows] == [list(map(norm_term, r)) for r in remote.rows]


# Virtuoso 7.2 and `*` property paths (diagnosis of the map/* differences): a ZeroOrMorePath from a fixed node,
# joined with a FILTER on another variable, loses and duplicates rows. On the fixture KB it returns
# fixture-location-2016 twice and never fixture-location-2019 (personal-credit is its own class: zero steps).
PATH_PREFIX = """PREFIX cr: <https://w3id.org/cloudreg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX topic: <https://w3id.org/cloudreg/id/topic/>
PREFIX dc: <https://w3id.org/cloudreg/id/data-class/>
"""
PATH_STAR = PATH_PREFIX + """SELECT ?r WHERE {
  ?r cr:topic topic:data-location ; cr:value ?v ; cr:appliesToDataClass ?c .
  dc:personal-credit cr:withinDataClass* ?c .
  ?v skos:notation ?value . FILTER (?value IN ("prohibited", "domestic-required")) }"""
# the portable form the map/* queries use (cr:withinDataClass is transitive in the closure)
PATH_PORTABLE = PATH_PREFIX + """SELECT ?r WHERE {
  ?r cr:topic topic:data-location ; cr:value ?v ; cr:appliesToDataClass ?c .
  FILTER (?c = dc:personal-credit || EXISTS { dc:personal-credit cr:withinDataClass ?c })
  ?v skos:notation ?value . FILTER (?value IN ("prohibited", "domestic-required")) }"""
PATH_EXPECTED = [ID_KR + "fixture-location-2016", ID_KR + "fixture-location-2019"]


def _first_column(server: Server, graph: str, query: str) -> list[str]:
    req = urllib.request.Request(server.query, data=urllib.parse.urlencode(
        {"query": query, "default-graph-uri": graph}).encode(), headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        data = json.loads(r.read())
    col = data["head"]["vars"][0]
    return sorted(b[col]["value"] for b in data["results"]["bindings"])


@pytest.mark.parametrize("engine", ["oxigraph", "virtuoso"])
def test_portable_data_class_rule(engine, servers, fixture_pipe):
    assert sorted(str(r[0]) for r in fixture_pipe.closure.query(PATH_PORTABLE)) == PATH_EXPECTED
    assert sorted(str(r[0]) for r in fixture_pipe.closure.query(PATH_STAR)) == PATH_EXPECTED
    assert _first_column(servers[engine], FIXTURE_GRAPH, PATH_PORTABLE) == PATH_EXPECTED
    if engine == "oxigraph":
        assert _first_column(servers[engine], FIXTURE_GRAPH, PATH_STAR) == PATH_EXPECTED


# Not strict: whether Virtuoso shows the fault depends on the order the triples were loaded in (it appeared and
# disappeared as the data changed, and again when the fast reasoner's output order changed on 2026-11-28). The
# portable form the map/* queries use is tested strictly (test_portable_data_class_rule and the catalogue tests).
@pytest.mark.xfail(strict=False, reason="Virtuoso 7.2: `dc:personal-credit cr:withinDataClass* ?c` joined with "
                   "FILTER (?value IN (...)) can return fixture-location-2016 twice and drop fixture-location-2019 "
                   "(a ZeroOrMorePath evaluated as a bag, its zero-length step lost), depending on load order; "
                   "queries/README.md")
def test_virtuoso_zero_or_more_path_with_filter(servers):
    assert _first_column(servers["virtuoso"], FIXTURE_GRAPH, PATH_STAR) == PATH_EXPECTED


def test_fixture_results_are_not_all_empty(fixture_pipe):
    """The equivalence tests above must compare something: each new query has rows on the fixture KB."""
    local = LocalBackend(fixture_pipe.closure)
    for name in ["compare/jurisdictions", "compare/who-requires", "changes/between", "instruments/lineage-of",
                 "disagreements/fsc-2018", "requirements/by-data-class", "compare/strictest-and-most-permissive"]:
        q = find_query(fixture_pipe.project, name)
        counts = [len(local.select(q, bind_params(q, s, None)).rows) for s in param_sets(q, extra=True)]
        assert any(counts), f"{name} returns no rows on the fixture KB for any parameter set"


DATES = [dt.date(2018, 7, 31), dt.date(2019, 6, 1), dt.date(2026, 11, 28)]


@pytest.mark.parametrize("engine", ["oxigraph", "virtuoso"])
@pytest.mark.parametrize("kb", ["fixture", "real"])
def test_matrix_and_diff_same_everywhere(kb, engine, servers, fixture_pipe, real_pipe):
    pipe = fixture_pipe if kb == "fixture" else real_pipe
    remote_pipe = Pipeline(pipe.project)
    remote_pipe.__dict__["backend"] = servers[engine].backend(KBS[kb])
    local_m, remote_m = MatrixBuilder(pipe.project, pipe.backend), MatrixBuilder(pipe.project, remote_pipe.backend)
    for day in DATES:
        assert local_m.build(day) == remote_m.build(day), f"matrix {day} differs on {engine}/{kb}"
    for a, b in [(DATES[0], DATES[2]), (DATES[0], DATES[1])]:
        assert diff(pipe, a, b) == diff(remote_pipe, a, b), f"diff {a}..{b} differs on {engine}/{kb}"


def test_cli_endpoint_and_graph_env(servers, fixture_root, run, monkeypatch):
    """The CLI path: --endpoint with CLOUDREG_GRAPH picks the loaded graph; output equals the local output."""
    monkeypatch.setenv("CLOUDREG_GRAPH", FIXTURE_GRAPH)
    for engine in ("oxigraph", "virtuoso"):
        url = servers[engine].query
        for args in (["matrix", "--as-of", "2019-06-01", "--format", "json"],
                     ["diff", "--from", "2018-07-31", "--to", "2019-06-01", "--format", "json"],
                     ["diff", "--from", "2018-07-31", "--to", "2026-11-28"],
                     ["matrix", "--as-of", "2026-11-28"],
                     ["query", "compare/who-requires", "-p", "topic=data-location", "-p", "value=prohibited",
                      "--as-of", "2018-07-31", "--format", "md"],
                     ["query", "changes/between", "-p", "from_date=2018-07-31", "-p", "to_date=2019-06-01",
                      "--format", "csv"],
                     ["query", "compare/jurisdictions", "-p", "jurisdiction_a=KR", "-p", "jurisdiction_b=EU",
                      "--as-of", "2019-06-01", "--format", "json"]):
            local = run(*args, "--root", fixture_root)
            remote = run(*args, "--root", fixture_root, "--endpoint", url)
            assert local.exit_code == 0 and remote.exit_code == 0, remote.output
            assert local.output == remote.output, f"{engine}: {' '.join(args)}"


# --- hostile parameters --------------------------------------------------------------------------------------

HOSTILE = ['x" } UNION { ?s ?p ?o } #', "a'b\"c\\d", "line1\nline2\r\n}", '""" } ; DROP ALL ; { "',
           "}} UNION {{ ?a ?b ?c }}", "KR\" || true || \""]


@pytest.mark.parametrize("engine", ["oxigraph", "virtuoso"])
def test_hostile_parameter_is_bound_as_a_literal(engine, servers, fixture_pipe):
    q = find_query(fixture_pipe.project, "compare/who-requires")
    remote = servers[engine].backend(FIXTURE_GRAPH)
    local = LocalBackend(fixture_pipe.closure)
    for value in HOSTILE:
        bindings = bind_params(q, {"topic": "notification", "value": value, "as_of": "2019-06-01"}, None)
        assert bindings["value"] == Literal(value)
        loc, rem = local.select(q, bindings), remote.select(q, bindings)
        assert loc.rows == [] and normalise(q.name, rem) == [], f"{value!r} matched something"
    # the same query with an honest value does find the row: the hostile runs were not vacuous
    ok = bind_params(q, {"topic": "notification", "value": "prior-notification", "as_of": "2019-06-01"}, None)
    assert len(remote.select(q, ok).rows) == len(local.select(q, ok).rows) == 1


def test_hostile_iri_parameter_is_rejected(fixture_pipe):
    q = find_query(fixture_pipe.project, "instruments/lineage-of")
    for bad in ["https://x.org/a b", "https://x.org/a> } UNION { ?s ?p ?o", "https://x.org/{x}", 'https://x"y']:
        with pytest.raises(CloudregError, match="parameter instrument|not an IRI|not allowed"):
            bind_params(q, {"instrument": bad}, None)


# --- load: replace, verify, nothing lost on failure ---------------------------------------------------------


def _count(server: Server, graph: str) -> int:
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    req = urllib.request.Request(server.query, data=urllib.parse.urlencode({"query": q}).encode(),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return int(json.loads(r.read())["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("engine", ["oxigraph", "virtuoso"])
def test_load_replaces_and_verifies(engine, servers, fixture_pipe):
    s = servers[engine]
    graph = f"urn:cloudreg:test:load-{engine}"
    first = load(fixture_pipe, s.store, endpoint=s.query, graph=graph)
    assert first.triples == len(fixture_pipe.closure) == _count(s, graph)
    assert first.verified_by == "endpoint"
    # a second load replaces (does not add to) the graph; without --endpoint the store's GET verifies
    second = load(fixture_pipe, s.store, graph=graph)
    assert second.verified_by == "store" and _count(s, graph) == first.triples
    # no staging graph is left behind
    q = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER STRSTARTS(STR(?g), 'urn:cloudreg:staging') }"
    req = urllib.request.Request(s.query, data=urllib.parse.urlencode({"query": q}).encode(),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert int(json.loads(r.read())["results"]["bindings"][0]["n"]["value"]) == 0


@pytest.mark.parametrize("engine", ["oxigraph", "virtuoso"])
def test_failed_load_leaves_previous_graph_intact(engine, servers, fixture_pipe):
    s = servers[engine]
    graph = f"urn:cloudreg:test:intact-{engine}"
    before = load(fixture_pipe, s.store, endpoint=s.query, graph=graph).triples
    good, n = fixture_pipe.closure.serialize(format="nt", encoding="utf-8"), len(fixture_pipe.closure)
    # 1. a payload the server rejects half-way (valid lines, then garbage): refused at the staging step
    broken = good + b"<urn:a> <urn:b> this is not N-Triples .\n"
    with pytest.raises(CloudregError, match="HTTP [45]"):  # Oxigraph: 400; Virtuoso: 500 (no retry here)
        load(fixture_pipe, s.store, endpoint=s.query, graph=graph, payload=(broken, n + 1), retries=0)
    assert _count(s, graph) == before
    # 2. a count that does not verify: the target is not touched
    with pytest.raises(CloudregError, match="was not touched"):
        load(fixture_pipe, s.store, endpoint=s.query, graph=graph, payload=(good, n + 5), retries=0)
    assert _count(s, graph) == before
    # 3. the final PUT itself is atomic: the same broken payload sent straight at the target changes nothing
    from cloudreg.store import GraphStore

    with pytest.raises(CloudregError, match="HTTP [45]"):
        GraphStore(s.store, retries=0).put(graph, broken)
    assert _count(s, graph) == before


def test_load_errors_are_clear(fixture_pipe, servers):
    with pytest.raises(CloudregError, match="failed after 2 attempts"):
        load(fixture_pipe, f"http://127.0.0.1:{free_port()}/store", graph="urn:x", retries=1, backoff=0.01,
             timeout=2)
    with pytest.raises(CloudregError, match="not allowed in an IRI"):
        load(fixture_pipe, servers["oxigraph"].store, graph="urn:x y")
    bad_auth = servers["virtuoso"].store.replace("dba:dba@", "dba:wrong@")
    with pytest.raises(CloudregError, match="HTTP 401"):
        load(fixture_pipe, bad_auth, graph="urn:cloudreg:test:auth", retries=0)


def test_load_cli(servers, fixture_root, run):
    s = servers["oxigraph"]
    r = run("load", "--root", fixture_root, "--store", s.store, "--endpoint", s.query, "--graph", "urn:cloudreg:test:cli")
    assert r.exit_code == 0, r.output
    assert "count verified through the endpoint" in r.output
    r = run("load", "--root", fixture_root, "--store", f"http://127.0.0.1:{free_port()}/store", "--timeout", "1")
    assert r.exit_code == 2


# --- serve: read-only, default graph -------------------------------------------------------------------------


def test_serve_answers_like_local(read_only, fixture_pipe):
    remote = read_only.backend(None)  # the KB is the default graph: no default-graph-uri needed
    local = LocalBackend(fixture_pipe.closure)
    for name in ["matrix/requirements-in-force", "instruments/lineage", "changes/between", "compare/jurisdictions"]:
        q = find_query(fixture_pipe.project, name)
        for given in param_sets(q, extra=True):
            b = bind_params(q, given, None)
            assert_same(name, local.select(q, b), remote.select(q, b), f"read-only {given}")
    remote_pipe = Pipeline(fixture_pipe.project)
    remote_pipe.__dict__["backend"] = remote
    for day in DATES:
        assert MatrixBuilder(fixture_pipe.project, remote).build(day) == \
            MatrixBuilder(fixture_pipe.project, fixture_pipe.backend).build(day)


def test_serve_refuses_updates(read_only):
    base = read_only.query.rsplit("/", 1)[0]
    upd = urllib.parse.urlencode({"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}).encode()
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(urllib.request.Request(base + "/update", data=upd), timeout=10)
    assert 400 <= e.value.code < 500
    put = urllib.request.Request(base + "/store?default", data=b"<urn:a> <urn:b> <urn:c> .\n", method="PUT",
                                 headers={"Content-Type": "application/n-triples"})
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(put, timeout=10)
    ask = urllib.parse.urlencode({"query": "ASK { <urn:a> <urn:b> <urn:c> }"})
    with urllib.request.urlopen(f"{read_only.query}?{ask}", timeout=10) as r:
        assert json.loads(r.read())["boolean"] is False


def test_serve_cli_starts_answers_and_stops(fixture_root):
    """`cloudreg serve` as users run it: a subprocess that answers /query and stops cleanly on SIGTERM."""
    import signal
    import sys

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cloudreg", "serve", "--port", str(port), "--root", str(fixture_root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        banner = proc.stdout.readline().decode()  # printed once the endpoint answers; EOF if the command failed
        assert "read-only" in banner, proc.stderr.read().decode()
        ask = urllib.parse.urlencode({"query": "ASK { ?r a <https://w3id.org/cloudreg/ontology#HeadlineRequirement> }"})
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/query?{ask}", timeout=10) as r:
            assert json.loads(r.read())["boolean"] is True  # inferred triples are in the default graph
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", timeout=3)
