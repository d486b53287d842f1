/* Trade and the plan's targets: the targets table (/v1/indicators), flows by group as a bar chart
   (/v1/flows), the flow map (/maps/flows.html), the validation (/v1/flows/validation) beside the
   rail-share figure. ?scenario=ID|NAME&by=&measure= is shareable; nothing is computed here. */
"use strict";

const TV = JSON.parse(document.getElementById("trade-vocabulary").textContent);

Object.assign(MESSAGES, {
  "trade.h1": ["四川外贸与规划目标", "Sichuan's trade and the plan's targets"],
  "trade.lead": ["哪些通道承载四川外贸，一项措施会如何影响规划目标。货流由公布的统计数据建模估计；每个数字都标明是公布值还是模型值。",
    "Which corridors carry Sichuan's trade, and what a measure would do to the plan's targets. The flows are modelled from published statistics; every figure says whether it is published or modelled."],
  "trade.targets": ["规划目标：公布值与模型值", "The plan's targets: published and modelled"],
  "trade.marks_note": ["公布值：海关、省政府发布或媒体转引的数字（推算值：对公布数字的算术）。模型值：本工具的估计。模型拟合基年公布总量，因此情景改变的是路线（铁路、航空占比），而不是总量。",
    "Published: a figure released by customs, the province or the press relaying them (derived: arithmetic on published figures). Modelled: this tool's estimate. The model fits the published totals of the base year, so a scenario moves the routes (rail and air shares), not the volumes."],
  "trade.flows": ["货流（模型估计）", "Flows (modelled)"],
  "trade.by": ["分组", "Group by"],
  "trade.measure": ["度量", "Measure"],
  "trade.map": ["货流地图", "Flow map"],
  "trade.validation": ["模型误差多大？未参与校准的公布数字", "How far off is the model? Figures held out of calibration"],
  "trade.rail_fig": ["铁路运输占进出口值比重（按出境运输方式）", "Rail's share of import-export value (mode at the border)"],
  "trade.meta": ["基年 {year}；模型 {model}；参数 {params}；logit 尺度 θ = {theta}；出境方式按海关“运输方式”定义。", "Base year {year}; model {model}; parameters {params}; logit scale θ = {theta}; mode = the mode at the Chinese border (customs definition)."],
  "trade.meta_scenario": ["情景：{title}。", "Scenario: {title}."],
  "trade.loading": ["正在计算货流（首次约需十秒）……", "Computing the flows (about ten seconds the first time)…"],
  "trade.done": ["完成。", "Done."],
  "trade.shipped": ["随附情景", "Shipped scenarios"],
  "trade.stored": ["已存情景", "Stored scenarios"],
  "by.mode": ["出境运输方式", "Mode at the border"],
  "by.corridor": ["通道", "Corridor"],
  "by.border": ["口岸", "Border crossing"],
  "by.gateway": ["出入境口岸城市/港站", "Gateway"],
  "by.prefecture": ["市州", "Prefecture"],
  "by.region": ["贸易伙伴", "Partner region"],
  "by.commodity": ["商品类别", "Commodity group"],
  "measure.value": ["货值", "Value"],
  "measure.tonnes": ["货量", "Tonnes"],
  "col.target": ["目标", "Target"],
  "col.definition": ["定义", "Definition"],
  "col.goal": ["规划目标值", "Goal"],
  "col.published": ["最新公布值", "Latest published"],
  "col.modelled_base": ["模型值（基准）", "Modelled (baseline)"],
  "col.modelled_scen": ["模型值（情景）", "Modelled (scenario)"],
  "col.change": ["变化", "Change"],
  "col.unit": ["单位", "Unit"],
  "col.group": ["组", "Group"],
  "col.value": ["货值", "Value"],
  "col.share_value": ["货值占比", "Share of value"],
  "col.tonnes": ["货量", "Tonnes"],
  "col.share_tonnes": ["货量占比", "Share of tonnes"],
  "col.value_base": ["基准货值", "Baseline value"],
  "col.d_value": ["Δ 货值", "Δ value"],
  "col.figure": ["公布数字（未参与校准）", "Published figure (held out)"],
  "col.pub_value": ["公布值", "Published"],
  "col.mod_value": ["模型值", "Modelled"],
  "col.error": ["误差", "Error"],
  "mark.published": ["公布", "published"],
  "mark.derived": ["推算", "derived"],
  "mark.modelled": ["模型", "modelled"],
  "unit.share": ["占比", "share"],
  "unit.CNY": ["元", "CNY"],
  "unit.count": ["个", "count"],
  "unit.tonnes": ["吨", "tonnes"],
  "goal.growth": ["年增 {x}%", "+{x}% a year"],
  "unrouted": ["无路线", "No route"],
  "gw.border": ["{mode}口岸 {border}（目录未列名）", "{mode} crossing {border} (not named in the catalog)"],
  "baseline": ["基准", "Baseline"],
  "scenario": ["情景", "Scenario"],
  "val.summary": ["货值类数字的加权绝对百分比误差（WAPE）{wape}%；运输方式占比误差 {pp} 个百分点。", "Weighted absolute percentage error (WAPE) over the value figures {wape}%; mode-share error {pp} percentage points."],
  "val.calibration": ["校准：θ 与 IT 产品时间价值倍数按“成都外贸航空占比 {target}%”搜索，模型得 {modelled}%（未达到）。", "Calibration: θ and the IT value-of-time multiplier were searched for air's share of Chengdu's trade, {target}%; the model reaches {modelled}% (missed)."],
  "val.ceb_trade_boost": ["成都国际班列年均带动进出口值（2013–2022，下限）", "Trade on Chengdu's international trains, a year (2013–2022, a lower bound)"],
  "val.ceb_trade_boost_share_2022": ["同上占 2022 年外贸比重（铁路占比的代理指标）", "The same as a share of 2022 trade (proxy of rail's share)"],
  "val.ilstc_sc_jan_nov_value": ["四川南向（陆海新通道）班列进出口值，1–11 月年化", "Sichuan's southbound (ILSTC) trains, Jan–Nov annualised"],
  "val.sc_2024_jan_nov_over_10bn": ["外贸超百亿元的市州数（2024 年 1–11 月）", "Prefectures over 10 bn CNY (Jan–Nov 2024)"],
  "rail.published": ["公布（代理，{y}）", "Published (proxy, {y})"],
  "rail.baseline": ["模型：基准", "Modelled: baseline"],
  "rail.scenario": ["模型：情景", "Modelled: scenario"],
  "rail.goal": ["规划：超过 {x}%", "Plan: more than {x}%"],
  "rail.error_bar": ["误差线：± 验证误差 {pp} 个百分点", "Error bars: ± the validation error, {pp} pp"],
  "uncertainty": ["模型铁路占比 {m}% 应读作约 {lo}–{hi}%（模型值 ± 验证误差）：唯一的留出检验是定义不同的代理指标（成都国际班列货值，2022 年 {pub}%），相差 {pp} 个百分点；校准目标（成都外贸航空占比 {ct}%）未达到（{cm}%）。{verdict}",
    "Read the modelled rail share, {m}%, as about {lo}–{hi}% (the model ± its validation error): its one held-out check is a proxy with another definition (value on Chengdu's international trains, {pub}% in 2022), {pp} points away, and the calibration target (air's share of Chengdu's trade, {ct}%) is missed ({cm}%). {verdict}"],
  "verdict.unclear": ["据此模型无法判断铁路占比是否已超过规划的 {g}%。", "Whether rail is above the plan's {g}% cannot be told from this model."],
  "verdict.above": ["即使按误差下限，铁路占比也超过规划的 {g}%。", "Even at the low end rail is above the plan's {g}%."],
  "verdict.below": ["即使按误差上限，铁路占比也低于规划的 {g}%。", "Even at the high end rail is below the plan's {g}%."],
});

