"""The route request: every option of a route, matrix or map question, defined once.

Owns: :class:`RouteOptions` (cargo unit and quantity, modes, via, avoid, objective,
alternatives, Pareto set) and :class:`RouteRequest` (the options plus origin and destination),
their limits (:data:`MAX_QUANTITY`, :data:`MAX_VIA`, ...), their normalisation (comma lists split,
text trimmed, modes and avoid sorted and de-duplicated: order-free) and their validation
(finite, positive quantities; known enums; list limits applied after splitting). The CLI, the
HTTP models, the service, the engine and the matrix all build or take these, so the same input
is accepted or refused with the same message everywhere. Bad options raise
:class:`corridors.errors.RequestError` (exit 64, HTTP 422) naming every problem at once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from corridors.errors import RequestError
from corridors.models import CargoUnit, Mode, Objective

_M = TypeVar("_M", bound="RouteOptions")

MAX_QUANTITY = 100_000.0  # units per request (a full block train is about 50 FEU)
MAX_VIA = 5
MAX_AVOID = 10
MAX_ALTERNATIVES = 10
# Place text: 1-200 characters, no control characters.
PLACE_TEXT = r"^[^\x00-\x1f]{1,200}$"


def split_list(items: str | Iterable[str] | None) -> list[str]:
    """``["rail,sea", " air "]`` -> ``["rail", "sea", "air"]`` (empty items dropped)."""
    if items is None:
        return []
    if isinstance(items, str):
        items = [items]
    return [x.strip() for item in items for x in str(item).split(",") if x.strip()]


class RouteOptions(BaseModel):
    """What is asked of a route besides its ends (immutable, validated, normalised)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    unit: CargoUnit = Field(CargoUnit.FEU, description="Cargo unit.")
    quantity: float = Field(
        1.0,
        gt=0,
        le=MAX_QUANTITY,
        allow_inf_nan=False,
        description="Number of units (finite, > 0).",
    )
    modes: tuple[Mode, ...] | None = Field(
        None, description="Main modes allowed (road access and egress always)."
    )
    via: tuple[str, ...] = Field((), max_length=MAX_VIA, description="Places to pass, in order.")
    avoid: tuple[str, ...] = Field(
        (),
        max_length=MAX_AVOID,
        description="Places, border crossings (a-b) or sea passages (suez, malacca, ...).",
    )
    objective: Objective = Field(Objective.TIME, description="What the best route minimises.")
    alternatives: int = Field(3, ge=1, le=MAX_ALTERNATIVES, description="How many routes.")
    pareto: bool = Field(False, description="Return the Pareto set over (time, cost, CO2).")

    @field_validator("modes", mode="before")
    @classmethod
    def _modes(cls, value: Any) -> Any:
        if value is None:
            return None
        items = split_list(value)
        return tuple(sorted(set(items))) if items else None

    @field_validator("via", mode="before")
    @classmethod
    def _via(cls, value: Any) -> Any:
        return tuple(split_list(value))

    @field_validator("avoid", mode="before")
    @classmethod
    def _avoid(cls, value: Any) -> Any:
        return tuple(sorted(set(split_list(value))))

    @field_validator("via", "avoid")
    @classmethod
    def _place_text(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if len(item) > 200:
                msg = f"place text longer than 200 characters: {item[:40]!r}..."
                raise ValueError(msg)
        return value

    def key(self, *parts: str) -> str:
        """A stable cache key of these options and *parts* (e.g. a parameter fingerprint)."""
        return json.dumps([self.model_dump(mode="json"), *parts], sort_keys=True)


class RouteRequest(RouteOptions):
    """A whole route question: origin, destination and the options."""

    origin: str = Field(
        min_length=1,
        max_length=200,
        pattern=PLACE_TEXT,
        description="Name (zh/en), alias, UN/LOCODE, IATA code or 'lon,lat'.",
    )
    destination: str = Field(
        min_length=1, max_length=200, pattern=PLACE_TEXT, description="As origin."
    )

    @field_validator("origin", "destination", mode="before")
    @classmethod
    def _trim(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @property
    def options(self) -> RouteOptions:
        """The options without the ends."""
        return RouteOptions(**self.model_dump(exclude={"origin", "destination"}))


def parse_options(values: Mapping[str, Any]) -> RouteOptions:
    """Validate route options from plain values, or raise one :class:`RequestError`."""
    return _parse(RouteOptions, values)


def parse_request(values: Mapping[str, Any]) -> RouteRequest:
    """Validate a route request from plain values, or raise one :class:`RequestError`.

    Every problem is named at once, by parameter (``quantity``, ``modes``, ...), never by a
    command-line flag, so the message reads the same on the CLI and over HTTP.
    """
    return _parse(RouteRequest, values)


def _parse(model: type[_M], values: Mapping[str, Any]) -> _M:
    clean = {k: v for k, v in values.items() if v is not None or k == "modes"}
    try:
        return model(**clean)
    except ValidationError as exc:
        raw = exc.errors(include_url=False)
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ()) if not isinstance(p, int)],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in raw
        ]
        raise RequestError([_describe(e) for e in raw], errors) from None


def _describe(error: Mapping[str, Any]) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if not isinstance(p, int)) or "request"
    value = error.get("input")
    shown = "" if isinstance(value, dict) else f" (got {value!r})"
    if isinstance(value, float) and not math.isfinite(value):
        shown = f" (got {value})"
    ctx = error.get("ctx") or {}
    msg = str(error.get("msg", "invalid"))
    if "expected" in ctx:
        msg = f"must be one of {ctx['expected']}"
    return f"{where}: {msg}{shown}"
