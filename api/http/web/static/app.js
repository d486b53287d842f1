/* Shudao workbench: language, labels, API calls, place autocomplete, sortable tables.
   Every page loads this file first; it talks only to this server. */
"use strict";

const VOCAB = JSON.parse(document.getElementById("vocabulary").textContent);

/* ---------------------------------------------------------------- messages (zh, en) */
const MESSAGES = {
  "title.home": ["蜀道 · 四川贸易通道", "Shudao · Sichuan trade corridors"],
  "title.route": ["路线比较 · 蜀道", "Route comparison · Shudao"],
  "title.access": ["可达性 · 蜀道", "Accessibility · Shudao"],
  "title.matrix": ["矩阵 · 蜀道", "Matrix · Shudao"],
  "skip": ["跳到正文", "Skip to content"],
  "nav.label": ["页面", "Pages"],
  "nav.home": ["首页", "Home"],
  "nav.route": ["路线比较", "Route comparison"],
  "nav.access": ["可达性", "Accessibility"],
  "nav.matrix": ["矩阵", "Matrix"],
  "nav.docs": ["接口文档", "API docs"],
  "nav.scenarios": ["情景", "Scenarios"],
  "nav.trade": ["外贸与目标", "Trade and targets"],
  "title.trade": ["外贸与规划目标 · 蜀道", "Trade and the plan's targets · Shudao"],
  "home.trade.title": ["外贸与规划目标", "Trade and the plan's targets"],
  "home.trade.text": ["哪些通道承载四川外贸（模型估计）、规划目标的公布值与模型值、情景下的变化，以及模型误差。", "Which corridors carry Sichuan's trade (modelled), the plan's targets published and modelled, under a scenario, and how far the model is off."],
  "home.maps.flows": ["四川外贸货流（模型估计）", "Sichuan's trade on the corridors (modelled)"],
  "title.scenarios": ["情景 · 蜀道", "Scenarios · Shudao"],
  "home.scenarios.title": ["情景", "Scenarios"],
  "home.scenarios.text": ["规划措施与外部冲击：已存情景、其变更，以及对路线和可达性的影响。", "The plan's measures and the world's disruptions: stored scenarios, their changes, and what they do to routes and accessibility."],
  "f.scenario": ["情景", "Scenario"],
  "scenario.baseline": ["基准（无情景）", "Baseline (no scenario)"],
  "scenario.manage": ["已存情景", "Stored scenarios"],
  "scenario.unknown": ["未知情景 {id}", "Unknown scenario {id}"],
  "scenario.version": ["第 {v} 版", "v{v}"],
  "route.summary_scenario": ["情景：{title}（第 {v} 版）。", "Scenario: {title} (v{v})."],
  "cmp.h2": ["情景与基准对比", "Scenario beside the baseline"],
  "cmp.alternatives": ["各方案：基准与情景并列", "Each alternative, baseline beside scenario"],
  "cmp.summary": ["情景“{title}”（第 {v} 版，基准参数 {params}）。最优通道：{base} → {scen}。", "Scenario: {title} (v{v}; baseline parameters {params}). Best corridor: {base} → {scen}."],
  "cmp.changed": ["最优通道改变", "Best corridor changes"],
  "cmp.unchanged": ["最优通道不变", "Best corridor unchanged"],
  "cmp.no_route": ["无路线", "no route"],
  "cmp.baseline": ["基准", "Baseline"],
  "cmp.scenario": ["情景", "Scenario"],
  "cmp.delta": ["变化（情景 − 基准）", "Change (scenario − baseline)"],
  "cmp.metric": ["指标", "Measure"],
  "cmp.best": ["最优路线", "Best route"],
  "cmp.borders_changed": ["口岸改变", "Borders change"],
  "cmp.yes": ["是", "yes"],
  "cmp.no": ["否", "no"],
  "cmp.problem_baseline": ["基准：{d}", "Baseline: {d}"],
  "cmp.problem_scenario": ["情景下：{d}", "Under the scenario: {d}"],
  "col.time_base": ["基准时间（小时）", "Baseline time (h)"],
  "col.time_scen": ["情景时间（小时）", "Scenario time (h)"],
  "col.d_time": ["Δ 时间（小时）", "Δ time (h)"],
  "col.cost_base": ["基准费用（元）", "Baseline cost (CNY)"],
  "col.cost_scen": ["情景费用（元）", "Scenario cost (CNY)"],
  "col.d_cost": ["Δ 费用（元）", "Δ cost (CNY)"],
  "col.d_co2": ["Δ 二氧化碳（千克）", "Δ CO2e (kg)"],
  "col.version": ["版本", "Version"],
  "col.mean_h_scen": ["情景平均（小时）", "Scenario (h)"],
  "col.mean_h_base": ["基准平均（小时）", "Baseline (h)"],
  "col.d_mean_h": ["Δ（小时）", "Δ (h)"],
  "scen.h1": ["情景：规划措施与外部冲击", "Scenarios: the plan's measures and the world's disruptions"],
  "scen.lead": ["每个情景是对基准数据的一组有名称、有版本的变更。选择一个情景，查看其变更、在该情景下比较路线，或绘制各区县到枢纽的通行时间变化。", "Each scenario is a named, versioned set of changes to the baseline data. Pick one to see its changes, compare a route under it, or map how far each county is from a hub under it."],
  "scen.list": ["已存情景", "Stored scenarios"],
  "scen.pick": ["从左侧列表选择一个情景，查看其变更和可达性差异图。", "Pick a scenario from the list to see its changes and its accessibility difference map."],
  "scen.empty": ["尚未保存任何情景。可在下方粘贴 JSON 新建，或运行 shudao scenario create data/geo/scenarios/<文件>.toml。", "No scenario is stored yet. Paste a JSON document below, or run shudao scenario create data/geo/scenarios/<file>.toml."],
  "scen.new": ["新建情景（JSON）", "New scenario (JSON)"],
  "scen.json": ["情景文档（JSON）", "Scenario document (JSON)"],
  "scen.save": ["保存为新情景", "Save as a new scenario"],
  "scen.save_version": ["保存为第 {v} 版", "Save as version {v}"],
  "scen.saved": ["已保存：{title}（第 {v} 版）。", "Saved: {title} (v{v})."],
  "scen.changes": ["变更", "Changes"],
  "scen.no_changes": ["无变更（与基准相同）。", "No changes (the baseline as it is)."],
  "scen.use_route": ["在此情景下比较路线", "Compare a route under this scenario"],
  "scen.document": ["文档（JSON）", "Document (JSON)"],
  "scen.audit": ["变更记录（JSON）", "Audit trail (JSON)"],
  "scen.edit": ["编辑（JSON）", "Edit (JSON)"],
  "scen.diff": ["情景下的可达性", "Accessibility under the scenario"],
  "scen.diff_png": ["差异图（PNG）", "Difference map (PNG)"],
  "scen.diff_access": ["情景下通行时间（地图）", "Hours under the scenario (map)"],
  "scen.diff_caption": ["各区县到最近该类枢纽的平均小时数，情景减基准：紫色更近，白色不变，橙色更远。", "Each county's mean hours to the nearest hub of the kind, scenario minus baseline: purple closer, white unchanged, orange farther."],
  "scen.diff_alt": ["{title}：到最近{kind}的区县平均小时数变化图", "Map of the change in county mean hours to the nearest {kind} under {title}"],
  "scen.updated": ["{at}，操作者 {by}", "{at}, by {by}"],
  "scen.updated_label": ["更新", "Updated"],
  "scen.source": ["来源", "Source"],
  "scen.as_of": ["日期", "As of"],
  "scen.assumption": ["假设", "Assumption"],
  "scen.count": ["{n} 个情景。", "{n} scenario(s)."],
  "status.loading_diff": ["正在绘制差异图（首次约需十余秒）……", "Drawing the difference map (ten seconds or more the first time)…"],
  "chg.parameters": ["参数", "Parameter"],
  "chg.close": ["关闭", "Closed"],
  "chg.services": ["班列/航线调整", "Service changed"],
  "chg.remove_services": ["撤销班列/航线", "Service withdrawn"],
  "chg.add_services": ["新增班列/航线", "Service added"],
  "chg.borders": ["口岸", "Border crossing"],
  "chg.add_places": ["新增地点", "Place added"],
  "chg.sea_routing": ["海运航线", "Sea routing"],
  "chg.airspace": ["空域 {c}", "Airspace {c}"],
  "chg.frequency_per_week": ["每周 {x} 班", "{x} a week"],
  "chg.speed_kph": ["速度 {x} 公里/小时", "speed {x} km/h"],
  "chg.dwell_h": ["停留 {x} 小时", "dwell {x} h"],
  "chg.tariff": ["运价 {x}", "tariff {x}"],
  "chg.time_h": ["通关 {x} 小时", "clearance {x} h"],
  "chg.fee_cny": ["费用 {x}", "fee {x}"],
  "chg.sea.cape": ["绕行好望角", "round the Cape of Good Hope"],
  "chg.sea.suez": ["经苏伊士运河", "via Suez"],
  "err.unknown-scenario": ["找不到该情景（可能已被删除）。", "No such scenario (it may have been deleted)."],
  "err.invalid-scenario": ["情景文档有误：", "The scenario document has problems:"],
  "err.version-conflict": ["该情景已被他人修改：请重新载入后再编辑。", "Someone else changed this scenario: reload it, then edit."],
  "err.bad-body": ["请求内容不是 JSON 对象。", "The text is not a JSON object."],
  "lang.switch": ["切换到英文", "Switch to Chinese"],
  "footer": ["估算基于有来源的参数；每个航段列出其来源。", "Estimates from sourced parameters; every leg lists its sources."],
  "home.h1": ["四川贸易通道：时间、费用与碳排放", "Sichuan's trade corridors: time, cost and CO2"],
  "home.lead": ["蜀道按通道估算货物从四川运往世界各地的时间、费用和二氧化碳排放：中欧班列、西部陆海新通道、中老铁路、长江航运与航空货运。",
    "Shudao estimates, corridor by corridor, how long it takes, what it costs and how much CO2 it emits to move freight from Sichuan to the world: the China–Europe Railway Express, the Land-Sea Trade Corridor, the China–Laos railway, the Yangtze and air cargo."],
  "home.tools": ["工具", "Tools"],
  "home.route.title": ["路线比较", "Compare routes"],
  "home.route.text": ["输入起点、终点和货物：并列比较各方案，含图表、地图、航段与来源。", "Origin, destination and cargo: alternatives side by side, chart, map, legs and sources."],
  "home.access.title": ["可达性", "Accessibility"],
  "home.access.text": ["到最近某类枢纽的小时数：栅格、区县地图与表格。", "Hours to the nearest hub of a kind: raster, county map and table."],
  "home.matrix.title": ["矩阵", "Matrix"],
  "home.matrix.text": ["区县对所选目的地：可排序、可下载。", "Counties against chosen destinations: sortable and downloadable."],
  "home.maps": ["简报地图（离线）", "Briefing maps (offline)"],
  "home.maps.regions": ["经济区、枢纽与通道", "Economic regions, hubs and corridors"],
  "home.maps.corridors": ["全部通道班列/航线", "Every corridor service"],
  "home.maps.access": ["到最近综合保税区的小时数", "Hours to the nearest bonded zone"],
  "home.api": ["面向系统：HTTP 接口", "For systems: the HTTP API"],
  "home.api.docs": ["交互式接口文档（Swagger UI）", "Interactive API documentation (Swagger UI)"],
  "home.api.ogc": ["OGC API – Features 首页", "OGC API – Features landing page"],
  "home.api.collections": ["数据集", "collections"],
  "home.api.params": ["现行参数（含来源和日期）", "Parameters in force, with sources and dates"],
  "home.api.places": ["地点与枢纽（GeoJSON）", "Places and hubs (GeoJSON)"],
  "home.api.corridors": ["通道班列/航线（GeoJSON）", "Corridor services (GeoJSON)"],
  "home.how": ["路线如何计价", "How a route is priced"],
  "home.how.text": ["干线运输按距离和运输方式计；搭乘班列/航线加场站作业和平均候班时间；过境口岸和换轨加时间和费用；二氧化碳当量为吨公里乘以该方式的排放因子。",
    "Line haul by distance and mode; boarding a service adds terminal handling and the average wait; border crossings and breaks of gauge add time and fees; CO2e is tonne-km times the mode's factor."],
  "png": ["PNG", "PNG"],
  "route.h1": ["路线比较", "Compare routes"],
  "route.results": ["备选方案", "Alternatives"],
  "route.chart": ["时间、费用与二氧化碳", "Time, cost and CO2"],
  "route.pareto": ["时间与费用：帕累托最优集", "Time against cost: the Pareto set"],
  "route.map": ["备选方案地图", "Map of the alternatives"],
  "route.legs": ["航段与来源", "Legs and sources"],
  "route.summary": ["{cargo}，{origin} → {destination}，目标：{objective}。", "{cargo}, {origin} → {destination}, objective: {objective}."],
  "route.legs_of": ["方案 {rank}：{corridor}", "Alternative {rank}: {corridor}"],
  "route.pareto_note": ["圆点：帕累托集（无更快且更省的方案）；菱形：上表方案。", "Dots: the Pareto set (nothing faster and cheaper); diamonds: the table's alternatives."],
  "f.origin": ["起点", "Origin"],
  "f.destination": ["终点", "Destination"],
  "f.quantity": ["数量", "Quantity"],
  "f.unit": ["货物单位", "Cargo unit"],
  "f.modes": ["运输方式（不勾选即全部）", "Modes (none ticked: all)"],
  "f.via": ["途经（可选）", "Via (optional)"],
  "f.avoid": ["避开（地点、口岸、海峡；逗号分隔）", "Avoid (places, borders, sea passages; comma-separated)"],
  "f.objective": ["优化目标", "Objective"],
  "f.alternatives": ["方案数", "Alternatives"],
  "f.compare": ["比较", "Compare"],
  "f.hubkind": ["枢纽类型", "Hub kind"],
  "f.choropleth": ["区县分级图", "County choropleth"],
  "f.show": ["显示", "Show"],
  "f.origins": ["起点集合", "Origins"],
  "f.destinations": ["目的地（可多选）", "Destinations (pick several)"],
  "f.metric": ["显示指标", "Show"],
  "f.compute": ["计算", "Compute"],
  "f.remove": ["移除 {name}", "Remove {name}"],
  "set.counties": ["全部 183 个区县", "The 183 counties"],
  "set.prefectures": ["21 个市州驻地", "The 21 prefecture seats"],
  "unit.FEU": ["FEU（40 英尺箱）", "FEU (40 ft)"],
  "unit.TEU": ["TEU（20 英尺箱）", "TEU (20 ft)"],
  "unit.tonne": ["吨", "tonne"],
  "unit.kg": ["千克", "kg"],
  "col.rank": ["排名", "Rank"],
  "col.corridor": ["通道", "Corridor"],
  "col.modes": ["运输方式", "Modes"],
  "col.path": ["路径", "Path"],
  "col.distance_km": ["距离（公里）", "Distance (km)"],
  "col.time_h": ["时间（小时）", "Time (h)"],
  "col.time_d": ["时间（天）", "Time (days)"],
  "col.cost_cny": ["费用（元）", "Cost (CNY)"],
  "col.co2_kg": ["二氧化碳（千克）", "CO2e (kg)"],
  "col.co2_t": ["二氧化碳（吨）", "CO2e (t)"],
  "col.borders": ["过境口岸", "Border crossings"],
  "col.leg": ["航段", "Leg"],
  "col.from": ["起点", "From"],
  "col.to": ["终点", "To"],
  "col.mode": ["方式", "Mode"],
  "col.service": ["班列/航线", "Service"],
  "col.breakdown": ["构成", "Breakdown"],
  "col.sources": ["来源", "Sources"],
  "col.county": ["区县", "County"],
  "col.prefecture": ["市州", "Prefecture"],
  "col.region": ["经济区", "Economic region"],
  "col.mean_h": ["平均小时", "Mean hours"],
  "col.max_h": ["最长小时", "Max hours"],
  "col.origin": ["起点", "Origin"],
  "exports": ["导出", "Export"],
  "exports.label": ["导出：", "Export:"],
  "x.geojson": ["GeoJSON", "GeoJSON"],
  "x.csv": ["CSV", "CSV"],
  "x.xlsx": ["Excel（XLSX）", "Excel (XLSX)"],
  "x.png": ["地图（PNG）", "Map (PNG)"],
  "x.html": ["简报地图（HTML）", "Briefing map (HTML)"],
  "x.pdf": ["打印地图（PDF，A4）", "Print map (PDF, A4)"],
  "x.pdf-a3": ["打印地图（PDF，A3）", "Print map (PDF, A3)"],
  "access.h1": ["可达性：到最近枢纽的小时数", "Accessibility: hours to the nearest hub"],
  "access.map": ["可达性地图", "Accessibility map"],
  "access.table": ["区县", "Counties"],
  "matrix.h1": ["矩阵：区县对目的地", "Matrix: counties against destinations"],
  "matrix.need_dest": ["请至少选择一个目的地。", "Pick at least one destination."],
  "status.loading": ["正在计算……", "Computing…"],
  "status.loading_places": ["正在载入地点……", "Loading places…"],
  "status.loading_raster": ["正在计算栅格（首次约需数秒）……", "Computing the raster (a few seconds the first time)…"],
  "status.loading_map": ["{n} 个区县；正在绘制地图……", "{n} counties; drawing the map…"],
  "status.done": ["完成：{n} 个方案。", "Done: {n} alternatives."],
  "status.rows": ["{n} 行。", "{n} rows."],
  "status.sorted": ["已按“{col}”{dir}排序。", "Sorted by {col}, {dir}."],
  "sort.asc": ["升序", "ascending"],
  "sort.desc": ["降序", "descending"],
  "err.title": ["无法完成请求", "The request could not be answered"],
  "err.unknown-place": ["找不到地点“{q}”。", "No place called \u201c{q}\u201d."],
  "err.did_you_mean": ["您是否要找：", "Did you mean:"],
  "err.ambiguous-place": ["地点“{q}”有多个匹配，请选择：", "\u201c{q}\u201d matches several places; pick one:"],
  "err.no-route": ["没有找到满足条件的路线。", "No route was found."],
  "err.no-road-access": ["起点或终点不能经道路到达任何货运场站（原因见下）。", "The origin or destination reaches no terminal by road (why: below)."],
  "err.infeasible-constraint": ["没有路线满足约束“{c}”（约束不会被悄悄放宽）。", "No route satisfies the constraint \u201c{c}\u201d (constraints are never relaxed silently)."],
  "err.validation": ["请检查输入：", "Please check the input:"],
  "err.timeout": ["计算超时，请缩小范围后重试。", "The computation took too long; narrow it down and retry."],
  "err.not-ready": ["服务仍在加载数据，请稍后重试。", "The service is still loading its data; retry shortly."],
  "err.matrix-too-large": ["矩阵过大：请减少目的地。", "The matrix is too large: pick fewer destinations."],
  "err.api-key": ["此服务需要 API 密钥。", "This service needs an API key."],
  "err.api_key_label": ["API 密钥（仅保存在本浏览器）", "API key (kept in this browser only)"],
  "err.api_key_save": ["保存并重试", "Save and retry"],
  "err.network": ["无法连接服务器。", "The server could not be reached."],
  "err.required": ["请填写起点和终点。", "Enter an origin and a destination."],
  "err.detail": ["服务器说明", "Server detail"],
  "none": ["无", "none"],
  "h": ["小时", "h"],
  "days": ["天", "days"],
};

