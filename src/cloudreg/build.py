"""Stage 5, publish: write the built knowledge base (and the site) into build/, atomically.

Everything is written into a temporary folder beside the target and moved into place only when every step has
succeeded, so a failed build leaves the previous build/ untouched.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cloudreg.errors import NonConformance
from cloudreg.export import export
from cloudreg.fileio import swap_dir
from cloudreg.matrix import MatrixBuilder
from cloudreg.pipeline import Pipeline
from cloudreg.project import SNAPSHOT_2018, today


@dataclass
class BuildResult:
    out: Path
    files: list[str]
    triples_asserted: int
    triples_inferred: int


def write_kb(pipe: Pipeline, kb_dir: Path) -> list[str]:
    kb_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fmt, inferred in [("cloudreg.ttl", "ttl", False), ("cloudreg.nt", "nt", False),
                                ("cloudreg.jsonld", "jsonld", False), ("cloudreg-inferred.ttl", "ttl", True),
                                ("requirements.csv", "csv", False)]:
        (kb_dir / name).write_text(export(pipe, fmt, inferred=inferred), encoding="utf-8")
        written.append(name)
    builder = MatrixBuilder(pipe.project, pipe.backend)
    for day in (SNAPSHOT_2018, today()):
        name = f"matrix-{day.isoformat()}.json"
        (kb_dir / name).write_text(json.dumps(builder.build(day), ensure_ascii=False, indent=2), encoding="utf-8")
        written.append(name)
    (kb_dir / "validation.json").write_text(json.dumps(pipe.report.as_json(), indent=2), encoding="utf-8")
    written.append("validation.json")
    return written


def build(pipe: Pipeline, out: Path, with_site: bool = True) -> BuildResult:
    report = pipe.report
    if not report.conforms:
        lines = [v.text() for v in report.violations if v.severity == "error"]
        raise NonConformance("the knowledge base does not conform; nothing written:\n" + "\n".join(lines))
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        files = ["kb/" + f for f in write_kb(pipe, tmp / "kb")]
        if with_site and (pipe.project.site_dir / "mkdocs.yml").is_file():
            from cloudreg.site import build_site

            files += build_site(pipe, tmp / "site")
        swap_dir(tmp, out)  # the previous build/ is put back if the move fails
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(out, files, *pipe.counts())
