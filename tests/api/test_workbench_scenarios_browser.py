"""The workbench's scenario views in a real browser (Debian's Chromium driven by Selenium).

As ``test_workbench_browser.py``: one uvicorn server on 127.0.0.1 around the session's service
(here with its own empty scenario store in a temporary state directory) and one headless
Chromium; every request the browser makes is read from Chrome's performance log and none may
leave 127.0.0.1. Screenshots go to ``$SHUDAO_SCREENSHOTS`` (or a temporary folder).

Figures: by hand, the weekly Chengdu–Vientiane through train waits 0.5 x 168 / 1 = 84 h and at
14 a week 0.5 x 168 / 14 = 6 h (``wait_fraction_of_headway`` 0.5 in data/geo/parameters.toml),
so the China–Laos alternative is 78 h shorter under that scenario and costs the same. The
shipped ``kazakhstan-border-closed`` scenario moves Chengdu→Duisburg (rail, sea) from the
China–Europe Railway Express to the Land-Sea corridor (README, "Shipped scenarios").
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from api.http.app import create_app
from api.service import Service
from api.settings import Settings
from corridors.engine import Engine
from corridors.scenarios import load_scenario_file

pytest.importorskip("selenium.webdriver")  # without Selenium this module skips
import browser_kit
from browser_kit import (
    assert_local_only,
    get_json,
    live_server,
    needs_chromium,
    number,
    requested_urls,
    set_lang,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

pytestmark = [pytest.mark.build, needs_chromium]
WAIT_S = 90
LAOS = {
    "title": "China–Laos through train 14 a week",
    "title_zh": "中老铁路国际货运列车每周14列",
    "description": "Plan §6: stable China–Laos trains",
    "changes": {
        "services": {
            "cl_rail_chengdu_vientiane": {"frequency_per_week": 14, "assumption": "test: two a day"}
        }
    },
}
MIANYANG = {
    "title": "Mianyang bonded zone closed",
    "title_zh": "绵阳综合保税区关闭",
    "description": "test: the bonded zone of Mianyang closed",
    "changes": {"close": ["cbz_mianyang"], "notes": {"close.cbz_mianyang": {"assumption": "test"}}},
}
WAIT_SAVED_H = 0.5 * 168 / 1 - 0.5 * 168 / 14  # 78 h
wait_for = partial(browser_kit.wait_for, timeout_s=WAIT_S)
table_text = partial(browser_kit.table_text, cells="th, td")  # row headers count as cells here


@pytest.fixture(scope="module")
def live_url(module_settings: Settings, service: Service) -> Iterator[str]:
    """The workbench on 127.0.0.1 with an empty scenario store of this module's own."""
    with live_server(create_app(module_settings, service=service)) as url:
        yield url


@pytest.fixture(scope="module")
def stored(live_url: str, engine: Engine, data_dir: Path) -> dict[str, str]:
    """Three stored scenarios: China–Laos 14 a week, Mianyang closed, Kazakhstan border closed."""
    kazakh = load_scenario_file(
        data_dir / "scenarios" / "kazakhstan-border-closed.toml", engine=engine
    ).model_dump(mode="json")
    return {
        name: send(f"{live_url}/v1/scenarios", "POST", doc)[1]["id"]
        for name, doc in (("laos", LAOS), ("mianyang", MIANYANG), ("kazakh", kazakh))
    }


