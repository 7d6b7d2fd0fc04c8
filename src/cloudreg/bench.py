"""`make bench`: the fast path (pyoxigraph + reasonable) and the reference path (rdflib + owlrl) side by side.

    python -m cloudreg.bench [--sizes 10000,100000,1000000] [--cap-ref 75] [--cap-fast 300] [--runs 3] [--out FILE]
                             [--site-triples 50000]

For the real KB and each synthetic size (cloudreg.synth, seed 1), each path runs in its own child process that
reports every step as it finishes (seconds, and the child's peak RSS so far). A child that passes its time cap is
killed; the step it was in is reported as "> N s" and the steps after it as "-". Queries: median of --runs runs
(a query slower than 1 s runs once). Also on the real KB: `cloudreg build --no-site` wall time on each path, and the
site (fast path) in ms per page, and the site of a synthetic KB of --site-triples (1,000+ pages). Prints Markdown
tables; --out also writes them to a file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2020-01-01"


# ---------------------------------------------------------------------------------------------------------------
# child: run the steps of one path on one root, one JSON line per step


def _emit(step: str, seconds: float, **extra) -> None:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"step": step, "seconds": seconds, "rss_mb": round(rss), **extra}), flush=True)


def _timed(step: str, fn, runs: int = 1, **extra):
    times, out = [], None
    for i in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
        if i == 0 and times[0] > 1.0:
            break
    _emit(step, statistics.median(times), **extra)
    return out


def child(path: str, root: Path, runs: int, site: bool, part: str = "core", order: str = "") -> None:
    import datetime as dt

    from cloudreg.matrix import MatrixBuilder
    from cloudreg.project import Project
    from cloudreg.queries import bind_params, catalogue

    project = Project.at(root)
    _emit("start", 0.0)
    day = dt.date.fromisoformat(AS_OF)
    if path == "fast":
        import pyoxigraph as ox

        from cloudreg import fast
        from cloudreg.validate import validate_store

        store, files = _timed("load", lambda: fast.load_store(project))
        _emit("triples asserted", 0.0, count=len(store))
        stats = _timed("reason", lambda: fast.reason_store(store))
        _emit("triples inferred", 0.0, count=sum(1 for _ in store.quads_for_pattern(
            None, None, None, ox.NamedNode(fast.INFERRED_GRAPH))), rounds=stats.rounds)
        backend = fast.LocalOxigraphBackend(store)
        if part == "core":
            _timed("matrix query", lambda: _matrix_query(project, backend, day), runs)
            _timed("matrix", lambda: MatrixBuilder(project, backend).build(day), runs)
            _timed("export nt", lambda: _dump(store), runs=1)
            if site:
                _site(project, root)
            # the shapes compiled to SPARQL on the store (cloudreg.shacl_sparql); the reference runs pySHACL
            rep = _timed("validate", lambda: validate_store(project, store, files))
            _emit("violations", 0.0, count=len(rep.violations))
    else:
        from cloudreg.backends import LocalBackend
        from cloudreg.load import load_kb
        from cloudreg.reason import closure_of, reason
        from cloudreg.validate import validate

        kb = _timed("load", lambda: load_kb(project))
        asserted = kb.asserted()
        _emit("triples asserted", 0.0, count=len(asserted))
        inferred = _timed("reason", lambda: reason(asserted))
        _emit("triples inferred", 0.0, count=len(inferred))
        closure = closure_of(asserted, inferred)
        backend = LocalBackend(closure)
        if part == "core":
            _timed("matrix query", lambda: _matrix_query(project, backend, day), runs)
            _timed("matrix", lambda: MatrixBuilder(project, backend).build(day), runs)
            _timed("export nt", lambda: closure.serialize(format="nt"), runs=1)
            rep = _timed("validate", lambda: validate(kb, closure))
            _emit("violations", 0.0, count=len(rep.violations))
    if part == "core":
        _emit("done", 0.0)
        return
    rank = {name: i for i, name in enumerate(order.split(",")) if name}
    qs = catalogue(project, include_checks=False)
    if rank:  # --order: only these queries, in this order
        qs = sorted((q for q in qs if q.name in rank), key=lambda q: rank[q.name])
    for q in qs:
        given = {p.name: p.example for p in q.params.values() if p.name != "as_of" and p.example is not None}
        b = bind_params(q, given, AS_OF if "as_of" in q.params else None)
        _timed("query " + q.name, lambda q=q, b=b: backend.select(q, b), runs)
    _emit("done", 0.0)


def _matrix_query(project, backend, day) -> int:
    """The matrix query alone (matrix/requirements-in-force); "matrix" adds sources, data classes and claims."""
    from cloudreg.queries import find_query, to_term

    q = find_query(project, "matrix/requirements-in-force")
    return len(backend.select(q, {"as_of": to_term(q.params["as_of"], day.isoformat())}).rows)


def _dump(store) -> int:
    import io

    import pyoxigraph as ox

    buf = io.BytesIO()
    for g in store.named_graphs():
        store.dump(buf, ox.RdfFormat.N_TRIPLES, from_graph=g)
    return len(buf.getvalue())


def _site(project, root: Path) -> None:
    """The site on the fast path, in two timed phases: generating the Markdown pages and downloads from the KB
    (site.generate_docs: catalogue queries, Jinja templates, exports) and `mkdocs build --strict`."""
    try:
        from cloudreg.pipeline import Pipeline
        from cloudreg.site import generate_docs, mkdocs_build, site_stats
    except ImportError:
        return
    if not (project.site_dir / "mkdocs.yml").is_file():
        return
    pipe = Pipeline(project)
    pipe.report  # noqa: B018 - the site shows the report; keep its cost out of the site time
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        try:
            docs = Path(tmp) / "docs"
            shutil.copytree(project.site_dir / "docs", docs, ignore=shutil.ignore_patterns("reference"))
            generate_docs(pipe, docs)
            t_gen = time.perf_counter() - t
            mkdocs_build(project.site_dir / "mkdocs.yml", docs, Path(tmp) / "site")
        except Exception as e:  # report, do not fail the benchmark
            _emit("site", time.perf_counter() - t, error=str(e)[:200])
            return
        s = time.perf_counter() - t
        st = site_stats(Path(tmp) / "site")
        pages = st["en"] + st["ko"]
        _emit("site", s, pages=pages, ms_per_page=round(1000 * s / max(pages, 1), 1), generate_s=round(t_gen, 2),
              mkdocs_s=round(s - t_gen, 2))


# ---------------------------------------------------------------------------------------------------------------
# parent


def run_child(path: str, root: Path, cap: float, runs: int, site: bool, part: str = "core", order: str = "") -> dict:
    cmd = [sys.executable, "-m", "cloudreg.bench", "--child", path, "--root", str(root), "--runs", str(runs),
           "--part", part, "--order", order]
    if site:
        cmd.append("--site")
    import queue
    import threading

    errf = tempfile.TemporaryFile(mode="w+")
    def limit():  # a child that needs more than --mem-gb fails with MemoryError instead of swamping the machine
        lim = int(float(os.environ.get("CLOUDREG_BENCH_MEM_GB", "12")) * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errf, text=True, cwd=str(REPO), preexec_fn=limit)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    steps: dict[str, dict] = {}
    start = last = time.perf_counter()
    killed = False
    while True:
        try:
            line = lines.get(timeout=0.05)
        except queue.Empty:
            line = None
        if line is not None:
            try:
                d = json.loads(line)
                steps[d["step"]] = d
                last = time.perf_counter()
            except ValueError:
                pass
            continue
        if proc.poll() is not None and lines.empty():
            time.sleep(0.05)
            if lines.empty():
                break
        if time.perf_counter() - start > cap:
            proc.kill()
            proc.wait()
            killed = True
            break
    errf.seek(0)
    err = errf.read()
    errf.close()
    return {"steps": steps, "killed": killed, "running_for": time.perf_counter() - last, "cap": cap,
            "error": err.strip().splitlines()[-1] if (err.strip() and not killed and "done" not in steps) else None}


def cli_build(root: Path, reasoner: str, store: str, cap: float) -> str:
    cloudreg = Path(sys.executable).with_name("cloudreg")
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        try:
            subprocess.run([str(cloudreg), "--reasoner", reasoner, "--store", store, "build", "--no-site", "--root",
                            str(root), "--out", str(Path(tmp) / "b")], check=True, capture_output=True, timeout=cap)
        except subprocess.TimeoutExpired:
            return f"> {cap:.0f} s"
        except subprocess.CalledProcessError as e:
            return "error: " + (e.stderr.decode().strip().splitlines() or ["?"])[-1][:80]
        return _fmt(time.perf_counter() - t)


def _fmt(s: float) -> str:
    if s < 0.1:
        return f"{s * 1000:.1f} ms"
    return f"{s:.2f} s"


FAST_ONLY = {"rdflib views (kb for file names)", "site"}


def _cell(res: dict, step: str, expected: list[str]) -> tuple[str, float | None, float]:
    """Text, seconds (or None) and, for a killed child, how long it had been in this step."""
    d = res["steps"].get(step)
    if d is not None:
        return _fmt(d["seconds"]), d["seconds"], 0.0
    part = res.get("parts", (res, res))[1 if step.startswith("query ") else 0]
    if step in part.get("capped", {}):
        return f"> {part['capped'][step]:.0f} s (cap)", None, part["capped"][step]
    if not part["steps"] and not part.get("cap"):
        return "not run", None, 0.0
    if part["killed"]:
        mine = [s for s in expected if s.startswith("query ") == step.startswith("query ")]
        nxt = next((s for s in mine if s not in part["steps"]), None)
        if step == nxt:
            return f"> {part['running_for']:.0f} s (cap)", None, part["running_for"]
        return "- (cap reached before)", None, 0.0
    return ("error" if part.get("error") else "-"), None, 0.0


def table(label: str, fast: dict, ref: dict) -> list[str]:
    order = ["load", "triples asserted", "reason", "triples inferred", "matrix query", "matrix", "export nt"] + \
        (["site"] if "site" in fast["steps"] else []) + ["validate", "violations"]
    for r in (fast, ref):
        for s in r["steps"]:
            if s not in order:
                order.append(s)
    # the order the reference children run their steps in: core steps, then queries fastest (on the fast path) first
    fq = sorted((k for k in fast["steps"] if k.startswith("query ")), key=lambda k: fast["steps"][k]["seconds"])
    expected = [k for k in order if not k.startswith("query ") and k not in FAST_ONLY] + fq
    rows = [f"### {label}", "", "| step | fast (pyoxigraph + reasonable) | reference (rdflib + owlrl) | ratio ref/fast |",
            "|---|---|---|---|"]
    for s in order:
        if s in ("start", "done"):
            continue
        fd, rd = fast["steps"].get(s, {}), ref["steps"].get(s, {})
        if "count" in fd or "count" in rd:
            rows.append(f"| {s} | {fd.get('count', '-')} | {rd.get('count', '-')} | |")
            continue
        if s == "site":
            extra = (f" ({fd.get('pages')} pages, {fd.get('ms_per_page')} ms/page; generating pages "
                     f"{fd.get('generate_s')} s, mkdocs {fd.get('mkdocs_s')} s)") if "pages" in fd else \
                (f" ({fd.get('error')})" if "error" in fd else "")
            rows.append(f"| site generation | {_fmt(fd['seconds'])}{extra} | not run | |")
            continue
        fc, fs, _ = _cell(fast, s, order)
        if s in FAST_ONLY:
            rc, rs, rrun = "n/a", None, 0.0
        else:
            rc, rs, rrun = _cell(ref, s, expected)
        if rs is None and rc.startswith(">") and fs:
            ratio = f"> {rrun / fs:.0f}×"
        elif rs is not None and fs:
            ratio = f"{rs / fs:.1f}×"
        else:
            ratio = ""
        rows.append(f"| {s} | {fc} | {rc} | {ratio} |")
    peak_f = max((d.get("rss_mb", 0) for d in fast["steps"].values()), default=0)
    peak_r = max((d.get("rss_mb", 0) for d in ref["steps"].values()), default=0)
    rows.append(f"| peak memory (max RSS of a child) | {peak_f} MB | {peak_r} MB"
                f"{' (when killed)' if ref['killed'] else ''} | |")
    for name, r in (("fast", fast), ("reference", ref)):
        if r.get("error"):
            rows.append(f"| {name} child failed | {r['error'][:120]} | | |")
    return rows + [""]


def _merge(core: dict, queries: dict) -> dict:
    """One result from the core child and the query child (queries shown after the core steps)."""
    steps = dict(core["steps"])
    steps.pop("done", None)
    qsteps = {k: v for k, v in queries["steps"].items() if k.startswith("query ")}
    out = dict(core)
    out["steps"] = {**steps, **qsteps}
    out["parts"] = (core, queries)
    return out


def both(root: Path, a, site: bool, ref_queries: bool = True, per_query: bool = False,
         ref_order: str = "") -> tuple[dict, dict]:
    fast = run_child("fast", root, a.cap_fast, a.runs, site=site)
    fq = run_child("fast", root, a.cap_fast_queries, a.runs, site=False, part="queries")
    order = ",".join(k[6:] for k, _ in sorted(((k, v["seconds"]) for k, v in fq["steps"].items()
                                               if k.startswith("query ")), key=lambda kv: kv[1]))
    ref = run_child("ref", root, a.cap_ref, a.runs, site=False)
    rq = {"steps": {}, "killed": False, "running_for": 0, "cap": 0, "error": None, "capped": {}}
    if per_query:  # one child per query, so a query rdflib cannot finish does not hide the others
        for name in order.split(","):
            r = run_child("ref", root, a.cap_ref_query, 1, site=False, part="queries", order=name)
            rq["steps"].update({k: v for k, v in r["steps"].items() if k.startswith("query ")})
            if r["killed"]:
                rq["capped"]["query " + name] = r["running_for"]
            rq["cap"] = a.cap_ref_query
    elif ref_queries:
        rq = run_child("ref", root, a.cap_ref_queries, a.runs, site=False, part="queries", order=ref_order or order)
    return _merge(fast, fq), _merge(ref, rq)


def _copy_site(root: Path) -> None:
    shutil.copytree(REPO / "site", root / "site", symlinks=True, ignore=shutil.ignore_patterns("node_modules"))
    if (REPO / "site" / "node_modules").exists():
        os.symlink(REPO / "site" / "node_modules", root / "site" / "node_modules")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", choices=["fast", "ref"])
    ap.add_argument("--root", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--site", action="store_true")
    ap.add_argument("--part", choices=["core", "queries"], default="core")
    ap.add_argument("--order", default="")
    ap.add_argument("--cap-ref-queries", type=float, default=30.0,
                    help="seconds per reference query child (on the real KB: per query, load and reason included)")
    ap.add_argument("--cap-ref-query", type=float, default=12.0,
                    help="seconds per reference query on the real KB (its own child: load + reason + query)")
    ap.add_argument("--cap-fast-queries", type=float, default=60.0, help="seconds per fast query child")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--cap-ref", type=float, default=75.0, help="seconds per reference child")
    ap.add_argument("--cap-fast", type=float, default=300.0, help="seconds per fast child")
    ap.add_argument("--site-triples", type=int, default=50000,
                    help="size of the synthetic KB whose site is built (1,000+ pages); 0: none")
    ap.add_argument("--cap-site", type=float, default=400.0, help="seconds for the synthetic site child")
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)
    if a.child:
        child(a.child, a.root, a.runs, a.site, a.part, a.order)
        return
    from cloudreg.synth import generate

    t0 = time.perf_counter()
    lines = [f"cloudreg benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs; command: "
             f"`python -m cloudreg.bench {' '.join(argv if argv is not None else sys.argv[1:])}`".rstrip(), ""]
    print(lines[0], flush=True)
    # real KB
    fast, ref = both(REPO, a, site=True, per_query=True)
    # synthetic sizes: the reference runs its queries fastest-on-the-real-KB first (capped ones last)
    ref_order = ",".join(k[6:] for k in sorted((k for k in fast["steps"] if k.startswith("query ")),
                         key=lambda k: ref["steps"].get(k, {}).get("seconds", 1e9)))
    block = table("real KB (this repository)", fast, ref)
    block.insert(-1, f"| `cloudreg build --no-site` (wall, CLI) | {cli_build(REPO, 'reasonable', 'oxigraph', 60)} | "
                     f"{cli_build(REPO, 'owlrl', 'memory', 120)} | |")
    print("\n".join(block), flush=True)
    lines += block
    with tempfile.TemporaryDirectory(prefix="cloudreg-bench-") as tmp:
        for size in [int(x) for x in a.sizes.split(",") if x]:
            root = Path(tmp) / f"synth-{size}"
            t = time.perf_counter()
            n = generate(root, size, seed=1, repo=REPO)
            site = size <= 10000 and (REPO / "site" / "mkdocs.yml").is_file()
            if site:
                _copy_site(root)
            gen = time.perf_counter() - t
            fast, ref = both(root, a, site=site, ref_queries=size < 1_000_000, ref_order=ref_order)
            block = table(f"synthetic, {size:,} triples asked ({n:,} data triples written in {gen:.1f} s, seed 1)",
                          fast, ref)
            print("\n".join(block), flush=True)
            lines += block
            shutil.rmtree(root, ignore_errors=True)
        if a.site_triples and (REPO / "site" / "mkdocs.yml").is_file():  # a synthetic site of 1,000+ pages
            root = Path(tmp) / "synth-site"
            n = generate(root, a.site_triples, seed=1, repo=REPO)
            _copy_site(root)
            r = run_child("fast", root, a.cap_site, 1, site=True)
            d = r["steps"].get("site")
            if d is None:
                cell = f"> {a.cap_site:.0f} s (cap)" if r["killed"] else f"error: {r.get('error')}"
            elif "pages" in d:
                cell = (f"{_fmt(d['seconds'])} ({d['pages']} pages, {d['ms_per_page']} ms/page; generating pages "
                        f"{d['generate_s']} s, mkdocs {d['mkdocs_s']} s)")
            else:
                cell = f"error: {d.get('error')}"
            block = [f"### synthetic site, {a.site_triples:,} triples asked ({n:,} written, seed 1), fast path", "",
                     "| step | fast (pyoxigraph + reasonable) |", "|---|---|",
                     f"| site generation | {cell} |",
                     f"| peak memory (max RSS of the child) | "
                     f"{max((x.get('rss_mb', 0) for x in r['steps'].values()), default=0)} MB |", ""]
            print("\n".join(block), flush=True)
            lines += block
            shutil.rmtree(root, ignore_errors=True)
    lines.append(f"total benchmark time {time.perf_counter() - t0:.0f} s")
    print(lines[-1])
    if a.out:
        a.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
