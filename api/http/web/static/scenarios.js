/* Stored scenarios: the list (/v1/scenarios), one scenario's description, changes and version,
   links that use it, its access difference map (/v1/scenarios/{id}/access-diff.png), and a JSON
   editor that POSTs a new scenario or PUTs a new version with If-Match. URL: ?scenario=ID&to=KIND. */
"use strict";

const listEl = document.getElementById("scen-list");
const detail = document.getElementById("scen-detail");
const errorEl = document.getElementById("error");
const diffForm = document.getElementById("diff-form");
const diffImg = document.getElementById("diff-map");
const editor = document.getElementById("scen-editor");
const editorBox = document.getElementById("scen-editor-box");
const editorError = document.getElementById("scen-editor-error");
const jsonArea = document.getElementById("scen-json");
let summaries = [];
let documents = new Map(); // id -> the stored scenario (GET /v1/scenarios/{id}) with its ETag
let current = null; // the shown scenario's id
let editing = null; // {id, etag, version} while the editor holds a stored scenario
let serviceNames = new Map();

const EXAMPLE = {
  title: "China–Laos through train 14 a week",
  title_zh: "中老铁路国际货运列车每周 14 列",
  description: "Plan §6: stable China–Laos trains (an example: edit before saving).",
  changes: {
    services: {
      cl_rail_chengdu_vientiane: { frequency_per_week: 14, assumption: "two departures a day (example)" },
    },
  },
};

/* ------------------------------------------------------------ the URL */
function urlState() {
  const q = new URLSearchParams(location.search);
  return { id: q.get("scenario") || "", to: q.get("to") || "" };
}

function setUrl(id, to) {
  const url = new URL(location.href);
  if (id) url.searchParams.set("scenario", id); else url.searchParams.delete("scenario");
  if (to) url.searchParams.set("to", to); else url.searchParams.delete("to");
  history.replaceState(null, "", url);
}

/* ------------------------------------------------------------ the list */
async function loadList() {
  summaries = await Scenarios.reload();
  const fetched = await Promise.all(summaries.map((s) => fetchScenario(s.id).catch(() => null)));
  fetched.forEach((doc, i) => { if (doc) documents.set(summaries[i].id, doc); });
  renderList();
  setStatus("scen.count", { n: summaries.length });
}

async function fetchScenario(id) {
  const resp = await fetch(`/v1/scenarios/${encodeURIComponent(id)}`, { headers: authHeaders({ Accept: "application/json" }) });
  const body = await resp.json().catch(() => ({ status: resp.status, title: resp.statusText }));
  if (!resp.ok) throw new ApiProblem(body);
  body.etag = resp.headers.get("ETag") || body.etag;
  return body;
}

function changeCount(doc) {
  const c = (doc && doc.document.changes) || {};
  return Object.keys(c.parameters || {}).length + (c.close || []).length + Object.keys(c.services || {}).length
    + (c.remove_services || []).length + (c.add_services || []).length + Object.keys(c.borders || {}).length
    + (c.add_places || []).length + (c.sea_routing ? 1 : 0);
}

function renderList() {
  document.getElementById("scen-empty").hidden = summaries.length > 0;
  listEl.replaceChildren();
  for (const s of summaries) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `/app/scenarios?scenario=${encodeURIComponent(s.id)}`;
    a.dataset.id = s.id;
    if (s.id === current) a.setAttribute("aria-current", "true");
    const title = document.createElement("span");
    title.className = "scen-name";
    title.textContent = scenarioTitle(s);
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = t("scenario.version", { v: s.version });
    const other = document.createElement("span");
    other.className = "secondary";
    other.textContent = scenarioOtherTitle(s);
    const desc = document.createElement("span");
    desc.className = "desc";
    desc.textContent = s.description;
    const doc = documents.get(s.id);
    const count = document.createElement("span");
    count.className = "secondary";
    count.textContent = doc ? changeSummary(doc.document.changes) : "";
    a.append(title, " ", badge, other, desc, count);
    a.addEventListener("click", async (e) => {
      e.preventDefault();
      await select(s.id, { diff: false });
      // one column (narrow windows): the details are under the list, bring them into view
      if (window.matchMedia("(max-width: 1100px)").matches) detail.scrollIntoView({ block: "start" });
      showDiff();
    });
    li.append(a);
    listEl.append(li);
  }
}

