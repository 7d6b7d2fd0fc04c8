"""`make bench-load`: many concurrent clients against `cloudreg serve` on the loopback address, for a bounded time.

    python -m cloudreg.loadbench [--clients 16] [--seconds 20] [--root .] [--queries PATTERN] [--out FILE] [--json]

Starts `cloudreg serve` (a read-only Oxigraph over the KB, asserted + inferred) on a free port of 127.0.0.1 as a
child process, then runs two phases of the same bounded length: N client threads, then 1 client. Each client
sends the catalogue's queries (queries/, without the checks) in turn, starting at a different one, each with its
example parameters bound exactly as `cloudreg query --endpoint` binds them (a VALUES block written by
queries.with_values). One request = one HTTP POST of the query to /query (keep-alive connection per client, as a
SPARQL client library would hold one), its whole answer read. An error is a non-200 status, a connection
failure, or an answer that is not SPARQL JSON. Prints requests per second, p50 / p99 latency (ms) and the error
count for each phase, the ratio of throughputs, and p50 per query. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import fnmatch
import http.client
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from cloudreg.errors import CloudregError
from cloudreg.project import Project
from cloudreg.queries import bind_params, catalogue, with_values


@dataclass
class Request:
    name: str
    body: bytes


@dataclass
class Phase:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    per_query: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    server_cpu: float = float("nan")  # CPU seconds the Oxigraph server used during the phase
    load_avg: float = float("nan")  # the machine's 1-minute load average at the end of the phase

    @property
    def ok(self) -> int:
        return len(self.latencies)

    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        k = min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))  # nearest rank
        return xs[k] * 1000


def workload(root: Path, pattern: str | None) -> list[Request]:
    """The catalogue's queries with their example parameters, bound as `cloudreg query --endpoint` binds them."""
    out = []
    for q in catalogue(Project.at(root), include_checks=False):
        if pattern and not fnmatch.fnmatch(q.name, pattern):
            continue
        given = {p.name: p.example or p.default for p in q.params.values()}
        if any(v is None for v in given.values()):
            continue  # no example to run it with
        text = with_values(q.text, bind_params(q, given, None))
        body = urllib.parse.urlencode({"query": text}).encode()
        out.append(Request(q.name, body))
    if not out:
        raise SystemExit(f"no catalogue query matches {pattern!r}")
    return out


