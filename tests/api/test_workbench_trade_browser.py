"""The trade page (``/app/trade``) in a real browser (Debian's Chromium driven by Selenium).

As ``test_workbench_scenarios_browser.py``: one uvicorn server on 127.0.0.1 around the session's
service and one headless Chromium; every request the browser makes is read from Chrome's
performance log and none may leave 127.0.0.1. Screenshots go to ``$SHUDAO_SCREENSHOTS`` (or a
temporary folder). The targets table must show exactly ``/v1/indicators``'s figures (each cell
carries the API's number, and its text is that number formatted by hand here), the validation
table ``/v1/flows/validation``'s rows, the chart and map the picked scenario. The first answer
under a scenario routes 315 pairs (~7 s).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from api.http.app import create_app
from api.service import Service
from api.settings import Settings

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.build,
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="needs Debian's chromium and chromium-driver (make system-deps installs them)",
    ),
]
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

WAIT_S = 120
SCENARIO = "kazakhstan-border-closed"


@pytest.fixture(scope="module")
def live_url(
    built_dir: Path, data_dir: Path, service: Service, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    import uvicorn  # noqa: PLC0415

    settings = Settings(
        data_dir=data_dir,
        build_dir=built_dir,
        cache_size=256,
        state_dir=tmp_path_factory.mktemp("state"),
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(settings, service=service)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the live server did not start within 30 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    store = getattr(app.state, "scenario_store", None)
    if store is not None:
        store.dispose()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
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
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        "--window-size=1366,768",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=DriverService(str(CHROMEDRIVER)), options=opts)
    driver.set_window_size(1366, 768)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("SHUDAO_SCREENSHOTS")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


# ----------------------------------------------------------------------------- helpers
def wait_for(driver: WebDriver, css: str, *, visible: bool = True) -> WebElement:
    def found(d: WebDriver) -> WebElement | bool:
        els = d.find_elements(By.CSS_SELECTOR, css)
        ok = [e for e in els if e.is_displayed()] if visible else els
        return ok[0] if ok else False

    try:
        el: WebElement = WebDriverWait(driver, WAIT_S).until(found)
    except TimeoutException:
        logs = [e["message"] for e in driver.get_log("browser")]
        pytest.fail(f"{css!r} did not appear on {driver.current_url}; console: {logs}")
    return el


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
    remote = [
        u
        for u in urls
        if urlsplit(u).scheme in ("http", "https", "ws", "wss")
        and urlsplit(u).hostname != "127.0.0.1"
    ]
    assert not remote, f"requests left 127.0.0.1: {remote}"
    assert any(urlsplit(u).hostname == "127.0.0.1" for u in urls)


def set_lang(driver: WebDriver, lang: str) -> None:
    driver.execute_script("localStorage.setItem('shudao.lang', arguments[0])", lang)


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=120) as resp:
        return json.loads(resp.read())


def cell(row: WebElement, css: str) -> tuple[str, float, str]:
    """(text, the number in data-value, the mark) of a figure cell."""
    value = row.find_element(By.CSS_SELECTOR, f"{css} .fig-value")
    mark = row.find_element(By.CSS_SELECTOR, f"{css} .badge").get_attribute("data-mark")
    return value.text, float(value.get_attribute("data-value") or "nan"), mark or ""


# ----------------------------------------------------------------------------- tests
def test_targets_validation_chart_and_map_under_a_shipped_scenario(
    browser: WebDriver, live_url: str, shots: Path
) -> None:
    d = browser
    d.get(f"{live_url}/app/")
    set_lang(d, "en")
    requested_urls(d)
    d.get(f"{live_url}/app/trade?scenario={SCENARIO}&by=corridor")
    wait_for(d, "#targets-table td.modelled-scen")
    wait_for(d, "#validation-table tbody tr")
    wait_for(d, "#flows-chart .main-svg")
    wait_for(d, "#rail-chart .main-svg")
    api = get_json(f"{live_url}/v1/indicators?scenario={SCENARIO}")
    rows = {tr.get_attribute("data-target"): tr for tr in d.find_elements(
        By.CSS_SELECTOR, "#targets-table tbody tr")}  # fmt: skip
    assert set(rows) == {i["target"] for i in api["indicators"]}
    for ind in api["indicators"]:
        tr = rows[ind["target"]]
        _, base, base_mark = cell(tr, "td.modelled-base")
        _, scen, scen_mark = cell(tr, "td.modelled-scen")
        _, pub, pub_mark = cell(tr, "td.published")
        assert base == ind["baseline"], ind["target"]
        assert scen == ind["modelled"], ind["target"]
        assert pub == ind["published"]["value"], ind["target"]
        assert (base_mark, scen_mark) == ("modelled", "modelled")
        assert pub_mark == ("derived" if ind["published"]["mark"] == "derived" else "published")
        assert f"{ind['published']['year']} {ind['published']['period']}" in tr.text
    by = {i["target"]: i for i in api["indicators"]}
    rail = by["rail_share_value"]
    text, _, _ = cell(rows["rail_share_value"], "td.modelled-scen")
    assert text == f"{100 * rail['modelled']:.1f}%"
    text, _, _ = cell(rows["rail_share_value"], "td.modelled-base")
    assert text == f"{100 * rail['baseline']:.1f}%"
    change = rows["rail_share_value"].find_element(By.CSS_SELECTOR, "td.change").text
    assert change == f"{'+' if rail['change'] > 0 else '−'}{abs(100 * rail['change']):.2f} pp"
    total = by["goods_trade_total"]
    text, _, _ = cell(rows["goods_trade_total"], "td.modelled-scen")
    assert text == f"{total['modelled'] / 1e9:,.1f} bn CNY"
    # the validation table: the API's rows; the summary with WAPE and the mode-share error
    val = get_json(f"{live_url}/v1/flows/validation")
    shown = d.find_elements(By.CSS_SELECTOR, "#validation-table tbody tr")
    assert [tr.get_attribute("data-figure") for tr in shown] == [r["figure"] for r in val["rows"]]
    summary = d.find_element(By.ID, "validation-summary").text
    assert f"{100 * val['wape']:.0f}%" in summary
    assert f"{val['mode_share_error_pp']:.1f}" in summary
    # the plain sentence: the modelled rail share +- the validation error, against the 10% goal
    sentence = d.find_element(By.ID, "uncertainty").text
    m, err = 100 * rail["modelled"], val["mode_share_error_pp"]
    assert f"{m:.1f}%" in sentence
    assert f"{m - err:.0f}–{m + err:.0f}%" in sentence
    assert ("cannot be told" in sentence) == (m - err < 10 < m + err)
    # the picker, the chart's grouping, the map: all under the scenario
    picker = Select(d.find_element(By.ID, "scenario"))
    assert picker.first_selected_option.get_attribute("value") == SCENARIO
    assert picker.first_selected_option.text == "Kazakhstan border closed (Alashankou and Khorgos)"
    assert d.find_element(By.ID, "flows-chart").get_attribute("data-by") == "corridor"
    flows = get_json(f"{live_url}/v1/flows?by=corridor&scenario={SCENARIO}")
    assert len(d.find_elements(By.CSS_SELECTOR, "#flows-table tbody tr")) == len(flows["rows"])
    src = d.find_element(By.ID, "flows-map").get_attribute("src") or ""
    assert f"scenario={SCENARIO}" in src
    assert "/maps/flows.pdf?" in (d.find_element(By.ID, "map-pdf").get_attribute("href") or "")
    d.save_screenshot(str(shots / "trade-scenario-en.png"))
    # Chinese labels after the switch; the numbers stay the API's
    d.find_element(By.ID, "lang-toggle").click()
    assert d.find_element(By.TAG_NAME, "h1").text == "四川外贸与规划目标"
    head = [th.text for th in d.find_elements(By.CSS_SELECTOR, "#targets-table thead th")]
    assert head[:4] == ["目标", "定义", "规划目标值", "最新公布值"]
    _, scen, _ = cell(rows_of(d)["rail_share_value"], "td.modelled-scen")
    assert scen == rail["modelled"]
    d.save_screenshot(str(shots / "trade-scenario-zh.png"))
    # back to the baseline: no scenario column, the URL without scenario
    d.find_element(By.ID, "lang-toggle").click()
    Select(d.find_element(By.ID, "scenario")).select_by_value("")
    WebDriverWait(d, WAIT_S).until(
        lambda drv: not drv.find_elements(By.CSS_SELECTOR, "#targets-table td.modelled-scen")
    )
    assert "scenario=" not in d.current_url
    base = get_json(f"{live_url}/v1/indicators")
    _, value, _ = cell(rows_of(d)["rail_share_value"], "td.modelled-base")
    assert (
        value
        == next(i for i in base["indicators"] if i["target"] == "rail_share_value")["modelled"]
    )
    assert_local_only(requested_urls(d))


def rows_of(d: WebDriver) -> dict[str, WebElement]:
    return {
        tr.get_attribute("data-target") or "": tr
        for tr in d.find_elements(By.CSS_SELECTOR, "#targets-table tbody tr")
    }
