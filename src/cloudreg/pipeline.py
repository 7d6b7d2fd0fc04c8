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
    def __init__(self, project: Project, endpoint: str | None = None):
        self.project = project
        self.endpoint = endpoint

    @cached_property
    def kb(self) -> KB:
        return load_kb(self.project)

    @cached_property
    def asserted(self) -> Graph:
        return self.kb.asserted()

    @cached_property
    def inferred(self) -> Graph:
        return reason(self.asserted)

    @cached_property
    def closure(self) -> Graph:
        return closure_of(self.asserted, self.inferred)

    @cached_property
    def report(self) -> ValidationReport:
        return validate(self.kb, self.closure)

    @cached_property
    def backend(self) -> Backend:
        if self.endpoint:
            return RemoteBackend(self.endpoint)
        return LocalBackend(self.closure)
