"""Errors raised by the `corridors` package.

Every error derives from the project root :class:`gis.errors.ShudaoError` and carries an HTTP
``status``, a problem ``type_slug`` and a CLI ``exit_code`` (one of the README's codes) as class
attributes, so that the API can map it to an RFC 9457 problem and the CLI to an exit code without
knowing the concrete class. A bad option or parameter (unknown key, unit or corridor, a number
that is not finite) exits 64, like every other bad option.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gis.errors import DataValidationError, Problem, ShudaoError


class CorridorError(ShudaoError):
    """Base class of all errors raised by `corridors`."""

    status: int = 500
    type_slug: str = "corridor-error"
    exit_code: int = 1


class ParameterError(CorridorError, DataValidationError):
    """The parameter file (or a set of overrides) failed validation; lists every problem at once.

    Each problem names the file and, in ``column``, the dotted TOML key path
    (e.g. ``modes.rail.speed_kph.value``); a TOML syntax error names the line in ``row``.
    """

    status = 500
    type_slug = "parameter-validation"
    exit_code = 3

    def __init__(self, problems: Sequence[Problem]) -> None:
        DataValidationError.__init__(self, list(problems))


class UnknownParameterError(CorridorError, LookupError):
    """A parameter key, mode, unit, currency or section entry does not exist.

    Attributes
    ----------
    keys : tuple[str, ...]
        The unknown keys, in the order given.
    suggestions : dict[str, tuple[str, ...]]
        Close existing keys for each unknown key (possibly empty).
    """

    status = 422
    type_slug = "unknown-parameter"
    exit_code = 64

    def __init__(
        self,
        keys: Sequence[str],
        suggestions: Mapping[str, Sequence[str]] | None = None,
        *,
        what: str = "parameter",
    ) -> None:
        self.keys = tuple(keys)
        self.suggestions = {k: tuple(v) for k, v in (suggestions or {}).items()}
        parts = []
        for key in self.keys:
            close = self.suggestions.get(key, ())
            hint = f" (did you mean: {', '.join(close)}?)" if close else ""
            parts.append(f"{key!r}{hint}")
        super().__init__(f"unknown {what}: " + "; ".join(parts))


class QuantityError(CorridorError, ValueError):
    """A cargo quantity, or an override value, is not a finite non-negative number."""

    status = 422
    type_slug = "invalid-quantity"
    exit_code = 64


class RequestError(CorridorError, ValueError):
    """Route options that are not valid (unknown enum, non-finite quantity, too many items).

    Attributes
    ----------
    problems : tuple[str, ...]
        One message per bad option, naming the parameter (``quantity``, ``modes``, ...).
    errors : list of dict
        The same, structured (``loc``, ``msg``, ``type``) as in HTTP validation problems.
    """

    status = 422
    type_slug = "bad-request"
    exit_code = 64

    def __init__(
        self, problems: Sequence[str], errors: Sequence[Mapping[str, object]] = ()
    ) -> None:
        self.problems = tuple(problems)
        self.errors = [dict(e) for e in errors]
        super().__init__("invalid route options: " + "; ".join(self.problems))


class NoRouteError(CorridorError, LookupError):
    """No route connects the origin to the destination with the allowed modes."""

    status = 422
    type_slug = "no-route"
    exit_code = 5


class InfeasibleConstraintError(CorridorError, ValueError):
    """Routes exist, but none satisfies a constraint (e.g. ``max_time_h``).

    Attributes
    ----------
    constraint : str
        The constraint that failed, e.g. ``"max_time_h"``.
    limit : float | None
        The limit asked for, when numeric.
    best : float | None
        The best value any route reached for that constraint, when known.
    """

    status = 422
    type_slug = "infeasible-constraint"
    exit_code = 5

    def __init__(
        self,
        constraint: str,
        *,
        limit: float | None = None,
        best: float | None = None,
        message: str | None = None,
    ) -> None:
        self.constraint = constraint
        self.limit = limit
        self.best = best
        if message is None:
            message = f"no route satisfies the constraint {constraint!r}"
            if limit is not None:
                message += f" <= {limit:g}"
            if best is not None:
                message += f" (best reachable: {best:g})"
        super().__init__(message)


class UnknownCorridorError(CorridorError, LookupError):
    """A corridor id is not defined (a bad option: exit 64, HTTP 404)."""

    status = 404
    type_slug = "unknown-corridor"
    exit_code = 64


class NoRoadAccessError(NoRouteError):
    """No route, because an end point reaches no terminal by road within the access rules.

    The message names the end, the distance that breaks the rule and the parameter that sets
    it, e.g. the point lies 72.3 km from the nearest road link and no terminal lies within the
    300 km of an estimated trip (``access.max_estimate_km``).

    Attributes
    ----------
    place_id : str
        The origin or destination without road access.
    end : str
        ``"origin"`` or ``"destination"``.
    road_gap_km : float
        Geodesic distance from the point to the nearest road link it may attach to.
    parameter : str
        The ``parameters.toml`` key whose limit is exceeded.
    limit_km : float
        That limit.
    nearest_terminal : str | None
        The nearest terminal of the same customs territory, when there is one.
    nearest_terminal_km : float | None
        Its distance as the rule measures it (road km, or geodesic x 1.3 when estimated).
    """

    type_slug = "no-road-access"

    def __init__(
        self,
        message: str,
        *,
        place_id: str,
        end: str,
        road_gap_km: float,
        parameter: str,
        limit_km: float,
        nearest_terminal: str | None = None,
        nearest_terminal_km: float | None = None,
    ) -> None:
        self.place_id = place_id
        self.end = end
        self.road_gap_km = road_gap_km
        self.parameter = parameter
        self.limit_km = limit_km
        self.nearest_terminal = nearest_terminal
        self.nearest_terminal_km = nearest_terminal_km
        super().__init__(message)