/* ---------------------------------------------------------------- language */
const Lang = {
  key: "shudao.lang",
  get() {
    const fromUrl = new URLSearchParams(location.search).get("lang");
    if (fromUrl === "zh" || fromUrl === "en") return fromUrl;
    const stored = localStorage.getItem(this.key);
    if (stored === "zh" || stored === "en") return stored;
    return (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
  },
  set(lang) {
    localStorage.setItem(this.key, lang);
    const url = new URL(location.href);
    if (url.searchParams.has("lang")) {
      url.searchParams.set("lang", lang);
      history.replaceState(null, "", url);
    }
    this.current = lang;
    applyI18n();
    document.dispatchEvent(new CustomEvent("langchange", { detail: lang }));
  },
  current: "en",
};
Lang.current = Lang.get();

function t(key, params) {
  const pair = MESSAGES[key];
  let text = pair ? pair[Lang.current === "zh" ? 0 : 1] : key;
  if (params) for (const [k, v] of Object.entries(params)) text = text.split(`{${k}}`).join(String(v));
  return text;
}

/** Label of a code in one of the server's vocabularies (corridors, modes, kinds, ...). */
function vocab(table, code) {
  const entry = (VOCAB[table] || {})[code];
  return entry ? entry[Lang.current] : code;
}

function applyI18n() {
  const lang = Lang.current;
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) {
    const key = el.dataset.i18n;
    const [kind, code] = key.split(".");
    if (kind === "mode" && VOCAB.modes[code]) el.textContent = vocab("modes", code);
    else if (kind === "objective" && VOCAB.objectives[code]) el.textContent = vocab("objectives", code);
    else if (kind === "kind" && VOCAB.kinds[code]) el.textContent = vocab("kinds", code);
    else el.textContent = t(key);
  }
  for (const el of document.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  for (const el of document.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  const toggle = document.getElementById("lang-toggle");
  toggle.textContent = lang === "zh" ? "English" : "中文";
  toggle.lang = lang === "zh" ? "en" : "zh-CN";
}

/** Put a message in the page's status line; it follows language switches. */
function setStatus(key, params) {
  const box = document.getElementById("status");
  if (!box) return;
  box._msg = key ? [key, params] : null;
  box.textContent = key ? t(key, params) : "";
}
document.addEventListener("langchange", () => {
  const box = document.getElementById("status");
  if (box && box._msg) box.textContent = t(...box._msg);
});

/* ---------------------------------------------------------------- numbers */
function fmt(x, digits = 0) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  return Number(x).toLocaleString(Lang.current === "zh" ? "zh-CN" : "en-GB", {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  });
}

/* ---------------------------------------------------------------- API */
class ApiProblem extends Error {
  constructor(problem) {
    super(problem.detail || problem.title);
    this.problem = problem;
  }
}

function authHeaders(extra = {}) {
  const key = localStorage.getItem("shudao.apiKey");
  return key ? { ...extra, "X-API-Key": key } : extra;
}

async function api(url) {
  const headers = authHeaders({ Accept: "application/json" });
  let resp;
  try {
    resp = await fetch(url, { headers });
  } catch (e) {
    throw new ApiProblem({ title: "network", status: 0, type: "network" });
  }
  const body = await resp.json().catch(() => ({ title: resp.statusText, status: resp.status }));
  if (!resp.ok) throw new ApiProblem(body);
  return body;
}

function problemSlug(problem) {
  const type = problem.type || "";
  return type.includes("/problems/") ? type.split("/problems/")[1] : type;
}

/** Render a problem as a readable message; suggestions become buttons calling onPick(id). */
function showProblem(box, problem, { query = "", onPick = null } = {}) {
  box._problem = [problem, { query, onPick }];
  box.replaceChildren();
  box.hidden = false;
  const slug = problemSlug(problem);
  const h = document.createElement("p");
  h.className = "error-title";
  const known = ["unknown-place", "ambiguous-place", "no-route", "no-road-access", "infeasible-constraint", "validation",
    "timeout", "not-ready", "matrix-too-large", "network", "required", "api-key", "unknown-scenario",
    "invalid-scenario", "version-conflict", "bad-body"];
  if (slug === "network") h.textContent = t("err.network");
  else if (known.includes(slug)) h.textContent = t(`err.${slug}`, { q: query, c: problem.constraint || "" });
  else h.textContent = t("err.title");
  box.append(h);
  if (slug === "api-key") {
    const form = document.createElement("form");
    form.className = "api-key";
    const id = `${box.id}-api-key`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = t("err.api_key_label");
    const input = document.createElement("input");
    input.id = id;
    input.type = "password";
    input.autocomplete = "off";
    const save = document.createElement("button");
    save.type = "submit";
    save.textContent = t("err.api_key_save");
    form.append(label, " ", input, " ", save);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      localStorage.setItem("shudao.apiKey", input.value.trim());
      location.reload();
    });
    box.append(form);
  }
  if (problem.errors && problem.errors.length) {
    const ul = document.createElement("ul");
    for (const e of problem.errors) {
      const li = document.createElement("li");
      const loc = (e.loc || []).filter((p) => p !== "query" && p !== "body").join(".");
      li.textContent = loc ? `${loc}: ${e.msg}` : e.msg;
      if (e.suggestions && e.suggestions.length) li.textContent += ` (${t("err.did_you_mean")} ${e.suggestions.join(", ")})`;
      ul.append(li);
    }
    box.append(ul);
  }
  if (problem.suggestions && problem.suggestions.length) {
    const p = document.createElement("p");
    p.textContent = t("err.did_you_mean") + " ";
    for (const id of problem.suggestions) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "suggestion";
      b.dataset.placeId = id;
      const place = Places.byId.get(id);
      b.textContent = place ? placeName(place) : id;
      if (place) b.title = placeSecondary(place);
      if (onPick) b.addEventListener("click", () => onPick(id));
      p.append(b, " ");
    }
    box.append(p);
  }
  if (problem.detail) {
    const d = document.createElement("p");
    d.className = "muted";
    d.textContent = `${t("err.detail")}: ${problem.detail}`;
    box.append(d);
  }
}

