"""The workbench in a real browser: Debian's Chromium driven by Selenium against a live server.

One uvicorn server on 127.0.0.1 (the session's loaded service, so one engine load) and one
headless Chromium with a fresh profile and background networking off. Every request the browser
makes is read from Chrome's performance log; none may leave 127.0.0.1. Screenshots of every page
go to ``$SHUDAO_SCREENSHOTS`` (or a temporary folder). Server, browser and page helpers:
``browser_kit.py`` (the ``browser`` and ``shots`` fixtures are in ``conftest.py``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from api.http.app import create_app
from api.service import Service
from api.settings import Settings

pytest.importorskip("selenium.webdriver")  # without Selenium this module skips
import browser_kit
from browser_kit import (
    assert_local_only,
    live_server,
    needs_chromium,
    number,
    requested_urls,
    set_lang,
    table_text,
)
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = [pytest.mark.build, needs_chromium]
WAIT_S = 60
wait_for = partial(browser_kit.wait_for, timeout_s=WAIT_S)
api_json = partial(browser_kit.get_json, timeout_s=WAIT_S)


@pytest.fixture(scope="module")
def live_url(settings: Settings, service: Service) -> Iterator[str]:
    """The workbench on 127.0.0.1 around the session's service and settings."""
    with live_server(create_app(settings, service=service)) as url:
        yield url


# ----------------------------------------------------------------------------- helpers
def pick(driver: WebDriver, field: WebElement, text: str, expect_first: str) -> None:
    """Type *text*, check the first suggestion, take it with the keyboard."""
    field.clear()
    field.send_keys(text)
    listbox = f"#{field.get_attribute('id')}-list"
    first = wait_for(driver, f"{listbox} li[role=option]")
    assert first.find_element(By.CSS_SELECTOR, ".name").text == expect_first
    field.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    WebDriverWait(driver, 5).until(
        lambda d: not d.find_element(By.CSS_SELECTOR, listbox).is_displayed()
    )


