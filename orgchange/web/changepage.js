// orgchange – a change's own page (#/andring/ID): the change in full, and for a registrar or
// an admin its cancellation ("Makulera", with a reason) and its correction ("Rätta", one
// `correct_change` replacing it with the change as it should have been). docs/web.md.
//
// A reader and a visitor get the page without any of the controls: they are not drawn at all
// (and the API refuses such writes anyway, docs/http.md#sessions-and-csrf).

import * as auth from "./auth.js";
import { page } from "./app.js";

// --- writing with GraphQL: the answer's errors kept whole (code, rule, the messages) ---------

// A refused write: `messages` are the service's own (Swedish on this page), `code` its stable name.
export class Refused extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("\n"));
    this.code = errors[0]?.extensions?.code || "";
    this.rule = errors[0]?.extensions?.rule || "";
    this.messages = errors.flatMap((e) => e.extensions?.errors || [e.message]);
  }
}

export async function mutate(text, variables) {
  const response = await auth.request("graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ query: text, variables }),
  });
  const body = await response.json().catch(() => ({}));
  if (body.errors?.length) throw new Refused(body.errors);
  if (!response.ok) throw new Refused([{ message: `Servern svarade ${response.status}.` }]);
  return body.data;
}

// --- a form's errors, each next to its field ------------------------------------------------
//
// Each field has an error paragraph `${id}-error` that the field names in aria-describedby;
// an error marks the field aria-invalid and the first field in error gets the focus.

export function fieldErrors(form) {
  const clear = () => {
    for (const box of form.querySelectorAll(".field-error")) { box.textContent = ""; box.hidden = true; }
    for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
  };
  const show = (errors) => { // [[fieldId or null, text], …]; null: the form as a whole
    clear();
    let first = null;
    for (const [id, text] of errors) {
      const field = id ? form.querySelector(`#${CSS.escape(id)}`) : null;
      const box = form.querySelector(`#${CSS.escape(field ? `${id}-error` : `${form.id}-error`)}`);
      if (!box) continue;
      box.textContent = box.textContent ? `${box.textContent} ${text}` : text;
      box.hidden = false;
      if (field) field.setAttribute("aria-invalid", "true");
      first ??= field || box;
    }
    if (first) { if (!first.hasAttribute("tabindex") && !first.matches("input, select, textarea")) first.tabIndex = -1; first.focus(); }
    return errors.length > 0;
  };
  return { clear, show };
}

const errorBox = (id) => `<p id="${page.attr(id)}-error" class="error field-error" hidden></p>`;

// What the service's words about a field that does not fit say, in Swedish.
function inSwedish(detail) {
  if (/missing field|Field required/i.test(detail)) return "måste fyllas i.";
  if (/not a day of the calendar|valid date|date/i.test(detail)) return "är inget datum i kalendern (skriv ÅÅÅÅ-MM-DD).";
  if (/at least 1 character/i.test(detail)) return "får inte vara tomt.";
  if (/should match pattern/i.test(detail)) return "är ingen nyckel i registrets form (små bokstäver, siffror och bindestreck).";
  if (/at most|too long/i.test(detail)) return "är för långt.";
  if (/control character/i.test(detail)) return "innehåller tecken som inte godtas.";
  if (/valid boolean/i.test(detail)) return "ska vara ja eller nej.";
  return "godtas inte.";
}

// --- the change's page ---------------------------------------------------------------------

// What each field of a change file is called on the page.
const LABELS = {
  effective: "Gäller från", unit: "Enhet (nyckel)", name: "Namn", title: "Titel", kind: "Typ av enhet",
  parent: "Överordnad enhet (nyckel)", owner: "Ägare (nyckel)", supervisor: "Nämnd med uppsikt (nyckel)",
  units: "Enheter", into: "Går upp i / efterträds av", children: "Underställda enheter till", positions: "Befattningar till",
  company: "Bolaget (nyckel)", position: "Befattning (nyckel)", director: "Förvaltningschef eller direktör",
  delegation: "Delegation (nyckel)", from: "Delegerande nämnd (nyckel)", to: "Delegat (nyckel)", matter: "Ärende",
  code: "Nummer i delegationsordningen", legal_basis: "Lagrum", limit: "Begränsning", substitute: "Ersättare (nyckel)",
  further_delegation: "Får vidaredelegeras", reporting: "Anmälan", parent_delegation: "Delegationen som vidaredelegeras",
  change: "Ändringen", reason: "Skäl", replacement: "Ersättning", note: "Anteckning",
};
const DECISION_LABELS = {
  body: "Beslutande organ (nyckel)", position: "Beslutande befattning (nyckel)", date: "Beslutsdatum",
  paragraph: "Paragraf (§)", reference: "Diarienummer",
};
const DATE_FIELDS = new Set(["effective"]);
const FLAGS = new Set(["director", "further_delegation"]);
const OPTIONAL = new Set(["note", "code", "legal_basis", "limit", "substitute", "reporting", "parent", "owner", "supervisor"]);
const BASIS = {
  OFFICIAL_DECISION: "beslut av en tjänsteman", SUBDELEGATION: "vidaredelegation",
  COMMITTEE_DECISION: "beslut av ett utskott",
};