function changeSummary(c) {
  const parts = [];
  const add = (key, n) => { if (n) parts.push(`${t(`chg.${key}`)} ${n}`); };
  add("close", (c.close || []).length);
  add("parameters", Object.keys(c.parameters || {}).length);
  add("services", Object.keys(c.services || {}).length);
  add("remove_services", (c.remove_services || []).length);
  add("add_services", (c.add_services || []).length);
  add("borders", Object.keys(c.borders || {}).length);
  add("add_places", (c.add_places || []).length);
  if (c.sea_routing) parts.push(`${t("chg.sea_routing")}: ${t(`chg.sea.${c.sea_routing}`)}`);
  return parts.length ? parts.join(" · ") : t("scen.no_changes");
}

/* ------------------------------------------------------------ one scenario */
function placeLabel(id) {
  const p = Places.byId.get(id);
  if (p) return placeName(p);
  if (VOCAB.passages[id]) return vocab("passages", id);
  if (id.startsWith("airspace:")) return t("chg.airspace", { c: id.slice(9) });
  return id;
}

function serviceLabel(id) {
  const names = serviceNames.get(id);
  return names ? ((Lang.current === "zh" ? names.name_zh : names.name_en) || id) : id;
}

function provenance(change, notes, key) {
  const own = change && typeof change === "object" ? change : {};
  const note = (notes || {})[key] || {};
  const src = own.source || note.source;
  const asOf = own.as_of || note.as_of;
  const assumption = own.assumption || note.assumption;
  const bits = [];
  if (src) bits.push(`${t("scen.source")}: ${src}${asOf ? ` (${asOf})` : ""}`);
  if (assumption) bits.push(`${t("scen.assumption")}: ${assumption}`);
  return bits.join(" · ");
}

function editText(edit) {
  const bits = [];
  for (const key of ["frequency_per_week", "speed_kph", "dwell_h", "time_h"]) {
    if (edit[key] !== null && edit[key] !== undefined) bits.push(t(`chg.${key}`, { x: fmt(edit[key], edit[key] % 1 ? 1 : 0) }));
  }
  if (edit.tariff) bits.push(t("chg.tariff", { x: `${fmt(edit.tariff.value)} ${edit.tariff.unit}` }));
  if (edit.fee_cny) bits.push(t("chg.fee_cny", { x: Object.entries(edit.fee_cny).map(([u, v]) => `${fmt(v)} CNY/${u}`).join(", ") }));
  return bits.join(", ");
}

function changeItems(c) {
  const items = []; // [kind, text, provenance]
  const notes = c.notes || {};
  for (const [k, v] of Object.entries(c.parameters || {})) items.push(["parameters", `${k} = ${v}`, provenance(null, notes, `parameters.${k}`)]);
  for (const id of c.close || []) items.push(["close", placeLabel(id), provenance(null, notes, `close.${id}`)]);
  for (const [id, e] of Object.entries(c.services || {})) items.push(["services", `${serviceLabel(id)}: ${editText(e)}`, provenance(e, notes, `services.${id}`)]);
  for (const id of c.remove_services || []) items.push(["remove_services", serviceLabel(id), provenance(null, notes, `remove_services.${id}`)]);
  for (const n of c.add_services || []) {
    const name = Lang.current === "zh" ? n.name_zh : n.name_en;
    const path = n.waypoints.map(placeLabel).join(" → ");
    items.push(["add_services", `${name} (${vocab("modes", n.mode)}, ${vocab("corridors", n.corridor)}): ${path}; ${t("chg.frequency_per_week", { x: fmt(n.frequency_per_week, n.frequency_per_week % 1 ? 1 : 0) })}`, provenance(n, notes, `add_services.${n.id}`)]);
  }
  for (const [id, e] of Object.entries(c.borders || {})) items.push(["borders", `${placeLabel(id)}: ${editText(e)}`, provenance(e, notes, `borders.${id}`)]);
  for (const n of c.add_places || []) {
    const name = Lang.current === "zh" ? n.name_zh : n.name_en;
    items.push(["add_places", `${name} (${vocab("kinds", n.kind)}, ${n.country}; ${fmt(n.lon, 3)}, ${fmt(n.lat, 3)})`, provenance(n, notes, `add_places.${n.id}`)]);
  }
  if (c.sea_routing) items.push(["sea_routing", t(`chg.sea.${c.sea_routing}`), provenance(null, notes, "sea_routing")]);
  return items;
}