/* ---------------------------------------------------------------- scenarios */
/** The stored scenarios of /v1/scenarios (id, version, title, title_zh, description). */
const Scenarios = {
  ready: null,
  load() {
    if (!this.ready) this.ready = api("/v1/scenarios").then((body) => body.scenarios);
    return this.ready;
  },
  reload() { this.ready = null; return this.load(); },
};

/** A scenario's title in the current language (its English title where it has no Chinese one). */
function scenarioTitle(s) {
  if (!s) return "";
  return (Lang.current === "zh" && s.title_zh) ? s.title_zh : s.title;
}

/** A scenario's title in the other language, when it has one ("" otherwise). */
function scenarioOtherTitle(s) {
  if (!s || !s.title_zh) return "";
  return Lang.current === "zh" ? s.title : s.title_zh;
}

/**
 * A scenario picker: fills *select* with "baseline" and the stored scenarios (titles in the
 * current language, with their version), keeps the chosen id across language switches, and shows
 * an id that is not stored (a stale shared URL) as unknown. Returns {set(id), ready, list()}.
 */
function scenarioPicker(select) {
  let list = [];
  let loaded = false;
  function option(s) {
    const o = document.createElement("option");
    o.value = s.id;
    o.textContent = `${scenarioTitle(s)} (${t("scenario.version", { v: s.version })})`;
    const other = scenarioOtherTitle(s);
    if (other) o.title = other;
    return o;
  }
  function fill() {
    const keep = select.value || select.dataset.wanted || "";
    const base = document.createElement("option");
    base.value = "";
    base.textContent = t("scenario.baseline");
    const options = [base, ...list.map(option)];
    if (keep && !list.some((s) => s.id === keep)) {
      const o = document.createElement("option");
      o.value = keep;
      // until the list has come, a wanted id is shown as it is; then, if absent, as unknown
      o.textContent = loaded ? t("scenario.unknown", { id: keep }) : keep;
      options.push(o);
    }
    select.replaceChildren(...options);
    select.value = keep;
  }
  function set(id) {
    select.dataset.wanted = id;
    select.value = id;
    if (select.value !== id) fill();
  }
  const ready = Scenarios.load().then((l) => { list = l; }).catch(() => {})
    .finally(() => { loaded = true; fill(); });
  document.addEventListener("langchange", fill);
  select.addEventListener("change", () => { select.dataset.wanted = select.value; });
  return { set, ready, list: () => list };
}