const CHANGE_FIELDS = `id type effective recordedAt recordedBy unitIds summary note cancelled cancelledAt cancels
  reportTo reportBasis entry decision { body date paragraph reference position name }`;

// A message that the next drawing of a change's page shows (after a cancellation or correction).
let notice = null;

const isChangeId = (text) => /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/.test(text || "");

page.views.andring = async ({ arg, stale }) => {
  const { esc, attr, hashOf } = page;
  if (!isChangeId(arg)) throw new page.BadAddress(`Ändringen i adressen (${page.excerpt(String(arg ?? ""))}) är inget ändrings-id.`);
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === "andringar") link.setAttribute("aria-current", "page");
  }
  const data = await page.gql(`query($id: ID!) { change(id: $id) { ${CHANGE_FIELDS}
      cancellation { id type recordedAt recordedBy summary entry } } }`, { id: arg });
  if (stale()) return; // the reader has gone on to another view (app.js, `render`)
  const change = data.change;
  if (!change) throw new page.BadAddress(`Det finns ingen ändring med id ${page.excerpt(arg)} i registret.`);
  const names = await unitNamesAround(change);
  if (stale()) return;
  const unitLink = (key) => `<a href="${attr(hashOf("enhet", { datum: change.effective }, key))}">${esc(names.get(key) || key)}</a>`;
  const changeLink = (id) => `<a href="${attr(hashOf("andring", {}, id))}">${esc(id)}</a>`;
  const cancellation = change.cancellation;
  const replacement = cancellation?.type === "correct_change" ? cancellation.entry?.replacement?.id : null;
  const ownReplacement = change.type === "correct_change" ? change.entry?.replacement?.id : null;
  const decision = change.decision;
  const writable = auth.canWrite() && !change.cancelled && !["cancel_change", "correct_change"].includes(change.type);
  const shown = notice; notice = null;
  page.main.innerHTML = `<h1>Ändring ${esc(change.id)}</h1>
    ${shown ? `<p id="change-result" class="notice" role="status">${esc(shown)}</p>` : ""}
    <p id="change-summary" class="lead${change.cancelled ? " cancelled" : ""}">${esc(change.summary)}</p>
    <div class="layout"><section class="panel" aria-labelledby="facts-h"><h2 id="facts-h">Uppgifter</h2><dl id="change-facts">
      <dt>Typ</dt><dd id="change-type">${esc(page.TYPE[change.type] || change.type)} <span class="small muted">(${esc(change.type)})</span></dd>
      <dt>Gäller från</dt><dd id="change-effective">${esc(change.effective)}</dd>
      <dt>Beslut</dt><dd id="change-decision">${decision ? esc(page.citation(decision)) : "–"}</dd>
      <dt>Enheter</dt><dd id="change-units">${change.unitIds.map(unitLink).join(", ") || "–"}</dd>
      <dt>Registrerad</dt><dd id="change-recorded">${esc(change.recordedAt.slice(0, 19).replace("T", " "))} UTC av ${esc(change.recordedBy || "–")}</dd>
      <dt>Anmäls till</dt><dd id="change-report-to">${change.reportTo
        ? `${esc(names.get(change.reportTo) || change.reportTo)}${change.reportBasis ? ` <span class="small muted">(${esc(BASIS[change.reportBasis] || change.reportBasis)})</span>` : ""}`
        : "ingen"}</dd>
      ${change.cancels ? `<dt>${change.type === "correct_change" ? "Rättar" : "Makulerar"}</dt><dd id="change-cancels">${changeLink(change.cancels)}</dd>` : ""}
      ${ownReplacement ? `<dt>Ersättning</dt><dd id="change-replacement">${changeLink(ownReplacement)}</dd>` : ""}
      <dt>Status</dt><dd id="change-status">${change.cancelled
        ? `<span class="badge">makulerad</span> ${esc((change.cancelledAt || "").slice(0, 19).replace("T", " "))} UTC${cancellation
          ? ` av ${esc(cancellation.recordedBy || "–")}, genom ${changeLink(cancellation.id)}: ${esc(cancellation.summary)}` : ""}`
        : "gäller"}</dd>
      ${replacement ? `<dt>Ersatt av</dt><dd id="change-replaced-by">${changeLink(replacement)}</dd>` : ""}
      ${change.note ? `<dt>Anteckning</dt><dd id="change-note">${esc(change.note)}</dd>` : ""}
    </dl></section>
    <section class="panel" aria-labelledby="entry-h"><h2 id="entry-h">Som i en ändringsfil</h2>
      <pre class="small" id="change-entry">${esc(JSON.stringify(change.entry, null, 2))}</pre></section></div>
    ${writable ? editing(change) : ""}`;
  if (writable) bindEditing(change, stale);
};

