"""The pipeline over one repository: load -> reason -> validate -> query, computed lazily and cached."""

from __future__ import annotations

from functools import cached_property

from rdflib import Graph

from cloudreg.backends import Backend, LocalBackend, RemoteBackend
from cloudreg.load import KB, load_kb
from cloudreg.project import Project
from cloudreg.reason import closure_of, reason
from cloudreg.validate import ValidationReport, validate


class Pipeline:
    def __init__(self, project: Project, endpoint: str | None = None, reasoner: str | None = None,
                 store: str | None = None):
        self.project = project
        self.endpoint = endpoint
        # fast path (default): reasoner "reasonable", store "oxigraph"; reference path: "owlrl", "memory"
        # (cloudreg.fast; env CLOUDREG_REASONER / CLOUDREG_STORE give the default)
        from cloudreg.fast import path_options

        self.reasoner, self.store_kind = path_options(reasoner, store)

    @cached_property
    def oxstore(self):
        """The pyoxigraph Store: file graphs + urn:cloudreg:inferred (fast reasoner or owlrl's triples)."""
        from cloudreg import fast

        if self.reasoner == "reasonable":
            st, self._files = fast.load_store(self.project)
            self.reason_stats = fast.reason_store(st)
            return st
        return fast.store_of(self.kb, self.inferred)

    @cached_property
    def kb(self) -> KB:
        if self.reasoner == "reasonable":
            from cloudreg.fast import kb_of

            return kb_of(self.project, self.oxstore, self._files)
        return load_kb(self.project)

    @cached_property
    def asserted(self) -> Graph:
        return self.kb.asserted()

    @cached_property
    def inferred(self) -> Graph:
        if self.reasoner == "reasonable":
            from cloudreg.fast import INFERRED_GRAPH, graph_of

            return graph_of(self.oxstore, [INFERRED_GRAPH])
        return reason(self.asserted)

    @cached_property
    def closure(self) -> Graph:
        return closure_of(self.asserted, self.inferred)

    def counts(self) -> tuple[int, int]:
        """(asserted, inferred) triple counts, without building the rdflib views on the fast path."""
        if self.store_kind == "oxigraph":
            from cloudreg.fast import count_triples

            return count_triples(self.oxstore, False), count_triples(self.oxstore, True)
        return len(self.asserted), len(self.inferred)

    @cached_property
    def report(self) -> ValidationReport:
        if self.store_kind == "oxigraph":
            from cloudreg.shacl_sparql import Unsupported
            from cloudreg.validate import validate_store

            self.oxstore  # noqa: B018 (loads the files and sets self._files on the fast reasoner)
            files = getattr(self, "_files", None) or self.kb.files
            try:
                return validate_store(self.project, self.oxstore, files)
            except Unsupported as e:
                # a shape the SPARQL compiler does not translate: pySHACL validates instead (slower, complete)
                import sys

                from cloudreg.fast import LocalOxigraphBackend

                print(f"cloudreg: validating with pySHACL ({e})", file=sys.stderr)
                return validate(self.kb, self.closure, data_graph=self.oxstore,
                                check_backend=LocalOxigraphBackend(self.oxstore))
        return validate(self.kb, self.closure)

    @cached_property
    def backend(self) -> Backend:
        if self.endpoint:
            # CLOUDREG_GRAPH: query this named graph as the default graph (sent as default-graph-uri), e.g. the
            # graph `cloudreg load` filled (urn:cloudreg:kb); unset for `cloudreg serve`, whose default graph is the KB
            import os

            return RemoteBackend(self.endpoint, default_graph=os.environ.get("CLOUDREG_GRAPH") or None)
        if self.store_kind == "oxigraph":
            from cloudreg.fast import LocalOxigraphBackend

            return LocalOxigraphBackend(self.oxstore)
        return LocalBackend(self.closure)
