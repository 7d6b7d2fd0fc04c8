"""The command line: a thin layer over the pipeline stages. Exit codes: 0 ok, 1 does not conform, 2 error."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from cloudreg import __version__
from cloudreg.errors import CloudregError, InputError
from cloudreg.formats import render
from cloudreg.pipeline import Pipeline
from cloudreg.project import Project, parse_date, parse_jurisdiction, today


def root_option(f):
    return click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
                        show_default=True, help="Repository holding ontology/, data/ and queries/.")(f)


def handle_errors(f):
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except CloudregError as e:
            click.echo(f"Error: {e}", err=True)
            sys.exit(e.exit_code)
    return wrapper


def endpoint_option(f):
    return click.option("--endpoint", envvar="CLOUDREG_ENDPOINT", default=None,
                        help="SPARQL 1.1 query endpoint to run against instead of the local files "
                             "(env CLOUDREG_ENDPOINT).")(f)


def pipeline(root: Path, endpoint: str | None = None, reasoner: str | None = None, store: str | None = None) -> Pipeline:
    # fast path by default; `cloudreg --reasoner owlrl --store memory CMD` (or build's own options) picks the reference
    ctx = click.get_current_context(silent=True)
    top = ctx.find_root().params if ctx is not None else {}
    return Pipeline(Project.at(root), endpoint=endpoint, reasoner=reasoner or top.get("reasoner"),
                    store=store or top.get("store_kind"))


def path_options(f):
    f = click.option("--store", "store_kind", type=click.Choice(["oxigraph", "memory"]), default=None,
                     help="Triple store: oxigraph (fast, default) or memory (rdflib, reference).")(f)
    return click.option("--reasoner", type=click.Choice(["reasonable", "owlrl"]), default=None,
                        help="OWL 2 RL reasoner: reasonable (fast, default) or owlrl (reference).")(f)


def as_of_date(value: str | None):
    return parse_date(value, "--as-of") if value else today()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cloudreg")
@path_options
def cli(reasoner, store_kind):
    """cloudreg: the rules financial supervisors set for cloud outsourcing, in seven jurisdictions."""


@cli.command()
@root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build"), show_default=True)
@click.option("--no-site", is_flag=True, help="Build the knowledge base only.")
@path_options
@handle_errors
def build(root, out, no_site, reasoner, store_kind):
    """Load, reason, validate and export the KB (and the site) into OUT; exit 1 if it does not conform."""
    from cloudreg.build import build as do_build

    pipe = pipeline(root, reasoner=reasoner, store=store_kind)
    if not out.is_absolute():
        out = pipe.project.root / out
    result = do_build(pipe, out, with_site=not no_site)
    click.echo(f"built {result.out}: {result.triples_asserted} asserted + {result.triples_inferred} inferred "
               f"triples, {len(result.files)} files")


@cli.command()
@root_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def validate(root, fmt):
    """Check the KB against the SHACL shapes and SPARQL checks: exit 0 conforms, 1 violations, 2 error."""
    report = pipeline(root).report
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        for v in report.violations:
            click.echo(v.text())
        errors = sum(v.severity == "error" for v in report.violations)
        warnings = len(report.violations) - errors
        click.echo(f"{'conforms' if report.conforms else 'does not conform'}: {errors} error(s), "
                   f"{warnings} warning(s); {report.shapes_checked} node shapes, {report.checks_run} checks")
    sys.exit(0 if report.conforms else 1)


@cli.command()
@root_option
@click.option("--tag", default=None, help="Only queries with this tag.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@handle_errors
def queries(root, tag, fmt):
    """List the query catalogue."""
    from cloudreg.queries import catalogue

    qs = [q for q in catalogue(Project.at(root), include_checks=False) if tag is None or tag in q.tags]
    if fmt == "json":
        click.echo(json.dumps([{"name": q.name, "summary": q.summary, "tags": q.tags, "reasoning": q.reasoning,
                                "params": {p.name: {"type": p.type, "example": p.example} for p in q.params.values()}}
                               for q in qs], indent=2, ensure_ascii=False))
    else:
        rows = [[q.name, ", ".join(q.params) or "-", ", ".join(q.tags), q.summary] for q in qs]
        click.echo(render(["name", "params", "tags", "summary"], rows, "table"))


def parse_params(items: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"-p {item!r}: parameters are key=value")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


@cli.command()
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter.")
@click.option("--as-of", default=None, help="Date (YYYY-MM-DD) for queries that take one; default today.")
@endpoint_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "md"]), default="table",
              show_default=True)
@root_option
@handle_errors
def query(name, params, as_of, endpoint, fmt, root):
    """Run the catalogue query NAME (e.g. matrix/requirements-in-force)."""
    from cloudreg.queries import bind_params, find_query

    project = Project.at(root)
    q = find_query(project, name)
    bindings = bind_params(q, parse_params(params), as_of)
    table = Pipeline(project, endpoint=endpoint).backend.select(q, bindings)
    click.echo(render(table.columns, table.rows, fmt))


@cli.command()
@click.option("--as-of", default=None, help="Date (YYYY-MM-DD); default today.")
@endpoint_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "md"]), default="table",
              show_default=True)
@root_option
@handle_errors
def matrix(as_of, endpoint, fmt, root):
    """The headline matrix: 7 jurisdictions x 4 topics, the strictest value in force on a date."""
    from cloudreg.matrix import MatrixBuilder, matrix_grid, matrix_rows

    day = as_of_date(as_of)
    pipe = pipeline(root, endpoint)
    m = MatrixBuilder(pipe.project, pipe.backend).build(day)
    if fmt == "json":
        click.echo(json.dumps(m, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        cols, rows = matrix_rows(m)
        click.echo(render(cols, rows, "csv"))
    else:
        cols, rows = matrix_grid(m)
        if fmt == "table":
            click.echo(f"as of {m['as_of']}")
        click.echo(render(cols, rows, fmt))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "jsonld", "csv"]), required=True)
@click.option("--inferred", is_flag=True, help="Include the triples the reasoner infers.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (atomically) instead of standard output.")
@root_option
@handle_errors
def export(fmt, inferred, out, root):
    """Export the KB as Turtle, N-Triples, JSON-LD, or a CSV of requirements."""
    from cloudreg.export import export as do_export
    from cloudreg.fileio import write_atomic

    text = do_export(pipeline(root), fmt, inferred=inferred)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_atomic(out, text)
        click.echo(f"wrote {out}", err=True)


@cli.command()
@click.option("--from", "from_", required=True, help="Earlier date YYYY-MM-DD.")
@click.option("--to", "to", required=True, help="Later date YYYY-MM-DD.")
@click.option("--jurisdiction", default=None, help="Only this jurisdiction (code).")
@endpoint_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "md"]), default="table",
              show_default=True)
@root_option
@handle_errors
def diff(from_, to, jurisdiction, endpoint, fmt, root):
    """What changed in the headline matrix between two dates."""
    from cloudreg.diff import diff as do_diff
    from cloudreg.diff import diff_rows

    d1, d2 = parse_date(from_, "--from"), parse_date(to, "--to")
    j = parse_jurisdiction(jurisdiction, "--jurisdiction") if jurisdiction else None
    pipe = pipeline(root, endpoint)
    d = do_diff(pipe, d1, d2, j)
    if fmt == "json":
        click.echo(json.dumps(d, indent=2, ensure_ascii=False))
    else:
        cols, rows = diff_rows(d)
        click.echo(render(cols, rows, fmt))


@cli.command(name="map")
@click.argument("profile_path", metavar="PROFILE.yaml")
@click.option("--as-of", default=None, help="Date (YYYY-MM-DD); default the profile's as_of, else today.")
@endpoint_option
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True)
@root_option
@handle_errors
def map_cmd(profile_path, as_of, endpoint, fmt, root):
    """Map a bank profile's cloud workloads to obligations, conflicts and gaps, citing provisions.

    Example:

    \b
        cloudreg map examples/profiles/kr-bank-sg-eu.yaml --format md
    """
    from cloudreg.mapper import Mapper, to_csv, to_markdown
    from cloudreg.profile import load_profile

    profile = load_profile(profile_path)
    day = parse_date(as_of, "--as-of") if as_of else (profile.as_of or today())
    pipe = pipeline(root, endpoint)
    result = Mapper(pipe.project, pipe.backend).map(profile, day)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(to_csv(result), nl=False)
    else:
        click.echo(to_markdown(result, profile), nl=False)


@cli.command(name="load")
@click.option("--store", required=True, help="SPARQL 1.1 Graph Store endpoint (Oxigraph http://HOST:PORT/store; "
              "Virtuoso http://dba:PASS@HOST:PORT/sparql-graph-crud-auth).")
@click.option("--endpoint", default=None, help="SPARQL query endpoint to verify the triple count through.")
@click.option("--graph", default="urn:cloudreg:kb", show_default=True, help="The named graph to replace.")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds per HTTP request.")
@root_option
@handle_errors
def load_cmd(store, endpoint, graph, timeout, root):
    """Push the KB (asserted + inferred) into a Graph Store: replace GRAPH, then verify its triple count."""
    from cloudreg.store import load as do_load

    r = do_load(pipeline(root), store, endpoint=endpoint, graph=graph, timeout=timeout)
    click.echo(f"loaded {r.triples} triples into <{r.graph}> (count verified through the {r.verified_by}) "
               f"in {r.seconds:.1f} s")


@cli.command()
@click.option("--port", default=7878, show_default=True, help="Port on 127.0.0.1.")
@root_option
@handle_errors
def serve(port, root):
    """A read-only SPARQL endpoint (Oxigraph server) over the KB, asserted + inferred, as the default graph."""
    from cloudreg.store import serve as do_serve

    sys.exit(do_serve(pipeline(root), port, echo=click.echo))


@cli.command(name="site")
@click.argument("action", type=click.Choice(["build", "serve"]), default="build")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/site"),
              show_default=True, help="Folder of the built site.")
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1 for `site serve`.")
@root_option
@handle_errors
def site_cmd(action, out, port, root):
    """Build the reference site into OUT (mkdocs --strict), or serve the built site over HTTP on 127.0.0.1."""
    from cloudreg import site as site_mod

    if action == "build":
        pipe = pipeline(root)
        if not pipe.report.conforms:
            from cloudreg.errors import NonConformance

            raise NonConformance("the knowledge base does not conform; run `cloudreg validate`")
        r = site_mod.build_only_site(pipe, Path(root) / out if not out.is_absolute() else out)
        click.echo(f"site: {r['files']} files, {r['en']} pages in English, {r['ko']} in Korean, {r['seconds']} s")
        return
    srv = site_mod.make_server(Path(root) / out if not out.is_absolute() else out, port)
    click.echo(f"serving {out} at http://127.0.0.1:{srv.server_address[1]}/ (Ctrl-C stops)")
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":  # pragma: no cover
    cli()