// Units by name on the change's day (and the day before, for those it ended), boards included.
async function unitNamesAround(change) {
  const before = new Date(change.effective + "T00:00:00Z");
  before.setUTCDate(before.getUTCDate() - 1);
  const data = await page.gql(`query($a: Date!, $b: Date!) { after: organisation(asOf: $a) { units { id name } }
      before: organisation(asOf: $b) { units { id name } } }`, { a: change.effective, b: before.toISOString().slice(0, 10) })
    .catch(() => ({ after: { units: [] }, before: { units: [] } }));
  return new Map([...data.before.units, ...data.after.units].map((u) => [u.id, u.name]));
}

// --- the controls: cancel and correct --------------------------------------------------------

function field(id, label, control, help = "") {
  return `<div class="field"><label for="${page.attr(id)}">${page.esc(label)}</label>${control}
    ${help ? `<span class="small muted" id="${page.attr(id)}-help">${page.esc(help)}</span>` : ""}${errorBox(id)}</div>`;
}
const described = (id, help = false) => `aria-describedby="${page.attr(id)}-error${help ? ` ${page.attr(id)}-help` : ""}"`;

// The id a correction proposes for the replacement: the old one with -r1 (-r2 after -r1, …).
function nextId(id) {
  const match = /^(.*)-r(\d+)$/.exec(id);
  return match ? `${match[1]}-r${Number(match[2]) + 1}` : `${id}-r1`;
}

// The fields of the replacement, prefilled with the change's own (its entry).
function replacementFields(entry) {
  const { esc, attr } = page;
  const parts = [];
  for (const [key, value] of Object.entries(entry)) {
    if (["type", "id", "decision", "note"].includes(key)) continue;
    const id = `r-${key}`;
    const label = LABELS[key] || key;
    if (DATE_FIELDS.has(key)) {
      parts.push(field(id, label, `<input type="date" id="${attr(id)}" value="${attr(value)}" required ${described(id)}>`));
    } else if (FLAGS.has(key)) {
      parts.push(`<div class="field"><label for="${attr(id)}"><input type="checkbox" id="${attr(id)}"${value ? " checked" : ""}
        ${described(id)}> ${esc(label)}</label>${errorBox(id)}</div>`);
    } else if (key === "kind") {
      parts.push(field(id, label, `<select id="${attr(id)}" ${described(id)}>${Object.entries(page.KIND).map(([k, v]) =>
        `<option value="${attr(k)}"${k === value ? " selected" : ""}>${esc(v)}</option>`).join("")}</select>`));
    } else if (value !== null && typeof value === "object") {
      parts.push(field(id, `${label} (JSON)`, `<textarea id="${attr(id)}" rows="4" data-json ${described(id, true)}>${esc(JSON.stringify(value, null, 2))}</textarea>`,
        "Skrivs som i en ändringsfil, i JSON."));
    } else {
      parts.push(field(id, label, `<input id="${attr(id)}" value="${attr(value ?? "")}"${OPTIONAL.has(key) ? "" : " required"} ${described(id)}>`));
    }
  }
  const decision = entry.decision || {};
  const decisionParts = Object.entries(DECISION_LABELS).map(([key, label]) => {
    const id = `r-decision-${key}`;
    const value = decision[key] ?? "";
    return key === "date"
      ? field(id, label, `<input type="date" id="${attr(id)}" value="${attr(value)}" ${described(id)}>`)
      : field(id, label, `<input id="${attr(id)}" value="${attr(value)}" ${described(id)}>`);
  }).join("");
  return `${parts.join("")}<fieldset><legend>Beslut</legend>${decisionParts}</fieldset>
    ${field("r-note", LABELS.note, `<textarea id="r-note" rows="2" ${described("r-note")}>${esc(entry.note || "")}</textarea>`)}`;
}

