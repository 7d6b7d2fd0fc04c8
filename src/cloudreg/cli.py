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


def pipeline(root: Path, endpoint: str | None = None) -> Pipeline:
    return Pipeline(Project.at(root), endpoint=endpoint)


def as_of_date(value: str | None):
    return parse_date(value, "--as-of") if value else today()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cloudreg")
def cli():
    """cloudreg: the rules financial supervisors set for cloud outsourcing, in seven jurisdictions."""


@cli.command()
@root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build"), show_default=True)
@click.option("--no-site", is_flag=True, help="Build the knowledge base only.")
@handle_errors
def build(root, out, no_site):
    """Load, reason, validate and export the KB (and the site) into OUT; exit 1 if it does not conform."""
    from cloudreg.build import build as do_build

    pipe = pipeline(root)
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


if __name__ == "__main__":  # pragma: no cover
    cli()