const tradeForm = document.getElementById("trade-form");
const flowsForm = document.getElementById("flows-form");
const scenarioSelect = document.getElementById("scenario");
const tradeError = document.getElementById("error");
const mapFrame = document.getElementById("flows-map");
const state = { indicators: null, flows: null, baseFlows: null, validation: null, baseIndicators: null };
let storedScenarios = [];

/* ---------------------------------------------------------------- scenario picker */
function shippedTitle(s) { return Lang.current === "zh" ? s.title_zh : s.title; }

function fillPicker() {
  const keep = scenarioSelect.value || scenarioSelect.dataset.wanted || "";
  const base = document.createElement("option");
  base.value = "";
  base.textContent = t("scenario.baseline");
  const shipped = document.createElement("optgroup");
  shipped.label = t("trade.shipped");
  for (const s of TV.shipped) {
    const o = document.createElement("option");
    o.value = s.name;
    o.textContent = shippedTitle(s);
    o.title = s.name;
    shipped.append(o);
  }
  const items = [base, shipped];
  if (storedScenarios.length) {
    const stored = document.createElement("optgroup");
    stored.label = t("trade.stored");
    for (const s of storedScenarios) {
      const o = document.createElement("option");
      o.value = s.id;
      o.textContent = `${scenarioTitle(s)} (${t("scenario.version", { v: s.version })})`;
      stored.append(o);
    }
    items.push(stored);
  }
  const known = new Set(["", ...TV.shipped.map((s) => s.name), ...storedScenarios.map((s) => s.id)]);
  if (keep && !known.has(keep)) {
    const o = document.createElement("option");
    o.value = keep;
    o.textContent = t("scenario.unknown", { id: keep });
    items.push(o);
  }
  scenarioSelect.replaceChildren(...items);
  scenarioSelect.value = keep;
}

