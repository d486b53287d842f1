"""PNG export of an HTML map through headless Chromium, with the network disabled.

Owns: finding the browser (Debian ``chromium``), running it headless on a temporary copy of the
page with every network request refused (proxy to a closed port, host resolution disabled), the
screenshot at the requested size, and the JavaScript console errors it reported.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from maps.errors import MapOptionError, PngExportError

CHROMIUM_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome", "chrome")
_CONSOLE = re.compile(r':CONSOLE[:(]\d+\)?\]\s*"(?P<msg>.*)", source: (?P<src>.*)$')
_ERROR_WORDS = ("Uncaught", "Error", "error", "Failed", "failed", "Refused")


@dataclass(frozen=True)
class BrowserRender:
    """What headless Chromium produced for a page.

    Attributes
    ----------
    png : bytes
        The screenshot (PNG), ``width_px`` x ``height_px``.
    console : tuple of str
        Every console message (``message @ source``) in order.
    errors : tuple of str
        The console messages that report an error (uncaught exceptions, failed loads).
    """

    png: bytes
    console: tuple[str, ...]
    errors: tuple[str, ...]


def find_chromium(names: Sequence[str] = CHROMIUM_NAMES) -> str | None:
    """Return the path of the first Chromium-family browser on PATH, or None."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def render_in_chromium(
    html: str,
    *,
    width_px: int,
    height_px: int,
    chromium: str | None = None,
    budget_ms: int = 5000,
    timeout_s: float = 90.0,
) -> BrowserRender:
    """Open *html* in headless Chromium with no network and take a screenshot.

    Parameters
    ----------
    html : str
        A self-contained page.
    width_px, height_px : int
        Window (and screenshot) size in pixels, 100-10000.
    chromium : str, optional
        Browser executable; default: :func:`find_chromium`.
    budget_ms : int
        Virtual time the page gets to run its scripts before the screenshot.
    timeout_s : float
        Wall-clock limit for the browser process.

    Returns
    -------
    BrowserRender

    Raises
    ------
    maps.errors.MapOptionError
        If a size is out of range.
    maps.errors.PngExportError
        If no browser is found, it fails or times out, or writes no screenshot.
    """
    for v in (width_px, height_px):
        if not 100 <= v <= 10_000:
            msg = f"PNG size {v} px is outside 100..10000"
            raise MapOptionError(msg)
    exe = chromium or find_chromium()
    if exe is None:
        msg = "no Chromium on PATH (install the Debian packages chromium and fonts-noto-cjk)"
        raise PngExportError(msg)
    with tempfile.TemporaryDirectory(prefix="shudao-png-") as tmp:
        tmpdir = Path(tmp)
        page = tmpdir / "map.html"
        page.write_text(html, encoding="utf-8")
        out = tmpdir / "map.png"
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            "--mute-audio",
            # no network at all: every host unresolvable, every proxied request to a closed port
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={tmpdir / 'profile'}",
            f"--window-size={width_px},{height_px}",
            f"--virtual-time-budget={budget_ms}",
            "--enable-logging=stderr",
            "--v=0",
            f"--screenshot={out}",
            page.as_uri(),
        ]
        try:
            proc = subprocess.run(  # fixed argument list, no shell
                cmd, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired as exc:
            msg = f"Chromium did not finish within {timeout_s:g} s"
            raise PngExportError(msg) from exc
        if not out.exists():
            tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
            msg = f"Chromium wrote no screenshot (exit {proc.returncode}): {tail}"
            raise PngExportError(msg)
        png = out.read_bytes()
    console: list[str] = []
    errors: list[str] = []
    for line in proc.stderr.splitlines():
        m = _CONSOLE.search(line)
        if m is None:
            continue
        text = f"{m.group('msg')} @ {m.group('src')}"
        console.append(text)
        if any(w in m.group("msg") for w in _ERROR_WORDS):
            errors.append(text)
    return BrowserRender(png, tuple(console), tuple(errors))


def to_png(html: str, *, width_px: int, height_px: int, chromium: str | None = None) -> bytes:
    """Return a PNG screenshot (``width_px`` x ``height_px``) of *html* from headless Chromium.

    Raises
    ------
    maps.errors.PngExportError
        If Chromium is missing or fails, or the page reports a JavaScript error.
    """
    render = render_in_chromium(html, width_px=width_px, height_px=height_px, chromium=chromium)
    if render.errors:
        msg = "the map page reported JavaScript errors: " + " | ".join(render.errors)
        raise PngExportError(msg)
    return render.png
