"""One error root: every error class of the project derives from it and exits as the README says.

The README's exit-code table is read from README.md itself, so the code and the documentation
cannot drift apart silently.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

from corridors.errors import QuantityError, UnknownCorridorError, UnknownParameterError
from gis.errors import EXIT_CODES, ShudaoError

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("gis", "hubs", "corridors", "maps", "api")


def _readme_exit_codes() -> dict[int, str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| (.+?) \|$", text, flags=re.MULTILINE)
    return {int(code): meaning for code, meaning in rows}


def _project_exception_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in PACKAGES:
        package = importlib.import_module(name)
        modules = [package] + [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}.")
            if not info.name.endswith("__main__")
        ]
        for module in modules:
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, BaseException) and obj.__module__.split(".")[0] in PACKAGES:
                    found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


ERRORS = _project_exception_classes()


def test_the_readme_table_is_the_code_table() -> None:
    readme = _readme_exit_codes()
    assert set(readme) == {0, 1, 2, 3, 4, 5, 64}
    assert set(readme) == set(EXIT_CODES)


def test_every_project_error_is_found() -> None:
    names = {cls.__name__ for cls in ERRORS}
    # one class from each package, so that the walk above really reached them all
    assert {
        "DataValidationError",
        "UnknownPlaceError",
        "InfeasibleConstraintError",
        "MapOptionError",
        "ServiceNotReadyError",
    } <= names


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_every_error_has_the_one_root_and_a_readme_exit_code(cls: type[BaseException]) -> None:
    assert issubclass(cls, ShudaoError), f"{cls.__module__}.{cls.__name__} is not a ShudaoError"
    assert cls.exit_code in _readme_exit_codes()
    assert cls.exit_code != 0
    assert 400 <= cls.status <= 599
    assert re.fullmatch(r"[a-z][a-z0-9-]*", cls.type_slug)


@pytest.mark.parametrize("cls", [UnknownCorridorError, UnknownParameterError, QuantityError])
def test_bad_options_exit_64(cls: type[ShudaoError]) -> None:
    assert cls.exit_code == 64
