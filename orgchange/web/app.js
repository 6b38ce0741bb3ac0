// orgchange – the web page. A client of the public API like any other: GraphQL for
// data, /diagrams and /reports for pictures and documents. The URL (after #) holds
// the view, the date and the selection, so a link can be pasted into a memo.
//
// Everything from the address, the API or a visitor is text: it goes into the page only
// through the helper for where it goes (`esc` for HTML text, `attr` for an attribute
// value, `segment` and `query` for the parts of a URL), and route parameters are checked
// before anything is asked for them. The page runs under a Content-Security-Policy that
// allows no inline script (api/headers.py): handlers are set here, never in the markup.

import * as auth from "./auth.js";
import { installDrafts } from "./drafts.js";
import { decisionsView } from "./decisions.js";
import { createChart } from "./chart.js";

const main = document.getElementById("main");
const statusBox = document.getElementById("status");

// The Swedish names of kinds of unit and of change types, by key: the register's own table,
// asked of the API once (`vocabulary`), before the first view is drawn.
const KIND = {};
const TYPE = {};
let vocabularyLoaded = null;

// --- small helpers ---------------------------------------------------------------

// HTML text: the characters that could open markup or end a quoted attribute.
const esc = (text) => String(text ?? "").replace(/[&<>"']/g, (c) => ({
  "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
// An attribute value, always written between double quotes (`value="${attr(x)}"`); a URL
// for href or src is built with `segment`/`query`/`hashOf` first, then passed through this.
const attr = (value) => esc(value).replace(/`/g, "&#96;");
// One path segment of a URL (`reports/${segment(board)}/…`): percent-encoded, "/" included.
const segment = (value) => encodeURIComponent(String(value ?? ""));
// The API's addresses are relative (`graphql`, `diagrams/…`): the page is always at the
// service's root, `/` or `{ORGCHANGE_ROOT_PATH}/` behind a proxy, and they resolve under it.
// A URL's query from an object; empty values are left out.
const query = (params) => new URLSearchParams(
  Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => [k, String(v)]),
).toString();
const withQuery = (path, params) => { const q = query(params); return q ? `${path}?${q}` : path; };
// The page's own address of a view (`#/enhet/ks?datum=…`).
const hashOf = (view, params = {}, arg = "") => withQuery(`#/${view}${arg ? "/" + segment(arg) : ""}`, params);

const today = () => new Date().toISOString().slice(0, 10);
// A calendar day written YYYY-MM-DD (2017-02-30 is none).
const isDate = (text) => /^\d{4}-\d{2}-\d{2}$/.test(text || "")
  && ((day) => !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === text)(new Date(text + "T00:00:00Z"));
// A unit's (or board's) key, as the register writes them.
const isKey = (text) => /^[a-z0-9][a-z0-9-]{0,63}$/.test(text || "");
const addDays = (day, n) => {
  const d = new Date(day + "T00:00:00Z"); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10);
};
const daysBetween = (a, b) => Math.round((new Date(b + "T00:00:00Z") - new Date(a + "T00:00:00Z")) / 864e5);

// --- route parameters: checked before they are used -----------------------------

class BadAddress extends Error {
  heading = "Adressen stämmer inte";
}

const excerpt = (value) => (value.length > 40 ? value.slice(0, 40) + "…" : value);

// `name` from the address: absent ("" or missing) is null; present, it must pass `check`.
function checked(params, name, check, label, what) {
  const value = params.get(name);
  if (value === null || value === "") return null;
  if (!check(value)) throw new BadAddress(`${label} i adressen (${name}=${excerpt(value)}) är inte ${what}.`);
  return value;
}
const dateParam = (params, name, label) => checked(params, name, isDate, label, "ett datum skrivet ÅÅÅÅ-MM-DD");
const keyParam = (params, name, label) =>
  checked(params, name, isKey, label, "en nyckel i registret (som ks eller va-och-avfall)");

function say(message) {
  statusBox.textContent = message;
  statusBox.classList.add("show");
  clearTimeout(say.timer);
  say.timer = setTimeout(() => statusBox.classList.remove("show"), 2500);
}

// What the reader is told when the server cannot be reached at all (fetch's own TypeError
// says "Failed to fetch", in the browser's English).
const UNREACHABLE = "Servern gick inte att nå. Kontrollera anslutningen och försök igen om en stund.";

async function gql(text, variables = {}) {
  let response;
  try {
    response = await auth.request("graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query: text, variables }),
    });
  } catch (error) {
    if (error instanceof TypeError) throw new Error(UNREACHABLE);
    throw error;
  }
  const body = await response.json().catch(() => ({}));
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  if (!response.ok) throw new Error(`Servern svarade ${response.status}`);
  return body.data;
}

function route() {
  const [path, search = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [view, ...rest] = path.split("/");
  let arg;
  try { arg = rest.map(decodeURIComponent).join("/"); } catch { arg = null; } // a stray "%"
  return { view: view || "organisation", arg, params: new URLSearchParams(search) };
}

function go(view, params = {}, arg = "") {
  const hash = hashOf(view, params, arg);
  if (location.hash !== hash) location.hash = hash; else render();
}

function replaceParams(params) {
  const { view, arg } = route();
  history.replaceState(null, "", hashOf(view, params, arg || ""));
}

function failure(error) {
  main.innerHTML = `<h1>${esc(error.heading || "Något gick fel")}</h1><p class="error" role="alert">${esc(error.message)}</p>`;
}

function loadVocabulary() {
  vocabularyLoaded ??= gql("{ vocabulary { unitKinds { key name } changeTypes { key name } } }").then(
    ({ vocabulary }) => {
      for (const { key, name } of vocabulary.unitKinds) KIND[key] = name;
      for (const { key, name } of vocabulary.changeTypes) TYPE[key] = name;
    },
    (error) => { vocabularyLoaded = null; throw error; }, // asked again on the next view
  );
  return vocabularyLoaded;
}

// The register's name, first and last day: asked once (a promise, so that the question asked
// beside the vocabulary in `render` and a view's own are one), again after signing in or out.
let registerInfo = null;
function register() {
  registerInfo ??= askRegister().catch((error) => { registerInfo = null; throw error; });
  return registerInfo;
}

async function askRegister() {
  let info;
  try {
    info = (await gql("{ register { organisation firstEffective lastEffective } }")).register;
  } catch (error) {
    if (error instanceof auth.SignInNeeded) throw error;
    const first = await gql("{ changes(first: 1) { edges { node { effective } } } }");
    const start = first.changes.edges[0]?.node.effective || today();
    info = { organisation: null, firstEffective: start, lastEffective: today() };
  }
  if (info.organisation) document.getElementById("org-name").textContent = info.organisation;
  return info;
}

async function boards(day) {
  const data = await gql("query($d: Date!) { organisation(asOf: $d) { units { id name kind } } }", { d: day });
  return data.organisation.units.filter((u) => u.kind === "board").sort((a, b) => a.name.localeCompare(b.name, "sv"));
}

// A view's `load` for another day or choice, asked for by the reader: its failure is shown as the
// view's first load's would be, unless the reader has gone on to another view (`stale`).
const reloading = (load, stale) => (when) => load(when).catch((error) => {
  if (stale()) return;
  if (error instanceof auth.SignInNeeded) signInForm(error); else failure(error);
});

// --- a date chooser: a date field and a slider across the register's history ---------

function dateControls(id, label, day, info) {
  const start = addDays(info.firstEffective || day, -365);
  const end = addDays(info.lastEffective && info.lastEffective > today() ? info.lastEffective : today(), 365);
  const span = Math.max(daysBetween(start, end), 1);
  const value = Math.min(Math.max(daysBetween(start, day), 0), span);
  return {
    html: `<label for="${attr(id)}">${esc(label)}<input type="date" id="${attr(id)}" value="${attr(day)}" required></label>
      <label class="slider" for="${attr(id)}-slider">Dra för att flytta datumet
        <input type="range" id="${attr(id)}-slider" min="0" max="${attr(span)}" value="${attr(value)}"
               aria-valuetext="${attr(day)}"></label>`,
    // `stale`: whether the view has been left (a control of it still in the page until the next
    // view draws, or the slider's pending move, does not act for it then).
    bind(onChange, stale = () => false) {
      const field = document.getElementById(id);
      const slider = document.getElementById(`${id}-slider`);
      let timer;
      field.addEventListener("change", () => {
        if (!isDate(field.value) || stale()) return;
        slider.value = Math.min(Math.max(daysBetween(start, field.value), 0), span);
        slider.setAttribute("aria-valuetext", field.value);
        onChange(field.value);
      });
      slider.addEventListener("input", () => {
        field.value = addDays(start, Number(slider.value));
        slider.setAttribute("aria-valuetext", field.value);
        clearTimeout(timer);
        timer = setTimeout(() => { if (!stale()) onChange(field.value); }, 150);
      });
    },
  };
}

// --- zoom and pan for an SVG diagram -------------------------------------------------

function zoomable(container) {
  const canvas = container.querySelector(".canvas");
  let scale = 1, x = 0, y = 0, drag = null;
  const apply = () => { canvas.style.transform = `translate(${x}px, ${y}px) scale(${scale})`; };
  const fit = () => {
    const svg = canvas.querySelector("svg");
    if (!svg) return;
    canvas.style.transform = "none"; // measure the diagram at its natural size
    const box = svg.getBoundingClientRect();
    const width = box.width, height = box.height;
    scale = Math.min(container.clientWidth / width, container.clientHeight / height, 1.5) || 1;
    x = (container.clientWidth - width * scale) / 2; y = 8; apply();
  };
  const zoom = (factor, cx = container.clientWidth / 2, cy = container.clientHeight / 2) => {
    const next = Math.min(Math.max(scale * factor, 0.1), 8);
    x = cx - ((cx - x) * next) / scale; y = cy - ((cy - y) * next) / scale; scale = next; apply();
  };
  container.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = container.getBoundingClientRect();
    zoom(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });
  container.addEventListener("pointerdown", (event) => {
    if (event.target.closest("a")) return;
    drag = { px: event.clientX, py: event.clientY, x, y }; container.setPointerCapture(event.pointerId);
  });
  container.addEventListener("pointermove", (event) => {
    if (!drag) return;
    x = drag.x + event.clientX - drag.px; y = drag.y + event.clientY - drag.py; apply();
  });
  container.addEventListener("pointerup", () => { drag = null; });
  container.addEventListener("keydown", (event) => {
    const step = 40;
    const keys = { "+": () => zoom(1.2), "=": () => zoom(1.2), "-": () => zoom(1 / 1.2), 0: fit,
      ArrowLeft: () => { x += step; apply(); }, ArrowRight: () => { x -= step; apply(); },
      ArrowUp: () => { y += step; apply(); }, ArrowDown: () => { y -= step; apply(); } };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
  return { fit, zoomIn: () => zoom(1.25), zoomOut: () => zoom(0.8) };
}

function diagramPanel(label) {
  return `<div class="zoom" role="group" aria-label="Zoom">
      <button type="button" data-zoom="in" aria-label="Zooma in">+</button>
      <button type="button" data-zoom="out" aria-label="Zooma ut">−</button>
      <button type="button" data-zoom="fit">Anpassa</button>
      <span class="hint">Dra för att panorera, scrolla eller +/− för att zooma.</span></div>
    <div class="diagram" tabindex="0" role="img" aria-label="${attr(label)}"><div class="canvas"></div></div>`;
}

// A diagram from the API as SVG elements: parsed as XML (nothing in it runs), with whatever
// could run script or lead off the page taken out — script, foreignObject, on… handlers,
// links other than the page's own — before it is shown. Null if it is no SVG.
function safeSvg(text) {
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = parsed.documentElement;
  if (svg.localName !== "svg" || parsed.getElementsByTagName("parsererror").length) return null;
  for (const element of [...svg.querySelectorAll("script, foreignObject, iframe, object, embed")]) element.remove();
  for (const element of [svg, ...svg.querySelectorAll("*")]) {
    for (const { name, value } of [...element.attributes]) {
      const local = name.replace(/^.*:/, "").toLowerCase();
      const link = local === "href" || local === "src";
      if (local.startsWith("on") || (link && !/^(#|\/(?!\/))/.test(value.trim()))) element.removeAttribute(name);
    }
  }
  return document.importNode(svg, true);
}

// `isCurrent` tells whether the view still wants this diagram: when the date moves
// quickly, an earlier, slower answer must not replace a later one.
async function showDiagram(host, url, isCurrent = () => true) {
  const container = host.querySelector(".diagram");
  const canvas = container.querySelector(".canvas");
  container.setAttribute("aria-busy", "true");
  const response = await auth.request(url);
  if (!isCurrent()) return;
  container.removeAttribute("aria-busy");
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    canvas.innerHTML = `<p class="error">${esc(problem.detail || "Diagrammet kunde inte ritas.")}</p>`;
    return;
  }
  const text = await response.text();
  if (!isCurrent()) return;
  const svg = safeSvg(text);
  if (!svg) {
    canvas.innerHTML = `<p class="error">Diagrammet kunde inte visas.</p>`;
    return;
  }
  canvas.replaceChildren(svg);
  canvas.dataset.src = url;
  // One set of zoom and pan handlers per diagram panel, however often its diagram changes.
  container.zoomControls ||= zoomable(container);
  const controls = container.zoomControls;
  host.querySelector("[data-zoom=in]").onclick = controls.zoomIn;
  host.querySelector("[data-zoom=out]").onclick = controls.zoomOut;
  host.querySelector("[data-zoom=fit]").onclick = controls.fit;
  requestAnimationFrame(controls.fit);
}

// --- views ---------------------------------------------------------------------------

const views = {};

views.organisation = async ({ params, stale }) => {
  const day = dateParam(params, "datum", "Datumet") || today();
  const root = keyParam(params, "rot", "Delen att visa") || "";
  const focus = keyParam(params, "fokus", "Enheten att fokusera på") || root || "";
  const withPosts = checked(params, "befattningar", (v) => v === "1", "Befattningarna", "1") === "1";
  // A tall, narrow screen (a tablet held upright) reads a chart best drawn left to right.
  const direction = checked(params, "riktning", (v) => v === "lr" || v === "tb", "Riktningen", "lr eller tb")
    || (window.innerWidth < 900 ? "lr" : "tb");
  const info = await register();
  if (stale()) return;
  const chooser = dateControls("datum", "Datum", day, info);
  main.innerHTML = `<h1>Organisationen <span id="org-date">${esc(day)}</span></h1>
    <form class="controls">${chooser.html}
      <label for="rot">Fokusera på<select id="rot"><option value="">Hela organisationen</option></select></label>
      <label for="riktning">Schemats riktning<select id="riktning">
        <option value="tb">Uppifrån och ned</option><option value="lr"${direction === "lr" ? " selected" : ""}>Vänster till höger</option>
      </select></label>
      <a id="print-link" class="small" href="diagrams/orgchart.svg">Schemat som SVG för utskrift</a>
      <a id="book-a4" class="small" href="diagrams/orgchart.pdf">Utskrift i delar (PDF, A4)</a>
      <a id="book-a3" class="small" href="diagrams/orgchart.pdf?paper=a3">(A3)</a>
    </form>
    <div class="layout">
      <section class="panel" aria-labelledby="tree-h"><h2 id="tree-h">Enheter (<span id="count">…</span>)</h2>
        <ul class="tree" id="tree" aria-label="Organisationsträd"></ul></section>
      <section class="panel" aria-labelledby="chart-h"><h2 id="chart-h">Organisationsschema</h2>
        <div id="chart"></div></section>
    </div>`;
  const chart = createChart(document.getElementById("chart"), {
    kindName: (kind) => KIND[kind] || kind,
    unitHref: (id) => hashOf("enhet", { datum: chart?.day || day }, id),
    onFocus: (id) => {
      document.getElementById("rot").value = id || "";
      if (chart) replaceParams(orgParams(chart.day));
    },
  });
  const orgParams = (when) => ({ datum: when, fokus: chart?.focused || "", riktning: document.getElementById("riktning").value,
    befattningar: chart?.postsToggle.checked ? "1" : "" });
  chart.postsToggle.checked = withPosts;
  let latest = 0, drawnDay = null;
  const load = async (when, { focusOn } = {}) => {
    const request = ++latest;
    const isCurrent = () => request === latest;
    const posts = chart.postsToggle.checked;
    document.getElementById("org-date").textContent = when;
    const previous = drawnDay && drawnDay !== when ? drawnDay : null;
    const data = await gql(`query($d: Date!${previous ? ", $p: Date!" : ""}) {
        organisation(asOf: $d) { units { id name kind parentId ownerId ${posts ? "positions { id title director }" : ""} } }
        ${previous ? "diff(from: $p, to: $d) { added removed renamed { id from to } moved { id fromParent toParent } } before: organisation(asOf: $p) { units { id name } }" : ""} }`,
    previous ? { d: when, p: previous } : { d: when });
    // (another view may have been drawn in its place meanwhile: then the chart is no more)
    if (!isCurrent() || stale()) return;
    const units = data.organisation.units;
    const earlier = new Map((data.before?.units || []).map((u) => [u.id, u.name]));
    chart.setData(units, when, { diff: data.diff || null, previousDay: previous, dir: document.getElementById("riktning").value,
      removedNames: (data.diff?.removed || []).map((k) => earlier.get(k) || k), focus: focusOn });
    drawnDay = when;
    replaceParams(orgParams(when));
    document.getElementById("print-link").setAttribute("href",
      withQuery("diagrams/orgchart.svg", { asOf: when, root: chart.focused || "" }));
    for (const paper of ["a4", "a3"]) {
      // The printed chart: an overview, then a page per office and area (docs/cli.md#the-printed-org-chart).
      document.getElementById(`book-${paper}`).setAttribute("href",
        withQuery("diagrams/orgchart.pdf", { asOf: when, root: chart.focused || "", paper }));
    }
    drawTree(units, when, "");
    const select = document.getElementById("rot");
    select.innerHTML = `<option value="">Hela organisationen</option>` + units
      .filter((u) => ["council", "board", "office", "area", "company"].includes(u.kind) || u.id === chart.focused)
      .sort((a, b) => a.name.localeCompare(b.name, "sv"))
      .map((u) => `<option value="${attr(u.id)}"${u.id === chart.focused ? " selected" : ""}>${esc(u.name)}</option>`).join("");
    say(`Organisationen ${when}: ${units.length} enheter`);
  };
  document.getElementById("rot").addEventListener("change", (event) => chart.focus(event.target.value || null));
  // A reload the reader asks for (another day, direction, posts) that fails says so, as a
  // first load's failure does, instead of leaving the last chart there without a word.
  const reload = reloading(load, stale);
  document.getElementById("riktning").addEventListener("change", () => reload(document.getElementById("datum").value));
  chart.postsToggle.addEventListener("change", () => reload(document.getElementById("datum").value));
  chooser.bind(reload, stale);
  await load(day, { focusOn: focus || null });
};

function drawTree(units, day, root) {
  const byId = new Map(units.map((u) => [u.id, u]));
  const below = new Map();
  for (const unit of units) {
    const above = byId.has(unit.parentId) ? unit.parentId : byId.has(unit.ownerId) ? unit.ownerId : null;
    if (!below.has(above)) below.set(above, []);
    below.get(above).push(unit);
  }
  const item = (unit) => {
    const kids = (below.get(unit.id) || []).sort((a, b) => a.name.localeCompare(b.name, "sv"));
    const owned = unit.ownerId ? ", ägs av " + esc(byId.get(unit.ownerId)?.name || unit.ownerId) : "";
    return `<li data-unit="${attr(unit.id)}"><a href="${attr(hashOf("enhet", { datum: day }, unit.id))}">${esc(unit.name)}</a>` +
      `<span class="kind">${esc(KIND[unit.kind] || unit.kind)}${owned}</span>` +
      (kids.length ? `<ul>${kids.map(item).join("")}</ul>` : "") + "</li>";
  };
  const tops = root && byId.has(root) ? [byId.get(root)] : (below.get(null) || []);
  document.getElementById("tree").innerHTML = tops.map(item).join("") || "<li>Inga enheter i kraft detta datum.</li>";
  document.getElementById("count").textContent = String(root && byId.has(root) ? countBelow(root, below) : units.length);
}

function countBelow(key, below) {
  return 1 + (below.get(key) || []).reduce((n, child) => n + countBelow(child.id, below), 0);
}

const DELEGATION_FIELDS = "id code matter fromId toId legalBasis limit substitute furtherDelegation parentDelegationId validFrom validTo";

views.enhet = async ({ arg, params, stale }) => {
  if (!isKey(arg)) throw new BadAddress(`Enheten i adressen (${excerpt(String(arg ?? ""))}) är inte en nyckel i registret.`);
  const day = dateParam(params, "datum", "Datumet") || await dayOfUnit(arg);
  if (stale()) return;
  if (!params.get("datum")) replaceParams({ datum: day }); // the link holds the day shown
  const info = await register();
  const data = await gql(`query($id: ID!, $d: Date!) {
      unit(id: $id, asOf: $d) { id name kind parent { id name } owner { id name } children { id name kind }
        positions { id title director delegations { id code matter } } validFrom validTo predecessors successors
        delegationsGranted { ${DELEGATION_FIELDS} } delegationsReceived { ${DELEGATION_FIELDS} } }
      unitHistory(id: $id) { validFrom validTo name kind parentId changeId }
      changes(unitId: $id, first: 100) { edges { node { id type effective summary cancelled
        decision { body date paragraph reference name } } } } }`, { id: arg, d: day })
    .catch(async (error) => {
      if (!/delegationsGranted|delegationsReceived/.test(error.message)) throw error;
      return gql(`query($id: ID!, $d: Date!) {
        unit(id: $id, asOf: $d) { id name kind parent { id name } owner { id name } children { id name kind }
          positions { id title director delegations { id code matter } } validFrom validTo predecessors successors }
        unitHistory(id: $id) { validFrom validTo name kind parentId changeId }
        changes(unitId: $id, first: 100) { edges { node { id type effective summary cancelled
          decision { body date paragraph reference name } } } } }`, { id: arg, d: day });
    });
  const unit = data.unit;
  const history = data.unitHistory;
  const name = unit?.name || history[history.length - 1]?.name || arg;
  const chooser = dateControls("datum", "Datum", day, info);
  const changes = data.changes.edges.map((e) => e.node);
  // Names, not keys: each unit named as it was called on the day it is mentioned for.
  const names = await unitNames([
    ...history.filter((v) => v.parentId).map((v) => [v.parentId, v.validFrom]),
    ...(unit ? unit.predecessors.map((k) => [k, addDays(unit.validFrom, -1)]) : []),
    ...(unit && unit.validTo ? unit.successors.map((k) => [k, unit.validTo]) : []),
  ]);
  const link = (key, when = day) => `<a href="${attr(hashOf("enhet", { datum: day }, key))}">${
    esc(names.get(`${key}@${when}`) || key)}</a>`;
  const named = (unitRow) => `<a href="${attr(hashOf("enhet", { datum: day }, unitRow.id))}">${esc(unitRow.name)}</a>`;
  const life = history.length ? lifeSpan(history[0].validFrom, history[history.length - 1].validTo) : "";
  if (stale()) return;
  main.innerHTML = `<h1>${esc(name)} <span class="muted small">(${esc(arg)})</span></h1>
    <form class="controls">${chooser.html}
      ${unit ? `<a id="in-chart" href="${attr(hashOf("organisation", { datum: day, fokus: arg }))}">Visa i organisationsschemat</a>` : ""}</form>
    ${unit ? "" : `<p class="error">Enheten är inte i kraft ${esc(day)}. ${life ? "Den fanns " + esc(life) + "." : ""}</p>`}
    <div class="layout">
      <section class="panel" aria-labelledby="facts-h"><h2 id="facts-h">${esc(day)}</h2>
        ${unit ? `<dl>
          <dt>Typ</dt><dd>${esc(KIND[unit.kind] || unit.kind)}</dd>
          ${unit.parent ? `<dt>Under</dt><dd>${named(unit.parent)}</dd>` : ""}
          ${unit.owner ? `<dt>Ägs av</dt><dd>${named(unit.owner)}</dd>` : ""}
          <dt>Livslängd</dt><dd>${esc(lifeSpan(unit.validFrom, unit.validTo))}</dd>
          <dt>Föregångare</dt><dd>${unit.predecessors.map((k) => link(k, addDays(unit.validFrom, -1))).join(", ") || "–"}</dd>
          <dt>Efterträdare</dt><dd>${unit.successors.map((k) => link(k, unit.validTo)).join(", ") || "–"}</dd>
        </dl>
        <h3>Underställda</h3><ul>${unit.children.map((c) => `<li>${named(c)}</li>`).join("") || "<li>–</li>"}</ul>
        <h3>Befattningar</h3><ul>${unit.positions.map((p) => `<li>${esc(p.title)}${p.director ? " (förvaltningschef/direktör)" : ""}
          ${p.delegations.length ? `<br><span class="small muted">Delegat för: ${p.delegations.map((d) => esc(d.code || d.id)).join(", ")}</span>` : ""}</li>`).join("") || "<li>–</li>"}</ul>
        ${delegationList("Delegerar", unit.delegationsGranted)}${delegationList("Är delegat för", unit.delegationsReceived)}` : ""}
      </section>
      <section class="panel" aria-labelledby="history-h"><h2 id="history-h">Historik</h2>
        <ol class="timeline" id="history">${history.map((v) => `<li><strong>${esc(lifeSpan(v.validFrom, v.validTo))}</strong>:
          ${esc(v.name)} <span class="muted">(${esc(KIND[v.kind] || v.kind)}${v.parentId ? ", under " + link(v.parentId, v.validFrom) : ""})</span></li>`).join("")}</ol>
        <h2>Ändringar</h2>${changeList(changes)}
      </section>
    </div>`;
  chooser.bind((when) => go("enhet", { datum: when }, arg), stale);
};

// Without a date in the address, a unit's page shows a day on which the unit existed:
// today while it is in effect, its last day if it has ended, its first if it is yet to start.
async function dayOfUnit(key) {
  const { unitHistory } = await gql("query($id: ID!) { unitHistory(id: $id) { validFrom validTo } }", { id: key });
  const now = today();
  if (!unitHistory.length) return now;
  const first = unitHistory[0].validFrom, end = unitHistory[unitHistory.length - 1].validTo;
  if (end && end <= now) return addDays(end, -1);
  return first > now ? first : now;
}

// "2012-01-01 – t.o.m. 2016-12-31": the last day a unit was in effect, not the day after it
// (the register's `validTo`, which is exclusive); "tills vidare" while it is in effect.
function lifeSpan(validFrom, validTo) {
  return `${validFrom} – ${validTo ? "t.o.m. " + addDays(validTo, -1) : "tills vidare"}`;
}

// The names of units on given days, [[key, day], …] → Map "key@day" → name, asked in
// batches that keep within the API's limit of aliases. A key that names no unit that day
// (a post, free text) is left out, and the caller shows what it has.
async function unitNames(pairs) {
  const wanted = [...new Map(pairs.filter(([key, day]) => key && isDate(day)).map((p) => [`${p[0]}@${p[1]}`, p])).values()];
  const found = new Map();
  for (let start = 0; start < wanted.length; start += 25) {
    const batch = wanted.slice(start, start + 25);
    const variables = {};
    batch.forEach(([key, day], i) => { variables[`k${i}`] = key; variables[`d${i}`] = day; });
    const query = `query(${batch.map((_, i) => `$k${i}: ID!, $d${i}: Date!`).join(", ")}) {
      ${batch.map((_, i) => `u${i}: unit(id: $k${i}, asOf: $d${i}) { name }`).join(" ")} }`;
    const data = await gql(query, variables).catch(() => ({}));
    batch.forEach(([key, day], i) => { if (data[`u${i}`]?.name) found.set(`${key}@${day}`, data[`u${i}`].name); });
  }
  return found;
}

function delegationList(title, list) {
  if (!list?.length) return "";
  return `<h3>${esc(title)}</h3><ul>${list.map((d) => `<li>${esc(d.code || d.id)}: ${esc(d.matter)}</li>`).join("")}</ul>`;
}

function citation(decision) {
  if (!decision) return "";
  return [decision.name || decision.body, decision.date, decision.paragraph].filter(Boolean).join(" ") +
    (decision.reference ? ` (${decision.reference})` : "");
}

function changeList(changes) {
  if (!changes.length) return "<p>Inga ändringar.</p>";
  return `<ol class="changes">${changes.map((c) => `<li data-change="${attr(c.id)}">
      <a href="${attr(hashOf("andring", {}, c.id))}" class="${c.cancelled ? "cancelled" : ""}">${esc(c.summary)}</a>
      ${c.cancelled ? '<span class="badge">makulerad</span>' : ""}
      <br><span class="small muted">${esc(c.effective)} · ${esc(TYPE[c.type] || c.type)} · ${esc(citation(c.decision))} · ${esc(c.id)}</span>
    </li>`).join("")}</ol>`;
}

views.jamfor = async ({ params, stale }) => {
  const start = dateParam(params, "fran", "Från-datumet") || addDays(today(), -365);
  const end = dateParam(params, "till", "Till-datumet") || today();
  const info = await register();
  if (stale()) return; // the reader has gone on to another view
  main.innerHTML = `<h1>Jämför två datum</h1>
    <form class="controls" id="compare"><label for="fran">Från<input type="date" id="fran" value="${attr(start)}" required></label>
      <label for="till">Till<input type="date" id="till" value="${attr(end)}" required></label>
      <button class="primary" type="submit">Jämför</button>
      <span class="muted small">Registret omfattar ${esc(info.firstEffective || "?")} – ${esc(info.lastEffective || "?")}</span></form>
    <div id="diff" aria-live="polite"></div>`;
  document.getElementById("compare").addEventListener("submit", (event) => {
    event.preventDefault();
    go("jamfor", { fran: document.getElementById("fran").value, till: document.getElementById("till").value });
  });
  const data = await gql(`query($a: Date!, $b: Date!) { diff(from: $a, to: $b) { added removed
      renamed { id from to } moved { id fromParent toParent } reclassified { id from to }
      positions { established abolished moved { id fromUnit toUnit } } }
      before: organisation(asOf: $a) { units { id name positions { id title } } }
      after: organisation(asOf: $b) { units { id name positions { id title } } } }`,
  { a: start, b: end });
  if (stale()) return;
  // A unit or post is named as it was called on the day it is seen: the earlier day for
  // what ended, the later day for the rest.
  const units = (org) => new Map(org.units.map((u) => [u.id, u.name]));
  const posts = (org) => new Map(org.units.flatMap((u) => u.positions.map((p) => [p.id, p.title])));
  const [unitsBefore, unitsAfter, postsBefore, postsAfter] = [units(data.before), units(data.after), posts(data.before), posts(data.after)];
  const unitName = (key) => unitsAfter.get(key) || unitsBefore.get(key) || key;
  const name = (key) => `<a href="${attr(hashOf("enhet", { datum: unitsAfter.has(key) ? end : start }, key))}">${esc(unitName(key))}</a>`;
  const before = (key) => esc(unitsBefore.get(key) || unitName(key || "–"));
  const postName = (key) => esc(postsAfter.get(key) || postsBefore.get(key) || key);
  const list = (id, items, item) => `<ul id="${attr(id)}">${items.map(item).join("") || "<li>–</li>"}</ul>`;
  const d = data.diff, p = d.positions;
  document.getElementById("diff").innerHTML = `
    <h2>Tillkomna (${d.added.length})</h2><ul class="added" id="added">${d.added.map((k) => `<li data-unit="${attr(k)}">${name(k)}</li>`).join("") || "<li>–</li>"}</ul>
    <h2>Upphörda (${d.removed.length})</h2><ul class="removed" id="removed">${d.removed.map((k) => `<li data-unit="${attr(k)}">${name(k)}</li>`).join("") || "<li>–</li>"}</ul>
    <h2>${esc(TYPE.rename_unit)} (${d.renamed.length})</h2>${list("renamed", d.renamed, (r) => `<li data-unit="${attr(r.id)}">${esc(r.from)} → ${esc(r.to)}</li>`)}
    <h2>Flyttade (${d.moved.length})</h2>${list("moved", d.moved, (m) => `<li data-unit="${attr(m.id)}">${name(m.id)}: ${before(m.fromParent)} → ${esc(unitName(m.toParent || "–"))}</li>`)}
    <h2>${esc(TYPE.reclassify_unit)} (${d.reclassified.length})</h2>${list("reclassified", d.reclassified, (r) => `<li data-unit="${attr(r.id)}">${name(r.id)}: ${esc(KIND[r.from] || r.from)} → ${esc(KIND[r.to] || r.to)}</li>`)}
    <h2>Befattningar</h2>
    <h3>Inrättade (${p.established.length})</h3>${list("positions-established", p.established, (k) => `<li data-position="${attr(k)}">${postName(k)}</li>`)}
    <h3>Indragna (${p.abolished.length})</h3>${list("positions-abolished", p.abolished, (k) => `<li data-position="${attr(k)}">${postName(k)}</li>`)}
    <h3>Flyttade (${p.moved.length})</h3>${list("positions-moved", p.moved, (m) => `<li data-position="${attr(m.id)}">${postName(m.id)}: ${before(m.fromUnit)} → ${esc(unitName(m.toUnit))}</li>`)}`;
};

// Recording a change file from the page (registrars and admins): `POST /changes`, with the
// session and its anti-CSRF token (auth.request).
const recordFileForm = () => `<form class="controls" id="record-file" data-requires-write>
    <label for="change-file">Ändringsfil (YAML eller JSON)<input type="file" id="change-file"
      accept=".yaml,.yml,.json,application/json,application/yaml" required></label>
    <button class="primary" type="submit">Registrera ändringarna</button>
    <p id="record-result" class="small" role="status" aria-live="polite"></p></form>`;

function bindRecordFile() {
  const form = document.getElementById("record-file");
  if (!form) return;
  const result = document.getElementById("record-result");
  form.addEventListener("submit", async () => {
    const file = document.getElementById("change-file").files[0];
    if (!file) { result.textContent = "Välj en ändringsfil."; return; }
    if (file.size > 5_000_000) { result.textContent = "Filen är för stor för sidan; använd kommandoraden."; return; }
    const json = /\.json$/i.test(file.name);
    const response = await auth.request("changes", {
      method: "POST",
      headers: { "Content-Type": json ? "application/json" : "application/yaml", Accept: "application/json" },
      body: await file.text(),
    });
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      result.className = "small";
      const n = body.recorded.length;
      result.textContent = `Registrerade ${n} ${n === 1 ? "ändring" : "ändringar"} (${body.skipped.length} fanns redan).`;
    } else {
      result.className = "small error";
      result.textContent = (body.errors || [body.detail || `Servern svarade ${response.status}`]).join(" ");
    }
  });
}

views.andringar = async ({ params, stale }) => {
  const filters = {
    fran: dateParam(params, "fran", "Från-datumet") || "", till: dateParam(params, "till", "Till-datumet") || "",
    enhet: keyParam(params, "enhet", "Enheten") || "",
    typ: checked(params, "typ", (v) => Object.hasOwn(TYPE, v), "Typen", "en ändringstyp i registret") || "",
    namnd: keyParam(params, "namnd", "Nämnden") || "",
  };
  const info = await register();
  const boardList = await boards(info.lastEffective || today());
  if (stale()) return; // the reader has gone on to another view
  main.innerHTML = `<h1>Ändringslogg</h1>
    <form class="controls" id="filters">
      <label for="fran">Från<input type="date" id="fran" value="${attr(filters.fran)}"></label>
      <label for="till">Till<input type="date" id="till" value="${attr(filters.till)}"></label>
      <label for="enhet">Enhet (nyckel)<input id="enhet" value="${attr(filters.enhet)}" placeholder="t.ex. ks"></label>
      <label for="typ">Typ<select id="typ"><option value="">Alla</option>${Object.entries(TYPE).map(([k, v]) =>
        `<option value="${attr(k)}"${k === filters.typ ? " selected" : ""}>${esc(v)}</option>`).join("")}</select></label>
      <label for="namnd">Anmäld till<select id="namnd"><option value="">Alla</option>${boardList.map((b) =>
        `<option value="${attr(b.id)}"${b.id === filters.namnd ? " selected" : ""}>${esc(b.name)}</option>`).join("")}</select></label>
      <button class="primary" type="submit">Filtrera</button></form>
    ${auth.canWrite() ? recordFileForm() : ""}
    <p id="total" class="muted"></p><div id="log"></div>
    <button type="button" id="more" hidden>Visa fler</button>`;
  document.getElementById("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    go("andringar", Object.fromEntries(Object.keys(filters).map((k) => [k, document.getElementById(k).value])));
  });
  bindRecordFile();
  // Every filter is the register's own (the API counts and pages what they leave).
  let after = null; const shown = [];
  const more = async () => {
    const data = await gql(`query($f: Date, $t: Date, $u: ID, $ty: [String!], $r: ID, $a: String) {
        changes(from: $f, to: $t, unitId: $u, types: $ty, reportedTo: $r, first: 100, after: $a) {
          totalCount pageInfo { hasNextPage endCursor }
          edges { node { id type effective summary cancelled decision { body date paragraph reference name } } } } }`,
    { f: filters.fran || null, t: filters.till || null, u: filters.enhet || null,
      ty: filters.typ ? [filters.typ] : null, r: filters.namnd || null, a: after });
    if (stale()) return;
    const page = data.changes;
    shown.push(...page.edges.map((e) => e.node));
    document.getElementById("log").innerHTML = changeList(shown);
    document.getElementById("total").textContent = `${shown.length} visade av ${page.totalCount}`;
    after = page.pageInfo.endCursor;
    document.getElementById("more").hidden = !page.pageInfo.hasNextPage;
  };
  document.getElementById("more").addEventListener("click", more);
  await more();
};

views.delegationer = async ({ params, stale }) => {
  const day = dateParam(params, "datum", "Datumet") || today();
  const board = keyParam(params, "namnd", "Nämnden") || "";
  const info = await register();
  const chooser = dateControls("datum", "Datum", day, info);
  const boardList = await boards(day);
  if (stale()) return; // the reader has gone on to another view
  main.innerHTML = `<h1>Delegationsordning <span id="del-date">${esc(day)}</span></h1>
    <form class="controls">${chooser.html}
      <label for="namnd">Nämnd<select id="namnd"><option value="">Alla nämnder</option>${boardList.map((b) =>
        `<option value="${attr(b.id)}"${b.id === board ? " selected" : ""}>${esc(b.name)}</option>`).join("")}</select></label>
      <a id="doc-link" href="#" data-document="open">Utskriftsvänlig version</a>
      <a id="csv-link" href="#" data-document="download">CSV</a></form>
    <div id="gaps" aria-live="polite"></div><div id="findings"></div>
    <div class="layout stacked"><section class="panel"><h2>Delegationer</h2><div id="table" class="table-wrap"></div></section>
      <section class="panel"><h2>Diagram</h2><div id="chart">${diagramPanel("Delegationsdiagram")}</div></section></div>`;
  let latest = 0;
  const load = async (when) => {
    if (stale()) return; // a control of the view left: the address is now the next view's
    const request = ++latest;
    const isCurrent = () => request === latest && !stale();
    const chosen = document.getElementById("namnd").value;
    replaceParams({ datum: when, namnd: chosen });
    document.getElementById("del-date").textContent = when;
    const which = { asOf: when, board: chosen };
    document.getElementById("doc-link").href = withQuery("documents/delegationsordning.html", which);
    document.getElementById("csv-link").href = withQuery("documents/delegationsordning.csv", which);
    const data = await gql(`query($d: Date!, $b: ID) { delegations(asOf: $d, board: $b) { ${DELEGATION_FIELDS} }
        delegationGaps(asOf: $d, board: $b) { delegationId since reason }
        delegationFindings(asOf: $d, board: $b) { delegationId code since reason }
        organisation(asOf: $d) { units { id name } } }`, { d: when, b: chosen || null });
    if (!isCurrent()) return;
    const gaps = new Map(data.delegationGaps.map((g) => [g.delegationId, g]));
    const findings = new Set(data.delegationFindings.map((f) => f.delegationId));
    document.getElementById("findings").innerHTML = findings.size
      ? `<h2>Anmärkningar (${data.delegationFindings.length})</h2><ul>${data.delegationFindings.map((f) => `<li class="finding" data-delegation="${attr(f.delegationId)}" data-code="${attr(f.code)}">
          <strong>${esc(f.delegationId)}</strong> sedan ${esc(f.since)}: ${esc(f.reason)}</li>`).join("")}</ul>`
      : "";
    const names = new Map(data.organisation.units.map((u) => [u.id, u.name]));
    document.getElementById("gaps").innerHTML = gaps.size
      ? `<h2>Luckor (${gaps.size})</h2><ul>${[...gaps.values()].map((g) => `<li class="gap" data-delegation="${attr(g.delegationId)}">
          <strong>${esc(g.delegationId)}</strong> sedan ${esc(g.since)}: ${esc(g.reason)}</li>`).join("")}</ul>`
      : "<p>Alla delegationer har en delegat.</p>";
    document.getElementById("table").innerHTML = `<table class="data"><thead><tr><th scope="col">Nr</th><th scope="col">Ärende</th>
        <th scope="col">Nämnd</th><th scope="col">Delegat</th><th scope="col">Lagrum</th></tr></thead><tbody>${data.delegations.map((d) => `
        <tr data-delegation="${attr(d.id)}" class="${gaps.has(d.id) ? "gap" : ""}${findings.has(d.id) ? " finding" : ""}"><td>${esc(d.code || d.id)}</td><td>${esc(d.matter)}
        ${d.parentDelegationId ? '<br><span class="small muted">vidaredelegation</span>' : ""}</td><td>${esc(names.get(d.fromId) || d.fromId)}</td>
        <td>${esc(d.toId)}${gaps.has(d.id) ? ' <span class="badge gap">saknas</span>' : ""}</td><td>${esc(d.legalBasis || "")}${findings.has(d.id) ? ' <span class="badge finding">anmärkning</span>' : ""}</td></tr>`).join("")}
        </tbody></table>`;
    await showDiagram(document.getElementById("chart"), withQuery("diagrams/delegations.svg", which), isCurrent);
    if (!isCurrent()) return;
    say(`Delegationsordning ${when}: ${data.delegations.length} delegationer, ${gaps.size} ${gaps.size === 1 ? "lucka" : "luckor"}`);
  };
  // Another day or board: a failure shows as the view's own would (it was left unsaid before).
  const reload = reloading(load, stale);
  document.getElementById("namnd").addEventListener("change", () => reload(document.getElementById("datum").value));
  chooser.bind(reload, stale);
  await load(day);
};

views.granskning = async ({ params, stale }) => {
  const chosenBoard = keyParam(params, "namnd", "Nämnden");
  const meeting = dateParam(params, "sammantrade", "Sammanträdet") || "";
  const info = await register();
  const boardList = await boards(info.lastEffective || today());
  const board = chosenBoard || boardList.find((b) => b.id === "ks")?.id || boardList[0]?.id || "";
  const data = board ? await gql(`query($b: ID!) { reports(board: $b) { meeting changeIds notedParagraph }
      unreportedChanges(board: $b, first: 100) { id effective summary reportTo reportReason } }`, { b: board })
    : { reports: [], unreportedChanges: [] };
  if (stale()) return; // the reader has gone on to another view
  const pack = (format) => `reports/${segment(board)}/${segment(meeting)}.${format}`;
  // What is still to be reported to the board: its own duty, or a change that emptied one of
  // its delegations ("påverkar er delegationsordning"), which is marked.
  const pending = data.unreportedChanges.map((c) => `<li data-change="${attr(c.id)}"${c.reportTo === board ? "" : ' class="gap affects"'}>
      ${esc(c.summary)}<br><span class="small muted">${esc(c.effective)} · ${esc(c.reportReason || "")} · ${esc(c.id)}</span></li>`).join("");
  main.innerHTML = `<h1>Granskning: anmälda ändringar</h1>
    <form class="controls">
      <label for="namnd">Nämnd<select id="namnd">${boardList.map((b) =>
        `<option value="${attr(b.id)}"${b.id === board ? " selected" : ""}>${esc(b.name)}</option>`).join("")}</select></label></form>
    <div class="layout"><section class="panel"><h2>Sammanträden</h2><ul id="meetings">${data.reports.map((r) =>
      `<li><a href="${attr(hashOf("granskning", { namnd: board, sammantrade: r.meeting }))}"${r.meeting === meeting ? ' aria-current="true"' : ""}>${esc(r.meeting)}</a>
       – ${esc(r.changeIds.length)} ändringar${r.notedParagraph ? `, noterat ${esc(r.notedParagraph)}` : ", ej noterat"}</li>`).join("") || "<li>Inga anmälningar.</li>"}</ul>
      <h2>Att anmäla (${data.unreportedChanges.length})</h2><ol class="changes" id="unreported">${pending || "<li>Inget att anmäla.</li>"}</ol></section>
      <section class="panel" id="pack">${meeting ? `<h2>Underlag ${esc(meeting)}</h2>
        <p><a href="${attr(pack("pdf"))}" data-document="download">Hämta som PDF</a> ·
        <a href="${attr(pack("html"))}" target="_blank" rel="noopener" data-document="open">Öppna i nytt fönster</a></p>
        <iframe class="review" title="Granskningsunderlag ${attr(meeting)}" sandbox="allow-same-origin"></iframe>`
        : "<p>Välj ett sammanträde.</p>"}</section></div>`;
  document.getElementById("namnd").addEventListener("change", (event) => go("granskning", { namnd: event.target.value }));
  const frame = main.querySelector("iframe.review");
  if (frame) frame.src = pack("html");
};

// Delegated decisions per board and period (orgchange/web/decisions.js, docs/decisions.md).
views.delegationsbeslut = (current) => decisionsView(current, {
  main, gql, esc, attr, hashOf, dateParam, keyParam, replaceParams, say, boards, register, today, failure,
});

// --- drafts (utkast): the registrar's workspace, in drafts.js (docs/drafts.md#on-the-web-page) ---

installDrafts({ views, main, say, KIND, TYPE, BadAddress });

// --- the accessibility statement (tillgänglighetsredogörelse) -------------------------

views.tillganglighet = async () => {
  main.innerHTML = `<h1>Tillgänglighetsredogörelse</h1>
    <p>Registret över organisationsförändringar är en allmän handling, och den här sidan ska
      kunna användas av alla. Målet är att den uppfyller WCAG 2.1 på nivå AA, den nivå som lagen om
      tillgänglighet till digital offentlig service kräver av en kommuns digitala service.</p>
    <h2>Hur sidan testas</h2>
    <p>Varje vy av sidan – Organisation, en enhets historik, Jämför datum, Ändringslogg,
      Delegationsordning, Delegationsbeslut, Granskning, en ändrings sida, anmälan av ändringar,
      registratorns utkast med formulären för varje slags ändring och förhandsvisningen, sökrutan
      och den här redogörelsen – kontrolleras automatiskt med
      verktyget axe-core mot dess regler för WCAG 2.1 A och AA (bland annat kontrast, namn och
      etiketter på kontroller, rubrikstruktur, språk och ARIA-roller), i webbläsaren Chromium, varje
      gång registrets programvara testas, liksom inloggningsformuläret (som visas när servern inte har
      öppen läsning), före och efter ett felaktigt försök: felet är kopplat till fältet och fokus flyttas
      dit, och registratorns formulär för att makulera, rätta och anmäla ändringar, även med felen visade. Inga fel får finnas för att testet ska godkännas.</p>
    <h2>Vad som inte testas</h2>
    <p>En automatisk kontroll hittar bara en del av bristerna. Det här har inte testats:</p>
    <ul>
      <li>sidan med skärmläsare, med förstoring upp till 400 procent och med enbart tangentbord, av
        människor som använder dem;</li>
      <li>om texter, namn och alternativa texter är begripliga – det kan inget verktyg avgöra;</li>
      <li>dokumenten sidan länkar till: granskningsunderlagen (HTML och PDF), delegationsordningen som
        dokument och CSV, diagrammen som SVG och PNG;</li>
      <li>sidorna för utvecklare: GraphiQL och API-dokumentationen.</li>
    </ul>
    <h2>Kända brister</h2>
    <ul>
      <li>Organisationsschemat och delegationsdiagrammet är bilder. Samma uppgifter finns som text i
        listan bredvid schemat och i tabellen över delegationer.</li>
      <li>PDF-versionen av granskningsunderlaget är inte märkt för skärmläsare; använd HTML-versionen.</li>
    </ul>
    <h2>Om du hittar en brist</h2>
    <p>Kontakta den kommun som för registret och berätta vad som inte fungerar och var. Du kan också
      begära att få uppgifterna i en annan form. Om du inte är nöjd med svaret kan du anmäla det till
      DIGG, den myndighet som har tillsyn över lagen.</p>`;
};

// --- signing in and out ----------------------------------------------------------------
//
// Who is signed in, and with what role, is shown in the header. What only a registrar or an
// admin may do is marked `data-requires-write` and left out for anyone else: a reader, and a
// visitor who is not signed in, see no editing controls (the API refuses them anyway).

function signInForm(reason) {
  main.innerHTML = `<h1>Logga in</h1>
    ${reason ? `<p>${esc(reason.message)}</p>` : ""}
    <form class="controls" id="signin">
      <label for="token">API-token<input id="token" type="password" autocomplete="off" spellcheck="false" required
        aria-describedby="token-help signin-problem"></label>
      <button class="primary" type="submit">Logga in</button></form>
    <p id="signin-problem" class="error" role="alert" hidden></p>
    <p class="muted small" id="token-help">En token skapas av den som förvaltar registret. Servern byter den mot
      en inloggning som gäller i den här webbläsaren tills du väljer Logga ut eller inte har använt sidan på en
      stund; själva token sparas inte.</p>`;
  const problem = document.getElementById("signin-problem");
  const field = document.getElementById("token");
  // The error is tied to its field (aria-describedby), which is marked and gets the focus.
  const tell = (text) => {
    problem.textContent = text; problem.hidden = false;
    field.setAttribute("aria-invalid", "true"); field.focus();
  };
  document.getElementById("signin").addEventListener("submit", async () => {
    const value = document.getElementById("token").value;
    if (auth.tokenProblem(value)) { tell(auth.tokenProblem(value)); return; }
    try {
      await auth.signIn(value);
    } catch (error) {
      tell(error.message);
      return;
    }
    registerInfo = null;
    if (route().view === "logga-in") go("organisation"); else render();
  });
  document.getElementById("token").focus();
}

views["logga-in"] = async () => {
  if (auth.signedIn()) {
    const { name, role } = auth.who();
    main.innerHTML = `<h1>Inloggad</h1><p id="signed-in-as">Du är inloggad som ${esc(name)} (${esc(auth.roleName(role))}).</p>`;
    return;
  }
  signInForm(null);
};

// Editing controls: shown only to a registrar or an admin.
function gateEditing(root = document) {
  const allowed = auth.canWrite();
  for (const element of root.querySelectorAll("[data-requires-write]")) {
    if (allowed) element.removeAttribute("hidden"); else element.setAttribute("hidden", "");
    if (!allowed) element.querySelectorAll("input, button, select, textarea").forEach((c) => { c.disabled = true; });
    else element.querySelectorAll("input, button, select, textarea").forEach((c) => { c.disabled = false; });
  }
}

const signOutButton = document.getElementById("signout");
const signInLink = document.getElementById("signin-link");
const whoBox = document.getElementById("who");
function showSignedIn(person) {
  signOutButton.hidden = !person;
  signInLink.hidden = Boolean(person);
  whoBox.textContent = person ? `Inloggad som ${person.name} (${auth.roleName(person.role)})` : "";
  document.body.dataset.role = person ? person.role : "visitor";
  document.body.classList.toggle("can-write", auth.canWrite());
  gateEditing();
}
auth.onChange(showSignedIn);
showSignedIn(auth.who());
signOutButton.addEventListener("click", async () => {
  await auth.signOut();
  registerInfo = null;
  document.getElementById("org-name").textContent = "";
  say("Du är utloggad.");
  render();
});

// --- for the page's other modules (index.html): the views table and the helpers -------------
// They add their views (`page.views.andring = …`) as they load, before the first view is drawn.

export const page = {
  views, main, gql, esc, attr, segment, hashOf, withQuery, go, say, today, isDate, isKey, excerpt,
  citation, boards, register, BadAddress, TYPE, KIND, gateEditing,
};

// --- the router -----------------------------------------------------------------------

// A document link marked `data-document="download"` (a PDF, a CSV) saves the file, named after
// its address (`reports-ks-2017-11-13.pdf`); the session cookie goes with it like any request.
document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[data-document=download]");
  if (link) link.download = new URL(link.href).pathname.slice(1).replaceAll("/", "-");
}, true);

// Every form of the page is handled by its script; none is sent by the browser.
document.addEventListener("submit", (event) => event.preventDefault());

// Each drawing of a view is numbered: one that a newer drawing has overtaken (a person clicked on
// before its answers came) neither shows its failure nor ends the newer one's busy state, and a
// view asks `stale()` after its requests, before it writes the page, so as not to draw over it.
let drawing = 0;

async function render() {
  const generation = ++drawing;
  const current = route();
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === current.view || (current.view === "enhet" && link.dataset.nav === "organisation")) {
      link.setAttribute("aria-current", "page");
    } else link.removeAttribute("aria-current");
  }
  const view = Object.hasOwn(views, current.view) ? views[current.view] : null;
  if (!view) { go("organisation"); return; }
  main.setAttribute("aria-busy", "true");
  try {
    await auth.ready;
    register().catch(() => {}); // beside the vocabulary, not after it: nearly every view needs both
    await loadVocabulary();
    await view({ ...current, stale: () => generation !== drawing });
    gateEditing(main);
  } catch (error) {
    if (generation !== drawing) return;
    if (error instanceof auth.SignInNeeded) signInForm(error); else failure(error);
  } finally {
    if (generation === drawing) {
      main.removeAttribute("aria-busy");
      document.title = `${main.querySelector("h1")?.textContent || "orgchange"} – orgchange`;
    }
  }
}

window.addEventListener("hashchange", () => { render(); main.focus({ preventScroll: true }); });
// The first view is drawn once every module of the page has loaded (they run before DOMContentLoaded).
if (document.readyState === "complete") render(); else document.addEventListener("DOMContentLoaded", render, { once: true });