/* ---------------------------------------------------------------- places */
const Places = {
  list: [],
  byId: new Map(),
  ready: null,
  load() {
    if (!this.ready) {
      this.ready = api("/v1/places").then((fc) => {
        this.list = fc.features.map((f) => ({
          ...f.properties,
          lon: f.geometry.coordinates[0],
          lat: f.geometry.coordinates[1],
          keys: [f.properties.name_zh, f.properties.name_en, ...(f.properties.aliases || []),
            f.properties.unlocode, f.properties.iata, f.properties.id].filter(Boolean).map(fold),
        }));
        for (const p of this.list) this.byId.set(p.id, p);
        return this.list;
      });
    }
    return this.ready;
  },
};

function placeName(p) {
  if (!p) return "";
  return (Lang.current === "zh" ? p.name_zh : p.name_en) || p.name_en || p.name_zh || p.id;
}

function placeSecondary(p) {
  const other = Lang.current === "zh" ? p.name_en : p.name_zh;
  return [other, vocab("kinds", p.kind), p.country].filter(Boolean).join(" · ");
}

/** A border crossing "a-b" (place ids) as "Name A – Name B" in the current language. */
function borderName(code) {
  const parts = code.split("-");
  if (parts.length === 2 && parts.every((id) => Places.byId.has(id))) {
    return parts.map((id) => placeName(Places.byId.get(id))).join(" – ");
  }
  return code;
}