# ----------------------------------------------------------------------------- helpers
def send(url: str, method: str, body: Any = None, **headers: str) -> tuple[int, Any]:
    """A JSON request to the live server (loopback only): status and parsed body."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    for k, v in headers.items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


# ----------------------------------------------------------------------------- tests
def test_route_page_compares_the_picked_scenario_with_the_baseline(
    browser: WebDriver, live_url: str, stored: dict[str, str], shots: Path
) -> None:
    d = browser
    d.get(f"{live_url}/app/")
    set_lang(d, "en")
    requested_urls(d)
    d.get(f"{live_url}/app/route?origin=chengdu&destination=vientiane&alternatives=3")
    wait_for(d, "#routes-table tbody tr")
    assert not d.find_element(By.ID, "scenario-compare").is_displayed()  # the baseline alone
    picker = Select(d.find_element(By.ID, "scenario"))
    labels = [o.text for o in picker.options]
    assert labels[0] == "Baseline (no scenario)"
    assert f"{LAOS['title']} (v1)" in labels
    picker.select_by_visible_text(f"{LAOS['title']} (v1)")
    d.find_element(By.CSS_SELECTOR, "#route-form button.primary").click()
    wait_for(d, "#cmp-table tbody tr")
    assert f"scenario={stored['laos']}" in d.current_url  # shareable
    head, rows = table_text(d, "#cmp-table")
    col = {h: i for i, h in enumerate(head)}
    laos = next(r for r in rows if r[0] == "China–Laos Railway")
    base = get_json(f"{live_url}/v1/route?origin=chengdu&destination=vientiane&alternatives=3")
    base_laos = next(r for r in base["routes"] if r["corridor"] == "china_laos")
    assert number(laos[col["Baseline time (h)"]]) == pytest.approx(base_laos["time_h"], abs=0.05)
    assert number(laos[col["Δ time (h)"]]) == pytest.approx(-WAIT_SAVED_H, abs=0.05)
    assert number(laos[col["Scenario time (h)"]]) == pytest.approx(
        base_laos["time_h"] - WAIT_SAVED_H, abs=0.05
    )
    assert number(laos[col["Δ cost (CNY)"]]) == 0
    # the road stays the fastest: the best corridor does not change
    badge = d.find_element(By.ID, "cmp-changed")
    assert badge.get_attribute("data-changed") == "false"
    assert badge.text == "Best corridor unchanged"
    _, best = table_text(d, "#cmp-best")
    assert best[0][:3] == ["Corridor", "Direct road", "Direct road"]
    assert f"Scenario: {LAOS['title']} (v1)." in d.find_element(By.ID, "summary").text
    # the table of alternatives and the exports are the scenario's
    assert f"scenario={stored['laos']}" in d.find_element(By.ID, "x-csv").get_attribute("href")
    assert f"scenario={stored['laos']}" in d.find_element(By.ID, "x-png").get_attribute("href")
    time.sleep(1.0)
    d.save_screenshot(str(shots / "route-scenario-1366x768.png"))

    # Chinese: the picker shows the Chinese title, the comparison its Chinese headers.
    d.find_element(By.ID, "lang-toggle").click()
    WebDriverWait(d, 10).until(
        lambda x: x.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    )
    picker = Select(d.find_element(By.ID, "scenario"))
    assert picker.first_selected_option.text == f"{LAOS['title_zh']} (第 1 版)"
    head, _ = table_text(d, "#cmp-table")
    assert "情景时间（小时）" in head
    assert d.find_element(By.ID, "cmp-changed").text == "最优通道不变"
    d.save_screenshot(str(shots / "route-scenario-zh-1366x768.png"))
    d.find_element(By.ID, "lang-toggle").click()

    # A shared URL opens the same comparison; a closure that moves the best corridor says so.
    q = "origin=chengdu&destination=duisburg&modes=rail&modes=sea&modes=road&alternatives=3"
    d.get(f"{live_url}/app/route?{q}&scenario={stored['kazakh']}")
    wait_for(d, "#cmp-table tbody tr")
    badge = d.find_element(By.ID, "cmp-changed")
    assert badge.get_attribute("data-changed") == "true"
    assert badge.text == "Best corridor changes"
    _, best = table_text(d, "#cmp-best")
    assert best[0][:3] == ["Corridor", "China–Europe Railway Express", "Land-Sea Trade Corridor"]
    assert (
        Select(d.find_element(By.ID, "scenario")).first_selected_option.get_attribute("value")
        == stored["kazakh"]
    )
    d.save_screenshot(str(shots / "route-scenario-changed-1366x768.png"))
    assert_local_only(requested_urls(d))


def test_an_unknown_scenario_in_a_shared_url_is_a_readable_error(
    browser: WebDriver, live_url: str
) -> None:
    d = browser
    missing = "0b8e4f5c-3d1a-4c77-9a59-1f0e2a8d6b11"
    d.get(f"{live_url}/app/route?origin=chengdu&destination=vientiane&scenario={missing}")
    box = wait_for(d, "#error")
    assert "No such scenario" in box.text
    assert not d.find_element(By.ID, "scenario-compare").is_displayed()
    picker = Select(d.find_element(By.ID, "scenario"))
    assert picker.first_selected_option.text == f"Unknown scenario {missing}"


def test_scenarios_page_lists_changes_and_draws_the_difference_map(
    browser: WebDriver, live_url: str, stored: dict[str, str], shots: Path
) -> None:
    d = browser
    requested_urls(d)
    sid = stored["mianyang"]
    d.get(f"{live_url}/app/scenarios?scenario={sid}&to=bonded_zone")
    img = wait_for(d, "#diff-map")
    WebDriverWait(d, WAIT_S).until(
        lambda x: x.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img)
    )
    assert d.execute_script("return arguments[0].naturalWidth", img) > 800
    names = [a.text.split("\n")[0] for a in d.find_elements(By.CSS_SELECTOR, "#scen-list a")]
    assert len(names) >= 3
    current = d.find_element(By.CSS_SELECTOR, '#scen-list a[aria-current="true"]')
    assert current.get_attribute("data-id") == sid
    assert "v1" in current.text
    assert d.find_element(By.ID, "scen-title").text == MIANYANG["title"]
    assert d.find_element(By.ID, "scen-subtitle").text == MIANYANG["title_zh"]
    assert MIANYANG["description"] in d.find_element(By.ID, "scen-description").text
    change = d.find_element(By.CSS_SELECTOR, '#scen-changes li[data-kind="close"]')
    assert "Mianyang Comprehensive Bonded Zone" in change.text  # a name, not the id
    assert "Assumption: test" in change.text
    assert "v1" in d.find_element(By.ID, "scen-meta").text
    png = d.find_element(By.ID, "diff-png").get_attribute("href")
    assert png.endswith(f"/v1/scenarios/{sid}/access-diff.png?to=bonded_zone")
    access = d.find_element(By.ID, "diff-access").get_attribute("href")
    assert access.endswith(f"/app/access?to=bonded_zone&scenario={sid}")
    route = d.find_element(By.ID, "scen-route").get_attribute("href")
    assert f"scenario={sid}" in route
    time.sleep(0.5)
    d.save_screenshot(str(shots / "scenarios-1366x768.png"))
    # Another scenario from the list: the URL and the details follow.
    other = d.find_element(By.CSS_SELECTOR, f'#scen-list a[data-id="{stored["laos"]}"]')
    other.click()
    WebDriverWait(d, 20).until(lambda x: x.find_element(By.ID, "scen-title").text == LAOS["title"])
    assert f"scenario={stored['laos']}" in d.current_url
    change = d.find_element(By.CSS_SELECTOR, '#scen-changes li[data-kind="services"]')
    assert "14 a week" in change.text
    assert "Chengdu" in change.text  # the service's name, not its id
    assert_local_only(requested_urls(d))


def test_scenario_editor_shows_every_problem_then_saves_and_refuses_a_stale_edit(
    browser: WebDriver, live_url: str, shots: Path
) -> None:
    d = browser
    d.get(f"{live_url}/app/scenarios")
    wait_for(d, "#scen-list a")
    d.find_element(By.CSS_SELECTOR, "#scen-editor-box summary").click()
    area = wait_for(d, "#scen-json")
    bad = {
        "title": "Two mistakes",
        "changes": {
            "close": ["alashankouu"],
            "services": {"no_such_service": {"frequency_per_week": 3, "assumption": "x"}},
        },
    }
    d.execute_script("arguments[0].value = arguments[1]", area, json.dumps(bad))
    d.find_element(By.ID, "scen-save").click()
    box = wait_for(d, "#scen-editor-error")
    items = [li.text for li in box.find_elements(By.CSS_SELECTOR, "li")]
    assert len(items) >= 2, box.text  # every problem at once
    assert any("changes.close" in i and "alashankou" in i for i in items), items
    assert any("no_such_service" in i for i in items), items
    assert "The scenario document has problems" in box.text
    d.save_screenshot(str(shots / "scenarios-editor-error-1366x768.png"))
    good = {"title": "Saved from the browser", "changes": {"close": ["alashankou"]}}
    d.execute_script("arguments[0].value = arguments[1]", area, json.dumps(good))
    d.find_element(By.ID, "scen-save").click()
    WebDriverWait(d, WAIT_S).until(
        lambda x: x.find_element(By.ID, "scen-title").text == "Saved from the browser"
    )
    sid = d.find_element(By.CSS_SELECTOR, '#scen-list a[aria-current="true"]').get_attribute(
        "data-id"
    )
    assert f"scenario={sid}" in d.current_url
    status, doc = send(f"{live_url}/v1/scenarios/{sid}", "GET")
    assert status == 200
    assert doc["document"]["changes"]["close"] == ["alashankou"]
    # Edit it while someone else saves version 2: the browser's save is refused (412).
    d.find_element(By.ID, "scen-edit").click()
    area = wait_for(d, "#scen-json")
    status, _ = send(
        f"{live_url}/v1/scenarios/{sid}",
        "PUT",
        {"title": "Changed elsewhere", "changes": {}},
        **{"If-Match": '"v1"'},
    )
    assert status == 200
    edited = json.loads(area.get_attribute("value"))
    edited["title"] = "Changed in the browser"
    d.execute_script("arguments[0].value = arguments[1]", area, json.dumps(edited))
    d.find_element(By.ID, "scen-save").click()
    box = wait_for(d, "#scen-editor-error")
    assert "Someone else changed this scenario" in box.text
    status, doc = send(f"{live_url}/v1/scenarios/{sid}", "GET")
    assert doc["document"]["title"] == "Changed elsewhere"  # nothing lost
    assert doc["version"] == 2


def test_access_page_under_a_scenario_shows_each_county_beside_the_baseline(
    browser: WebDriver, live_url: str, stored: dict[str, str], shots: Path
) -> None:
    d = browser
    requested_urls(d)
    sid = stored["mianyang"]
    d.get(f"{live_url}/app/access?to=bonded_zone&scenario={sid}")
    wait_for(d, "#county-table tbody tr")
    head, rows = table_text(d, "#county-table")
    assert head == ["County", "Prefecture", "Scenario (h)", "Baseline (h)", "Δ (h)"]
    assert len(rows) == 183
    picked = Select(d.find_element(By.ID, "scenario")).first_selected_option
    assert picked.text == f"{MIANYANG['title']} (v1)"
    frame = d.find_element(By.ID, "access-map").get_attribute("src")
    assert frame.endswith(f"/maps/access.html?to=bonded_zone&scenario={sid}")
    # Sorted by the change, largest first: Jiange (Guangyuan) heads the list; every delta is the
    # API's scenario mean minus its baseline mean, and none is negative (a hub was closed).
    assert rows[0][:2] == ["Jiange County", "Guangyuan"]
    deltas = [number(r[4]) for r in rows if r[4] != "–"]
    assert deltas == sorted(deltas, reverse=True)
    assert deltas[0] > 1.0
    assert min(deltas) >= 0
    counties = f"{live_url}/app/data/access-counties.json?to=bonded_zone"
    scen = {r["name_en"]: r["mean_h"] for r in get_json(f"{counties}&scenario={sid}")["counties"]}
    base = {r["name_en"]: r["mean_h"] for r in get_json(counties)["counties"]}
    assert number(rows[0][4]) == pytest.approx(
        scen["Jiange County"] - base["Jiange County"], abs=0.006
    )
    d.switch_to.frame(d.find_element(By.ID, "access-map"))
    wait_for(d, ".leaflet-container")
    d.switch_to.default_content()
    time.sleep(1.0)
    d.save_screenshot(str(shots / "access-scenario-1366x768.png"))
    assert_local_only(requested_urls(d))


def test_scenario_views_do_not_scroll_sideways(
    browser: WebDriver, live_url: str, stored: dict[str, str], shots: Path
) -> None:
    d = browser
    pages = (
        (f"scenarios?scenario={stored['mianyang']}&to=bonded_zone", "#diff-map"),
        (f"route?origin=chengdu&destination=vientiane&scenario={stored['laos']}", "#cmp-table tr"),
        (f"access?to=bonded_zone&scenario={stored['mianyang']}", "#county-table tbody tr"),
    )
    try:
        for w, h in ((800, 600), (1920, 1080)):
            d.set_window_size(w, h)
            for page, ready in pages:
                d.get(f"{live_url}/app/{page}")
                wait_for(d, ready)
                time.sleep(0.5)
                inner = d.execute_script("return window.innerWidth")
                scroll = d.execute_script("return document.documentElement.scrollWidth")
                assert scroll <= inner, f"{page} scrolls sideways at {w}x{h}"
                d.save_screenshot(str(shots / f"{page.split('?')[0]}-scenario-{w}x{h}.png"))
    finally:
        d.set_window_size(1366, 768)
