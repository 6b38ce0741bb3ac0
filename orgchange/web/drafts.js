// orgchange – the registrar's workspace for drafts (utkast): #/utkast lists them, #/utkast/ID
// is one, to edit change by change, see what it would do, and record (docs/drafts.md#on-the-web-page).
//
// A draft is a change file kept by the service. Every edit here is saved at once, from the
// revision the page last read (`updateDraft(…, revision)`): if someone else saved the draft in
// between, the service refuses it (DRAFT_CHANGED) and the page says so, showing the edit that was
// not saved. The answer to each save carries the draft's check and preview, so what the page
// shows is always the draft as saved. A broken rule is shown next to the field it concerns (the
// check's `field`), tied to it with aria-describedby and marked aria-invalid.
//
// As in app.js, everything from the address, the API or a visitor is text: it goes into the page
// only through `esc` (HTML text) or `attr` (an attribute value), and handlers are set here, never
// in the markup (the page's Content-Security-Policy allows no inline script).

import * as auth from "./auth.js";

let ctx = null; // from app.js: { views, main, say, KIND, TYPE, BadAddress }

// Registers the views #/utkast and #/utkast/ID with the page.
export function installDrafts(context) {
  ctx = context;
  context.views.utkast = draftsView;
}

// --- small helpers (the same rules as app.js) --------------------------------------------

const esc = (text) => String(text ?? "").replace(/[&<>"']/g, (c) => ({
  "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const attr = (value) => esc(value).replace(/`/g, "&#96;");
const segment = (value) => encodeURIComponent(String(value ?? ""));
const today = () => new Date().toISOString().slice(0, 10);
const isDate = (text) => /^\d{4}-\d{2}-\d{2}$/.test(text || "")
  && ((day) => !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === text)(new Date(text + "T00:00:00Z"));
const addDays = (day, n) => {
  const d = new Date(day + "T00:00:00Z"); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10);
};
const isDraftId = (text) => /^[0-9a-f]{1,32}$/.test(text || "");
const hashOf = (id) => `#/utkast${id ? "/" + segment(id) : ""}`;
const excerpt = (value) => (value.length > 40 ? value.slice(0, 40) + "…" : value);
const main = () => ctx.main;
const kindName = (key) => ctx.KIND[key] || key;
const typeName = (key) => ctx.TYPE[key] || key; // the register's own names (`vocabulary`)

const DRAFT_STATUS = { open: "öppet", recorded: "registrerat", discarded: "kastat" };

// A refusal of the API, with its code (`extensions.code`) and extensions.
class ApiError extends Error {
  constructor(message, code, extensions = {}) { super(message); this.code = code; this.extensions = extensions; }
}

async function gql(text, variables = {}) {
  const response = await auth.request("graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ query: text, variables }),
  });
  const body = await response.json().catch(() => ({}));
  if (body.errors?.length) {
    const [first] = body.errors;
    throw new ApiError(body.errors.map((e) => e.message).join("; "), first.extensions?.code, first.extensions || {});
  }
  if (!response.ok) throw new ApiError(`Servern svarade ${response.status}`, `HTTP_${response.status}`);
  return body.data;
}

// --- the change types: the fields of each, as the change-file format names them ------------
//
// kinds of field: text, note (several lines), date, bool, tribool (amend: unchanged/yes/no),
// kind (a kind of unit), unit, units (several), newunit (a new key, or an existing unit),
// board (a deciding body), post, delegate (a post or a committee), delegation, change (an
// id of a recorded change), successors (a split's new units), mapping (a split's children or
// posts), replacement (a correction's change, a form of its own).

const DECISION_FIELDS = [
  { key: "body", label: "Beslutande organ", kind: "board", help: "Fullmäktige, nämnd eller utskott som beslutade (t.ex. ks)." },
  { key: "position", label: "Beslutande tjänsteperson", kind: "post", help: "Befattningen, när en tjänsteperson beslutade på delegation." },
  { key: "date", label: "Beslutsdatum", kind: "date" },
  { key: "paragraph", label: "Paragraf", kind: "text", help: "Protokollets paragraf, t.ex. § 53." },
  { key: "reference", label: "Diarienummer", kind: "text", help: "Ärendets diarienummer, t.ex. KFKS 2016/880." },
];

const F = (key, label, kind, extra = {}) => ({ key, label, kind, ...extra });
const REQ = { required: true };
const DELEGATION_TERMS = [
  F("matter", "Ärende (vad delegaten får besluta)", "note"), F("code", "Nummer i delegationsordningen", "text"),
  F("legal_basis", "Lagrum", "text", { help: "T.ex. KL 7 kap. 5 §." }), F("limit", "Begränsning", "text"),
  F("substitute", "Ersättare", "post"), F("reporting", "Anmälan", "text"),
];
const TYPES = {
  establish_unit: { fields: [F("unit", "Ny enhets nyckel", "newunit", REQ), F("name", "Namn", "text", REQ),
    F("kind", "Typ", "kind", REQ), F("parent", "Under (överordnad enhet)", "unit"), F("owner", "Ägare (för bolag)", "unit"),
    F("supervisor", "Nämnd med uppsikt (för bolag)", "board")] },
  rename_unit: { fields: [F("unit", "Enhet", "unit", REQ), F("name", "Nytt namn", "text", REQ)] },
  reclassify_unit: { fields: [F("unit", "Enhet", "unit", REQ), F("kind", "Ny typ", "kind", REQ)] },
  move_unit: { fields: [F("unit", "Enhet", "unit", REQ), F("parent", "Ny överordnad enhet", "unit"),
    F("owner", "Ny ägare (för bolag)", "unit"), F("supervisor", "Nämnd med uppsikt (för bolag)", "board")] },
  merge_units: { fields: [F("units", "Enheter som slås samman", "units",
    { ...REQ, help: "Minst två nycklar, åtskilda med kommatecken; skriv ett namn för att söka." }),
    F("into", "Slås samman till", "newunit", { ...REQ, help: "En av enheterna, eller nyckeln till en ny enhet (ange då namn och typ)." }),
    F("name", "Ny enhets namn", "text"), F("kind", "Ny enhets typ", "kind"), F("parent", "Ny enhet under", "unit")] },
  split_unit: { fields: [F("unit", "Enhet som delas", "unit", REQ),
    F("into", "Nya enheter", "successors", { ...REQ, help: "En per rad: nyckel | namn | typ | överordnad (typ och överordnad kan utelämnas)." }),
    F("children", "Underställda enheter till", "mapping", { help: "En per rad: underställd enhet = ny enhet." }),
    F("positions", "Befattningar till", "mapping", { help: "En per rad: befattning = ny enhet." })] },
  dissolve_unit: { fields: [F("unit", "Enhet", "unit", REQ)] },
  spin_off_unit: { fields: [F("unit", "Enhet", "unit", REQ), F("company", "Bolagets nyckel", "newunit", REQ),
    F("name", "Bolagets namn", "text", REQ), F("owner", "Ägare (kommunen eller ett bolag)", "unit", REQ),
    F("supervisor", "Nämnd med uppsikt", "board")] },
  establish_position: { fields: [F("position", "Ny befattnings nyckel", "newpost", REQ),
    F("title", "Titel", "text", REQ), F("unit", "Enhet", "unit", REQ), F("director", "Förvaltningschef eller direktör", "bool")] },
  move_position: { fields: [F("position", "Befattning", "post", REQ), F("unit", "Ny enhet", "unit", REQ)] },
  abolish_position: { fields: [F("position", "Befattning", "post", REQ)] },
  grant_delegation: { fields: [F("delegation", "Ny delegations nyckel", "newdelegation", REQ),
    F("from", "Delegerande nämnd", "board", REQ), F("to", "Delegat", "delegate", REQ),
    ...DELEGATION_TERMS.map((f) => (f.key === "matter" ? { ...f, required: true } : f)),
    F("further_delegation", "Får vidaredelegeras", "bool"), F("reserved_matter", "Ärende som lagen förbehåller nämnden", "bool")] },
  amend_delegation: { fields: [F("delegation", "Delegation", "delegation", REQ),
    F("to", "Ny delegat", "delegate"), ...DELEGATION_TERMS,
    F("further_delegation", "Får vidaredelegeras", "tribool"), F("reserved_matter", "Ärende som lagen förbehåller nämnden", "tribool")] },
  revoke_delegation: { fields: [F("delegation", "Delegation", "delegation", REQ)] },
  subdelegate: { fields: [F("delegation", "Ny delegations nyckel", "newdelegation", REQ),
    F("parent_delegation", "Delegation som vidaredelegeras", "delegation", REQ), F("to", "Delegat", "post", REQ),
    F("reporting", "Anmälan", "text")] },
  cancel_change: { undated: true, fields: [F("change", "Ändring som makuleras", "change", REQ),
    F("reason", "Skäl", "note", REQ)] },
  correct_change: { undated: true, fields: [F("change", "Ändring som rättas", "change", REQ),
    F("replacement", "Den rättade ändringen", "replacement", REQ)] },
};
const KEY_LISTS = { unit: "dl-units", units: "dl-units", newunit: "dl-units", board: "dl-boards", post: "dl-posts",
  newpost: "dl-posts", delegate: "dl-delegates", delegation: "dl-delegations", newdelegation: "dl-delegations", change: "dl-changes" };

// --- reading and writing a change's form -------------------------------------------------

// The id of a field's input: `f-unit`, `f-decision-date`, `f-replacement-unit`.
const fieldId = (path) => "f-" + path.replace(/[^a-z0-9]+/gi, "-");

