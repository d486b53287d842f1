/* Accessibility: the briefing map of a hub kind (raster or county choropleth) and a county table;
   under a stored scenario (?scenario=ID) the hours are the scenario's, beside the baseline's. */
"use strict";

const accessForm = document.getElementById("access-form");
const frame = document.getElementById("access-map");
const accessStatus = document.getElementById("status");
const accessError = document.getElementById("error");
const countyTable = document.getElementById("county-table");
let prefectures = new Map();
const accessPicker = scenarioPicker(document.getElementById("scenario"));

function accessQuery() {
  const q = new URLSearchParams();
  q.set("to", accessForm.to.value);
  if (accessForm.scenario.value) q.set("scenario", accessForm.scenario.value);
  if (accessForm.counties.checked) q.set("counties", "true");
  return q;
}

async function showAccess() {
  const q = accessQuery();
  const url = new URL(location.href);
  url.search = q.toString();
  history.replaceState(null, "", url);
  accessError.hidden = true;
  setStatus("status.loading_raster");
  document.getElementById("access-png").href = `/maps/access.png?${q}`;
  document.getElementById("access-png").setAttribute("download", `shudao-access-${q.get("to")}.png`);
  try {
    await Places.load();
    frame.dataset.loaded = "no";
    const dq = new URLSearchParams({ to: q.get("to") });
    const sid = q.get("scenario");
    if (sid) dq.set("scenario", sid);
    const [data, baseline] = await Promise.all([
      api(`/app/data/access-counties.json?${dq}`),
      sid ? api(`/app/data/access-counties.json?to=${encodeURIComponent(q.get("to"))}`) : null,
    ]);
    const baseMean = new Map((baseline ? baseline.counties : []).map((r) => [r.adcode, r.mean_h]));
    const delta = (r) => (r.mean_h === null || !baseMean.has(r.adcode) || baseMean.get(r.adcode) === null
      ? null : r.mean_h - baseMean.get(r.adcode));
    if (localStorage.getItem("shudao.apiKey")) {
      const resp = await fetch(`/maps/access.html?${q}`, { headers: authHeaders() });
      frame.srcdoc = await resp.text();
    } else {
      frame.src = `/maps/access.html?${q}`;
    }
    const cols = [
      { key: "name", label: () => t("col.county"), render: (r) => (Lang.current === "zh" ? r.name_zh : r.name_en), sortValue: (r) => (Lang.current === "zh" ? r.name_zh : r.name_en) },
      { key: "prefecture", label: () => t("col.prefecture"), render: (r) => prefName(r.prefecture_adcode), sortValue: (r) => prefName(r.prefecture_adcode) },
      { key: "mean_h", label: () => t(sid ? "col.mean_h_scen" : "col.mean_h"), num: true, render: (r) => fmt(r.mean_h, 1) },
      { key: "max_h", label: () => t("col.max_h"), num: true, render: (r) => fmt(r.max_h, 1) },
    ];
    if (sid) {
      cols.splice(3, 1,
        { key: "base_h", label: () => t("col.mean_h_base"), num: true, render: (r) => fmt(baseMean.get(r.adcode), 1), sortValue: (r) => baseMean.get(r.adcode) },
        { key: "delta_h", label: () => t("col.d_mean_h"), num: true, render: (r) => { const x = delta(r); return x === null ? "–" : (x > 0.0005 ? "+" : "") + fmt(x, 2); }, sortValue: delta });
    }
    const keys = new Set(cols.map((c) => c.key));
    const sort = countyTable._sort && keys.has(countyTable._sort.key) ? countyTable._sort
      : { key: sid ? "delta_h" : "mean_h", dir: "desc" };
    renderTable(countyTable, cols, data.counties, sort);
    if (frame.dataset.loaded === "yes") setStatus("status.rows", { n: data.counties.length });
    else setStatus("status.loading_map", { n: data.counties.length });
  } catch (e) {
    setStatus(null);
    if (!(e instanceof ApiProblem)) throw e;
    showProblem(accessError, e.problem);
  }
}

function prefName(adcode) {
  const p = prefectures.get(adcode);
  return p ? (Lang.current === "zh" ? p.name_zh : p.name_en) : adcode;
}

frame.addEventListener("load", () => {
  if (!frame.src && !frame.srcdoc) return;
  frame.dataset.loaded = "yes";
  const rows = countyTable.querySelectorAll("tbody tr").length;
  if (rows) setStatus("status.rows", { n: rows });
});

accessForm.addEventListener("submit", (e) => { e.preventDefault(); showAccess(); });
api("/v1/regions").then((fc) => {
  for (const f of fc.features) prefectures.set(String(f.properties.adcode), f.properties);
}).catch(() => {}).finally(() => {
  const q = new URLSearchParams(location.search);
  if (q.has("to")) accessForm.to.value = q.get("to");
  accessPicker.set(q.get("scenario") || "");
  accessForm.counties.checked = q.get("counties") === "true";
  accessPicker.ready.then(showAccess);
});