function renderDetail() {
  const doc = documents.get(current);
  document.getElementById("scen-pick").hidden = Boolean(doc) || summaries.length === 0;
  if (!doc) { detail.hidden = true; return; }
  detail.hidden = false;
  const d = doc.document;
  const named = { title: d.title, title_zh: d.title_zh };
  document.getElementById("scen-title").textContent = scenarioTitle(named);
  document.getElementById("scen-subtitle").textContent = scenarioOtherTitle(named);
  const meta = document.getElementById("scen-meta");
  meta.replaceChildren();
  const row = (k, v) => {
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v;
    meta.append(dt, dd);
  };
  row(t("col.version"), `${t("scenario.version", { v: doc.version })} · ETag ${doc.etag}`);
  row("ID", doc.id);
  row(t("scen.updated_label"), t("scen.updated", {
    at: new Date(doc.updated_at).toLocaleString(Lang.current === "zh" ? "zh-CN" : "en-GB"), by: doc.updated_by,
  }));
  document.getElementById("scen-description").textContent = d.description || "";
  document.getElementById("scen-provenance").textContent = provenance(d, {}, "");
  const ul = document.getElementById("scen-changes");
  ul.replaceChildren();
  const items = changeItems(d.changes || {});
  if (!items.length) {
    const li = document.createElement("li");
    li.textContent = t("scen.no_changes");
    ul.append(li);
  }
  for (const [kind, text, prov] of items) {
    const li = document.createElement("li");
    li.dataset.kind = kind;
    const k = document.createElement("span");
    k.className = "chg-kind";
    k.textContent = t(`chg.${kind}`);
    li.append(k, " ", text);
    if (prov) {
      const p = document.createElement("span");
      p.className = "secondary";
      p.textContent = prov;
      li.append(p);
    }
    ul.append(li);
  }
  const id = encodeURIComponent(doc.id);
  document.getElementById("scen-route").href = `/app/route?origin=chengdu&scenario=${id}`;
  document.getElementById("scen-json-link").href = `/v1/scenarios/${id}`;
  document.getElementById("scen-audit").href = `/v1/scenarios/${id}/audit`;
  renderDiffLinks();
}

function renderDiffLinks() {
  if (!current) return;
  const to = diffForm.to.value;
  const q = new URLSearchParams({ to });
  const id = encodeURIComponent(current);
  const png = document.getElementById("diff-png");
  png.href = `/v1/scenarios/${id}/access-diff.png?${q}`;
  png.setAttribute("download", `shudao-access-diff-${to}.png`);
  document.getElementById("diff-access").href = `/app/access?${q}&scenario=${id}`;
}

async function showDiff() {
  if (!current || !documents.has(current)) return;
  const to = diffForm.to.value;
  setUrl(current, to);
  renderDiffLinks();
  const doc = documents.get(current);
  const title = doc ? scenarioTitle(doc.document) : "";
  diffImg.alt = t("scen.diff_alt", { title, kind: vocab("kinds", to) });
  setStatus("status.loading_diff");
  errorEl.hidden = true;
  const url = `/v1/scenarios/${encodeURIComponent(current)}/access-diff.png?to=${encodeURIComponent(to)}&dpi=110`;
  try {
    const resp = await fetch(url, { headers: authHeaders({ Accept: "image/png" }) });
    if (!resp.ok) {
      const body = await resp.json().catch(() => ({ status: resp.status, title: resp.statusText }));
      throw new ApiProblem(body);
    }
    const blob = await resp.blob();
    if (diffImg.src.startsWith("blob:")) URL.revokeObjectURL(diffImg.src);
    diffImg.src = URL.createObjectURL(blob);
    diffImg.dataset.to = to;
    diffImg.hidden = false;
    setStatus(null);
  } catch (e) {
    setStatus(null);
    if (!(e instanceof ApiProblem)) throw e;
    showProblem(errorEl, e.problem);
  }
}