def fetch_in_page(driver: WebDriver, href: str) -> dict[str, Any]:
    """Download *href* with the page's fetch: status, type and the first bytes."""
    result: dict[str, Any] = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(async (r) => {
          const buf = new Uint8Array(await r.arrayBuffer());
          done({status: r.status, type: r.headers.get('content-type'),
                disposition: r.headers.get('content-disposition'),
                head: Array.from(buf.slice(0, 4)),
                text: new TextDecoder('utf-8').decode(buf.slice(0, 4000))});
        }).catch((e) => done({error: String(e)}));
        """,
        href,
    )
    return result


# ----------------------------------------------------------------------------- tests
def test_route_comparison_end_to_end(browser: WebDriver, live_url: str, shots: Path) -> None:
    d = browser
    d.get(f"{live_url}/app/")
    set_lang(d, "en")
    requested_urls(d)  # reset the log
    d.get(f"{live_url}/app/route")
    origin = wait_for(d, "#origin")
    # Bilingual autocomplete: Chinese text finds the English-named place, and back.
    pick(d, origin, "成都", "Chengdu")
    assert origin.get_attribute("data-place-id") == "chengdu"
    destination = d.find_element(By.ID, "destination")
    pick(d, destination, "Duisb", "Duisburg")
    destination.send_keys(Keys.ENTER)  # keyboard submit
    wait_for(d, "#routes-table tbody tr")
    head, rows = table_text(d, "#routes-table")
    assert head[:3] == ["Rank", "Corridor", "Modes"]
    corridors = [r[1] for r in rows]
    assert "China–Europe Railway Express" in corridors
    assert "Air cargo" in corridors
    page = d.find_element(By.ID, "answer").text
    for code in ("china_europe_rail", "air_cargo", "road_international", "chengdu_irp"):
        assert code not in page
    # The table shows the API's numbers; air is the fastest corridor and rail beats sea on time.
    api = api_json(f"{live_url}/v1/route?origin=chengdu&destination=duisburg&alternatives=3")
    assert len(rows) == len(api["routes"])
    t_col = head.index("Time (h)")
    for row, route in zip(rows, api["routes"], strict=True):
        assert number(row[t_col]) == pytest.approx(route["time_h"], abs=0.05)
    by_corridor = {r[1]: number(r[t_col]) for r in rows}
    assert by_corridor["Air cargo"] < by_corridor["China–Europe Railway Express"]
    # Shareable URL.
    assert "origin=chengdu" in d.current_url
    assert "destination=duisburg" in d.current_url
    # Charts and map are drawn.
    wait_for(d, "#chart-bars .main-svg")
    wait_for(d, "#chart-pareto .main-svg")
    wait_for(d, "#map path.leaflet-interactive")
    time.sleep(1.0)
    d.save_screenshot(str(shots / "route-1366x768.png"))

    # Exports, fetched by the page itself.
    csv_href = d.find_element(By.ID, "x-csv").get_attribute("href")
    csv = fetch_in_page(d, csv_href)
    assert csv["status"] == 200
    assert csv["head"][:3] == [0xEF, 0xBB, 0xBF]
    assert csv["text"].lstrip("\ufeff").startswith("Rank,Corridor,Modes,Path")
    xlsx = fetch_in_page(d, d.find_element(By.ID, "x-xlsx").get_attribute("href"))
    assert xlsx["status"] == 200
    assert xlsx["head"][:2] == [0x50, 0x4B]  # "PK": a zip container
    geo = fetch_in_page(d, d.find_element(By.ID, "x-geojson").get_attribute("href"))
    assert json.loads(geo["text"] if len(geo["text"]) < 4000 else "{}") or geo["status"] == 200
    pdf = fetch_in_page(d, d.find_element(By.ID, "x-pdf-a3").get_attribute("href"))
    assert pdf["status"] == 200
    assert pdf["type"].startswith("application/pdf")
    assert pdf["head"] == [0x25, 0x50, 0x44, 0x46]  # "%PDF"
    assert "/MediaBox [ 0 0 1190.55" in pdf["text"] or "1190.55" in pdf["text"]  # A3 landscape

    # Switch to Chinese: labels, headers and place names follow, and the choice is remembered.
    d.find_element(By.ID, "lang-toggle").click()
    WebDriverWait(d, 10).until(
        lambda x: x.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    )
    head, rows = table_text(d, "#routes-table")
    assert head[1] == "通道"
    assert "中欧班列" in [r[1] for r in rows]
    assert d.find_element(By.ID, "origin").get_attribute("value") == "成都"
    assert d.find_element(By.ID, "destination").get_attribute("value") == "杜伊斯堡"
    csv = fetch_in_page(d, d.find_element(By.ID, "x-csv").get_attribute("href"))
    assert csv["text"].lstrip("\ufeff").startswith("排名,通道,运输方式,路径")
    d.save_screenshot(str(shots / "route-zh-1366x768.png"))
    d.refresh()
    wait_for(d, "#routes-table tbody tr")
    assert d.find_element(By.TAG_NAME, "h1").text == "路线比较"
    assert_local_only(requested_urls(d))
    set_lang(d, "en")


def test_shared_url_opens_the_computed_comparison(browser: WebDriver, live_url: str) -> None:
    d = browser
    d.get(f"{live_url}/app/route?origin={quote('成都')}&destination=Duisburg&alternatives=2")
    wait_for(d, "#routes-table tbody tr")
    _, rows = table_text(d, "#routes-table")
    assert len(rows) == 2
    assert "Chengdu → Duisburg" in d.find_element(By.ID, "summary").text
    assert d.find_element(By.ID, "alternatives").get_attribute("value") == "2"


def test_unknown_place_shows_suggestions_that_fix_the_query(
    browser: WebDriver, live_url: str, shots: Path
) -> None:
    d = browser
    d.get(f"{live_url}/app/route?origin=Chengduu&destination=Duisburg")
    box = wait_for(d, "#error")
    assert "No place called “Chengduu”" in box.text
    assert "{" not in box.text.split("Server detail")[0]  # a message, not raw JSON
    buttons = box.find_elements(By.CSS_SELECTOR, "button.suggestion")
    assert "Chengdu" in [b.text for b in buttons]
    d.save_screenshot(str(shots / "route-error-1366x768.png"))
    next(b for b in buttons if b.text == "Chengdu").send_keys(Keys.ENTER)
    wait_for(d, "#routes-table tbody tr")
    assert not d.find_element(By.ID, "error").is_displayed()


def test_sorting_by_keyboard(browser: WebDriver, live_url: str) -> None:
    d = browser
    d.get(f"{live_url}/app/route?origin=chengdu&destination=rotterdam&alternatives=4")
    wait_for(d, "#routes-table tbody tr")
    head, _ = table_text(d, "#routes-table")
    col = head.index("Cost (CNY)")
    button = d.find_element(By.CSS_SELECTOR, '#routes-table button[data-key="cost_cny"]')
    button.send_keys(Keys.ENTER)
    _, rows = table_text(d, "#routes-table")
    costs = [number(r[col]) for r in rows]
    assert costs == sorted(costs)
    d.find_element(By.CSS_SELECTOR, '#routes-table button[data-key="cost_cny"]').send_keys(
        Keys.ENTER
    )
    _, rows = table_text(d, "#routes-table")
    assert [number(r[col]) for r in rows] == sorted(costs, reverse=True)
    th = d.find_element(By.CSS_SELECTOR, "#routes-table th[aria-sort]")
    assert th.get_attribute("aria-sort") == "descending"


def test_accessibility_page(browser: WebDriver, live_url: str, shots: Path) -> None:
    d = browser
    requested_urls(d)
    d.get(f"{live_url}/app/access?to=rail_port")
    wait_for(d, "#county-table tbody tr")
    head, rows = table_text(d, "#county-table")
    assert len(rows) == 183  # Sichuan's counties
    assert head == ["County", "Prefecture", "Mean hours", "Max hours"]
    means = [number(r[2]) for r in rows if r[2] != "–"]
    assert means == sorted(means, reverse=True)  # worst-served first
    frame = d.find_element(By.ID, "access-map")
    assert frame.get_attribute("src").endswith("/maps/access.html?to=rail_port")
    d.switch_to.frame(frame)
    wait_for(d, ".leaflet-container")
    d.switch_to.default_content()
    time.sleep(1.0)
    d.save_screenshot(str(shots / "access-1366x768.png"))
    assert_local_only(requested_urls(d))


def test_matrix_page(browser: WebDriver, live_url: str, shots: Path) -> None:
    d = browser
    d.get(f"{live_url}/app/matrix")
    add = wait_for(d, "#dest-add")
    pick(d, add, "Lodz", "Lodz")
    pick(d, add, "新加坡", "Port of Singapore")
    chips = d.find_elements(By.CSS_SELECTOR, "#dest-chips li")
    assert len(chips) == 2
    d.find_element(By.CSS_SELECTOR, "#matrix-form button.primary").click()
    wait_for(d, "#matrix-table tbody tr")
    head, rows = table_text(d, "#matrix-table")
    assert len(rows) == 183
    assert head[:2] == ["Origin", "Prefecture"]
    assert len(head) == 4  # origin, prefecture, one column per destination
    jinjiang = next(r for r in rows if r[0] == "Jinjiang District")
    assert jinjiang[1] == "Chengdu"
    href = d.find_element(By.ID, "m-csv").get_attribute("href")
    csv = fetch_in_page(d, href)
    assert csv["head"][:3] == [0xEF, 0xBB, 0xBF]
    d.save_screenshot(str(shots / "matrix-1366x768.png"))
    assert_local_only(requested_urls(d))


def test_keyboard_alone(browser: WebDriver, live_url: str) -> None:
    d = browser
    d.get(f"{live_url}/app/route")
    wait_for(d, "#origin")
    ActionChains(d).send_keys(Keys.TAB).perform()
    assert d.switch_to.active_element.get_attribute("class") == "skip"
    ActionChains(d).send_keys(Keys.ENTER, Keys.TAB).perform()
    origin = d.switch_to.active_element
    assert origin.get_attribute("id") == "origin"
    pick(d, origin, "Chengdu", "Chengdu")
    ActionChains(d).send_keys(Keys.TAB).perform()
    destination = d.switch_to.active_element
    assert destination.get_attribute("id") == "destination"
    pick(d, destination, "罗兹", "Lodz")
    ActionChains(d).send_keys(Keys.ENTER).perform()
    wait_for(d, "#routes-table tbody tr")
    assert "Chengdu → Lodz" in d.find_element(By.ID, "summary").text
    toggle = d.find_element(By.ID, "lang-toggle")
    toggle.send_keys(Keys.ENTER)
    WebDriverWait(d, 10).until(lambda x: x.find_element(By.TAG_NAME, "h1").text == "路线比较")
    assert "成都 → 罗兹" in d.find_element(By.ID, "summary").text
    d.find_element(By.ID, "lang-toggle").send_keys(Keys.ENTER)
    WebDriverWait(d, 10).until(lambda x: x.find_element(By.TAG_NAME, "h1").text == "Compare routes")


def test_docs_and_home_offline_at_three_sizes(
    browser: WebDriver, live_url: str, shots: Path
) -> None:
    d = browser
    requested_urls(d)
    d.get(f"{live_url}/docs")
    wait_for(d, ".swagger-ui .opblock")
    d.save_screenshot(str(shots / "docs-1366x768.png"))
    d.get(f"{live_url}/redoc")
    wait_for(d, "[role=navigation], .menu-content", visible=False)
    time.sleep(1.0)
    d.save_screenshot(str(shots / "redoc-1366x768.png"))
    d.get(f"{live_url}/")  # a browser asks text/html: sent to the workbench
    wait_for(d, ".card-list")
    assert urlsplit(d.current_url).path == "/app/"
    assert_local_only(requested_urls(d))
    for w, h in ((1366, 768), (1920, 1080), (800, 600)):
        d.set_window_size(w, h)
        for page, ready in (
            ("", "main h1"),
            ("route?origin=chengdu&destination=duisburg", "#routes-table tbody tr"),
            ("access?to=bonded_zone", "#county-table tbody tr"),
            ("matrix?origins=prefectures&destinations=duisburg,hanoi", "#matrix-table tbody tr"),
        ):
            d.get(f"{live_url}/app/{page}")
            wait_for(d, ready)
            time.sleep(1.0)
            inner = d.execute_script("return window.innerWidth")
            scroll = d.execute_script("return document.documentElement.scrollWidth")
            assert scroll <= inner, f"{page or 'home'} scrolls sideways at {w}x{h}"
            d.save_screenshot(str(shots / f"{page.split('?')[0] or 'home'}-{w}x{h}.png"))
    d.set_window_size(1366, 768)