function fieldHtml(field, path, value) {
  const id = fieldId(path);
  const describedBy = `${id}-help ${id}-error`;
  const help = `<span class="help small" id="${attr(id)}-help">${esc(field.help || "")}${KEY_LISTS[field.kind]
    ? ` <span class="resolved" data-resolves="${attr(id)}"></span>` : ""}</span>`;
  const error = `<span class="field-error" id="${attr(id)}-error" hidden></span>`;
  const common = `id="${attr(id)}" data-field="${attr(path)}" aria-describedby="${attr(describedBy)}"${field.required ? ' aria-required="true"' : ""}`;
  const label = `${esc(field.label)}${field.required ? ' <span aria-hidden="true">*</span>' : ""}`;
  const wrap = (control) => `<div class="field" data-for="${attr(path)}"><label for="${attr(id)}">${label}</label>${control}${help}${error}</div>`;
  switch (field.kind) {
    case "bool":
      return `<div class="field check" data-for="${attr(path)}"><input type="checkbox" ${common}${value ? " checked" : ""}>
        <label for="${attr(id)}">${esc(field.label)}</label>${help}${error}</div>`;
    case "tribool":
      return wrap(`<select ${common}><option value="">Oförändrat</option>
        <option value="true"${value === true ? " selected" : ""}>Ja</option><option value="false"${value === false ? " selected" : ""}>Nej</option></select>`);
    case "kind":
      return wrap(`<select ${common}><option value="">–</option>${Object.keys(ctx.KIND).map((k) =>
        `<option value="${attr(k)}"${k === value ? " selected" : ""}>${esc(kindName(k))}</option>`).join("")}</select>`);
    case "date":
      return wrap(`<input type="date" ${common} value="${attr(value || "")}">`);
    case "note":
      return wrap(`<textarea rows="2" ${common}>${esc(value || "")}</textarea>`);
    case "units":
      return wrap(`<input ${common} list="dl-units" autocomplete="off" spellcheck="false" value="${attr((value || []).join(", "))}">`);
    case "select":
      return wrap(`<select ${common}><option value="">–</option>${field.options.map(([k, label]) =>
        `<option value="${attr(k)}"${k === value ? " selected" : ""}>${esc(label)}</option>`).join("")}</select>`);
    case "successors":
      return wrap(`<textarea rows="3" ${common} spellcheck="false">${esc((value || []).map((s) =>
        [s.unit, s.name, s.kind, s.parent].map((v) => v || "").join(" | ").replace(/( \| )+$/, "")).join("\n"))}</textarea>`);
    case "mapping":
      return wrap(`<textarea rows="2" ${common} spellcheck="false">${esc(Object.entries(value || {}).map(([k, v]) => `${k} = ${v}`).join("\n"))}</textarea>`);
    case "replacement":
      return `<fieldset class="replacement" data-for="${attr(path)}"><legend>${esc(field.label)}</legend>${help}${error}
        ${changeFormHtml(value || {}, path + ".")}</fieldset>`;
    default: {
      const list = KEY_LISTS[field.kind];
      return wrap(`<input ${common}${list ? ` list="${attr(list)}" autocomplete="off" spellcheck="false"` : ""} value="${attr(value ?? "")}">`);
    }
  }
}

// The form of one change (`prefix` "replacement." for a correction's own change).
function changeFormHtml(entry, prefix = "") {
  const nested = prefix !== "";
  const choices = Object.entries(TYPES).filter(([key]) => !nested || !TYPES[key].undated);
  const type = TYPES[entry.type] ? entry.type : "";
  const typeSelect = nested ? fieldHtml({ key: "type", label: "Typ av ändring", kind: "select", required: true,
    options: choices.map(([k]) => [k, typeName(k)]) }, prefix + "type", type) : "";
  if (!type) return typeSelect;
  const spec = TYPES[type];
  const parts = [typeSelect];
  if (!spec.undated) parts.push(fieldHtml(F("effective", "Gäller från", "date", REQ), prefix + "effective", entry.effective));
  for (const field of spec.fields) parts.push(fieldHtml(field, prefix + field.key, entry[field.key]));
  parts.push(fieldHtml(nested
    ? F("id", "Den rättade ändringens id", "text", { ...REQ, help: "Ett eget id, skilt från den rättade ändringens." })
    : F("id", "Ändringens id (valfritt)", "text", { help: "Gör ändringen idempotent; ges annars vid registreringen." }),
  prefix + "id", entry.id));
  parts.push(`<fieldset class="decision"><legend>${nested ? "Den rättade ändringens beslut" : "Beslut"}</legend>${DECISION_FIELDS.map((f) =>
    fieldHtml(f, `${prefix}decision.${f.key}`, entry.decision?.[f.key])).join("")}</fieldset>`);
  parts.push(fieldHtml(F("note", nested ? "Den rättade ändringens anteckning" : "Anteckning", "note"), prefix + "note", entry.note));
  return parts.join("");
}

// The change the form says, as a change-file entry: empty fields left out.
function readForm(form, prefix = "") {
  const value = (path) => form.querySelector(`[data-field="${CSS.escape(path)}"]`);
  const type = prefix ? value(prefix + "type")?.value : form.dataset.type;
  const entry = { type };
  if (!TYPES[type]) return entry;
  const spec = TYPES[type];
  const text = (path) => (value(path)?.value ?? "").trim();
  if (!spec.undated && text(prefix + "effective")) entry.effective = text(prefix + "effective");
  if (text(prefix + "id")) entry.id = text(prefix + "id");
  for (const field of spec.fields) {
    const path = prefix + field.key;
    const control = value(path);
    if (field.kind === "replacement") { entry[field.key] = readForm(form, path + "."); continue; }
    if (!control) continue;
    if (field.kind === "bool") { if (control.checked) entry[field.key] = true; continue; }
    const raw = control.value.trim();
    if (!raw) continue;
    if (field.kind === "tribool") entry[field.key] = raw === "true";
    else if (field.kind === "units") entry[field.key] = raw.split(/[\s,;]+/).filter(Boolean);
    else if (field.kind === "successors") {
      entry[field.key] = raw.split("\n").map((line) => line.split("|").map((s) => s.trim())).filter((p) => p[0])
        .map(([unit, name, kind, parent]) => Object.fromEntries(Object.entries({ unit, name, kind, parent }).filter(([, v]) => v)));
    } else if (field.kind === "mapping") {
      entry[field.key] = Object.fromEntries(raw.split("\n").map((line) => line.split("=").map((s) => s.trim()))
        .filter((p) => p[0] && p[1]));
    } else entry[field.key] = raw;
  }
  const decision = {};
  for (const f of DECISION_FIELDS) { const v = text(`${prefix}decision.${f.key}`); if (v) decision[f.key] = v; }
  if (Object.keys(decision).length) entry.decision = decision;
  if (text(prefix + "note")) entry.note = value(prefix + "note").value;
  return entry;
}

// --- what the register holds on a day: the lists to choose units and posts from -------------

const orgCache = new Map();
function organisationOn(day) {
  if (!orgCache.has(day)) {
    orgCache.set(day, gql(`query($d: Date!, $from: Date) { organisation(asOf: $d) { units { id name kind positions { id title unitId } } }
        delegations(asOf: $d) { id code matter fromId toId }
        changes(from: $from, first: 100) { edges { node { id type effective summary cancelled } } } }`,
    { d: day, from: addDays(day, -3 * 365) }).catch((error) => { orgCache.delete(day); throw error; }));
  }
  return orgCache.get(day);
}

// What the draft itself makes: units and posts its changes establish, by key.
function draftMade(entries) {
  const units = new Map(); const posts = new Map(); const delegations = new Map();
  for (const e of entries) {
    if (!e || typeof e !== "object") continue;
    if (e.type === "establish_unit" && e.unit) units.set(e.unit, e.name || e.unit);
    if (e.type === "merge_units" && e.into && e.name) units.set(e.into, e.name);
    if (e.type === "split_unit" && Array.isArray(e.into)) e.into.forEach((s) => s?.unit && units.set(s.unit, s.name || s.unit));
    if (e.type === "spin_off_unit" && e.company) units.set(e.company, e.name || e.company);
    if (e.type === "establish_position" && e.position) posts.set(e.position, e.title || e.position);
    if ((e.type === "grant_delegation" || e.type === "subdelegate") && e.delegation) delegations.set(e.delegation, e.matter || e.delegation);
  }
  return { units, posts, delegations };
}

// Names of keys as far as the page knows them (the register on a day, and the draft).
const known = { units: new Map(), posts: new Map(), delegations: new Map(), changes: new Map(), boardOf: new Map() };

