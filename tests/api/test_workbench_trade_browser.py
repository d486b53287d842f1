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

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from api.http.app import create_app
from api.service import Service
from api.settings import Settings

pytest.importorskip("selenium.webdriver")  # without Selenium this module skips
import browser_kit
from browser_kit import (
    assert_local_only,
    get_json,
    live_server,
    needs_chromium,
    requested_urls,
    set_lang,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

pytestmark = [pytest.mark.build, needs_chromium]
WAIT_S = 120
SCENARIO = "kazakhstan-border-closed"
wait_for = partial(browser_kit.wait_for, timeout_s=WAIT_S)


@pytest.fixture(scope="module")
def live_url(module_settings: Settings, service: Service) -> Iterator[str]:
    """The workbench on 127.0.0.1 with a state directory of this module's own."""
    with live_server(create_app(module_settings, service=service)) as url:
        yield url


# ----------------------------------------------------------------------------- helpers
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
