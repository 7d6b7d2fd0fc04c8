"""The published reference site: generate pages from the KB, then `mkdocs build --strict` into the output folder.

The hand-written sources in site/ are never written to: site/docs is copied into a temporary docs folder, the
generated pages (render.py), downloads and browser assets are added there, and MkDocs builds from that copy with
`site_dir` set to the output folder. `build_site(pipe, out_dir)` returns the relative names of the files written.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from cloudreg.errors import CloudregError
from cloudreg.export import export
from cloudreg.fileio import swap_dir
from cloudreg.matrix import matrix_rows
from cloudreg.pipeline import Pipeline
from cloudreg.project import HEADLINE_TOPICS, JURISDICTIONS
from cloudreg.queries import sparql_term, to_term
from cloudreg.render import LANGS, STATUSES, Renderer, collect, iri_map, json_for_script

HEATMAP_MARK = "<!-- cloudreg:heatmap -->"
COVERAGE_MARK = "<!-- cloudreg:coverage -->"
# files copied from site/node_modules into the built site (Oxigraph's WebAssembly build; the Yasqe SPARQL editor's
# self-contained bundle, which includes CodeMirror 5, with its licence)
NODE_ASSETS = {"oxigraph/web.js": "oxigraph/web.js", "oxigraph/web_bg.wasm": "oxigraph/web_bg.wasm",
               "oxigraph/package.json": "oxigraph/package.json",
               "@triply/yasqe/build/yasqe.min.js": "yasqe/yasqe.min.js",
               "@triply/yasqe/build/yasqe.min.css": "yasqe/yasqe.min.css",
               "@triply/yasqe/LICENSE.txt": "yasqe/LICENSE.txt",
               "@triply/yasqe/package.json": "yasqe/package.json"}

DOWNLOADS = [
    ("cloudreg.ttl", "ttl", False, {"en": "Turtle (asserted triples)", "ko": "Turtle (명시 트리플)"}),
    ("cloudreg-inferred.ttl", "ttl", True, {"en": "Turtle (asserted + inferred)", "ko": "Turtle (명시 + 추론)"}),
    ("cloudreg.nt", "nt", False, {"en": "N-Triples (sorted)", "ko": "N-Triples (정렬)"}),
    ("cloudreg.jsonld", "jsonld", False, {"en": "JSON-LD", "ko": "JSON-LD"}),
    ("requirements.csv", "csv", False, {"en": "CSV, one row per requirement", "ko": "CSV (요건별 1행)"}),
]


def site_root(pipe: Pipeline) -> Path:
    return pipe.project.site_dir


def node_modules(site: Path) -> Path:
    """site/node_modules, installed when missing: with `npm ci`, or without npm from the registry (the lock's hashes)."""
    nm = site / "node_modules"
    if all((nm / src).is_file() for src in NODE_ASSETS):
        return nm
    if not (site / "package.json").is_file():
        raise CloudregError(f"{site / 'package.json'}: missing; the SPARQL page needs npm package oxigraph")
    npm = shutil.which("npm")
    if npm is None:  # a fresh machine with only python3: fetch the locked tarballs from the npm registry ourselves
        fetch_locked_packages(site)
        if not all((nm / src).is_file() for src in NODE_ASSETS):
            raise CloudregError(f"{site / 'package-lock.json'}: the locked packages lack {', '.join(NODE_ASSETS)}")
        return nm
    cmd = [npm, "ci", "--no-audit", "--no-fund", "--silent"] if (site / "package-lock.json").is_file() else \
        [npm, "install", "--no-audit", "--no-fund", "--silent"]
    proc = subprocess.run(cmd, cwd=site, capture_output=True, text=True)
    if proc.returncode != 0 or not all((nm / src).is_file() for src in NODE_ASSETS):
        raise CloudregError(f"{site}: `{' '.join(cmd[1:2])}` failed; the SPARQL page needs {', '.join(NODE_ASSETS)}:"
                            f"\n{proc.stderr[-800:]}")
    return nm


NPM_REGISTRY = "https://registry.npmjs.org"
MAX_TARBALL = 64 * 1024 * 1024  # bytes; a registry answer larger than this is refused


def fetch_locked_packages(site: Path, registry: str = NPM_REGISTRY) -> None:
    """Install site/package-lock.json's packages without npm: each tarball from the registry, checked against the
    lock's sha512 integrity, unpacked (data filter: no links or paths outside) into a temp folder, then moved in."""
    import base64
    import hashlib
    import io
    import tarfile
    import urllib.request

    lock_path = site / "package-lock.json"
    try:
        lock = json.loads(lock_path.read_text(encoding="utf-8"))
        packages = {k: v for k, v in lock["packages"].items() if k.startswith("node_modules/")}
    except (OSError, ValueError, KeyError, AttributeError) as e:
        raise CloudregError(f"{lock_path}: cannot read the locked packages ({e}); npm is not installed either") from e
    nm = site / "node_modules"
    for key, meta in packages.items():
        name, version, integrity = key[len("node_modules/"):], meta.get("version"), meta.get("integrity", "")
        if not version or not integrity.startswith("sha512-"):
            raise CloudregError(f"{lock_path}: {key} has no version or sha512 integrity")
        pkg = name.rsplit("node_modules/", 1)[-1]  # a nested key a/node_modules/b installs package b
        url = meta.get("resolved") or f"{registry}/{pkg}/-/{pkg.rsplit('/', 1)[-1]}-{version}.tgz"
        try:
            with urllib.request.urlopen(url, timeout=60) as r:
                body = r.read(MAX_TARBALL + 1)
        except OSError as e:
            raise CloudregError(f"{url}: cannot download {name}@{version} for the SPARQL page ({e})") from e
        if len(body) > MAX_TARBALL:
            raise CloudregError(f"{url}: larger than {MAX_TARBALL} bytes; refused")
        digest = base64.b64encode(hashlib.sha512(body).digest()).decode()
        if digest != integrity[len("sha512-"):]:
            raise CloudregError(f"{url}: sha512 does not match {lock_path}'s integrity for {key}; refused")
        tmp = Path(tempfile.mkdtemp(prefix=".pkg-", dir=site))
        try:
            with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
                tar.extractall(tmp, filter="data")
            target = nm / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                shutil.rmtree(target)
            # npm tarballs hold one top folder, usually package/ (but @types/* use their own name, e.g. lodash/)
            tops = [p for p in tmp.iterdir() if p.is_dir()]
            if len(tops) != 1:
                raise CloudregError(f"{url}: expected one top folder in {name}@{version}'s tarball, found {len(tops)}")
            tops[0].rename(target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def browser_query(q, params: dict[str, str]) -> str:
    """The catalogue query's text for the browser: parameters given as a VALUES block of their examples."""
    from cloudreg.queries import with_values

    if not params:
        return q.text
    bindings = {n: to_term(q.params[n], v) for n, v in params.items()}
    for term in bindings.values():
        sparql_term(term)  # validates
    return with_values(q.text, bindings)


PREFIX_DECL = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>\"{}|^`\\\s]*)>", re.IGNORECASE | re.MULTILINE)


def query_prefixes(queries) -> dict[str, str]:
    """prefix -> namespace IRI, from the catalogue queries' PREFIX declarations (first declaration wins)."""
    out: dict[str, str] = {}
    for q in queries:
        for prefix, iri in PREFIX_DECL.findall(q.text):
            if prefix:
                out.setdefault(prefix, iri)
    return out


def generate_docs(pipe: Pipeline, docs: Path) -> dict:
    """Fill `docs` (a copy of site/docs) with the generated pages, downloads and assets. Returns stats."""
    data = collect(pipe)
    r = Renderer(data, docs)
    pages = r.render_all()
    # downloads: the KB in several formats, the matrices, the IRI map
    dl = docs / "downloads"
    dl.mkdir(parents=True, exist_ok=True)
    files = []
    for name, fmt, inferred, what in DOWNLOADS:
        (dl / name).write_text(export(pipe, fmt, inferred=inferred), encoding="utf-8")
        files.append({"name": name, "what": what})
    from cloudreg.formats import render as render_table

    for day, m in data.matrices.items():
        (dl / f"matrix-{day}.json").write_text(json.dumps(m, ensure_ascii=False, indent=2), encoding="utf-8")
        cols, rows = matrix_rows(m)
        (dl / f"matrix-{day}.csv").write_text(render_table(cols, rows, "csv") + "\n", encoding="utf-8")
        files.append({"name": f"matrix-{day}.csv", "what": {"en": f"Matrix as of {day}, CSV",
                                                           "ko": f"{day} 기준 비교표, CSV"}})
        files.append({"name": f"matrix-{day}.json", "what": {"en": f"Matrix as of {day}, JSON",
                                                            "ko": f"{day} 기준 비교표, JSON"}})
    (dl / "iri-map.json").write_text(json.dumps(iri_map(data), indent=1), encoding="utf-8")
    files.append({"name": "iri-map.json", "what": {"en": "IRI → page#anchor", "ko": "IRI → 페이지#앵커"}})
    for f in files:
        f["size"] = _size((dl / f["name"]).stat().st_size)
    r.write("downloads.md", "downloads.md.j2", files=files)
    # the SPARQL page, prefilled with the catalogue queries (examples substituted)
    qs = []
    for q in data.queries:
        params = {n: (p.example or p.default) for n, p in q.params.items()}
        if any(v is None for v in params.values()):
            continue
        qs.append({"name": q.name, "summary": q.summary, "params": params,
                   "text": browser_query(q, params).lstrip("\n")})
    # browser assets
    nm = node_modules(pipe.project.site_dir)
    for src, dest in NODE_ASSETS.items():
        target = docs / "assets" / "javascripts" / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(nm / src, target)
    # the editor's prefix completion reads this file instead of prefix.cc (no network beyond the site)
    (docs / "assets" / "javascripts" / "yasqe" / "prefixes.json").write_text(
        json.dumps(query_prefixes(data.queries), indent=1, sort_keys=True), encoding="utf-8")
    yasqe_version = json.loads((nm / "@triply/yasqe/package.json").read_text(encoding="utf-8"))["version"]
    r.write("sparql.md", "sparql.md.j2", queries=data.queries, queries_json=json_for_script(qs),
            yasqe_version=yasqe_version)
    # fill the hand-written pages' markers with generated fragments
    cells = {d: {(c["jurisdiction"], c["topic"]): c for c in m["cells"]} for d, m in data.matrices.items()}
    coverage = _coverage(data)
    for lang in LANGS:
        suffix = ".md" if lang == "en" else f".{lang}.md"
        for page, mark, tpl, ctx in [
            ("index", HEATMAP_MARK, "home.html.j2",
             {"matrices": [{"as_of": d, "cells": cells[d]} for d in data.matrices], "topics": HEADLINE_TOPICS,
              "jurisdictions": JURISDICTIONS, "statuses": STATUSES}),
            ("methodology", COVERAGE_MARK, "coverage.html.j2",
             {"coverage": coverage, "jurisdictions": JURISDICTIONS, "statuses": STATUSES})]:
            path = docs / (page + suffix)
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            if mark in text:
                frag = r.fragment(tpl, page + ".md", lang, **ctx)
                path.write_text(text.replace(mark, "\n" + frag + "\n"), encoding="utf-8")
    return {"generated_pages": len(pages), "queries": len(qs)}


def _coverage(data) -> dict:
    out = {}
    for j in JURISDICTIONS:
        reqs = [r for r in data.requirements.values() if r["jurisdiction"] == j]
        c = Counter(r["status"] for r in reqs)
        out[j] = {"total": len(reqs), **{s: c.get(s, 0) for s in STATUSES},
                  "instruments": sum(1 for i in data.instruments.values() if i["jurisdiction"] == j)}
    return out


def _size(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"


def mkdocs_build(config_file: Path, docs: Path, out_dir: Path) -> None:
    """`mkdocs build --strict` with docs_dir and site_dir overridden; warnings fail the build."""
    import logging

    from mkdocs import exceptions
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    class Collect(logging.Handler):
        def __init__(self):
            super().__init__(logging.WARNING)
            self.records: list[str] = []

        def emit(self, record):
            self.records.append(self.format(record))

    handler = Collect()
    log = logging.getLogger("mkdocs")
    log.addHandler(handler)
    try:
        extra = {"site_url": os.environ["CLOUDREG_SITE_URL"]} if os.environ.get("CLOUDREG_SITE_URL") else {}
        cfg = load_config(config_file=str(config_file), docs_dir=str(docs), site_dir=str(out_dir), strict=True,
                          **extra)
        # custom_dir and extra files are relative to mkdocs.yml: load_config resolves them
        build(cfg)
    except exceptions.Abort as e:
        raise CloudregError(f"{config_file}: mkdocs build --strict failed: {e}\n" + "\n".join(handler.records))\
            from None
    except exceptions.ConfigurationError as e:
        raise CloudregError(f"{config_file}: bad MkDocs configuration: {e}") from None
    finally:
        log.removeHandler(handler)
    if handler.records:
        raise CloudregError(f"{config_file}: mkdocs build --strict warnings:\n" + "\n".join(handler.records))


def build_site(pipe: Pipeline, out_dir: Path) -> list[str]:
    """Generate the pages and build the site into `out_dir`. Returns the files written, relative to it."""
    site = pipe.project.site_dir
    config = site / "mkdocs.yml"
    if not config.is_file():
        raise CloudregError(f"{config}: missing; the site needs its MkDocs configuration")
    out_dir = Path(out_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="cloudreg-docs-") as tmp:
        docs = Path(tmp) / "docs"
        shutil.copytree(site / "docs", docs, ignore=shutil.ignore_patterns("reference"))
        generate_docs(pipe, docs)
        mkdocs_build(config, docs, out_dir)
    return sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file())


def site_stats(out_dir: Path) -> dict:
    """Pages per language in a built site (HTML pages other than 404)."""
    pages = [p.relative_to(out_dir).as_posix() for p in out_dir.rglob("index.html")]
    ko = [p for p in pages if p.startswith("ko/")]
    return {"en": len(pages) - len(ko), "ko": len(ko)}


def build_only_site(pipe: Pipeline, out_dir: Path) -> dict:
    """`cloudreg site build`: the site alone, atomically (temp folder beside the target, then rename)."""
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    t0 = time.perf_counter()
    try:
        files = build_site(pipe, tmp)
        swap_dir(tmp, out_dir)  # the previous site is deleted only once the new one is in place
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"files": len(files), "seconds": round(time.perf_counter() - t0, 2), **site_stats(out_dir)}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".js": "text/javascript", ".ttl": "text/turtle", ".jsonld": "application/ld+json",
                      ".nt": "application/n-triples"}

    def log_message(self, format, *args):  # noqa: A002 - quiet server
        pass