async function fillLists(day, entries) {
  const data = await organisationOn(isDate(day) ? day : today());
  const made = draftMade(entries);
  const unitName = new Map(data.organisation.units.map((u) => [u.id, u.name]));
  const option = (value, label) => `<option value="${attr(value)}" label="${attr(label)}">${esc(label)}</option>`;
  const units = data.organisation.units.map((u) => [u.id, `${u.name} (${kindName(u.kind)})`]);
  const boards = data.organisation.units.filter((u) => ["council", "board", "committee"].includes(u.kind)).map((u) => [u.id, u.name]);
  const posts = data.organisation.units.flatMap((u) => u.positions.map((p) => [p.id, `${p.title}, ${u.name}`]));
  const committees = data.organisation.units.filter((u) => u.kind === "committee").map((u) => [u.id, u.name]);
  const delegations = data.delegations.map((d) => [d.id, `${d.code ? d.code + " " : ""}${d.matter} (${unitName.get(d.fromId) || d.fromId})`]);
  const changes = data.changes.edges.map((e) => e.node).filter((c) => !c.cancelled).map((c) => [c.id, `${c.effective}: ${c.summary}`]);
  for (const [k, v] of made.units) units.push([k, `${v} (i utkastet)`]);
  for (const [k, v] of made.posts) posts.push([k, `${v} (i utkastet)`]);
  for (const [k, v] of made.delegations) delegations.push([k, `${v} (i utkastet)`]);
  const lists = { "dl-units": units, "dl-boards": boards, "dl-posts": posts, "dl-delegates": [...posts, ...committees],
    "dl-delegations": delegations, "dl-changes": changes };
  for (const [id, items] of Object.entries(lists)) {
    const list = document.getElementById(id);
    if (list) list.innerHTML = items.map(([k, v]) => option(k, v)).join("");
  }
  for (const u of data.organisation.units) known.units.set(u.id, u.name);
  for (const [k, v] of made.units) known.units.set(k, v);
  for (const [k, v] of posts) known.posts.set(k, v);
  for (const [k, v] of delegations) known.delegations.set(k, v);
  for (const d of data.delegations) known.boardOf.set(d.id, d.fromId);
  for (const [k, v] of changes) known.changes.set(k, v);
  resolveAll();
}

// Next to a key field: the name of what the key names, or that the register has none.
function resolveAll(root = document) {
  for (const span of root.querySelectorAll("[data-resolves]")) {
    const input = document.getElementById(span.dataset.resolves);
    if (!input) continue;
    const keys = input.value.split(/[\s,;]+/).filter(Boolean);
    const name = (k) => known.units.get(k) || known.posts.get(k) || known.delegations.get(k) || known.changes.get(k);
    const isChange = input.getAttribute("list") === "dl-changes";
    span.textContent = keys.length ? keys.map((k) => name(k) ? `${k}: ${name(k)}` : isChange ? "" : `${k}: ny nyckel`).join("; ") : "";
    if (isChange && keys.length === 1 && !name(keys[0])) lookUpChange(keys[0]);
  }
}

// A recorded change named by its id (for a cancellation or a correction): its sentence, asked once.
const askedChanges = new Set();
function lookUpChange(id) {
  if (askedChanges.has(id) || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/.test(id)) return;
  askedChanges.add(id);
  gql("query($id: ID!) { change(id: $id) { id effective summary cancelled } }", { id }).then((data) => {
    const change = data.change;
    known.changes.set(id, change ? `${change.effective}: ${change.summary}${change.cancelled ? " (makulerad)" : ""}`
      : "ingen registrerad ändring har det id:t");
    resolveAll();
  }, () => askedChanges.delete(id));
}

// --- the views ---------------------------------------------------------------------------

async function draftsView({ arg, stale }) {
  if (!arg) return listView(stale);
  if (!isDraftId(arg)) throw new ctx.BadAddress(`Utkastet i adressen (${excerpt(arg)}) är inget utkasts id.`);
  return draftView(arg, stale);
}

function forbidden(error) {
  if (error.code === "FORBIDDEN" || /registrator|registrar/i.test(error.message)) {
    main().innerHTML = `<h1>Utkast</h1><p class="error" role="alert">Utkast är arbetsmaterial och visas bara för
      registratorer och administratörer. ${esc(error.message)}</p>`;
    return true;
  }
  return false;
}

// `stale`: whether a newer drawing of the page has overtaken this one (app.js, `render`).
async function listView(stale = () => false) {
  let data;
  try {
    data = await gql("{ drafts { id name status createdBy updatedAt changes recordedChangeIds } }");
  } catch (error) {
    if (stale() || (error instanceof ApiError && forbidden(error))) return;
    throw error;
  }
  if (stale()) return;
  const row = (d) => `<li data-draft="${attr(d.id)}" data-status="${attr(d.status)}">
      <a href="${attr(hashOf(d.id))}">${esc(d.name)}</a>
      <span class="badge status-${attr(d.status)}">${esc(DRAFT_STATUS[d.status] || d.status)}</span>
      <span class="small muted">${esc(d.changes.length)} ${d.changes.length === 1 ? "ändring" : "ändringar"} ·
      ${esc(d.createdBy)} · sparat ${esc(d.updatedAt.slice(0, 16).replace("T", " "))}</span></li>`;
  const open = data.drafts.filter((d) => d.status === "open");
  const closed = data.drafts.filter((d) => d.status !== "open");
  main().innerHTML = `<h1>Utkast</h1>
    <p>Ett utkast är en omorganisation som förbereds: ändringar som ännu inte är registrerade. Det
      kontrolleras mot registret medan du skriver och registreras i sin helhet när beslutet är fattat.</p>
    <div class="draft-start" data-requires-write>
      <form class="controls" id="new-draft" novalidate>
        <label for="new-draft-name">Nytt utkasts namn<input id="new-draft-name" required maxlength="200"
          aria-describedby="new-draft-error" placeholder="t.ex. Ny förvaltningsorganisation 2027"></label>
        <button class="primary" type="submit">Skapa utkast</button>
        <span class="field-error" id="new-draft-error" hidden></span></form>
      <form class="controls" id="open-file" novalidate>
        <label for="open-file-input">Öppna en ändringsfil som utkast (YAML eller JSON)<input type="file" id="open-file-input"
          accept=".yaml,.yml,.json,application/json,application/yaml" aria-describedby="open-file-error"></label>
        <button type="submit">Öppna som utkast</button>
        <span class="field-error" id="open-file-error" hidden></span></form>
      <form class="controls spreadsheet" id="open-sheet" novalidate aria-labelledby="open-sheet-h">
        <h2 id="open-sheet-h" class="form-title">Läs in kalkylblad som utkast</h2>
        <p class="small muted form-title">En tabell över organisationen (en rad per enhet) eller över en nämnds
          delegationsordning (en rad per punkt) blir ett utkast som du granskar innan något registreras.</p>
        <label for="sheet-kind">Tabellen innehåller<select id="sheet-kind">
          <option value="organisation">Organisationen (enheter och chefer)</option>
          <option value="delegations">En nämnds delegationsordning</option></select></label>
        <label for="sheet-file">Kalkylblad (CSV eller XLSX)<input type="file" id="sheet-file" required
          accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          aria-describedby="open-sheet-error"></label>
        <label for="sheet-as-of">Gäller från<input type="date" id="sheet-as-of" required value="${attr(today())}"
          aria-describedby="open-sheet-error"></label>
        <label for="sheet-board" id="sheet-board-label" hidden>Nämnd (nyckel)<input id="sheet-board" list="dl-sheet-boards"
          maxlength="64" aria-describedby="open-sheet-error" placeholder="t.ex. ks"></label>
        <datalist id="dl-sheet-boards"></datalist>
        <label for="sheet-mapping">Kolumnmappning (YAML, valfri)<input type="file" id="sheet-mapping"
          accept=".yaml,.yml,application/yaml"></label>
        <button type="submit">Läs in som utkast</button>
        <span class="field-error" id="open-sheet-error" hidden></span>
        <div id="sheet-unmatched-area" class="form-title" aria-live="polite"></div></form>
    </div>
    <h2>Öppna utkast (${esc(open.length)})</h2><ul id="drafts" class="drafts">${open.map(row).join("") || "<li>Inga öppna utkast.</li>"}</ul>
    <h2>Registrerade och kastade (${esc(closed.length)})</h2><ul id="closed-drafts" class="drafts">${closed.map(row).join("") || "<li>Inga.</li>"}</ul>`;
  const tell = (id, field, message) => {
    const box = document.getElementById(id);
    box.textContent = message; box.hidden = !message;
    if (field) { if (message) { field.setAttribute("aria-invalid", "true"); field.focus(); } else field.removeAttribute("aria-invalid"); }
  };
  document.getElementById("new-draft").addEventListener("submit", async () => {
    const field = document.getElementById("new-draft-name");
    const name = field.value.trim();
    if (!name) { tell("new-draft-error", field, "Ge utkastet ett namn."); return; }
    try {
      const made = await gql("mutation($n: String!) { createDraft(name: $n) { id } }", { n: name });
      location.hash = hashOf(made.createDraft.id);
    } catch (error) { tell("new-draft-error", field, error.message); }
  });
  installSpreadsheetForm(tell);
  document.getElementById("open-file").addEventListener("submit", async () => {
    const field = document.getElementById("open-file-input");
    const file = field.files[0];
    if (!file) { tell("open-file-error", field, "Välj en ändringsfil."); return; }
    if (file.size > 5_000_000) { tell("open-file-error", field, "Filen är för stor för ett utkast."); return; }
    try {
      location.hash = hashOf(await openFileAsDraft(file));
    } catch (error) { tell("open-file-error", field, error.message); }
  });
}

// --- a spreadsheet as a draft (docs/baseline.md#over-http) -------------------------------
//
// The table goes to the service's dry run (`POST /baseline/organisation|delegations?dryRun=true`),
// which reads it as the command line does and answers the change file it would make; that file
// opens as a new draft, to be checked, previewed and recorded like any other. Nothing is recorded
// here. Titles of a delegationsordning that match no post are listed first: the registrar may
// correct the table, or open the rows that matched.

const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const MAX_QUERY_CHARACTERS = 12_000; // of the 16 KiB of request line and headers, room for the headers