function scenarioName(id) {
  const shipped = TV.shipped.find((s) => s.name === id);
  if (shipped) return shippedTitle(shipped);
  const stored = storedScenarios.find((s) => s.id === id);
  return stored ? `${scenarioTitle(stored)} (${t("scenario.version", { v: stored.version })})` : id;
}

/* ---------------------------------------------------------------- formatting */
function fmtUnit(v, unit) {
  if (v === null || v === undefined) return "–";
  const zh = Lang.current === "zh";
  if (unit === "share") return `${fmt(100 * v, 1)}%`;
  if (unit === "CNY") return zh ? `${fmt(v / 1e8, 0)} 亿元` : `${fmt(v / 1e9, 1)} bn CNY`;
  if (unit === "cny_100m") return zh ? `${fmt(v, 1)} 亿元` : `${fmt(v / 10, 1)} bn CNY`;
  if (unit === "tonnes") return zh ? `${fmt(v, 0)} 吨` : `${fmt(v, 0)} t`;
  if (unit === "usd_bn") return zh ? `${fmt(v * 10, 0)} 亿美元` : `USD ${fmt(v, 1)} bn`;
  return fmt(v, Number.isInteger(v) ? 0 : 1);
}

function fmtChange(v, unit) {
  if (v === null || v === undefined) return "–";
  const sign = v > 0 ? "+" : v < 0 ? "−" : "±";
  const a = Math.abs(v);
  if (unit === "share") return `${sign}${fmt(100 * a, 2)} pp`;
  if (unit === "relative") return `${sign}${fmt(100 * a, 2)}%`;
  if (unit === "CNY") return `${sign}${fmtUnit(a, "CNY")}`;
  return `${sign}${fmt(a, 1)}`;
}

function badge(mark) {
  const b = document.createElement("span");
  b.className = `badge mark-${mark}`;
  b.dataset.mark = mark;
  b.textContent = t(`mark.${mark}`);
  return b;
}

function cell(text, mark, value) {
  const span = document.createElement("span");
  span.className = "figure";
  const v = document.createElement("span");
  v.className = "fig-value";
  v.textContent = text;
  if (value !== undefined && value !== null) v.dataset.value = String(value);
  span.append(v);
  if (mark) span.append(" ", badge(mark));
  return span;
}

function goalText(i) {
  if (i.target === "air_intl_tonnes") return t("goal.growth", { x: fmt(100 * i.goal.value, 0) });
  const cmp = { ">=": "≥", "<=": "≤" }[i.goal.comparator] || i.goal.comparator;
  return `${cmp} ${fmtUnit(i.goal.value, i.unit)}`;
}

function groupLabel(by, row) {
  const k = row.key;
  if (k === "unrouted") return t("unrouted");
  if (by === "mode") return vocab("modes", k);
  if (by === "corridor") {
    const [base, onward] = k.split("+");
    return onward ? `${vocab("corridors", base)} + ${vocab("modes", onward)}` : vocab("corridors", base);
  }
  if (by === "border") {
    const m = /^(.+) \((\w+)\)$/.exec(k);
    if (m) return `${placeName(Places.byId.get(m[1])) || m[1]} (${vocab("modes", m[2])})`;
    return borderName(k);
  }
  if (by === "gateway") {
    const crossing = /^(\w+) border (.+)$/.exec(k);  // a crossing the catalog does not name
    if (crossing) return t("gw.border", { mode: vocab("modes", crossing[1]), border: crossing[2] });
    return placeName(Places.byId.get(k)) || k;
  }
  if (by === "prefecture" && row.name) {
    const [zh, ...en] = row.name.split(" ");
    return Lang.current === "zh" ? zh : en.join(" ") || zh;
  }
  if (by === "region" && TV.regions[k]) return TV.regions[k][Lang.current];
  if (by === "commodity" && TV.commodities[k]) return TV.commodities[k][Lang.current];
  return k;
}

