"""Errors with the exit codes of the public interface: 1 data does not conform, 2 usage or runtime error."""


class CloudregError(Exception):
    """A usage or runtime error (exit 2). The message names the file, line or field at fault."""

    exit_code = 2


class InputError(CloudregError):
    """Bad input: a file that does not parse, an unknown name, a malformed date or parameter."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        where = ""
        if file:
            where = f"{file}:{line}: " if line else f"{file}: "
        super().__init__(where + message)
        self.file = file
        self.line = line


class NonConformance(CloudregError):
    """The knowledge base does not conform to its shapes or checks (exit 1)."""

    exit_code = 1