function installSpreadsheetForm(tell) {
  const form = document.getElementById("open-sheet");
  const kind = document.getElementById("sheet-kind");
  const boardLabel = document.getElementById("sheet-board-label");
  const showBoard = () => { boardLabel.hidden = kind.value !== "delegations"; };
  kind.addEventListener("change", showBoard);
  showBoard();
  gql("query($d: Date!) { organisation(asOf: $d) { units { id name kind } } }", { d: today() }).then((data) => {
    const boards = data.organisation.units.filter((u) => u.kind === "board" || u.kind === "committee");
    document.getElementById("dl-sheet-boards").innerHTML = boards
      .map((u) => `<option value="${attr(u.id)}">${esc(u.name)}</option>`).join("");
  }, () => {});
  form.addEventListener("submit", async () => {
    const file = document.getElementById("sheet-file");
    const asOf = document.getElementById("sheet-as-of");
    const board = document.getElementById("sheet-board");
    const area = document.getElementById("sheet-unmatched-area");
    area.innerHTML = "";
    for (const field of [file, asOf, board]) field.removeAttribute("aria-invalid");
    tell("open-sheet-error", null, "");
    const table = file.files[0];
    if (!table) { tell("open-sheet-error", file, "Välj ett kalkylblad (CSV eller XLSX)."); return; }
    const suffix = (table.name.match(/\.([a-z]+)$/i) || [])[1]?.toLowerCase();
    if (suffix !== "csv" && suffix !== "xlsx") {
      tell("open-sheet-error", file, "Kalkylbladet ska vara en .csv- eller .xlsx-fil."); return;
    }
    if (!isDate(asOf.value)) { tell("open-sheet-error", asOf, "Ange dagen tabellen gäller från (ÅÅÅÅ-MM-DD)."); return; }
    const delegations = kind.value === "delegations";
    if (delegations && !board.value.trim()) {
      tell("open-sheet-error", board, "Ange nämnden vars delegationsordning tabellen är."); return;
    }
    const params = new URLSearchParams({ asOf: asOf.value, dryRun: "true", filename: table.name });
    if (delegations) params.set("board", board.value.trim());
    const mapping = document.getElementById("sheet-mapping").files[0];
    try {
      if (mapping) {
        if (mapping.size > 16_000) { tell("open-sheet-error", null, "Kolumnmappningen är för stor."); return; }
        params.set("mapping", await mapping.text());
        // It travels in the query string, which with the headers must stay within the service's
        // 16 KiB (docs/security.md#slow-clients): URL-encoded, å or a space takes 3–6 characters.
        if (params.toString().length > MAX_QUERY_CHARACTERS) {
          tell("open-sheet-error", null, "Kolumnmappningen är för lång för att skickas med tabellen: ta bort "
            + "kommentarer och rader som inte behövs (högst omkring 4 000 tecken med å, ä, ö och mellanslag).");
          return;
        }
      }
      ctx.say("Läser in kalkylbladet…");
      const response = await auth.request(`baseline/${delegations ? "delegations" : "organisation"}?${params}`, {
        method: "POST",
        headers: { "Content-Type": suffix === "csv" ? "text/csv" : XLSX_TYPE, Accept: "application/json" },
        body: table,
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        const problems = body.errors || [body.detail || `Servern svarade ${response.status}`];
        tell("open-sheet-error", null, `Kalkylbladet kunde inte läsas in; ingenting registrerades.`);
        area.innerHTML = `<ul id="sheet-problems" class="problems">${problems.map((p) => `<li>${esc(p)}</li>`).join("")}</ul>`;
        return;
      }
      const name = delegations
        ? `Delegationsordning ${board.value.trim()} från ${asOf.value} (${table.name})`
        : `Utgångsläge ${asOf.value} (${table.name})`;
      if (!body.unmatched?.length) {
        location.hash = hashOf(await draftOf(name, body.changeFile));
        return;
      }
      area.innerHTML = `<p id="sheet-unmatched-intro">${esc(body.unmatched.length)} delegater motsvarar ingen befattning,
          eller flera. Rätta tabellen (skriv befattningens titel eller nyckel) och läs in den igen, eller öppna de
          ${esc(body.changeFile.changes.length)} punkter som matchade som utkast.</p>
        <ul id="sheet-unmatched">${body.unmatched.map((u) => `<li>${esc(u)}</li>`).join("")}</ul>
        <button type="button" id="sheet-open-matched">Öppna de matchade som utkast</button>`;
      document.getElementById("sheet-open-matched").addEventListener("click", async () => {
        try {
          location.hash = hashOf(await draftOf(name, body.changeFile));
        } catch (error) { tell("open-sheet-error", null, error.message); }
      });
      document.getElementById("sheet-unmatched-intro").focus?.();
      ctx.say(`${body.unmatched.length} delegater motsvarar ingen befattning`);
    } catch (error) { tell("open-sheet-error", null, error.message); }
  });
}

// A change file (as the service answered it) as a new draft named `name`.
async function draftOf(name, file) {
  const made = await auth.request("drafts", {
    method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ name: name.slice(0, 200), file }),
  });
  const draft = await made.json().catch(() => ({}));
  if (!made.ok) throw new Error(draft.detail || `Servern svarade ${made.status}`);
  return draft.id;
}

// A change file as a new draft, named after the file: made empty, then given the file as it is
// (YAML or JSON: the service reads both, and refuses what is no change file in its own words).
async function openFileAsDraft(file) {
  const name = file.name.replace(/\.(ya?ml|json)$/i, "") || "Ändringsfil";
  const made = await auth.request("drafts", {
    method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ name: name.slice(0, 200) }),
  });
  const draft = await made.json().catch(() => ({}));
  if (!made.ok) throw new Error(draft.detail || `Servern svarade ${made.status}`);
  const saved = await auth.request(`drafts/${segment(draft.id)}/file`, {
    method: "PUT",
    headers: { "Content-Type": /\.json$/i.test(file.name) ? "application/json" : "application/yaml",
      Accept: "application/json", "If-Match": `"${draft.revision}"` },
    body: await file.text(),
  });
  if (!saved.ok) {
    const body = await saved.json().catch(() => ({}));
    await gql("mutation($id: ID!) { discardDraft(id: $id) { id } }", { id: draft.id }).catch(() => {});
    throw new Error(body.detail || (body.errors || []).join(" ") || `Servern svarade ${saved.status}`);
  }
  return draft.id;
}

// --- one draft ---------------------------------------------------------------------------

const DRAFT = `id name status revision createdBy createdAt updatedAt basedOn recordedChangeIds file changes
  check { ok stale conflicting basedOn registerAt problems { code message index changeId field rule conflicts } }
  preview { asOf diff { added removed renamed { id from to } moved { id fromParent toParent } reclassified { id from to }
                        positions { established abolished moved { id fromUnit toUnit } } }
            changes { changeId type effective summary }
            gaps { board gap { delegationId since reason missingDelegateId } fixes reasons }
            closed { delegationId since reason } findings { code subjectKind subjectId reason } }`;

// The open draft: as last saved, with its check and preview; `editing` the change open in the form.
let state = null;

async function draftView(id, stale = () => false) {
  let data;
  try {
    data = await gql(`query($id: ID!) { draft(id: $id) { ${DRAFT} } }`, { id });
  } catch (error) {
    if (stale() || (error instanceof ApiError && forbidden(error))) return;
    throw error;
  }
  if (stale()) return;
  if (!data.draft) throw new ctx.BadAddress(`Det finns inget utkast med id ${excerpt(id)}.`);
  // `places`: where each change form opened on this draft saves (`openEditor`), kept up to date
  // by removals; `place`: the one of the form in the page.
  state = { draft: data.draft, editing: null, saving: Promise.resolve(), removing: false, adding: false, places: new Set(), place: null };
  main().innerHTML = `<h1 id="draft-title"></h1>
    <p class="small muted" id="draft-meta"></p>
    <div id="draft-banner"></div>
    <div class="draft-tools" id="draft-tools"></div>
    <div class="workspace">
      <div class="workspace-edit">
        <section class="panel" id="draft-changes-panel" aria-labelledby="draft-changes-h"></section>
        <section class="panel" id="editor" aria-labelledby="editor-h" hidden></section>
        <section class="panel" id="decision-panel" aria-labelledby="decision-h"></section>
      </div>
      <div class="workspace-preview" id="preview-area" aria-live="polite"></div>
    </div>
    <datalist id="dl-units"></datalist><datalist id="dl-boards"></datalist><datalist id="dl-posts"></datalist>
    <datalist id="dl-delegates"></datalist><datalist id="dl-delegations"></datalist><datalist id="dl-changes"></datalist>`;
  drawAll();
  const entries = state.draft.changes;
  const day = entries.map((e) => e?.effective).filter(isDate).sort().pop() || today();
  // Names for the keys the preview shows, once the register's lists are read: the two panels
  // are drawn again then, and are marked busy until they are.
  const named = [document.getElementById("draft-changes-panel"), document.getElementById("preview-area")];
  for (const panel of named) panel.setAttribute("aria-busy", "true");
  fillLists(day, entries)
    .then(() => { if (state?.draft.id === id && named[0].isConnected) { drawChanges(); drawPreview(); } }, () => {})
    .finally(() => { for (const panel of named) panel.removeAttribute("aria-busy"); });
  const check = state.draft.check;
  ctx.say(`Utkast ${state.draft.name}: ${check.ok ? "stämmer med registret" : `${check.problems.length} fel`}`);
}

