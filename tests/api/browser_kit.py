"""What the workbench's browser tests share: a live server, a headless Chromium, page helpers.

Owns the pieces ``test_workbench_browser.py``, ``test_workbench_scenarios_browser.py`` and
``test_workbench_trade_browser.py`` have in common (the ``browser`` and ``shots`` fixtures in
``conftest.py`` use it too):

- :func:`live_server`: an app served by uvicorn on a loopback socket in a thread;
- :func:`chromium_driver`: Debian's Chromium through chromedriver, headless, a fresh profile,
  background networking off and Chrome's performance log on;
- :data:`needs_chromium`: the skip marker for a machine without chromium or chromedriver;
- the helpers that read pages (:func:`wait_for`, :func:`table_text`, :func:`number`) and the
  check that no request the browser made left 127.0.0.1 (:func:`requested_urls`,
  :func:`assert_local_only`).

Importing this module without Selenium skips the importing test module (``importorskip``), so the
suite still collects on a machine without it. What a module tests, and its own server settings
and data, stay in that module.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import FastAPI

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (make system-deps installs them)",
)
#: Seconds a live server may take to start before the test fails.
SERVER_START_S = 30


# ----------------------------------------------------------------------------- server, browser
@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve *app* with uvicorn on 127.0.0.1 (a free port) in a daemon thread.

    Parameters
    ----------
    app
        The application, e.g. ``create_app(settings, service=service)``; its lifespan runs.

    Yields
    ------
    str
        The base URL, ``http://127.0.0.1:<port>``. On exit the server stops, the socket closes
        and the app's scenario store, if a request opened one, is disposed.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not server.started:
            if time.monotonic() > deadline:
                pytest.fail(f"the live server did not start within {SERVER_START_S} s")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        store = getattr(app.state, "scenario_store", None)
        if store is not None:
            store.dispose()


def chromium_driver(profile_dir: Path) -> WebDriver:
    """Start headless Chromium (Debian's ``chromium`` and ``chromedriver``) at 1366 x 768.

    Parameters
    ----------
    profile_dir
        An empty directory for the browser's profile (a fresh one per driver).

    Returns
    -------
    WebDriver
        The driver, with background networking, component updates and sync off, English UI,
        and Chrome's performance and console logs on (:func:`requested_urls` reads the first).
        The caller quits it.
    """
    from selenium.webdriver.chrome.options import Options  # noqa: PLC0415
    from selenium.webdriver.chrome.service import Service as DriverService  # noqa: PLC0415

    opts = Options()
    opts.binary_location = str(CHROMIUM)
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-default-apps",
        "--lang=en-US",
        f"--user-data-dir={profile_dir}",
        "--window-size=1366,768",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver: WebDriver = webdriver.Chrome(service=DriverService(str(CHROMEDRIVER)), options=opts)
    driver.set_window_size(1366, 768)
    return driver


# ----------------------------------------------------------------------------- page helpers
def wait_for(driver: WebDriver, css: str, *, timeout_s: float, visible: bool = True) -> WebElement:
    """The first element matching *css* (displayed, unless ``visible=False``).

    Fails the test after *timeout_s* seconds with the page's URL and its console log.
    """

    def found(d: WebDriver) -> WebElement | bool:
        els = d.find_elements(By.CSS_SELECTOR, css)
        ok = [e for e in els if e.is_displayed()] if visible else els
        return ok[0] if ok else False

    try:
        el: WebElement = WebDriverWait(driver, timeout_s).until(found)
    except TimeoutException:
        logs = [e["message"] for e in driver.get_log("browser")]
        pytest.fail(f"{css!r} did not appear on {driver.current_url}; console: {logs}")
    return el


def table_text(
    driver: WebDriver, css: str, *, cells: str = "td"
) -> tuple[list[str], list[list[str]]]:
    """The header texts (sort arrows stripped) and the body rows' *cells* texts of a table."""
    head = [th.text.strip(" ▲▼") for th in driver.find_elements(By.CSS_SELECTOR, f"{css} thead th")]
    rows = [
        [td.text for td in tr.find_elements(By.CSS_SELECTOR, cells)]
        for tr in driver.find_elements(By.CSS_SELECTOR, f"{css} tbody tr")
    ]
    return head, rows


def number(text: str) -> float:
    """A number as the workbench prints it: thousands separators, typographic minus."""
    return float(text.replace(",", "").replace("\u202f", "").replace("\xa0", "").replace("−", "-"))


def set_lang(driver: WebDriver, lang: str) -> None:
    """Store the workbench's language choice (``en`` or ``zh``) for the page's origin."""
    driver.execute_script("localStorage.setItem('shudao.lang', arguments[0])", lang)


def get_json(url: str, *, timeout_s: float = 120) -> Any:
    """GET *url* (the live server: loopback only) and parse its JSON."""
    with urllib.request.urlopen(url, timeout=timeout_s) as resp:
        return json.loads(resp.read())


# ----------------------------------------------------------------------------- nothing leaves
def requested_urls(driver: WebDriver) -> list[str]:
    """Every URL the browser asked for since the last call (Chrome's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            params = msg["params"]
            urls.append(params["request"]["url"] if "request" in params else params["url"])
    return urls


def assert_local_only(urls: list[str]) -> None:
    """No http(s)/ws(s) request went anywhere but 127.0.0.1, and at least one went there."""
    remote = [
        u
        for u in urls
        if urlsplit(u).scheme in ("http", "https", "ws", "wss")
        and urlsplit(u).hostname != "127.0.0.1"
    ]
    assert not remote, f"requests left 127.0.0.1: {remote}"
    assert any(urlsplit(u).hostname == "127.0.0.1" for u in urls)
