"""Push the knowledge base into a SPARQL 1.1 Graph Store, and serve it read-only with Oxigraph.

`cloudreg load --store URL [--endpoint URL] [--graph IRI]` replaces one named graph (default `urn:cloudreg:kb`)
with the whole KB, asserted and inferred triples (the catalogue's `reasoning: required` queries need both):

1. the KB is written as N-Triples and PUT into a staging graph (`urn:cloudreg:staging:<sha256 of the target>`,
   fixed per target so that a re-run after a crash replaces the one a crashed run left behind); its triple count
   is read back and checked. If this fails, the target graph has not been touched;
2. the same payload is PUT into the target graph in ONE request. The Graph Store Protocol defines PUT as
   "replace"; Oxigraph 0.5.13 behaves as one transaction (a payload that fails to parse half-way leaves the old
   graph, and a concurrent query sees the old graph until the PUT ends), and Virtuoso 7.2
   (`/sparql-graph-crud-auth`) rejects a payload that does not parse without touching the old graph
   (tests/test_endpoints.py checks both). A crash of the server in the middle of this PUT leaves the previous
   graph: tests/test_faults.py SIGKILLs a real Oxigraph when half of the body has arrived, restarts it on the
   same data folder, finds the previous triple count, and re-runs the load to completion. A server that clears
   the graph before parsing, in its own transaction, is not atomic: that is the server's contract, not ours;
3. the staging graph is deleted (one attempt only if the load already failed: the server is probably down, and
   the next run replaces it), and the target's triple count is verified: through `--endpoint` with
   `SELECT (COUNT(*) AS ?n) WHERE { GRAPH <g> { ?s ?p ?o } }` when given, else by reading the graph back
   through the store (GET) and counting.

Requests are retried with exponential back-off on connection errors, timeouts and HTTP 5xx; an HTTP 4xx is
reported at once with the server's message. Credentials go in the URL (`http://user:pass@host/...`, Basic or
Digest, e.g. Virtuoso's `dba:dba`) or in CLOUDREG_STORE_USER / CLOUDREG_STORE_PASSWORD.

`cloudreg serve` writes the KB (asserted + inferred) into a temporary Oxigraph database's DEFAULT graph with
`oxigraph load` and runs `oxigraph serve-read-only` on 127.0.0.1, so catalogue queries see it without any
`default-graph-uri`; updates are refused by the read-only server.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from cloudreg.errors import CloudregError
from cloudreg.pipeline import Pipeline
from cloudreg.queries import sparql_term

DEFAULT_GRAPH = "urn:cloudreg:kb"
NT = "application/n-triples"
RETRIES = 4
BACKOFF = 0.5  # seconds, doubled after every failed attempt


@dataclass
class LoadResult:
    graph: str
    triples: int
    verified_by: str  # "endpoint" or "store"
    seconds: float


def kb_payload(pipe: Pipeline) -> tuple[bytes, int]:
    """The KB, asserted and inferred, as N-Triples, and its triple count."""
    g = pipe.closure
    data = g.serialize(format="nt", encoding="utf-8")
    return data, len(g)


# --- HTTP with retries ---------------------------------------------------------------------------------------


def _split_credentials(url: str) -> tuple[str, str | None, str | None]:
    parts = urllib.parse.urlsplit(url)
    user = urllib.parse.unquote(parts.username) if parts.username else os.environ.get("CLOUDREG_STORE_USER")
    pw = urllib.parse.unquote(parts.password) if parts.password else os.environ.get("CLOUDREG_STORE_PASSWORD")
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), user, pw


class Http:
    """A small urllib client: Basic/Digest auth, timeouts, retries on connection errors and 5xx."""

    def __init__(self, url: str, timeout: float = 60, retries: int = RETRIES, backoff: float = BACKOFF):
        self.url, user, pw = _split_credentials(url)
        if not self.url.startswith(("http://", "https://")):
            raise CloudregError(f"{url!r} is not an http(s) URL")
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        handlers: list = []
        if user is not None:
            mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            mgr.add_password(None, self.url, user, pw or "")
            handlers += [urllib.request.HTTPDigestAuthHandler(mgr), urllib.request.HTTPBasicAuthHandler(mgr)]
        self.opener = urllib.request.build_opener(*handlers)

    def request(self, method: str, url: str, data: bytes | None = None, headers: dict | None = None,
                what: str = "") -> tuple[int, bytes, str]:
        delay = self.backoff
        last = ""
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
            try:
                with self.opener.open(req, timeout=self.timeout) as resp:
                    return resp.status, resp.read(), resp.headers.get("Content-Type", "")
            except urllib.error.HTTPError as e:
                body = e.read()[:500].decode("utf-8", "replace").strip()
                if 400 <= e.code < 500:
                    raise CloudregError(f"{what or method} {_public(url)}: HTTP {e.code} {e.reason}: {body}") from None
                last = f"HTTP {e.code} {e.reason}: {body}"
            except (urllib.error.URLError, OSError, TimeoutError) as e:
                last = f"{type(e).__name__}: {getattr(e, 'reason', e)}"
            if attempt < self.retries:
                time.sleep(delay)
                delay *= 2
        raise CloudregError(f"{what or method} {_public(url)}: failed after {self.retries + 1} attempts: {last}")


def _public(url: str) -> str:
    return _split_credentials(url)[0]


def _graph_url(store: str, graph: str) -> str:
    return store + ("&" if "?" in store else "?") + "graph=" + urllib.parse.quote(graph, safe="")


# --- Graph Store operations ----------------------------------------------------------------------------------


class GraphStore:
    def __init__(self, store: str, endpoint: str | None = None, timeout: float = 60, retries: int = RETRIES,
                 backoff: float = BACKOFF):
        self.store = store
        self.http = Http(store, timeout, retries, backoff)
        self.endpoint = endpoint
        self.query_http = Http(endpoint, timeout, retries, backoff) if endpoint else None

    def put(self, graph: str, payload: bytes) -> None:
        self.http.request("PUT", _graph_url(self.http.url, graph), payload, {"Content-Type": NT},
                          what=f"PUT graph <{graph}>")

    def delete(self, graph: str) -> None:
        try:
            self.http.request("DELETE", _graph_url(self.http.url, graph), what=f"DELETE graph <{graph}>")
        except CloudregError as e:
            if "HTTP 404" not in str(e):
                raise

    def count(self, graph: str) -> tuple[int, str]:
        """Triples in `graph`: by a COUNT query through the endpoint if there is one, else by reading it back."""
        if self.query_http is not None:
            q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {sparql_term_iri(graph)} {{ ?s ?p ?o }} }}"
            data = urllib.parse.urlencode({"query": q}).encode()
            _, body, _ = self.query_http.request(
                "POST", self.query_http.url, data,
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"},
                what="COUNT query")
            try:
                return int(json.loads(body)["results"]["bindings"][0]["n"]["value"]), "endpoint"
            except (ValueError, KeyError, IndexError, TypeError) as e:
                raise CloudregError(f"endpoint {self.endpoint}: unexpected answer to COUNT ({e}): {body[:200]!r}") \
                    from None
        status, body, ctype = self.http.request("GET", _graph_url(self.http.url, graph),
                                                headers={"Accept": f"{NT}, text/turtle;q=0.5"},
                                                what=f"GET graph <{graph}>")
        fmt = "turtle" if "turtle" in ctype else "xml" if "xml" in ctype else "nt"
        g = Graph()
        try:
            g.parse(data=body.decode("utf-8"), format=fmt)
        except Exception as e:
            raise CloudregError(f"store {self.store}: cannot read back graph <{graph}> ({ctype}): {e}") from None
        return len(g), "store"


def sparql_term_iri(iri: str) -> str:
    from rdflib import URIRef

    return sparql_term(URIRef(iri))


def staging_graph(graph: str) -> str:
    """The staging graph for `graph`: fixed per target, so a re-run after a crash replaces (and then deletes) the
    staging graph the crashed run left behind instead of leaking a new one every time."""
    return "urn:cloudreg:staging:" + hashlib.sha256(graph.encode("utf-8")).hexdigest()[:32]


def load(pipe: Pipeline, store: str, endpoint: str | None = None, graph: str = DEFAULT_GRAPH,
         timeout: float = 60, retries: int = RETRIES, backoff: float = BACKOFF,
         payload: tuple[bytes, int] | None = None) -> LoadResult:
    """Replace `graph` in the Graph Store at `store` with the KB; verify the count. See the module docstring."""
    sparql_term_iri(graph)  # rejects an IRI with spaces, quotes or braces before anything is sent
    t0 = time.monotonic()
    data, expected = payload if payload is not None else kb_payload(pipe)
    gs = GraphStore(store, endpoint, timeout, retries, backoff)
    staging = staging_graph(graph)
    staged_ok = failed = False
    try:
        gs.put(staging, data)
        staged_ok = True
        staged, _ = gs.count(staging)
        if staged != expected:
            raise CloudregError(f"store {gs.store}: staging graph <{staging}> holds {staged} triples, expected "
                                f"{expected}; graph <{graph}> was not touched")
        try:
            gs.put(graph, data)
        except CloudregError as e:
            raise CloudregError(f"{e} (the previous content of <{graph}> is kept if the store's PUT is atomic)") \
                from None
    except BaseException:
        failed = True
        raise
    finally:
        if staged_ok:
            try:
                if failed:  # the store is probably down: one attempt, no back-off (a re-run replaces it anyway)
                    gs.http.retries = 0
                gs.delete(staging)
            except CloudregError as e:
                print(f"warning: could not delete staging graph <{staging}>: {e}", file=sys.stderr)
    got, how = gs.count(graph)
    if got != expected:
        raise CloudregError(f"store {gs.store}: graph <{graph}> holds {got} triples after loading, expected {expected} "
                            f"(counted through the {how})")
    return LoadResult(graph, got, how, time.monotonic() - t0)


# --- cloudreg serve ------------------------------------------------------------------------------------------


def oxigraph_binary() -> str:
    """The `oxigraph` server binary: next to this Python (the venv), else on PATH."""
    here = Path(sys.executable).parent / "oxigraph"
    if here.exists():
        return str(here)
    found = shutil.which("oxigraph")
    if not found:
        raise CloudregError("the Oxigraph server is not installed: pip install oxigraph (binary 'oxigraph')")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_store(pipe: Pipeline, location: Path) -> int:
    """Load the KB (asserted + inferred) into the default graph of a new Oxigraph database at `location`."""
    data, n = kb_payload(pipe)
    location.mkdir(parents=True, exist_ok=True)
    nt = location.parent / (location.name + ".nt")
    nt.write_bytes(data)
    try:
        proc = subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(nt)],
                              capture_output=True, text=True, timeout=600)
    finally:
        nt.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise CloudregError(f"oxigraph load failed: {proc.stderr.strip()[:500]}")
    return n


def start_read_only(location: Path, port: int) -> subprocess.Popen:
    """Start `oxigraph serve-read-only` on 127.0.0.1:port and wait until it answers a query."""
    proc = subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", str(location),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for_http(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", proc)
    return proc


def wait_for_http(url: str, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            raise CloudregError(f"server exited with code {proc.returncode}: {err.strip()[:500]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:  # includes HTTPError: not ready yet
            pass
        time.sleep(0.2)
    raise CloudregError(f"server did not answer {url} within {timeout:.0f} s")


def serve(pipe: Pipeline, port: int = 7878, echo=print) -> int:
    """Build the store, serve it read-only until interrupted; returns the server's exit code."""
    def stop(signum, frame):
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM):  # also when started in the background (SIGINT ignored there)
        signal.signal(sig, stop)
    tmp = Path(tempfile.mkdtemp(prefix="cloudreg-serve-"))
    proc = None
    try:
        n = prepare_store(pipe, tmp / "store")
        proc = start_read_only(tmp / "store", port)
        echo(f"serving {n} triples (asserted + inferred, default graph) read-only at "
             f"http://127.0.0.1:{port}/query — press Ctrl-C to stop")
        return proc.wait()
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM at any point, even while the server is still starting: a clean stop
        return 0
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