const isOpen = () => state.draft.status === "open";

function drawAll() {
  drawHeader();
  drawChanges();
  drawDecision();
  drawPreview();
  if (state.editing !== null) markProblems();
}

function drawHeader() {
  const { draft } = state;
  document.getElementById("draft-title").textContent = `Utkast: ${draft.name}`;
  document.getElementById("draft-meta").innerHTML = `<span class="badge status-${attr(draft.status)}" id="draft-status">${esc(DRAFT_STATUS[draft.status] || draft.status)}</span>
    version ${esc(draft.revision)} · skapat av ${esc(draft.createdBy)} · sparat ${esc(draft.updatedAt.slice(0, 16).replace("T", " "))} UTC ·
    ${esc(draft.changes.length)} ${draft.changes.length === 1 ? "ändring" : "ändringar"}`;
  const base = `drafts/${segment(draft.id)}`;
  const recorded = draft.recordedChangeIds;
  const changeLink = (cid) => ctx.views.andring
    ? `<a href="#/andring/${attr(segment(cid))}">${esc(cid)}</a>`
    : `<a href="#/andringar">${esc(cid)}</a>`;
  document.getElementById("draft-banner").innerHTML = draft.status === "recorded"
    ? `<div class="notice" id="recorded-notice"><h2>Utkastet är registrerat</h2><p>Det är stängt och kan inte längre ändras.
        Ändringarna finns i <a href="#/andringar">ändringsloggen</a>:</p>
        <ul id="recorded-changes">${recorded.map((cid) => `<li data-change="${attr(cid)}">${changeLink(cid)}</li>`).join("")}</ul></div>`
    : draft.status === "discarded" ? `<p class="notice" id="discarded-notice">Utkastet är kastat. Det är stängt och registrerades aldrig.</p>` : "";
  const tools = document.getElementById("draft-tools");
  const kept = keptControl(tools);
  tools.innerHTML = `<p class="links">
      <a id="proposal-link" href="${attr(base + "/proposal.html")}" target="_blank" rel="noopener" data-document="open">Beslutsunderlag (HTML)</a> ·
      <a id="proposal-pdf" href="${attr(base + "/proposal.pdf")}" data-document="download">Beslutsunderlag (PDF)</a> ·
      Exportera som ändringsfil: <a id="file-link" href="${attr(base + "/file?format=yaml")}" data-document="download">YAML</a>,
      <a id="file-json-link" href="${attr(base + "/file?format=json")}" data-document="download">JSON</a> ·
      <a href="${attr(hashOf())}">Alla utkast</a></p>
    ${isOpen() ? `<form class="controls" id="rename-draft" data-requires-write novalidate>
      <label for="draft-name">Utkastets namn<input id="draft-name" value="${attr(draft.name)}" maxlength="200" required
        aria-describedby="draft-name-error"></label>
      <button type="submit">Byt namn</button>
      <button type="button" id="discard-draft" class="danger">Kasta utkastet</button>
      <span class="field-error" id="draft-name-error" hidden></span></form>` : ""}`;
  restoreControl(tools, kept);
  if (!isOpen()) return;
  document.getElementById("rename-draft").addEventListener("submit", () => {
    const field = document.getElementById("draft-name");
    const name = field.value.trim();
    const box = document.getElementById("draft-name-error");
    if (!name) { box.textContent = "Ge utkastet ett namn."; box.hidden = false; field.setAttribute("aria-invalid", "true"); field.focus(); return; }
    save(() => {}, `namnet ”${name}”`, name);
  });
  document.getElementById("discard-draft").addEventListener("click", async () => {
    if (!confirm(`Kasta utkastet ”${draft.name}”? Det registreras aldrig.`)) return;
    try {
      const data = await gql(`mutation($id: ID!, $r: Int) { discardDraft(id: $id, revision: $r) { ${DRAFT} } }`,
        { id: draft.id, r: draft.revision });
      state.draft = data.discardDraft;
      closeEditor();
      drawAll(); ctx.say("Utkastet är kastat.");
    } catch (error) { saveRefused(error, "att kasta utkastet"); }
  });
}

// A one-line description of a change, for the list: the preview's sentence when there is one.
function describe(entry, index) {
  const sentence = state.draft.check.ok ? state.draft.preview?.changes[index] : null;
  if (sentence) return sentence.summary;
  const spec = TYPES[entry?.type];
  if (!spec) return `Okänd typ av ändring (${entry?.type ?? "–"})`;
  const keys = spec.fields.filter((f) => entry[f.key] && typeof entry[f.key] !== "object").slice(0, 3)
    .map((f) => `${f.label.toLowerCase()} ${entry[f.key]}`);
  return `${typeName(entry.type)}${keys.length ? ": " + keys.join(", ") : ""}`;
}

function problemsOf(index) {
  return state.draft.check.problems.filter((p) => p.index === index);
}

function drawChanges() {
  const { draft } = state;
  const panel = document.getElementById("draft-changes-panel");
  const items = draft.changes.map((entry, i) => {
    const problems = problemsOf(i + 1);
    const decided = hasDecision(entry);
    return `<li data-index="${attr(i + 1)}" data-type="${attr(entry?.type)}"${problems.length ? ' class="has-problem"' : ""}${state.editing === i ? ' aria-current="true"' : ""}>
      <span class="sentence">${esc(describe(entry, i))}</span>
      <br><span class="small muted">${esc(typeName(entry?.type))} · ${esc(entry?.effective || "–")}${entry?.id ? " · " + esc(entry.id) : ""}
        · ${decided ? esc(citation(entry.decision)) : "beslut saknas"}</span>
      ${problems.length ? `<ul class="problems">${problems.map((p) => `<li class="gap" data-code="${attr(p.code)}">${esc(p.message)}</li>`).join("")}</ul>` : ""}
      ${isOpen() ? `<span class="row-actions" data-requires-write>
        <button type="button" data-edit="${attr(i)}"${state.removing ? " disabled" : ""}>Redigera<span class="visually-hidden"> ändring ${esc(i + 1)}</span></button>
        <button type="button" data-remove="${attr(i)}"${state.removing ? " disabled" : ""}>Ta bort<span class="visually-hidden"> ändring ${esc(i + 1)}</span></button></span>` : ""}
    </li>`;
  });
  const fileProblems = draft.check.problems.filter((p) => !p.index);
  // The panel is drawn again when a save answers or the register's lists arrive, which can be while
  // a person is choosing the type of the next change: the type chosen and the focus stay as they were.
  const kept = keptControl(panel);
  panel.innerHTML = `<h2 id="draft-changes-h">Ändringar i utkastet (${esc(draft.changes.length)})</h2>
    ${fileProblems.length ? `<ul class="problems">${fileProblems.map((p) => `<li class="gap" data-code="${attr(p.code)}">${esc(p.message)}</li>`).join("")}</ul>` : ""}
    <ol class="changes" id="draft-changes">${items.join("") || "<li>Inga ändringar än.</li>"}</ol>
    ${isOpen() ? `<form class="controls" id="add-change" data-requires-write novalidate>
      <label for="new-change-type">Lägg till en ändring<select id="new-change-type">
        ${Object.keys(TYPES).map((k) => `<option value="${attr(k)}">${esc(typeName(k))}</option>`).join("")}</select></label>
      <button type="submit" class="primary"${state.adding ? " disabled" : ""}>Lägg till</button></form>` : ""}`;
  restoreControl(panel, kept);
  if (!isOpen()) return;
  panel.querySelectorAll("[data-edit]").forEach((b) => b.addEventListener("click", () => openEditor(Number(b.dataset.edit))));
  panel.querySelectorAll("[data-remove]").forEach((b) => b.addEventListener("click", () => {
    // One removal at a time: until it is saved no other is offered, so that the places in the
    // list are those of the file the removal edits (nothing else moves a change: an addition
    // goes at the end, an edit stays where it is).
    if (state.removing) return;
    const index = Number(b.dataset.remove);
    const mine = state;
    if (state.editing === index) closeEditor();
    removing(mine, true);
    let moved = [];
    save((file) => {
      // Every form's place after the change removed moves one place up at the removal's turn
      // (a form may have been opened since the click, on a change added meanwhile, or replaced
      // with its last field's save still to come); the removed change's own place is gone.
      moved = placesMoved(mine, index, -1);
      file.changes.splice(index, 1);
    }, `borttagningen av ändring ${index + 1}`).then((saved) => {
      if (state !== mine) return;
      removing(mine, false);
      if (!saved) placesMoved(mine, index, +1, moved); // not removed after all: back where they were
    });
  }));
  document.getElementById("add-change").addEventListener("submit", async () => {
    // One change added per click, not one per click of a double click: the panel may be drawn
    // again (by a save before this one) while this one waits, so the flag is the draft's.
    if (state.adding) return;
    const mine = state;
    adding(mine, true);
    const type = document.getElementById("new-change-type").value;
    const entry = { type };
    const common = commonDecision();
    if (Object.keys(common).length) entry.decision = common;
    let added = -1;
    const edit = (file) => {
      file.format ??= "orgchange/v1";
      file.changes ??= [];
      if (!TYPES[type].undated) entry.effective = lastEffective() || addDays(today(), 1);
      added = file.changes.push(entry) - 1;
    };
    const saved = await save(edit, `den nya ändringen (${typeName(type)})`);
    if (state !== mine) return;
    adding(mine, false);
    if (saved) openEditor(added);
  });
}

