"""Stage 1, load: parse the ontology and data into one rdflib Dataset, one named graph per source file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from cloudreg.errors import InputError
from cloudreg.project import Project, file_graph_iri


@dataclass
class KB:
    """The loaded knowledge base: a Dataset with one named graph per file, and the files it came from."""

    project: Project
    dataset: Dataset
    files: list[str] = field(default_factory=list)

    def graph_for(self, relpath: str) -> Graph:
        return self.dataset.graph(URIRef(file_graph_iri(relpath)))

    def asserted(self) -> Graph:
        """All asserted triples as one plain graph (fast to query with rdflib)."""
        g = Graph()
        for rel in self.files:
            for t in self.graph_for(rel):
                g.add(t)
        _bind(g)
        return g

    def file_of(self, node) -> str | None:
        """The file that states something about a node (first one, in load order)."""
        for rel in self.files:
            if (node, None, None) in self.graph_for(rel):
                return rel
        return None


PREFIXES = {
    "cr": "https://w3id.org/cloudreg/ontology#",
    "id": "https://w3id.org/cloudreg/id/",
    "topic": "https://w3id.org/cloudreg/id/topic/",
    "dct": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "owl": "http://www.w3.org/2002/07/owl#",
}


def _bind(g: Graph) -> None:
    for p, ns in PREFIXES.items():
        g.bind(p, ns, override=True)


def parse_file(path: Path, rel: str, into: Graph | None = None) -> Graph:
    """Parse one Turtle file; a syntax error names the file and line."""
    g = into if into is not None else Graph()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text ({e.reason} at byte {e.start})", file=rel) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", file=rel) from None
    try:
        g.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as e:
        raise InputError(f"Turtle syntax error: {e._why}", file=rel, line=e.lines + 1) from None
    except Exception as e:  # rdflib raises several types for bad literals, prefixes, IRIs
        raise InputError(f"Turtle error: {e}", file=rel) from None
    return g


def load_kb(project: Project, extra_files: list[Path] | None = None) -> KB:
    ds = Dataset()
    kb = KB(project=project, dataset=ds)
    for path in project.kb_files() + list(extra_files or []):
        rel = project.rel(path)
        parse_file(path, rel, into=ds.graph(URIRef(file_graph_iri(rel))))
        kb.files.append(rel)
    if not kb.files:
        raise InputError("no Turtle files found under ontology/ or data/", file=str(project.root))
    return kb


def load_shapes(project: Project) -> Graph:
    g = Graph()
    for path in project.shape_files():
        parse_file(path, project.rel(path), into=g)
    return g