function editing(change) {
  const { esc, attr } = page;
  return `<div class="layout stacked" data-requires-write>
    <section class="panel" aria-labelledby="cancel-h"><h2 id="cancel-h">Makulera</h2>
      <p>Makulera ändringen om den registrerades av misstag. Den finns kvar i historiken, markerad som makulerad,
        och registret svarar som om den aldrig gällt; vad registret visste innan går fortfarande att fråga om.</p>
      <form id="cancel-form" class="form" novalidate>
        ${field("cancel-reason", "Skäl (krävs)", `<textarea id="cancel-reason" rows="2" required ${described("cancel-reason")}></textarea>`)}
        <p id="cancel-form-error" class="error field-error" role="alert" hidden></p>
        <button class="danger" type="submit" id="cancel-button">Makulera</button></form></section>
    <section class="panel" aria-labelledby="correct-h"><h2 id="correct-h">Rätta</h2>
      <p>Rätta ändringen i ett steg: den makuleras och ersätts av ändringen nedan, som kontrolleras mot registret
        tillsammans med makuleringen. Fälten är ifyllda med ändringens egna uppgifter; ändra det som var fel.
        Typen är ${esc(page.TYPE[change.type] || change.type)}.</p>
      <form id="correct-form" class="form" novalidate>
        ${field("r-id", "Ny ändrings-id", `<input id="r-id" value="${attr(nextId(change.id))}" required ${described("r-id", true)}>`,
          "Ersättningen får ett eget id; det gamla namnger för alltid den makulerade ändringen.")}
        ${replacementFields(change.entry)}
        ${field("correct-note", "Anteckning om rättelsen", `<textarea id="correct-note" rows="2" ${described("correct-note")}></textarea>`)}
        <p id="correct-form-error" class="error field-error" role="alert" hidden></p>
        <button class="primary" type="submit" id="correct-button">Rätta</button></form></section></div>`;
}

// The form's fields back into a change-file entry, and the errors found before anything is sent.
function readReplacement(change) {
  const errors = [];
  const form = document.getElementById("correct-form");
  const value = (id) => form.querySelector(`#${CSS.escape(id)}`);
  const replacement = { id: value("r-id").value.trim(), type: change.type };
  if (!replacement.id) errors.push(["r-id", "Skriv ett id för ersättningen."]);
  else if (!isChangeId(replacement.id)) errors.push(["r-id", "Ett ändrings-id börjar med en bokstav eller siffra och består av bokstäver (a–z), siffror, punkt, kolon, snedstreck och bindestreck."]);
  else if (replacement.id === change.id) errors.push(["r-id", "Ersättningen behöver ett eget id, inte den rättade ändringens."]);
  for (const [key, original] of Object.entries(change.entry)) {
    if (["type", "id", "decision", "note"].includes(key)) continue;
    const id = `r-${key}`;
    const control = value(id);
    const label = LABELS[key] || key;
    if (FLAGS.has(key)) { replacement[key] = control.checked; continue; }
    const text = control.value.trim();
    if (control.hasAttribute("data-json")) {
      try { replacement[key] = JSON.parse(text); } catch { errors.push([id, `${label}: skriv fältet som JSON, som i en ändringsfil.`]); }
      continue;
    }
    if (!text) {
      if (control.required || original !== null && !OPTIONAL.has(key)) errors.push([id, `${label} måste fyllas i.`]);
      continue;
    }
    if (DATE_FIELDS.has(key) && !page.isDate(text)) { errors.push([id, `${label} ska vara ett datum, ÅÅÅÅ-MM-DD.`]); continue; }
    replacement[key] = text;
  }
  const decision = {};
  for (const [key, label] of Object.entries(DECISION_LABELS)) {
    const text = value(`r-decision-${key}`).value.trim();
    if (!text) continue;
    if (key === "date" && !page.isDate(text)) errors.push([`r-decision-${key}`, `${label} ska vara ett datum, ÅÅÅÅ-MM-DD.`]);
    decision[key] = text;
  }
  if (Object.keys(decision).length) replacement.decision = decision;
  const note = value("r-note").value.trim();
  if (note) replacement.note = note;
  return { replacement, errors };
}