// An addition (a change or a suggested fix) on its way (`on`) or done: "Lägg till" and the
// suggested fixes wait for it.
function adding(mine, on) {
  mine.adding = on;
  for (const button of document.querySelectorAll("#add-change button[type=submit], [data-fix]")) button.disabled = on;
}

// A removal on its way (`on`) or done: the list's "Ta bort" and "Redigera" buttons wait for it
// (a form opened at a place the removal is about to move would save at the wrong one).
function removing(mine, on) {
  mine.removing = on;
  for (const button of document.querySelectorAll("#draft-changes [data-remove], #draft-changes [data-edit]")) button.disabled = on;
}

// A field of the open form being typed in is left before the form is replaced, as a person
// would leave it: its change is saved (the form's handler), not dropped with the form.
function leaveTheForm() {
  const form = document.getElementById("change-form");
  if (form?.contains(document.activeElement)) document.activeElement.blur();
}

// The places of the draft's change forms after `index` moved by `by` (-1: the change at `index`
// is removed, whose own place is then gone, -1; +1: that undone, for the places `only` it moved).
// The form in the page follows its place. Returns the places moved.
function placesMoved(mine, index, by, only = null) {
  const moved = [];
  if (by < 0) {
    for (const place of mine.places) {
      if (place.index < index) continue;
      place.index = place.index === index ? -1 : place.index - 1;
      moved.push(place);
    }
  } else {
    for (const place of only) {
      place.index = place.index === -1 ? index : place.index + 1;
      moved.push(place);
    }
  }
  const place = mine.place;
  if (place && moved.includes(place) && place.index >= 0) {
    mine.editing = place.index;
    const form = document.getElementById("change-form");
    if (form) form.dataset.index = String(place.index);
    const heading = document.getElementById("editor-h");
    if (heading) heading.textContent = heading.textContent.replace(/^Ändring \d+/, `Ändring ${place.index + 1}`);
  }
  return moved;
}

// What of a panel's controls a redraw must not take from a person (a panel is drawn again when a
// save answers or the register's lists arrive, which can be while someone is using it): the type
// chosen for the next change, which control had the focus (by a selector that finds its successor
// in the new panel), and the text being typed in it, with the cursor.
function keptControl(panel) {
  const type = panel.querySelector("#new-change-type")?.value;
  const active = panel.contains(document.activeElement) ? document.activeElement : null;
  let focus = null;
  if (active?.id) focus = `#${CSS.escape(active.id)}`;
  else if (active?.dataset.edit !== undefined) focus = `[data-edit="${CSS.escape(active.dataset.edit)}"]`;
  else if (active?.dataset.remove !== undefined) focus = `[data-remove="${CSS.escape(active.dataset.remove)}"]`;
  else if (active?.matches("#add-change button")) focus = "#add-change button";
  const typing = focus && active.matches("input:not([type=checkbox]):not([type=radio]), textarea")
    ? { value: active.value, start: active.selectionStart, end: active.selectionEnd } : null;
  return { type, focus, typing };
}

function restoreControl(panel, { type, focus, typing }) {
  const select = panel.querySelector("#new-change-type");
  if (select && type && TYPES[type]) select.value = type;
  const control = focus ? panel.querySelector(focus) : null;
  if (!control) return;
  if (typing && "value" in control) {
    control.value = typing.value;
    try { control.setSelectionRange(typing.start, typing.end); } catch { /* a field without a cursor */ }
  }
  control.focus();
}

const lastEffective = () => state.draft.changes.map((e) => e?.effective).filter(isDate).sort().pop();
const hasDecision = (entry) => Boolean(entry?.decision && (entry.decision.body || entry.decision.position) && entry.decision.date);
function citation(decision) {
  return [decision.body || decision.position, decision.date, decision.paragraph].filter(Boolean).join(" ")
    + (decision.reference ? ` (${decision.reference})` : "");
}

// --- the form of the change being edited: each field saved as it is changed ----------------

// `shown`: the entry to draw, when the form shows what is still being saved; `focusOn`: the
// field (its data-field) to give the focus, rather than the first; false: leave the focus be;
// `kept`: the place of the form drawn again for the same change (a removal on its way moves it).
function openEditor(index, shown = null, focusOn = null, kept = null) {
  leaveTheForm();
  const place = kept || { index };
  state.editing = place.index;
  state.places.add(place);
  state.place = place;
  index = place.index;
  const entry = shown || state.draft.changes[index] || {};
  const editor = document.getElementById("editor");
  editor.hidden = false;
  editor.innerHTML = `<h2 id="editor-h">Ändring ${esc(index + 1)}: ${esc(typeName(entry.type))}</h2>
    <p class="small muted" id="editor-help">Varje fält sparas och kontrolleras mot registret och utkastets tidigare
      ändringar så fort du lämnar det. Fält markerade med * krävs. Nycklar väljs ur listan när du skriver ett namn.</p>
    <form id="change-form" class="change-form" data-type="${attr(entry.type)}" data-index="${attr(index)}" novalidate>
      ${TYPES[entry.type] ? changeFormHtml(entry) : `<p class="error">Ändringstypen ${esc(entry.type)} finns inte i ändringsfilens format.</p>`}
      <div class="form-actions"><button type="submit" class="primary">Klar</button>
        <span id="save-state" class="small muted" role="status"></span></div>
    </form>`;
  const form = document.getElementById("change-form");
  const at = () => place.index; // where the change is now (`placesMoved`)
  form.addEventListener("change", (event) => {
    const index = at();
    if (event.target.dataset.field?.endsWith(".type")) { // a correction's change type: redraw its fields
      const current = readForm(form);
      // The replacement needs an id of its own: one is suggested from the id of the change corrected.
      const suggested = current.replacement?.id || (current.change ? `${current.change}-rattad` : undefined);
      current.replacement = { type: event.target.value, effective: current.replacement?.effective || lastEffective(), id: suggested };
      if (!current.replacement.id) delete current.replacement.id;
      // Its fields drawn at once, so that what is typed in them while the save is on its way stays.
      openEditor(index, current, event.target.dataset.field, place);
      saveEntry(at, current);
      return;
    }
    if (event.target.dataset.field === "effective") fillLists(event.target.value, state.draft.changes).catch(() => {});
    saveEntry(at, readForm(form));
  });
  form.addEventListener("input", (event) => { if (event.target.list) resolveAll(form); });
  form.addEventListener("submit", async () => {
    await saveEntry(at, readForm(form));
    if (!form.isConnected) return; // another draft, or this one's form drawn again, meanwhile
    if (!markProblems(true)) closeEditor();
  });
  drawChanges();
  markProblems();
  resolveAll(form);
  fillLists(isDate(entry.effective) ? entry.effective : lastEffective() || today(), state.draft.changes).catch(() => {});
  if (focusOn !== false) {
    (focusOn && form.querySelector(`[data-field="${CSS.escape(focusOn)}"]`) || form.querySelector("input, select, textarea"))?.focus();
  }
}

function closeEditor() {
  leaveTheForm();
  state.editing = null;
  state.place = null;
  const editor = document.getElementById("editor");
  editor.hidden = true; editor.innerHTML = "";
  drawChanges();
}

// The check's problems of the change in the form, each next to its field: aria-describedby ties
// the message to the field, which is marked aria-invalid; a problem of no field of the form goes
// under the form's heading. `focus`: move the focus to the first. Says whether there were any.
function markProblems(focus = false) {
  const form = document.getElementById("change-form");
  if (!form) return false;
  for (const box of form.querySelectorAll(".field-error")) { box.textContent = ""; box.hidden = true; }
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  form.querySelector("#change-problems")?.remove();
  const problems = problemsOf(Number(form.dataset.index) + 1);
  let first = null;
  const loose = [];
  for (const problem of problems) {
    const control = controlOf(form, problem.field);
    if (!control) { loose.push(problem); continue; }
    const box = document.getElementById(`${control.id}-error`);
    box.textContent = box.textContent ? `${box.textContent} ${problem.message}` : problem.message;
    box.hidden = false;
    box.dataset.code = problem.code;
    if (problem.rule) box.dataset.rule = problem.rule;
    control.setAttribute("aria-invalid", "true");
    first ??= control;
  }
  if (loose.length) {
    form.insertAdjacentHTML("afterbegin", `<ul id="change-problems" class="problems" tabindex="-1">${loose.map((p) =>
      `<li class="gap" data-code="${attr(p.code)}">${esc(p.message)}</li>`).join("")}</ul>`);
    first ??= form.querySelector("#change-problems");
  }
  if (focus && first) first.focus();
  return problems.length > 0;
}

// The control of the field a problem names (`unit`, `from`, `decision.date`, `replacement.unit`).
function controlOf(form, field) {
  if (!field) return null;
  const path = String(field).replace(/\[\d+\]/g, "");
  const candidates = [path, path.split(".")[0], `replacement.${path}`];
  for (const candidate of candidates) {
    const control = form.querySelector(`[data-field="${CSS.escape(candidate)}"]`);
    if (control) return control;
  }
  if (path === "decision") return form.querySelector('[data-field="decision.body"]');
  return null;
}

// `where`: the change's place, asked when the save's turn comes (a removal saved before it may
// have moved the form's change, or, not saved, moved it back: `placesMoved`; -1: removed).
function saveEntry(where, entry) {
  return save((file) => {
    const index = where();
    if (index >= 0 && index < file.changes.length) file.changes[index] = entry; // never past the end
  }, `ändring ${where() + 1}`, null, entry);
}