/* ---------------------------------------------------------------- targets */
function renderTargets() {
  const table = document.getElementById("targets-table");
  const body = state.indicators;
  if (!body) return;
  const sid = body.scenario;
  const heads = ["col.target", "col.definition", "col.goal", "col.published", "col.modelled_base"];
  if (sid) heads.push("col.modelled_scen", "col.change");
  heads.push("col.unit");
  const thead = document.createElement("thead");
  const tr = document.createElement("tr");
  for (const h of heads) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = t(h);
    tr.append(th);
  }
  thead.append(tr);
  const tbody = document.createElement("tbody");
  for (const i of body.indicators) {
    const row = document.createElement("tr");
    row.dataset.target = i.target;
    const name = document.createElement("th");
    name.scope = "row";
    const sec = document.createElement("span");
    sec.className = "section";
    sec.textContent = `${i.section} `;
    const lab = document.createElement("span");
    lab.textContent = Lang.current === "zh" ? i.label_zh : i.label_en;
    lab.title = Lang.current === "zh" ? i.label_en : i.label_zh;
    name.append(sec, lab);
    const def = document.createElement("td");
    def.className = "definition";
    def.textContent = i.definition;
    const goal = document.createElement("td");
    goal.className = "num";
    goal.textContent = goalText(i);
    const pub = document.createElement("td");
    pub.className = "num published";
    const p = i.published;
    pub.append(cell(fmtUnit(p.value, p.unit), p.mark === "derived" ? "derived" : "published", p.value));
    const year = document.createElement("div");
    year.className = "muted small";
    const url = (p.source.match(/https?:\/\/\S+/) || [null])[0];
    const src = url ? document.createElement("a") : document.createElement("span");
    if (url) { src.href = url.replace(/[),.;]+$/, ""); src.rel = "noreferrer"; src.target = "_blank"; }
    src.textContent = `${p.year} ${p.period}`;
    src.title = `${p.source} (${p.source_date})`;
    year.append(src);
    pub.append(year);
    const baseValue = sid ? i.baseline : i.modelled;
    const mb = document.createElement("td");
    mb.className = "num modelled-base";
    mb.append(cell(fmtUnit(baseValue, i.unit), "modelled", baseValue));
    const cells = [name, def, goal, pub, mb];
    if (sid) {
      const ms = document.createElement("td");
      ms.className = "num modelled-scen";
      ms.append(cell(fmtUnit(i.modelled, i.unit), "modelled", i.modelled));
      const ch = document.createElement("td");
      ch.className = "num change";
      ch.textContent = fmtChange(i.change, i.change_unit);
      cells.push(ms, ch);
    }
    const unit = document.createElement("td");
    unit.textContent = t(`unit.${i.unit}`);
    cells.push(unit);
    row.append(...cells);
    tbody.append(row);
  }
  table.replaceChildren(thead, tbody);
}

/* ---------------------------------------------------------------- flows */
function plotFont() {
  return { family: "Noto Sans CJK SC, Noto Sans, system-ui, sans-serif", size: 12 };
}

/** A row's value in the chart's unit: 亿元 / 万吨 in Chinese, bn CNY / Mt in English. */
function measureOf(row, measure) {
  const zh = Lang.current === "zh";
  if (measure === "value") return row.value_cny / (zh ? 1e8 : 1e9);
  return row.tonnes / (zh ? 1e4 : 1e6);
}

