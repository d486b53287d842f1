"""Errors raised by the `hubs` package.

Owns: the `HubsError` hierarchy. Every error carries an HTTP ``status``, a problem ``type_slug``
and a CLI ``exit_code`` (the contract of the project root :class:`gis.errors.ShudaoError`), so
that the API maps it to an RFC 9457 problem and the CLI to an exit code without knowing the
concrete class.
Data-file validation problems are reported with :class:`gis.errors.DataValidationError`.
"""

from __future__ import annotations

from gis.errors import ShudaoError


class HubsError(ShudaoError):
    """Base class of all errors raised by `hubs`."""

    status: int = 500
    type_slug: str = "hubs-error"
    exit_code: int = 1


class UnknownPlaceError(HubsError, LookupError):
    """A place query matched no place; ``suggestions`` holds the ids of the closest matches.

    Parameters
    ----------
    query : str
        The text that was looked up.
    suggestions : list of str
        Place ids of the closest matches, best first (may be empty).
    labels : list of str, optional
        Human-readable labels of the suggestions, shown in the message.
    """

    status = 404
    type_slug = "unknown-place"
    exit_code = 2

    def __init__(
        self, query: str, suggestions: list[str], *, labels: list[str] | None = None
    ) -> None:
        self.query = query
        self.suggestions = list(suggestions)
        shown = labels if labels is not None else self.suggestions
        msg = f"unknown place {query!r}"
        if shown:
            msg += "; did you mean: " + ", ".join(shown) + "?"
        super().__init__(msg)


class AmbiguousPlaceError(HubsError, LookupError):
    """A place query matched several places of equal priority; ``candidates`` lists their ids."""

    status = 409
    type_slug = "ambiguous-place"
    exit_code = 2

    def __init__(self, query: str, candidates: list[str]) -> None:
        self.query = query
        self.candidates = list(candidates)
        msg = (
            f"place {query!r} is ambiguous: it matches {', '.join(self.candidates)}; "
            "use one of these ids"
        )
        super().__init__(msg)


class InvalidCoordinateError(HubsError, ValueError):
    """A ``lon,lat`` query is out of range."""

    status = 422
    type_slug = "invalid-coordinate"
    exit_code = 2
