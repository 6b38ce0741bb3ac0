// orgchange – the search box on every view of the web page (docs/web.md#search).
//
// An ARIA combobox (WAI-ARIA 1.2 pattern: an input with a list box of options): type part
// of a name — the name in use, or a former one — and pick a unit or a post with the arrow
// keys and Enter, or by a click. It asks the API's `search` as the visitor types (after a
// short pause; an earlier, slower answer never replaces a later one), on the date the view
// shows or across the whole history, and jumps to the org chart of a day the name was in
// use, focused on the unit (a post: on its unit, with the posts shown).
//
// Names from the API go into the page only as text (`textContent`).

import * as auth from "./auth.js";

const host = document.getElementById("search");
const isDate = (text) => /^\d{4}-\d{2}-\d{2}$/.test(text || "");
const today = () => new Date().toISOString().slice(0, 10);
const addDays = (day, n) => {
  const d = new Date(day + "T00:00:00Z"); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10);
};
const MAX_TEXT = 100;

// The date the view shows (`datum` in the address), else today.
function viewDate() {
  const search = location.hash.split("?")[1] || "";
  const day = new URLSearchParams(search).get("datum");
  return isDate(day) ? day : today();
}

// "2012-01-01 – t.o.m. 2014-03-31": the name's days, its last day inclusive.
const span = (hit) => `${hit.validFrom} – ${hit.validTo ? "t.o.m. " + addDays(hit.validTo, -1) : "tills vidare"}`;

// A day on which the hit's name was in use: the view's date if it was, else today if it
// still is, else the name's last day.
function dayFor(hit, wanted) {
  const within = (d) => hit.validFrom <= d && (!hit.validTo || d < hit.validTo);
  if (within(wanted)) return wanted;
  if (within(today())) return today();
  return hit.validTo ? addDays(hit.validTo, -1) : hit.validFrom;
}

async function ask(text, asOf) {
  const response = await auth.request("graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({
      query: `query($t: String!, $d: Date) { search(text: $t, asOf: $d, first: 20) {
        kind id name validFrom validTo current unitId } }`,
      variables: { t: text, d: asOf },
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  if (!response.ok) throw new Error(`Servern svarade ${response.status}`);
  return body.data.search;
}

function build() {
  if (!host) return;
  host.innerHTML = `<label for="search-input" class="search-label">Sök enhet eller befattning</label>
    <div class="search-row">
      <input id="search-input" type="text" role="combobox" autocomplete="off" spellcheck="false"
        aria-autocomplete="list" aria-expanded="false" aria-controls="search-results" maxlength="${MAX_TEXT}"
        aria-describedby="search-help">
      <label for="search-scope" class="visually-hidden">Var söka</label>
      <select id="search-scope">
        <option value="day">på visat datum</option><option value="all">i hela historien</option></select>
    </div>
    <span id="search-help" class="visually-hidden">Även tidigare namn. Välj med pil upp och ned och Enter.</span>
    <ul id="search-results" role="listbox" aria-label="Träffar" hidden></ul>
    <span id="search-status" class="visually-hidden" role="status" aria-live="polite"></span>`;
  const input = host.querySelector("#search-input");
  const scope = host.querySelector("#search-scope");
  const list = host.querySelector("#search-results");
  const status = host.querySelector("#search-status");
  let hits = [], active = -1, latest = 0, timer = null;
  let shownFor = null; // the text and scope the hits shown are the answer for
  const asked = () => `${scope.value}|${input.value.trim()}`;

  const close = () => {
    list.hidden = true; input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant"); active = -1;
  };
  const highlight = (index) => {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index >= 0 && list.children[index]) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };
  const show = () => {
    list.replaceChildren(...hits.map((hit, i) => {
      const li = document.createElement("li");
      li.id = `search-hit-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.kind = hit.kind; li.dataset.id = hit.id;
      const name = document.createElement("span");
      name.className = "hit-name"; name.textContent = hit.name;
      const about = document.createElement("span");
      about.className = "hit-about";
      about.textContent = `${hit.kind === "position" ? "Befattning" : "Enhet"} · ${span(hit)}${hit.current ? "" : " · annat namn då"}`;
      li.append(name, about);
      return li;
    }));
    if (!hits.length) {
      const li = document.createElement("li");
      li.className = "none"; li.textContent = "Inga träffar"; li.setAttribute("aria-disabled", "true");
      li.setAttribute("role", "option"); li.id = "search-none";
      list.append(li);
    }
    list.hidden = false; input.setAttribute("aria-expanded", "true");
    status.textContent = hits.length ? `${hits.length} träffar` : "Inga träffar";
    highlight(-1);
  };
  const choose = (index) => {
    const hit = hits[index];
    if (!hit) return;
    const day = scope.value === "day" ? viewDate() : dayFor(hit, viewDate());
    const params = new URLSearchParams({ datum: day, fokus: hit.kind === "position" ? hit.unitId || "" : hit.id });
    if (hit.kind === "position") params.set("befattningar", "1");
    close();
    input.value = hit.name;
    shownFor = asked(); // Enter again chooses nothing new
    location.hash = `#/organisation?${params}`;
  };
  // `thenChoose`: Enter was pressed before the answer for the text typed had come; the first hit
  // of that answer is chosen, not one of an answer for what was typed before.
  const run = async (thenChoose = false) => {
    clearTimeout(timer);
    const text = input.value.trim();
    const request = ++latest;
    if (!text) { hits = []; shownFor = null; close(); status.textContent = ""; return; }
    const question = asked();
    try {
      const found = await ask(text.slice(0, MAX_TEXT), scope.value === "day" ? viewDate() : null);
      if (request !== latest) return;
      hits = found; shownFor = question; show();
      // (unless the person has gone on meanwhile: typed more, cleared the field or left it)
      if (thenChoose === true && asked() === question && document.activeElement === input) choose(0);
    } catch (error) {
      if (request !== latest) return;
      hits = []; close(); status.textContent = `Sökningen misslyckades: ${error.message}`;
    }
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 150); });
  scope.addEventListener("change", () => { if (input.value.trim()) run(); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (list.hidden && hits.length) show();
      highlight(Math.min(active + 1, hits.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault(); highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (input.value.trim() && asked() !== shownFor) run(true); // the hits shown are for other text
      else if (!list.hidden) choose(active >= 0 ? active : 0);
    } else if (event.key === "Escape") {
      if (!list.hidden) { event.preventDefault(); close(); } else input.value = "";
    }
  });
  list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the input's focus
  list.addEventListener("click", (event) => {
    const li = event.target.closest("li[role=option]");
    if (li && li.id.startsWith("search-hit-")) choose(Number(li.id.slice("search-hit-".length)));
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
}

build();