function renderFlows() {
  const body = state.flows;
  if (!body) return;
  const by = body.by;
  const measure = flowsForm.measure.value;
  const sid = body.scenario;
  const base = new Map((state.baseFlows ? state.baseFlows.rows : []).map((r) => [r.key, r]));
  const rows = [...body.rows].sort((a, b) => measureOf(b, measure) - measureOf(a, measure)).slice(0, 15);
  const names = rows.map((r) => groupLabel(by, r));
  const zh = Lang.current === "zh";
  const unit = measure === "value" ? (zh ? "亿元" : "bn CNY") : (zh ? "万吨" : "Mt");
  const traces = [];
  if (sid) {
    traces.push({
      type: "bar", orientation: "h", y: names, x: rows.map((r) => (base.has(r.key) ? measureOf(base.get(r.key), measure) : 0)),
      name: t("baseline"), marker: { color: "#9aa3ad" }, hovertemplate: `%{y}: %{x:,.1f} ${unit}<extra>${t("baseline")}</extra>`,
    });
  }
  traces.push({
    type: "bar", orientation: "h", y: names, x: rows.map((r) => measureOf(r, measure)),
    name: sid ? t("scenario") : t(`measure.${measure}`), marker: { color: "#8c1c13" },
    hovertemplate: `%{y}: %{x:,.1f} ${unit}<extra>${sid ? t("scenario") : ""}</extra>`,
  });
  const layout = {
    barmode: "group", font: plotFont(), showlegend: Boolean(sid), legend: { orientation: "h", y: -0.15 },
    margin: { l: 10, r: 20, t: 10, b: 40 },
    xaxis: { title: { text: `${t(`measure.${measure}`)}, ${unit}` }, tickformat: ",.0f", rangemode: "tozero" },
    yaxis: { autorange: "reversed", automargin: true },
  };
  document.getElementById("flows-chart").dataset.by = by;
  Plotly.react("flows-chart", traces, layout, { displayModeBar: false, responsive: true });
  const cols = [
    { key: "key", label: () => t(`by.${by}`), render: (r) => groupLabel(by, r), sortValue: (r) => groupLabel(by, r) },
    { key: "value_cny", label: () => t("col.value"), num: true, render: (r) => fmtUnit(r.value_cny, "CNY") },
    { key: "share_value", label: () => t("col.share_value"), num: true, render: (r) => fmtUnit(r.share_value, "share") },
    { key: "tonnes", label: () => t("col.tonnes"), num: true, render: (r) => fmtUnit(r.tonnes, "tonnes") },
    { key: "share_tonnes", label: () => t("col.share_tonnes"), num: true, render: (r) => fmtUnit(r.share_tonnes, "share") },
  ];
  if (sid) {
    const d = (r) => r.value_cny - (base.has(r.key) ? base.get(r.key).value_cny : 0);
    cols.splice(2, 0,
      { key: "base", label: () => t("col.value_base"), num: true, render: (r) => fmtUnit(base.has(r.key) ? base.get(r.key).value_cny : 0, "CNY"), sortValue: (r) => (base.has(r.key) ? base.get(r.key).value_cny : 0) },
      { key: "d_value", label: () => t("col.d_value"), num: true, render: (r) => fmtChange(d(r), "CNY"), sortValue: d });
  }
  const ft = document.getElementById("flows-table");
  const keys = new Set(cols.map((c) => c.key));
  const sort = ft._sort && keys.has(ft._sort.key) ? ft._sort : { key: "value_cny", dir: "desc" };
  renderTable(ft, cols, body.rows, sort);
}

/* ---------------------------------------------------------------- map */
async function showMap(q) {
  const mq = new URLSearchParams({ measure: flowsForm.measure.value });
  if (q.get("scenario")) mq.set("scenario", q.get("scenario"));
  const set = (id, href, file) => {
    const a = document.getElementById(id);
    a.href = href;
    if (file) a.setAttribute("download", file); else a.removeAttribute("download");
  };
  const paper = (p) => { const x = new URLSearchParams(mq); x.set("paper", p); return x; };
  const stem = `shudao-flows-${q.get("scenario") || "baseline"}-${mq.get("measure")}`;
  set("map-png", `/maps/flows.png?${mq}`, `${stem}.png`);
  set("map-pdf", `/maps/flows.pdf?${paper("A4")}`, `${stem}-a4.pdf`);
  set("map-pdf-a3", `/maps/flows.pdf?${paper("A3")}`, `${stem}-a3.pdf`);
  set("map-html", `/maps/flows.html?${mq}`, null);
  const src = `/maps/flows.html?${mq}`;
  if (localStorage.getItem("shudao.apiKey")) {
    const resp = await fetch(src, { headers: authHeaders() });
    mapFrame.srcdoc = await resp.text();
  } else if (mapFrame.getAttribute("src") !== src) {
    mapFrame.src = src;
  }
}

