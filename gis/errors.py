"""The project's error root, and the errors raised by the `gis` package.

Owns: :class:`ShudaoError`, the one base class of every error the project raises (`gis` is the
bottom layer, so the root lives here; `hubs`, `corridors`, `maps` and `api` derive their errors
from it). Every error carries an HTTP ``status``, a problem ``type_slug`` and a CLI
``exit_code`` as class attributes, so that the API maps it to an RFC 9457 problem and the CLI to
an exit code without knowing the concrete class. The exit codes are those of the README:

====  ===============================================================================
0     success
1     unexpected failure, or one outside the data (e.g. headless Chromium failed)
2     unknown or ambiguous place, or an invalid ``lon,lat``
3     invalid data file (every problem listed with file, row and column, or TOML key)
4     layers not built
5     no route, or an infeasible constraint
64    bad option or parameter (EX_USAGE): unknown key, unit or corridor, a bad number
====  ===============================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "unexpected failure, or one outside the data",
    2: "unknown place",
    3: "invalid data file",
    4: "layers not built",
    5: "no route or infeasible constraint",
    64: "bad option",
}
"""The CLI exit codes (the README's table); every error's ``exit_code`` is one of them."""


class ShudaoError(Exception):
    """Base class of every error the project raises (the one error root).

    Attributes
    ----------
    status : int
        HTTP status of the problem response.
    type_slug : str
        Last part of the problem ``type`` URI.
    exit_code : int
        CLI exit code, one of :data:`EXIT_CODES`.
    """

    status: int = 500
    type_slug: str = "error"
    exit_code: int = 1


class GisError(ShudaoError):
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