/** Case-, accent- and width-insensitive form (Łódź = lodz, ＣＴＵ = ctu). */
function fold(s) {
  return String(s).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/ł/gi, "l")
    .replace(/ø/gi, "o").toLowerCase().replace(/[\s\-–—_'’.]/g, "");
}

const KIND_ORDER = ["prefecture_seat", "city", "rail_port", "bonded_zone", "airport", "seaport",
  "river_port", "border_crossing", "bonded_logistics_centre", "overseas_warehouse", "growth_pole",
  "county_seat", "county"];

function searchPlaces(text, limit = 10) {
  const q = fold(text);
  if (!q) return [];
  const scored = [];
  for (const p of Places.list) {
    let best = 9;
    for (const k of p.keys) {
      if (k === q) best = Math.min(best, 0);
      else if (k.startsWith(q)) best = Math.min(best, 1);
      else if (k.includes(q)) best = Math.min(best, 2);
    }
    if (best < 9) scored.push([best, KIND_ORDER.indexOf(p.kind), placeName(p).length, p]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  return scored.slice(0, limit).map((s) => s[3]);
}

/* ---------------------------------------------------------------- autocomplete
   WAI-ARIA combobox with a listbox popup: type, ArrowDown/ArrowUp, Enter picks, Escape closes.
   The picked place's id is kept in input.dataset.placeId (sent to the API); typed text that was
   not picked is sent as typed (the server's resolver understands names, codes and lon,lat). */
function combobox(input, { onPick = null, clearOnPick = false } = {}) {
  const list = document.createElement("ul");
  list.id = `${input.id}-list`;
  list.className = "suggest";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  input.after(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  let items = [];
  let active = -1;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function highlight(i) {
    active = i;
    for (const [j, li] of [...list.children].entries()) li.setAttribute("aria-selected", String(j === i));
    if (i >= 0) {
      input.setAttribute("aria-activedescendant", list.children[i].id);
      list.children[i].scrollIntoView({ block: "nearest" });
    }
  }
  function pick(p) {
    if (clearOnPick) {
      input.value = "";
      delete input.dataset.placeId;
    } else {
      input.value = placeName(p);
      input.dataset.placeId = p.id;
    }
    close();
    if (onPick) onPick(p);
  }
  function render() {
    items = searchPlaces(input.value);
    list.replaceChildren();
    items.forEach((p, i) => {
      const li = document.createElement("li");
      li.id = `${list.id}-${i}`;
      li.setAttribute("role", "option");
      li.dataset.placeId = p.id;
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = placeName(p);
      const sec = document.createElement("span");
      sec.className = "secondary";
      sec.textContent = placeSecondary(p);
      li.append(name, sec);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); pick(p); });
      list.append(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", String(items.length > 0));
    active = -1;
  }
  input.addEventListener("input", () => {
    delete input.dataset.placeId;
    Places.load().then(render);
  });
  input.addEventListener("keydown", (e) => {
    if (list.hidden) {
      if (e.key === "ArrowDown" && input.value) { render(); e.preventDefault(); }
      return;
    }
    if (e.key === "ArrowDown") { highlight(Math.min(items.length - 1, active + 1)); e.preventDefault(); }
    else if (e.key === "ArrowUp") { highlight(Math.max(0, active - 1)); e.preventDefault(); }
    else if (e.key === "Enter" && active >= 0) { pick(items[active]); e.preventDefault(); }
    else if (e.key === "Escape") { close(); e.preventDefault(); }
    else if (e.key === "Tab" && active >= 0) pick(items[active]);
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  document.addEventListener("langchange", () => {
    const p = Places.byId.get(input.dataset.placeId);
    if (p && !clearOnPick) input.value = placeName(p);
    if (!list.hidden) render();
  });
  return { close };
}

/** The value to send for a place field: the picked id, else the typed text. */
function placeValue(input) {
  return input.dataset.placeId || input.value.trim();
}

/** Show a place given in a URL (id or text) by its name once the places are loaded. */
function setPlaceField(input, value) {
  input.value = value;
  delete input.dataset.placeId;
  Places.load().then(() => {
    const p = Places.byId.get(value);
    if (p) { input.value = placeName(p); input.dataset.placeId = p.id; }
  });
}

/* ---------------------------------------------------------------- sortable tables */
/**
 * Fill a <table> from columns [{key, label, num, render}] and rows (objects); headers are buttons
 * that sort (keyboard: Tab to a header, Enter). aria-sort tells the current order.
 */
function renderTable(table, columns, rows, state = table._sort || {}) {
  table._sort = state;
  table._args = [columns, rows];
  const sorted = [...rows];
  if (state.key) {
    const col = columns.find((c) => c.key === state.key);
    const val = col.sortValue || ((r) => r[col.key]);
    sorted.sort((a, b) => {
      const x = val(a); const y = val(b);
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), Lang.current === "zh" ? "zh-CN" : "en");
      return state.dir === "desc" ? -c : c;
    });
  }
  const thead = document.createElement("thead");
  const tr = document.createElement("tr");
  for (const c of columns) {
    const th = document.createElement("th");
    th.scope = "col";
    if (c.num) th.className = "num";
    const b = document.createElement("button");
    b.type = "button";
    b.className = "sort";
    b.dataset.key = c.key;
    b.textContent = c.label();
    if (state.key === c.key) th.setAttribute("aria-sort", state.dir === "desc" ? "descending" : "ascending");
    b.addEventListener("click", () => {
      const dir = state.key === c.key && state.dir === "asc" ? "desc" : "asc";
      renderTable(table, columns, rows, { key: c.key, dir });
      table.querySelector(`button[data-key="${c.key}"]`).focus();
      setStatus("status.sorted", { col: c.label(), dir: t(`sort.${dir}`) });
    });
    th.append(b);
    tr.append(th);
  }
  thead.append(tr);
  const tbody = document.createElement("tbody");
  for (const r of sorted) {
    const row = document.createElement("tr");
    for (const c of columns) {
      const td = document.createElement("td");
      if (c.num) td.className = "num";
      const v = c.render ? c.render(r) : r[c.key];
      if (v instanceof Node) td.append(v); else td.textContent = v ?? "–";
      row.append(td);
    }
    tbody.append(row);
  }
  table.replaceChildren(thead, tbody);
}

function rerenderTables() {
  for (const table of document.querySelectorAll("table.sortable")) {
    if (table._args) renderTable(table, ...table._args, table._sort);
  }
}

/* ---------------------------------------------------------------- downloads with an API key
   A plain link cannot send the X-API-Key header: when a key is set, downloads go through fetch. */
document.addEventListener("click", async (e) => {
  const a = e.target.closest && e.target.closest("a[download]");
  if (!a || !localStorage.getItem("shudao.apiKey")) return;
  e.preventDefault();
  const resp = await fetch(a.href, { headers: authHeaders() });
  if (!resp.ok) {
    const box = document.getElementById("error");
    if (box) showProblem(box, await resp.json().catch(() => ({ status: resp.status })));
    return;
  }
  const url = URL.createObjectURL(await resp.blob());
  const tmp = document.createElement("a");
  tmp.href = url;
  tmp.download = a.getAttribute("download");
  document.body.append(tmp);
  tmp.click();
  tmp.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
});

/* ---------------------------------------------------------------- start */
applyI18n();
document.getElementById("lang-toggle").addEventListener("click", () => {
  Lang.set(Lang.current === "zh" ? "en" : "zh");
});
document.addEventListener("langchange", rerenderTables);
document.addEventListener("langchange", () => {
  const box = document.getElementById("error");
  if (box && !box.hidden && box._problem) showProblem(box, ...box._problem);
});