/* ---------------------------------------------------------------- validation */
function renderValidation() {
  const v = state.validation;
  if (!v) return;
  const table = document.getElementById("validation-table");
  const thead = document.createElement("thead");
  const tr = document.createElement("tr");
  for (const h of ["col.figure", "col.pub_value", "col.mod_value", "col.error"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = t(h);
    if (h !== "col.figure") th.className = "num";
    tr.append(th);
  }
  thead.append(tr);
  const tbody = document.createElement("tbody");
  for (const r of v.rows) {
    const row = document.createElement("tr");
    row.dataset.figure = r.figure;
    const name = document.createElement("td");
    const key = `val.${r.figure}`;
    name.textContent = MESSAGES[key] ? t(key) : r.metric;
    name.title = r.source;
    const unit = r.kind === "value" ? "CNY" : r.kind === "share" ? "share" : "count";
    const pub = document.createElement("td");
    pub.className = "num";
    pub.append(cell(fmtUnit(r.published, unit), "published", r.published));
    const year = document.createElement("div");
    year.className = "muted small";
    year.textContent = `${r.published_year} ${r.published_period}`;
    pub.append(year);
    const mod = document.createElement("td");
    mod.className = "num";
    mod.append(cell(fmtUnit(r.modelled, unit), "modelled", r.modelled));
    const err = document.createElement("td");
    err.className = "num";
    if (r.kind === "value") err.textContent = `APE ${fmt(100 * r.ape, 0)}%`;
    else if (r.kind === "share") err.textContent = `${r.error_pp > 0 ? "+" : ""}${fmt(r.error_pp, 1)} pp`;
    else err.textContent = `${r.error > 0 ? "+" : ""}${fmt(r.error, 0)}`;
    row.append(name, pub, mod, err);
    tbody.append(row);
  }
  table.replaceChildren(thead, tbody);
  document.getElementById("validation-summary").textContent = t("val.summary", {
    wape: fmt(100 * v.wape, 0), pp: fmt(v.mode_share_error_pp, 1),
  });
  const lg = v.logit;
  document.getElementById("calibration-note").textContent = t("val.calibration", {
    target: fmt(100 * lg.calibration_target, 0), modelled: fmt(100 * lg.calibration_modelled, 0),
  });
  renderRail();
}

function renderRail() {
  const v = state.validation;
  const ind = state.indicators;
  if (!v || !ind) return;
  const rail = ind.indicators.find((i) => i.target === "rail_share_value");
  if (!rail) return;
  const err = v.mode_share_error_pp;
  const sid = ind.scenario;
  const baseShare = sid ? rail.baseline : rail.modelled;
  const xs = [t("rail.published", { y: rail.published.year }), t("rail.baseline")];
  const ys = [100 * rail.published.value, 100 * baseShare];
  const colours = ["#5a6270", "#8c1c13"];
  const errs = [0, err];
  if (sid) { xs.push(t("rail.scenario")); ys.push(100 * rail.modelled); colours.push("#e08214"); errs.push(err); }
  const goal = 100 * rail.goal.value;
  const trace = {
    type: "bar", x: xs, y: ys, marker: { color: colours },
    error_y: { type: "data", array: errs, visible: true, color: "#333", thickness: 1.5, width: 8 },
    text: ys.map((y) => `${fmt(y, 1)}%`), textposition: "inside", insidetextanchor: "start",
    textfont: { color: "#fff" }, hovertemplate: "%{x}: %{y:.1f}%<extra></extra>",
  };
  const layout = {
    font: plotFont(), showlegend: false, margin: { l: 50, r: 20, t: 30, b: 40 },
    yaxis: { title: { text: "%" }, rangemode: "tozero", range: [0, Math.max(...ys.map((y, i) => y + errs[i])) * 1.15] },
    shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: goal, y1: goal, line: { color: "#1565c0", width: 2, dash: "dash" } }],
    annotations: [
      { xref: "paper", yref: "paper", x: 1, y: 1.04, yanchor: "bottom", xanchor: "right", showarrow: false, text: `– – ${t("rail.goal", { x: fmt(goal, 0) })}`, font: { color: "#1565c0" } },
      { xref: "paper", yref: "paper", x: 0, y: -0.18, xanchor: "left", showarrow: false, text: t("rail.error_bar", { pp: fmt(err, 1) }), font: { size: 11, color: "#5a6270" } },
    ],
  };
  Plotly.react("rail-chart", [trace], layout, { displayModeBar: false, responsive: true });
  const m = 100 * rail.modelled;
  const lo = m - err;
  const hi = m + err;
  const verdict = lo > goal ? "verdict.above" : hi < goal ? "verdict.below" : "verdict.unclear";
  document.getElementById("uncertainty").textContent = t("uncertainty", {
    m: fmt(m, 1), lo: fmt(lo, 0), hi: fmt(hi, 0), pub: fmt(100 * rail.published.value, 1), pp: fmt(err, 1),
    ct: fmt(100 * v.logit.calibration_target, 0), cm: fmt(100 * v.logit.calibration_modelled, 0),
    verdict: t(verdict, { g: fmt(goal, 0) }),
  });
}