// The service's refusal, each message next to the field it concerns (or above the button).
function placeRefusal(error, replacement) {
  return error.messages.map((message) => {
    const text = message.replace(/^ändring nr \d+ [a-z_]+: /, "");
    const named = /field '([^']+)'(?::\s*(.*))?/.exec(text) || /missing field '([^']+)'/.exec(text);
    if (named) {
      const path = named[1].replace(/^replacement\.[a-z_]+\./, "").replace(/^replacement\./, "");
      const id = path === "reason" ? "cancel-reason" : path.startsWith("decision.") ? `r-decision-${path.slice(9)}` : `r-${path}`;
      const label = path.startsWith("decision.") ? DECISION_LABELS[path.slice(9)] : LABELS[path] || path;
      return [document.getElementById(id) ? id : null, `${label || path} ${inSwedish(named[2] || text)}`];
    }
    if (/missing field 'reason'/.test(message)) return ["cancel-reason", "Skäl måste fyllas i."];
    if (!replacement) return [null, text];
    if (text.includes(`'${replacement.id}'`)) return ["r-id", text];
    // A value the message quotes ('stadsdirektor', 'ks') names the field it is in.
    for (const [key, value] of Object.entries(replacement)) {
      if (typeof value === "string" && key !== "id" && text.includes(`'${value}'`)) return [`r-${key}`, text];
    }
    for (const [key, value] of Object.entries(replacement.decision || {})) {
      if (text.includes(`'${value}'`)) return [`r-decision-${key}`, text];
    }
    if (replacement.effective && text.includes(replacement.effective)) return ["r-effective", text];
    return [null, text];
  });
}

// `stale`: whether the reader has gone on to another view; a save that answers then says what
// became of it (`say`) and leaves the reader where they are.
function bindEditing(change, stale) {
  const cancelForm = document.getElementById("cancel-form");
  const cancelErrors = fieldErrors(cancelForm);
  cancelForm.addEventListener("submit", async () => {
    const reason = document.getElementById("cancel-reason").value.trim();
    if (!reason) { cancelErrors.show([["cancel-reason", "Skriv varför ändringen makuleras."]]); return; }
    cancelErrors.clear();
    const button = document.getElementById("cancel-button");
    button.disabled = true;
    try {
      await mutate("mutation($f: JSON!) { recordChanges(file: $f) }",
        { f: { format: "orgchange/v1", changes: [{ type: "cancel_change", change: change.id, reason }] } });
    } catch (error) {
      button.disabled = false;
      if (stale()) { page.say(`Ändringen ${change.id} makulerades inte: ${error.message}`); return; }
      cancelErrors.show(error instanceof Refused
        ? placeRefusal(error, null).map(([id, t]) => [id === "cancel-reason" ? id : null, t]) : [[null, error.message]]);
      return;
    }
    const done = `Ändringen ${change.id} är makulerad. Skäl: ${reason}`;
    page.say(done);
    if (stale()) return;
    notice = done;
    page.go("andring", {}, change.id);
  });

  const correctForm = document.getElementById("correct-form");
  const correctErrors = fieldErrors(correctForm);
  correctForm.addEventListener("submit", async () => {
    const { replacement, errors } = readReplacement(change);
    if (correctErrors.show(errors)) return;
    const correction = { type: "correct_change", change: change.id, replacement };
    const note = document.getElementById("correct-note").value.trim();
    if (note) correction.note = note;
    const button = document.getElementById("correct-button");
    button.disabled = true;
    try {
      await mutate("mutation($f: JSON!) { recordChanges(file: $f) }", { f: { format: "orgchange/v1", changes: [correction] } });
    } catch (error) {
      button.disabled = false;
      if (stale()) { page.say(`Ändringen ${change.id} rättades inte: ${error.message}`); return; }
      correctErrors.show(error instanceof Refused ? placeRefusal(error, replacement) : [[null, error.message]]);
      return;
    }
    const done = `Ändringen ${change.id} är rättad: den är makulerad och ersatt av ${replacement.id}.`;
    page.say(done);
    if (stale()) return;
    notice = done;
    page.go("andring", {}, change.id);
  });
}
