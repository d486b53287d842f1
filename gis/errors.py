"""Errors raised by the `gis` package.

Every error carries an HTTP ``status`` and a problem ``type`` slug so that the API can map it to an
RFC 9457 problem and the CLI to an exit code without knowing the concrete class.
"""

from __future__ import annotations

from dataclasses import dataclass


class GisError(Exception):
    """Base class of all errors raised by `gis`."""

    status: int = 500
    type_slug: str = "gis-error"
    exit_code: int = 1


@dataclass(frozen=True)
class Problem:
    """One problem found while validating a data file.

    Attributes
    ----------
    file : str
        File name (relative to the data directory where possible).
    row : int | None
        1-based data row (the header is row 0), or None for file-level problems.
    column : str | None
        Column name, or None when the problem concerns the whole row or file.
    message : str
        What is wrong, in plain words.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class DataValidationError(GisError, ValueError):
    """A data file (or several) failed validation; lists every problem found at once."""

    status = 500
    type_slug = "data-validation"
    exit_code = 3

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the data files:\n{lines}")


class LayerMissingError(GisError, FileNotFoundError):
    """A built layer is missing from the cache: run `shudao data build`."""

    status = 503
    type_slug = "layer-missing"
    exit_code = 4