function renderMeta() {
  const body = state.indicators;
  if (!body) return;
  let text = t("trade.meta", {
    year: body.base_year, model: body.model_version, params: body.parameters_version, theta: fmt(body.logit.theta, 2),
  });
  if (body.scenario) text = `${t("trade.meta_scenario", { title: scenarioName(scenarioSelect.value) })} ${text}`;
  document.getElementById("trade-meta").textContent = text;
}

/* ---------------------------------------------------------------- load */
function query() {
  const q = new URLSearchParams();
  if (scenarioSelect.value) q.set("scenario", scenarioSelect.value);
  q.set("by", flowsForm.by.value);
  q.set("measure", flowsForm.measure.value);
  return q;
}

function remember(q) {
  const url = new URL(location.href);
  url.search = q.toString();
  history.replaceState(null, "", url);
}

async function loadFlows() {
  const q = query();
  remember(q);
  const fq = new URLSearchParams({ by: q.get("by") });
  const sid = q.get("scenario");
  if (sid) fq.set("scenario", sid);
  const [flows, baseFlows] = await Promise.all([
    api(`/v1/flows?${fq}`),
    sid ? api(`/v1/flows?by=${encodeURIComponent(q.get("by"))}`) : null,
  ]);
  state.flows = flows;
  state.baseFlows = baseFlows;
  renderFlows();
}

async function loadAll() {
  const q = query();
  remember(q);
  tradeError.hidden = true;
  setStatus("trade.loading");
  const sid = q.get("scenario");
  const iq = sid ? `?scenario=${encodeURIComponent(sid)}` : "";
  try {
    await Places.load().catch(() => {});
    showMap(q);
    const [indicators, validation] = await Promise.all([
      api(`/v1/indicators${iq}`),
      state.validation ? state.validation : api("/v1/flows/validation"),
      loadFlows(),
    ]);
    state.indicators = indicators;
    state.validation = validation;
    renderMeta();
    renderTargets();
    renderValidation();
    setStatus("trade.done");
  } catch (e) {
    setStatus(null);
    if (!(e instanceof ApiProblem)) throw e;
    showProblem(tradeError, e.problem);
  }
}

async function changeGrouping() {
  try {
    await loadFlows();
    showMap(query());
  } catch (e) {
    if (!(e instanceof ApiProblem)) throw e;
    showProblem(tradeError, e.problem);
  }
}

tradeForm.addEventListener("submit", (e) => { e.preventDefault(); loadAll(); });
scenarioSelect.addEventListener("change", () => { scenarioSelect.dataset.wanted = scenarioSelect.value; loadAll(); });
flowsForm.by.addEventListener("change", changeGrouping);
flowsForm.measure.addEventListener("change", changeGrouping);
flowsForm.addEventListener("submit", (e) => e.preventDefault());
document.addEventListener("langchange", () => {
  fillPicker();
  renderMeta();
  renderTargets();
  renderFlows();
  renderValidation();
});

applyI18n();
{
  const q = new URLSearchParams(location.search);
  if (q.has("by") && TV.groupings.includes(q.get("by"))) flowsForm.by.value = q.get("by");
  if (q.get("measure") === "tonnes") flowsForm.measure.value = "tonnes";
  scenarioSelect.dataset.wanted = q.get("scenario") || "";
  fillPicker();
  Scenarios.load().then((list) => { storedScenarios = list; }).catch(() => {})
    .finally(() => { fillPicker(); loadAll(); });
}
