/* Matrix: counties (or prefecture seats) x chosen destinations via /v1/matrix; sortable, exports. */
"use strict";

const mForm = document.getElementById("matrix-form");
const mStatus = document.getElementById("status");
const mError = document.getElementById("error");
const mTable = document.getElementById("matrix-table");
const chips = document.getElementById("dest-chips");
const destInput = document.getElementById("dest-add");
let chosen = []; // place ids
let lastMatrix = null;
const prefectures = new Map(); // adcode -> names, from /v1/regions
api("/v1/regions").then((fc) => {
  for (const f of fc.features) prefectures.set(String(f.properties.adcode), f.properties);
}).catch(() => {});

/** The prefecture of a county origin ("county_510104" -> 510100), else null. */
function prefectureOf(originId) {
  const m = /^county_(\d{4})\d{2}$/.exec(originId);
  const p = m ? prefectures.get(`${m[1]}00`) : null;
  return p ? (Lang.current === "zh" ? p.name_zh : p.name_en) : null;
}

combobox(destInput, { clearOnPick: true, onPick: (p) => { if (!chosen.includes(p.id)) chosen.push(p.id); renderChips(); } });

function renderChips() {
  chips.replaceChildren();
  for (const id of chosen) {
    const li = document.createElement("li");
    const p = Places.byId.get(id);
    const name = p ? placeName(p) : id;
    li.textContent = name + " ";
    const b = document.createElement("button");
    b.type = "button";
    b.className = "chip-x";
    b.textContent = "×";
    b.setAttribute("aria-label", t("f.remove", { name }));
    b.addEventListener("click", () => { chosen = chosen.filter((x) => x !== id); renderChips(); destInput.focus(); });
    li.append(b);
    chips.append(li);
  }
}

function matrixQuery() {
  const q = new URLSearchParams();
  q.set("origins", mForm.origins.value);
  q.set("destinations", chosen.join(","));
  q.set("objective", mForm.objective.value);
  q.set("unit", mForm.unit.value);
  return q;
}

async function computeMatrix() {
  mError.hidden = true;
  if (!chosen.length) { setStatus("matrix.need_dest"); return; }
  const q = matrixQuery();
  const url = new URL(location.href);
  url.search = q.toString();
  url.searchParams.set("metric", document.getElementById("m-metric").value);
  history.replaceState(null, "", url);
  setStatus("status.loading");
  try {
    lastMatrix = await api(`/v1/matrix?${q}`);
    renderMatrix();
    for (const [id, fmtName] of [["m-csv", "csv"], ["m-xlsx", "xlsx"]]) {
      const a = document.getElementById(id);
      const x = new URLSearchParams(q);
      x.set("lang", Lang.current);
      a.href = `/app/export/matrix.${fmtName}?${x}`;
      a.setAttribute("download", `shudao-matrix.${fmtName}`);
      a.hidden = false;
    }
    setStatus("status.rows", { n: lastMatrix.origins });
  } catch (e) {
    setStatus(null);
    if (!(e instanceof ApiProblem)) throw e;
    showProblem(mError, e.problem);
  }
}

function renderMatrix() {
  if (!lastMatrix) return;
  const metric = document.getElementById("m-metric").value;
  const rows = new Map();
  const dests = [];
  for (const c of lastMatrix.cells) {
    if (!rows.has(c.origin_id)) rows.set(c.origin_id, { origin_id: c.origin_id, name_zh: c.origin_name_zh, name_en: c.origin_name_en });
    rows.get(c.origin_id)[c.destination_id] = c;
    if (!dests.some((d) => d.id === c.destination_id)) dests.push({ id: c.destination_id, name_zh: c.destination_name_zh, name_en: c.destination_name_en });
  }
  const digits = metric === "time_h" ? 1 : 0;
  const cols = [
    { key: "origin", label: () => t("col.origin"), render: (r) => (Lang.current === "zh" ? r.name_zh : r.name_en), sortValue: (r) => (Lang.current === "zh" ? r.name_zh : r.name_en) },
    ...(lastMatrix.cells.length && lastMatrix.cells[0].origin_id.startsWith("county_")
      ? [{ key: "prefecture", label: () => t("col.prefecture"), render: (r) => prefectureOf(r.origin_id) || "–", sortValue: (r) => prefectureOf(r.origin_id) || "" }]
      : []),
    ...dests.map((d) => ({
      key: d.id, num: true,
      label: () => `${Lang.current === "zh" ? d.name_zh : d.name_en} · ${t(`col.${metric}`)}`,
      sortValue: (r) => (r[d.id] ? r[d.id][metric] : null),
      render: (r) => {
        const c = r[d.id];
        if (!c || c[metric] === null) return "–";
        const span = document.createElement("span");
        span.textContent = fmt(c[metric], digits);
        span.title = `${vocab("corridors", c.corridor)} · ${(c.modes || "").split("/").map((m) => vocab("modes", m)).join(" → ")}`;
        return span;
      },
    })),
  ];
  renderTable(mTable, cols, [...rows.values()], mTable._sort || {});
}

mForm.addEventListener("submit", (e) => { e.preventDefault(); computeMatrix(); });
document.getElementById("m-metric").addEventListener("change", renderMatrix);
document.addEventListener("langchange", () => { renderChips(); if (lastMatrix) { renderMatrix(); computeExportsLang(); } });
function computeExportsLang() {
  for (const id of ["m-csv", "m-xlsx"]) {
    const a = document.getElementById(id);
    if (a.hidden) continue;
    const u = new URL(a.href, location.href);
    u.searchParams.set("lang", Lang.current);
    a.href = u.pathname + u.search;
  }
}

Places.load().then(() => {
  const q = new URLSearchParams(location.search);
  if (q.has("origins")) mForm.origins.value = q.get("origins");
  if (q.has("objective")) mForm.objective.value = q.get("objective");
  if (q.has("unit")) mForm.unit.value = q.get("unit");
  if (q.has("metric")) document.getElementById("m-metric").value = q.get("metric");
  chosen = (q.get("destinations") || "").split(",").map((s) => s.trim()).filter(Boolean);
  renderChips();
  if (chosen.length) computeMatrix();
});