// Saves an edit of the draft (and `name`), one save at a time, in order. `edit` changes a copy of
// the file as the page holds it when this save's turn comes, not when it was asked for: an edit
// made while an earlier one was being saved builds on that one rather than undoing it. The
// answer is the draft with its check and preview, drawn at once. Says whether it was saved.
// A save whose turn comes after the page has opened another draft (or the draft again, as
// someone else saved it) is not made. `lost`: what the person wrote, shown if it is refused.
function save(edit, what, name = null, lost = null) {
  const mine = state;
  const run = async () => {
    if (state !== mine) return false;
    const file = structuredClone(state.draft.file);
    edit(file);
    const box = document.getElementById("save-state");
    if (box) box.textContent = "Sparar …";
    try {
      const data = await gql(`mutation($id: ID!, $f: JSON!, $r: Int, $n: String) {
          updateDraft(id: $id, file: $f, revision: $r, name: $n) { ${DRAFT} } }`,
      { id: state.draft.id, f: file, r: state.draft.revision, n: name });
      if (state !== mine) return false; // another draft opened meanwhile: this one is not drawn
      state.draft = data.updateDraft;
      document.getElementById("save-conflict")?.remove();
      drawHeader(); drawChanges(); drawDecision(); drawPreview(); markProblems();
      const check = state.draft.check;
      const now = document.getElementById("save-state");
      if (now) now.textContent = `Sparat (version ${state.draft.revision}). ${check.ok ? "Utkastet stämmer med registret." : `${check.problems.length} fel.`}`;
      ctx.say(`Sparat: ${check.ok ? "stämmer med registret" : `${check.problems.length} fel`}`);
      return true;
    } catch (error) {
      if (error instanceof auth.SignInNeeded) { drawTheViewAgain(); return false; }
      if (state !== mine) return false;
      saveRefused(error, what, lost);
      return false;
    }
  };
  state.saving = state.saving.then(run, run);
  return state.saving;
}