async function select(id, { diff = true } = {}) {
  current = id;
  errorEl.hidden = true;
  diffImg.hidden = true;
  setUrl(id, diffForm.to.value);
  for (const a of listEl.querySelectorAll("a[data-id]")) {
    if (a.dataset.id === id) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
  }
  if (!documents.has(id)) {
    try {
      documents.set(id, await fetchScenario(id));
    } catch (e) {
      detail.hidden = true;
      if (!(e instanceof ApiProblem)) throw e;
      showProblem(errorEl, e.problem);
      return;
    }
  }
  renderDetail();
  if (diff) showDiff();
}

/* ------------------------------------------------------------ the editor */
function openEditor(doc) {
  editing = doc ? { id: doc.id, etag: doc.etag, version: doc.version } : null;
  jsonArea.value = JSON.stringify(doc ? doc.document : EXAMPLE, null, 2);
  document.getElementById("scen-save").textContent = doc ? t("scen.save_version", { v: doc.version + 1 }) : t("scen.save");
  editorBox.open = true;
  editorError.hidden = true;
  jsonArea.focus();
}

async function save(e) {
  e.preventDefault();
  editorError.hidden = true;
  let body;
  try {
    body = JSON.parse(jsonArea.value);
  } catch (err) {
    showProblem(editorError, { type: "bad-body", status: 400, detail: String(err.message || err) });
    return;
  }
  const url = editing ? `/v1/scenarios/${encodeURIComponent(editing.id)}` : "/v1/scenarios";
  const headers = authHeaders({ "Content-Type": "application/json", Accept: "application/json" });
  if (editing) headers["If-Match"] = editing.etag;
  let resp;
  try {
    resp = await fetch(url, { method: editing ? "PUT" : "POST", headers, body: JSON.stringify(body) });
  } catch (err) {
    showProblem(editorError, { type: "network", status: 0 });
    return;
  }
  const out = await resp.json().catch(() => ({ status: resp.status, title: resp.statusText }));
  if (!resp.ok) {
    showProblem(editorError, out);
    return;
  }
  out.etag = resp.headers.get("ETag") || out.etag;
  documents.set(out.id, out);
  editing = null;
  editorBox.open = false;
  document.getElementById("scen-save").textContent = t("scen.save");
  await loadList();
  setStatus("scen.saved", { title: scenarioTitle(out.document), v: out.version });
  select(out.id);
}

/* ------------------------------------------------------------ start */
diffForm.addEventListener("submit", (e) => { e.preventDefault(); showDiff(); });
diffForm.to.addEventListener("change", renderDiffLinks);
editor.addEventListener("submit", save);
editorBox.addEventListener("toggle", () => {
  if (editorBox.open && !jsonArea.value) openEditor(null);
});
document.getElementById("scen-edit").addEventListener("click", () => {
  const doc = documents.get(current);
  if (doc) openEditor(doc);
});
document.addEventListener("langchange", () => {
  renderList();
  renderDetail();
  if (current && documents.get(current)) {
    diffImg.alt = t("scen.diff_alt", { title: scenarioTitle(documents.get(current).document), kind: vocab("kinds", diffForm.to.value) });
  }
  if (!editing) document.getElementById("scen-save").textContent = t("scen.save");
});

(async () => {
  const state = urlState();
  if (state.to && VOCAB.access_kinds.includes(state.to)) diffForm.to.value = state.to;
  setStatus("status.loading");
  try {
    const [, , corridors] = await Promise.all([
      loadList(),
      Places.load().catch(() => null),
      api("/v1/corridors").catch(() => null),
    ]);
    if (corridors) serviceNames = new Map(corridors.features.map((f) => [f.id, f.properties]));
  } catch (e) {
    setStatus(null);
    if (!(e instanceof ApiProblem)) throw e;
    showProblem(errorEl, e.problem);
    return;
  }
  const wanted = state.id || "";
  if (wanted) select(wanted);
  else { renderList(); renderDetail(); }
})();