def _client(port: int, reqs: list[Request], start: int, deadline: float, phase: Phase, lock: threading.Lock):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
    i = start
    lat, per, errs, samples = [], {}, 0, []
    while time.monotonic() < deadline:
        r = reqs[i % len(reqs)]
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/query", r.body, headers)
            resp = conn.getresponse()
            data = resp.read()
            dt = time.perf_counter() - t0
            if resp.status != 200 or not data.lstrip().startswith(b"{") or b'"head"' not in data[:200]:
                errs += 1
                samples.append(f"{r.name}: HTTP {resp.status} {data[:120]!r}")
                continue
        except (OSError, http.client.HTTPException) as e:
            errs += 1
            samples.append(f"{r.name}: {type(e).__name__}: {e}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            continue
        lat.append(dt)
        per.setdefault(r.name, []).append(dt)
    conn.close()
    with lock:
        phase.latencies += lat
        for k, v in per.items():
            phase.per_query.setdefault(k, []).extend(v)
        phase.errors += errs
        phase.error_samples += samples[:3]


def _cpu_seconds(pid: int | None) -> float:
    """utime + stime of a process, from /proc (Linux); NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, TypeError):
        return float("nan")


def server_pid(serve: subprocess.Popen) -> int | None:
    """The Oxigraph process `cloudreg serve` started (its child)."""
    try:
        kids = Path(f"/proc/{serve.pid}/task/{serve.pid}/children").read_text().split()
        return int(kids[0]) if kids else None
    except (OSError, ValueError):
        return None


def run_phase(port: int, reqs: list[Request], clients: int, seconds: float, pid: int | None = None) -> Phase:
    phase = Phase(clients, 0.0)
    cpu0 = _cpu_seconds(pid)
    lock = threading.Lock()
    t0 = time.monotonic()
    deadline = t0 + seconds
    threads = [threading.Thread(target=_client, args=(port, reqs, k * len(reqs) // clients, deadline, phase, lock))
               for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.seconds = time.monotonic() - t0  # includes the requests in flight at the deadline
    phase.server_cpu = _cpu_seconds(pid) - cpu0
    phase.load_avg = os.getloadavg()[0]
    return phase


def start_serve(root: Path, port: int) -> subprocess.Popen:
    """`cloudreg serve` as a user runs it; returns once it prints its banner (the endpoint answers)."""
    proc = subprocess.Popen([sys.executable, "-m", "cloudreg", "serve", "--port", str(port), "--root", str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    banner = proc.stdout.readline().decode()
    if "read-only" not in banner:
        proc.kill()
        raise SystemExit(f"cloudreg serve did not start: {proc.stderr.read().decode()[-2000:]}")
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def report(many: Phase, one: Phase, reqs: list[Request], triples: str, root: Path) -> str:
    def row(p: Phase) -> str:
        return (f"| {p.clients} | {p.seconds:.1f} | {p.ok} | {p.rps():.1f} | {p.pct(50):.1f} | {p.pct(99):.1f} | "
                f"{p.errors} | {p.server_cpu / p.seconds * 100:.0f} % | {p.load_avg:.1f} |")

    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
             f"KB: {root} ({triples}); {len(reqs)} catalogue queries in the mix.", "",
             "| clients | seconds | requests | requests/s | p50 ms | p99 ms | errors | server CPU | load avg |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|", row(many), row(one), "",
             "(server CPU: CPU time of the Oxigraph process / wall time, 100 % = one core; load avg: the machine's "
             "1-minute load average at the end of the phase, other processes included)", "",
             f"Throughput ratio ({many.clients} clients / 1 client): "
             f"{(many.rps() / one.rps()) if one.rps() else float('nan'):.2f}", "",
             f"| query | p50 ms, {many.clients} clients | p50 ms, 1 client | requests ({many.clients} / 1) |",
             "|---|---:|---:|---:|"]
    for r in reqs:
        a, b = many.per_query.get(r.name, []), one.per_query.get(r.name, [])
        fa = f"{statistics.median(a) * 1000:.1f}" if a else "-"
        fb = f"{statistics.median(b) * 1000:.1f}" if b else "-"
        lines.append(f"| {r.name} | {fa} | {fb} | {len(a)} / {len(b)} |")
    for p in (many, one):
        if p.error_samples:
            lines += ["", f"Errors with {p.clients} client(s), first ones:"] + [f"- {s}" for s in p.error_samples[:5]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from cloudreg.store import free_port

    ap = argparse.ArgumentParser(prog="python -m cloudreg.loadbench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=16, help="concurrent clients in the first phase (default 16)")
    ap.add_argument("--seconds", type=float, default=20, help="length of each phase (default 20)")
    ap.add_argument("--root", type=Path, default=Path("."), help="repository root whose KB is served")
    ap.add_argument("--queries", default=None, help="only catalogue queries whose name matches this glob")
    ap.add_argument("--out", type=Path, default=None, help="also write the Markdown report here")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead of Markdown")
    a = ap.parse_args(argv)
    root = a.root.resolve()
    try:
        reqs = workload(root, a.queries)
    except CloudregError as e:
        raise SystemExit(f"error: {e}") from None
    port = free_port()
    t0 = time.monotonic()
    proc = start_serve(root, port)
    print(f"cloudreg serve ready on 127.0.0.1:{port} after {time.monotonic() - t0:.1f} s; "
          f"{len(reqs)} queries; {a.clients} clients x {a.seconds:.0f} s, then 1 client x {a.seconds:.0f} s",
          file=sys.stderr)
    pid = server_pid(proc)
    try:
        run_phase(port, reqs, 1, min(2.0, a.seconds))  # warm-up (not counted)
        many = run_phase(port, reqs, a.clients, a.seconds, pid)
        one = run_phase(port, reqs, 1, a.seconds, pid)
        triples = _triples(port)
    finally:
        stop(proc)
    if a.json:
        print(json.dumps({p.clients: {"seconds": round(p.seconds, 2), "requests": p.ok,
                                      "rps": round(p.rps(), 2), "p50_ms": round(p.pct(50), 2),
                                      "p99_ms": round(p.pct(99), 2), "errors": p.errors,
                                      "server_cpu_s": round(p.server_cpu, 2)} for p in (many, one)},
                         indent=2))
    text = report(many, one, reqs, triples, root)
    if not a.json:
        print(text)
    if a.out:
        a.out.write_text(text, encoding="utf-8")
    return 0 if many.errors == 0 and one.errors == 0 else 1


def _triples(port: int) -> str:
    body = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/query", body, {"Content-Type": "application/x-www-form-urlencoded",
                                              "Accept": "application/sparql-results+json"})
        n = json.loads(conn.getresponse().read())["results"]["bindings"][0]["n"]["value"]
        return f"{int(n):,} triples served, asserted + inferred"
    except (OSError, ValueError, KeyError, IndexError):
        return "triple count unavailable"
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