// The view drawn anew from its address: after the session ended while the draft was open (it then
// asks to sign in), or when the draft could not be read again after it was recorded.
function drawTheViewAgain() {
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

// A save the service refused. DRAFT_CHANGED: someone else saved the draft first: nothing of this
// edit was saved, and the page says so, shows what it was, and offers the draft as it now is.
function saveRefused(error, what, lost = null) {
  const box = document.getElementById("save-state");
  if (box) box.textContent = "Inte sparat.";
  document.getElementById("save-conflict")?.remove();
  const changed = error.code === "DRAFT_CHANGED";
  document.getElementById("draft-banner").insertAdjacentHTML("beforeend", `<div class="error" id="save-conflict" role="alert" tabindex="-1"
      data-code="${attr(error.code || "")}">
    <p><strong>${changed ? "Någon annan har sparat utkastet före dig." : "Ändringen kunde inte sparas."}</strong>
      Din ändring (${esc(what)}) sparades inte. ${esc(error.message)}</p>
    ${lost ? `<details><summary>Det du skrev, som inte sparades</summary><pre class="small">${esc(JSON.stringify(lost, null, 2))}</pre></details>` : ""}
    ${changed ? '<button type="button" id="reload-draft">Öppna den senaste versionen</button>' : ""}</div>`);
  const alert = document.getElementById("save-conflict");
  alert.focus();
  document.getElementById("reload-draft")?.addEventListener("click", () => {
    const address = location.hash;
    draftView(state.draft.id, () => location.hash !== address);
  });
}

// --- the decision, for every change at once; recording --------------------------------------

function commonDecision() {
  const form = document.getElementById("decision-form");
  if (!form) return {};
  const out = {};
  for (const f of DECISION_FIELDS) {
    const value = form.querySelector(`[data-field="common.${f.key}"]`)?.value.trim();
    if (value) out[f.key] = value;
  }
  return out;
}

function drawDecision() {
  const panel = document.getElementById("decision-panel");
  const { draft } = state;
  if (!isOpen()) { panel.innerHTML = ""; panel.hidden = true; return; }
  const typed = commonDecision();
  const first = Object.keys(typed).length ? typed : draft.changes.find((e) => e?.decision)?.decision || {};
  const undecided = draft.changes.map((e, i) => (hasDecision(e) ? null : i + 1)).filter(Boolean);
  const conflicting = draft.check.conflicting;
  const why = !draft.changes.length ? "Utkastet har inga ändringar att registrera."
    : conflicting ? "Registret har ändrats sedan utkastet sparades och utkastet stämmer inte längre: se konflikterna."
      : !draft.check.ok ? "Utkastet kan inte registreras förrän felen är rättade."
        : undecided.length ? `Beslutet (beslutande organ eller tjänsteperson, och datum) saknas för ändring ${undecided.join(", ")}.`
          : "Utkastet stämmer med registret och varje ändring har sitt beslut.";
  const ready = draft.changes.length && draft.check.ok && !conflicting && !undecided.length;
  const kept = keptControl(panel);
  panel.innerHTML = `<h2 id="decision-h">Beslut och registrering</h2>
    <form id="decision-form" class="decision-form" data-requires-write novalidate>
      <p class="small muted" id="decision-help">Fyll i beslutet en gång för alla ändringar; det fylls i där ändringen inte
        redan har ett eget (en delegations ändring beslutas av sin nämnd).</p>
      ${DECISION_FIELDS.map((f) => fieldHtml(f, `common.${f.key}`, first[f.key])).join("")}
      <button type="submit" id="apply-decision">Fyll i beslutet på ändringarna</button></form>
    <p id="record-why" class="${ready ? "" : "muted"}">${esc(why)}</p>
    <button type="button" class="primary" id="record-draft" aria-describedby="record-why" data-requires-write${ready ? "" : " disabled"}>Registrera</button>`;
  restoreControl(panel, kept);
  resolveAll(panel);
  document.getElementById("decision-form").addEventListener("submit", () => {
    const common = commonDecision();
    if (!common.date || !(common.body || common.position)) {
      const field = document.getElementById(common.date ? fieldId("common.body") : fieldId("common.date"));
      const box = document.getElementById(`${field.id}-error`);
      box.textContent = common.date ? "Ange vem som beslutade: ett organ eller en tjänsteperson." : "Ange beslutets datum.";
      box.hidden = false; field.setAttribute("aria-invalid", "true"); field.focus();
      return;
    }
    const decided = (own) => {
      const decision = { ...own };
      for (const [k, v] of Object.entries(common)) if (!own[k] && !(k === "body" && own.position) && !(k === "position" && own.body)) decision[k] = v;
      return decision;
    };
    // The change open in the form gets it in the form too, as the save gives it to the file:
    // else the form's next save would put back the decision fields as they were.
    const form = document.getElementById("change-form");
    if (form) {
      const controls = [...form.querySelectorAll('[data-field^="decision."]')];
      const own = Object.fromEntries(controls.map((c) => [c.dataset.field.slice("decision.".length), c.value.trim()]).filter(([, v]) => v));
      const filled = decided(own);
      for (const control of controls) control.value = filled[control.dataset.field.slice("decision.".length)] ?? control.value;
      resolveAll(form);
    }
    save((file) => {
      file.changes = file.changes.map((entry) => ({ ...entry, decision: decided(entry.decision || {}) }));
    }, "beslutet");
  });
  document.getElementById("record-draft").addEventListener("click", record);
}

async function record() {
  const button = document.getElementById("record-draft");
  button.disabled = true;
  const address = location.hash; // the draft's view, which the person may leave meanwhile
  const left = () => location.hash !== address;
  const mine = state;
  const { id } = state.draft;
  await mine.saving;
  if (left() || state !== mine) { button.disabled = false; return; } // not this draft's page any more
  let data;
  try {
    data = await gql("mutation($id: ID!) { recordDraft(id: $id) }", { id });
  } catch (error) {
    if (error instanceof auth.SignInNeeded) { drawTheViewAgain(); return; }
    if (left()) return;
    const why = document.getElementById("record-why");
    why.className = "error"; why.setAttribute("role", "alert");
    why.textContent = `Utkastet registrerades inte: ${error.message}`;
    button.disabled = false;
    return;
  }
  orgCache.clear();
  try {
    await draftView(id, left);
    ctx.say(`Registrerade ${data.recordDraft.length} ändringar.`);
    document.getElementById("recorded-notice")?.setAttribute("tabindex", "-1");
    document.getElementById("recorded-notice")?.focus();
  } catch {
    // Recorded, but the draft could not be read again: the view is drawn anew, which says why.
    ctx.say(`Registrerade ${data.recordDraft.length} ändringar.`);
    if (!left()) drawTheViewAgain();
  }
}

// --- the preview (konsekvenser) -------------------------------------------------------------

function nameOf(key) {
  const made = draftMade(state.draft.changes);
  return made.units.get(key) || made.posts.get(key) || (known.units.get(key) || known.posts.get(key) || key).replace(/ \(i utkastet\)$/, "");
}

// The findings the draft would create, per board: a delegation's board, or the body that decides
// the change the finding is about; the rest under "Övriga".
function findingsHtml(preview) {
  const entries = state.draft.changes;
  const boardOf = (f) => {
    if (f.subjectKind === "delegation") {
      return entries.find((e) => e?.type === "grant_delegation" && e.delegation === f.subjectId)?.from
        || known.boardOf.get(f.subjectId) || "";
    }
    const at = preview.changes.findIndex((c) => c.changeId === f.subjectId);
    const entry = at >= 0 ? entries[at] : entries.find((e) => e?.id === f.subjectId);
    return entry?.decision?.body || "";
  };
  const groups = new Map();
  for (const f of preview.findings) {
    const board = boardOf(f);
    if (!groups.has(board)) groups.set(board, []);
    groups.get(board).push(f);
  }
  return [...groups].map(([board, list]) => `<h3 data-board="${attr(board)}">${esc(board ? nameOf(board) : "Övriga")}</h3>
    <ul>${list.map((f) => `<li class="finding" data-code="${attr(f.code)}">${esc(f.reason)}</li>`).join("")}</ul>`).join("");
}

function drawPreview() {
  const area = document.getElementById("preview-area");
  const { draft } = state;
  const { check, preview } = draft;
  if (draft.status !== "open") {
    area.innerHTML = "";
    return;
  }
  const conflicts = check.problems.filter((p) => p.code === "DRAFT_CONFLICT");
  const conflictHtml = check.stale ? `<section class="panel conflict" id="conflicts" aria-labelledby="conflicts-h">
      <h2 id="conflicts-h">Registret har ändrats sedan utkastet sparades</h2>
      ${conflicts.length ? `<p>Ändringar har registrerats efter att utkastet gjordes, och de här ändringarna i utkastet
        stämmer inte längre med dem. Utkastet kan inte registreras förrän de är ändrade.</p>
        <ul id="conflict-list">${conflicts.map((p) => `<li class="gap" data-index="${attr(p.index)}">
          <strong>Ändring ${esc(p.index)}</strong>: ${esc(p.message)}
          ${p.conflicts.length ? `<ul>${p.conflicts.map((c) => `<li>${esc(c)}</li>`).join("")}</ul>` : ""}</li>`).join("")}</ul>`
    : "<p>Utkastet stämmer ändå med registret som det är nu.</p>"}</section>` : "";
  const problems = check.problems.filter((p) => p.code !== "DRAFT_CONFLICT");
  const checkHtml = `<section class="panel" id="check" aria-labelledby="check-h"><h2 id="check-h">Kontroll</h2>${check.ok
    ? `<p id="check-ok">Utkastet stämmer med registret${check.stale ? ", som har ändrats sedan utkastet sparades" : ""}.</p>`
    : `<p class="error">${check.conflicting ? "Utkastet stämmer inte längre med registret." : "Utkastet kan inte registreras som det är."}</p>
      <ul id="problems">${[...conflicts, ...problems].map((p) => `<li class="gap" data-code="${attr(p.code)}"${p.index ? ` data-index="${attr(p.index)}"` : ""}>
        ${esc(p.message)}${p.field ? ` <span class="small">(fältet ${esc(p.field)})</span>` : ""}</li>`).join("")}</ul>`}</section>`;
  if (!preview) { area.innerHTML = conflictHtml + checkHtml; return; }
  const d = preview.diff;
  const list = (title, id, cls, items) => items.length
    ? `<h3>${esc(title)} (${esc(items.length)})</h3><ul id="${attr(id)}" class="diff ${attr(cls)}">${items.join("")}</ul>` : "";
  const unit = (k) => `${esc(nameOf(k))} <span class="small muted">(${esc(k)})</span>`;
  const diffHtml = list("Tillkommer", "added", "added", d.added.map((k) => `<li data-unit="${attr(k)}">${unit(k)}</li>`))
    + list("Upphör", "removed", "removed", d.removed.map((k) => `<li data-unit="${attr(k)}">${unit(k)}</li>`))
    + list("Byter namn", "renamed", "renamed", d.renamed.map((r) => `<li data-unit="${attr(r.id)}">${esc(r.from)} → ${esc(r.to)}</li>`))
    + list("Flyttas", "moved", "moved", d.moved.map((m) => `<li data-unit="${attr(m.id)}">${unit(m.id)}: från ${esc(nameOf(m.fromParent || "–"))} till ${esc(nameOf(m.toParent || "–"))}</li>`))
    + list("Byter typ", "reclassified", "reclassified", d.reclassified.map((r) => `<li data-unit="${attr(r.id)}">${unit(r.id)}: ${esc(kindName(r.from))} → ${esc(kindName(r.to))}</li>`))
    + list("Befattningar som inrättas", "established", "added", d.positions.established.map((k) => `<li data-position="${attr(k)}">${unit(k)}</li>`))
    + list("Befattningar som dras in", "abolished", "removed", d.positions.abolished.map((k) => `<li data-position="${attr(k)}">${unit(k)}</li>`))
    + list("Befattningar som flyttas", "positions-moved", "moved", d.positions.moved.map((m) => `<li data-position="${attr(m.id)}">${unit(m.id)}: ${esc(nameOf(m.fromUnit))} → ${esc(nameOf(m.toUnit))}</li>`));
  const boards = [...new Set(preview.gaps.map((g) => g.board))];
  const gapsHtml = boards.map((board) => `<h3 data-board="${attr(board)}">${esc(nameOf(board))}</h3><ul>${preview.gaps
    .filter((g) => g.board === board).map((g) => `<li class="gap" data-delegation="${attr(g.gap.delegationId)}">
      <strong>${esc(known.delegations.get(g.gap.delegationId)?.replace(/ \([^)]*\)$/, "") || g.gap.delegationId)}</strong>
      <span class="small">(${esc(g.gap.delegationId)})</span> från ${esc(g.gap.since)}: ${esc(g.gap.reason)}
      <ul class="fixes">${g.fixes.map((fix, i) => `<li class="fix" data-type="${attr(fix.type)}">
        <button type="button" data-fix="${attr(preview.gaps.indexOf(g))}:${attr(i)}" data-requires-write${state.adding ? " disabled" : ""}>Lägg till i utkastet:
          ${esc(g.reasons[i] || typeName(fix.type))}</button></li>`).join("")}</ul></li>`).join("")}</ul>`).join("");
  const base = `drafts/${segment(draft.id)}/chart`;
  const stamp = `?r=${draft.revision}-${check.registerAt}`;
  const before = addDays(preview.asOf, -1);
  area.innerHTML = conflictHtml + checkHtml + `
    <section class="panel" id="sentences" aria-labelledby="sentences-h"><h2 id="sentences-h">Ändringarna i ord</h2>
      <ol class="changes">${preview.changes.map((c) => `<li data-change="${attr(c.changeId)}">${esc(c.summary)}
        <span class="small muted">från ${esc(c.effective || "–")}</span></li>`).join("")}</ol></section>
    <section class="panel" id="charts" aria-labelledby="charts-h"><h2 id="charts-h">Organisationsschemat före och efter</h2>
      <p class="legend small"><span class="swatch added"></span> tillkommer <span class="swatch removed"></span> upphör
        <span class="swatch renamed"></span> nytt namn <span class="swatch moved"></span> flyttas
        <span class="swatch reclassified"></span> ny typ — den del av organisationen som ändras, med överordnade och underställda.</p>
      <div class="chart-pair">
        <figure><img id="chart-before" src="${attr(base + "/before.svg" + stamp)}" alt="Organisationsschema ${attr(before)}, före utkastet: ${attr(d.removed.map(nameOf).join(", ") || "inga enheter upphör")}">
          <figcaption>Före: ${esc(before)}</figcaption></figure>
        <figure><img id="chart-after" src="${attr(base + "/after.svg" + stamp)}" alt="Organisationsschema ${attr(preview.asOf)}, efter utkastet: ${attr(d.added.map(nameOf).join(", ") || "inga enheter tillkommer")}">
          <figcaption>Efter: ${esc(preview.asOf)}</figcaption></figure></div></section>
    <section class="panel" id="diff" aria-labelledby="diff-h"><h2 id="diff-h">Skillnaden ${esc(before)} – ${esc(preview.asOf)}</h2>${diffHtml || "<p>Organisationen ser likadan ut.</p>"}</section>
    <section class="panel" id="gaps" aria-labelledby="gaps-h"><h2 id="gaps-h">Delegationer utan delegat (${esc(preview.gaps.length)})</h2>
      ${gapsHtml || '<p id="no-gaps">Ingen delegation blir utan delegat.</p>'}
      ${preview.closed.length ? `<p id="closed-gaps">Får delegat igen: ${esc(preview.closed.map((g) => g.delegationId).join(", "))}</p>` : ""}</section>
    <section class="panel" id="findings" aria-labelledby="findings-h"><h2 id="findings-h">Nya anmärkningar (${esc(preview.findings.length)})</h2>
      ${findingsHtml(preview) || "<p>Ändringarnas beslut ger inga anmärkningar.</p>"}</section>`;
  area.querySelectorAll("[data-fix]").forEach((button) => button.addEventListener("click", () => {
    if (state.adding) return; // one amendment per click, not one per click of a double click
    const mine = state;
    adding(mine, true);
    const [g, i] = button.dataset.fix.split(":").map(Number);
    const fix = structuredClone(preview.gaps[g].fixes[i]);
    const common = commonDecision();
    fix.decision = { ...common, ...(fix.decision || {}) };
    if (fix.decision.body && fix.decision.position) delete fix.decision.position;
    save((file) => { file.changes.push(fix); }, `förslaget att ${preview.gaps[g].reasons[i] || typeName(fix.type)}`)
      .then(() => { if (state === mine) adding(mine, false); });
  }));
  for (const img of area.querySelectorAll(".chart-pair img")) {
    img.addEventListener("error", () => img.replaceWith(Object.assign(document.createElement("p"), {
      className: "muted", textContent: "Schemat kunde inte ritas just nu; ändringarna finns som text här intill." })));
  }
}
