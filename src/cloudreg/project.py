"""Locate the parts of a cloudreg repository: ontology/, data/, queries/, site/. Files are found by glob."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cloudreg.errors import InputError

JURISDICTIONS = ["KR", "EU", "UK", "US", "JP", "SG", "AU"]
HEADLINE_TOPICS = ["csp-oversight", "notification", "audit-rights", "data-location"]
FURTHER_TOPICS = [
    "materiality-assessment", "due-diligence", "exit-strategy", "sub-outsourcing", "outsourcing-register",
    "encryption", "incident-reporting", "business-continuity", "data-classification",
]
DATA_CLASSES = ["personal-credit", "unique-identifier", "personal", "critical", "non-critical", "any"]
SNAPSHOT_2018 = dt.date(2018, 7, 31)

ID = "https://w3id.org/cloudreg/id/"
ONTOLOGY = "https://w3id.org/cloudreg/ontology#"
INFERRED_GRAPH = "urn:cloudreg:inferred"


def file_graph_iri(relpath: str) -> str:
    return f"urn:cloudreg:file:{relpath}"


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def at(cls, root: str | Path = ".") -> Project:
        root = Path(root).resolve()
        if not (root / "ontology").is_dir():
            raise InputError(f"not a cloudreg repository (no ontology/ folder in {root}); use --root")
        return cls(root)

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    def ontology_files(self) -> list[Path]:
        return sorted(self.ontology_dir.glob("*.ttl"))

    def shape_files(self) -> list[Path]:
        return sorted((self.ontology_dir / "shapes").glob("*.ttl"))

    def data_files(self) -> list[Path]:
        return sorted(self.data_dir.glob("**/*.ttl"))

    def kb_files(self) -> list[Path]:
        """The files of the knowledge base proper: ontology, schemes and data (not the shapes)."""
        return self.ontology_files() + self.data_files()

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def parse_date(text: str, field: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InputError(f"{field}: {text!r} is not an ISO date YYYY-MM-DD") from None


def parse_jurisdiction(code: str, field: str = "jurisdiction") -> str:
    up = str(code).upper()
    if up not in JURISDICTIONS:
        raise InputError(f"{field}: unknown jurisdiction {code!r}; expected one of {', '.join(JURISDICTIONS)}")
    return up


def jurisdiction_iri(code: str) -> str:
    return ID + code.lower()


def topic_iri(topic: str) -> str:
    return ID + "topic/" + topic


def today() -> dt.date:
    return dt.date.today()
