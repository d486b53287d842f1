"""Resolve free-text place queries to `Place` records.

Owns: the text normalisation used for matching (case-, whitespace-, punctuation- and
diacritics-insensitive; "Łódź", "LODZ" and "Lodz" give the same key, Chinese is kept as
Chinese), the `PlaceResolver` with its documented priority rules, fuzzy suggestions for unknown
names (rapidfuzz), and the `search` used by the ``--q`` filters.

Resolution order for :meth:`PlaceResolver.resolve`:

1. ``lon,lat`` (two numbers) -> an ad-hoc place of kind ``coordinate``.
2. Exact matches on the normalised key, by match tier: place id; then UN/LOCODE or IATA
   code; then ``name_en``/``name_zh``; then aliases. The first tier with a match wins.
3. Within a tier, places are ranked by kind (`KIND_PRIORITY`: prefecture seat, city,
   county seat, ports and airports, border crossings, hubs, growth poles, overseas
   warehouses, counties). If several places share the best rank the query is ambiguous and
   :class:`hubs.errors.AmbiguousPlaceError` lists them.
4. A Chinese query ending in 市/县/区 that matched nothing is retried without the suffix.
5. Otherwise :class:`hubs.errors.UnknownPlaceError` with the closest matches.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import fuzz, process
from unidecode import unidecode

from gis.crs import parse_lonlat
from hubs.errors import AmbiguousPlaceError, InvalidCoordinateError, UnknownPlaceError
from hubs.models import Place, PlaceKind, Region

KIND_PRIORITY: tuple[PlaceKind, ...] = (
    PlaceKind.PREFECTURE_SEAT,
    PlaceKind.CITY,
    PlaceKind.COUNTY_SEAT,
    PlaceKind.SEAPORT,
    PlaceKind.RIVER_PORT,
    PlaceKind.RAIL_PORT,
    PlaceKind.AIRPORT,
    PlaceKind.BORDER_CROSSING,
    PlaceKind.BONDED_ZONE,
    PlaceKind.BONDED_LOGISTICS_CENTRE,
    PlaceKind.GROWTH_POLE,
    PlaceKind.OVERSEAS_WAREHOUSE,
    PlaceKind.COUNTY,
    PlaceKind.COORDINATE,
)
_KIND_RANK = {kind: n for n, kind in enumerate(KIND_PRIORITY)}

# Match tiers (lower wins).
_TIER_ID, _TIER_CODE, _TIER_NAME, _TIER_ALIAS = 0, 1, 2, 3
_ZH_SUFFIXES = ("市", "县", "区")
_SUGGEST_CUTOFF = 60.0


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def normalize(text: str) -> str:
    """Return the matching key of *text*.

    Latin-script text is transliterated to ASCII (unidecode: "Łódź" -> "Lodz",
    "Zamyn-Üüd" -> "Zamyn-Uud"), case-folded, and stripped of everything that is not a letter
    or digit. Chinese characters are kept (NFKC-normalised), so 罗兹 never collides with a
    pinyin spelling.

    Parameters
    ----------
    text : str
        Any query or name.

    Returns
    -------
    str
        The key, possibly empty.
    """
    text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for ch in text:
        if _is_cjk(ch):
            out.append(ch)
        else:
            out.extend(c for c in unidecode(ch).casefold() if c.isascii() and c.isalnum())
    return "".join(out)


def _label(place: Place) -> str:
    return f"{place.id} ({place.name_en} / {place.name_zh})"


def _coordinate_place(lon: float, lat: float) -> Place:
    lon6, lat6 = round(lon, 6), round(lat, 6)
    text = f"{lon6:g},{lat6:g}"
    return Place(
        id=f"lonlat:{text}",
        name_zh=f"坐标 {text}",
        name_en=f"Coordinate {text}",
        aliases=(),
        kind=PlaceKind.COORDINATE,
        lon=lon6,
        lat=lat6,
        country="",
        assumption="ad-hoc point given as lon,lat (WGS84) by the user",
        coord_source="user",
    )


class PlaceResolver:
    """Resolve ids, names, aliases, UN/LOCODEs, IATA codes and ``lon,lat`` to places.

    Parameters
    ----------
    places : iterable of Place
        The places to resolve against (e.g. ``Catalog.places`` plus county places).
        Ids must be unique.

    Raises
    ------
    ValueError
        If two places share an id.
    """

    def __init__(self, places: Iterable[Place]) -> None:
        self._places: dict[str, Place] = {}
        for place in places:
            if place.id in self._places:
                msg = f"duplicate place id {place.id!r}"
                raise ValueError(msg)
            self._places[place.id] = place
        self._index: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        self._keys_of: dict[str, set[str]] = defaultdict(set)
        for place in self._places.values():
            entries = [(place.id, _TIER_ID)]
            entries += [(code, _TIER_CODE) for code in (place.unlocode, place.iata) if code]
            entries += [(place.name_en, _TIER_NAME), (place.name_zh, _TIER_NAME)]
            entries += [(alias, _TIER_ALIAS) for alias in place.aliases]
            for text, tier in entries:
                key = normalize(text)
                if key:
                    self._index[key][tier].add(place.id)
                    self._keys_of[place.id].add(key)
        self._choices: list[str] = sorted(self._index)

    @property
    def places(self) -> tuple[Place, ...]:
        """All places known to the resolver, sorted by id."""
        return tuple(self._places[k] for k in sorted(self._places))

    def get(self, place_id: str) -> Place | None:
        """Return the place with exactly this id, or None."""
        return self._places.get(place_id)

    def _exact(self, key: str) -> list[Place]:
        tiers = self._index.get(key)
        if not tiers:
            return []
        best_tier = min(tiers)
        candidates = [self._places[i] for i in tiers[best_tier]]
        best_rank = min(_KIND_RANK[p.kind] for p in candidates)
        return sorted(
            (p for p in candidates if _KIND_RANK[p.kind] == best_rank), key=lambda p: p.id
        )

    def resolve(self, query: str) -> Place:
        """Return the place meant by *query*.

        Parameters
        ----------
        query : str
            A place id, English or Chinese name, alias, UN/LOCODE (``PLLOD``), IATA code
            (``CTU``) or a ``lon,lat`` pair (``104.06,30.67``).

        Returns
        -------
        Place
            The matched place, or a new place of kind ``coordinate`` for ``lon,lat``.

        Raises
        ------
        hubs.errors.UnknownPlaceError
            If nothing matches; ``suggestions`` holds the ids of the closest places.
        hubs.errors.AmbiguousPlaceError
            If several places match with equal priority.
        hubs.errors.InvalidCoordinateError
            If *query* is a ``lon,lat`` pair out of range.
        """
        try:
            lonlat = parse_lonlat(query.strip())
        except ValueError as exc:
            raise InvalidCoordinateError(str(exc)) from exc
        if lonlat is not None:
            return _coordinate_place(*lonlat)
        key = normalize(query)
        found = self._exact(key)
        stripped = query.strip()
        if not found and stripped.endswith(_ZH_SUFFIXES) and _is_cjk(stripped[0]):
            found = self._exact(normalize(stripped[:-1]))
        if len(found) == 1:
            return found[0]
        if found:
            raise AmbiguousPlaceError(query, [p.id for p in found])
        ids = self.suggest(query)
        raise UnknownPlaceError(query, ids, labels=[_label(self._places[i]) for i in ids])

    def suggest(self, query: str, *, limit: int = 5) -> list[str]:
        """Return ids of the places whose names are closest to *query*, best first.

        Parameters
        ----------
        query : str
            Free text.
        limit : int, optional
            Maximum number of ids.

        Returns
        -------
        list of str
            Place ids (may be empty when nothing scores at least 60/100).
        """
        key = normalize(query)
        if not key:
            return []
        matches = process.extract(
            key, self._choices, scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=_SUGGEST_CUTOFF
        )
        scored: dict[str, float] = {}
        for choice, score, _ in matches:
            for tier_ids in self._index[choice].values():
                for pid in tier_ids:
                    scored[pid] = max(scored.get(pid, 0.0), float(score))
        ranked = sorted(
            scored, key=lambda pid: (-scored[pid], _KIND_RANK[self._places[pid].kind], pid)
        )
        return ranked[:limit]

    def search(
        self,
        text: str = "",
        *,
        kind: PlaceKind | str | None = None,
        region: Region | str | None = None,
        limit: int | None = 20,
    ) -> list[Place]:
        """Filter places by kind/region and rank them by how well they match *text*.

        Parameters
        ----------
        text : str, optional
            Free text; empty returns all filtered places sorted by id. A place whose id, name,
            alias or code contains the normalised text scores 100; others are scored by
            rapidfuzz partial ratio and kept from 75 up.
        kind : PlaceKind or str, optional
            Keep only places of this kind.
        region : Region or str, optional
            Keep only places in this economic region.
        limit : int or None, optional
            Maximum number of places (None: no limit).

        Returns
        -------
        list of Place
            Best first, ties by id.
        """
        kind_f = PlaceKind(kind) if kind is not None else None
        region_f = Region(region) if region is not None else None
        pool = [
            p
            for p in self.places
            if (kind_f is None or p.kind is kind_f) and (region_f is None or p.region is region_f)
        ]
        key = normalize(text)
        if not key:
            return pool[:limit] if limit is not None else pool
        scored: list[tuple[float, str, Place]] = []
        for place in pool:
            keys = self._keys_of[place.id]
            if any(key in k for k in keys):
                score = 100.0
            else:
                score = max((fuzz.partial_ratio(key, k) for k in keys if len(k) >= 3), default=0.0)
            if score >= 75.0:
                scored.append((-score, place.id, place))
        scored.sort(key=lambda t: (t[0], t[1]))
        out = [p for _, _, p in scored]
        return out[:limit] if limit is not None else out