def make_server(directory: Path, port: int = 8000, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """A static HTTP server over a built site (the SPARQL page needs HTTP: modules and wasm do not load from file:)."""
    directory = Path(directory)
    if not (directory / "index.html").is_file():
        raise CloudregError(f"{directory}: no built site here (index.html missing); run `cloudreg build` first")
    handler = functools.partial(_Handler, directory=str(directory))
    return http.server.ThreadingHTTPServer((host, port), handler)


def screenshot(site_dir: Path, png: Path, path: str = "", width: int = 1300) -> Path:
    """A full-page PNG of one page of the built site, taken with Debian's Chromium through Playwright."""
    import threading

    from playwright.sync_api import sync_playwright

    srv = make_server(site_dir, 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                  args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                        "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = b.new_page(viewport={"width": width, "height": 900})
            page.goto(f"http://127.0.0.1:{srv.server_address[1]}/{path}", wait_until="networkidle")
            png.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(png), full_page=True)
            b.close()
    finally:
        srv.shutdown()
        srv.server_close()
    return png


if __name__ == "__main__":  # python -m cloudreg.site screenshot SITE_DIR OUT.png
    import sys

    if len(sys.argv) != 4 or sys.argv[1] != "screenshot":
        sys.exit("usage: python -m cloudreg.site screenshot SITE_DIR OUT.png")
    print(screenshot(Path(sys.argv[2]), Path(sys.argv[3])))
