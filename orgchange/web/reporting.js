// orgchange – reporting changes to a board (anmälan), the board secretary's view (#/anmalan):
// pick a board, see what is still to be reported to it (as the register derives who reports to
// whom), tick the changes and report them to a meeting (`reportChanges`); after the meeting,
// note the report with its § (`noteReport`); the meeting's review pack one click away.
// docs/reporting.md#reporting-from-the-web-page, docs/web.md.
//
// A reader and a visitor see the lists and the review packs, and no control to change them.

import * as auth from "./auth.js";
import { page } from "./app.js";
import { Refused, fieldErrors, mutate } from "./changepage.js";

const BASIS = {
  OFFICIAL_DECISION: "beslut av en tjänsteman i nämndens förvaltning",
  SUBDELEGATION: "vidaredelegation av nämndens delegation",
  COMMITTEE_DECISION: "beslut av nämndens utskott",
};

// What the next drawing of the view says first (after a report or a noting).
let notice = null;

// The register's words without the file's item number, which the page has no use for.
const said = (error) => (error instanceof Refused
  ? error.messages.map((m) => m.replace(/^ändring nr \d+ [a-z_]+: /, "")).join(" ") : error.message);

const packOf = (board, meeting, format) => `reports/${page.segment(board)}/${page.segment(meeting)}.${format}`;

page.views.anmalan = async ({ params, stale }) => {
  const { esc, attr, hashOf } = page;
  const chosen = params.get("namnd");
  if (chosen && !page.isKey(chosen)) throw new page.BadAddress(`Nämnden i adressen (namnd=${page.excerpt(chosen)}) är ingen nyckel i registret.`);
  const info = await page.register();
  const boardList = await page.boards(info.lastEffective || page.today());
  const board = chosen || boardList.find((b) => b.id === "ks")?.id || boardList[0]?.id || "";
  const boardName = boardList.find((b) => b.id === board)?.name || board;
  const data = board ? await page.gql(`query($b: ID!) {
      unreportedChanges(board: $b, first: 100) { id type effective summary reportTo reportBasis reportReason
        decision { body date paragraph reference position name } }
      reports(board: $b) { meeting changeIds notedParagraph notedAt } }`, { b: board })
    : { unreportedChanges: [], reports: [] };
  if (stale()) return; // the reader has gone on to another view (app.js, `render`)
  const writable = auth.canWrite();
  const names = new Map(boardList.map((b) => [b.id, b.name]));
  const shown = notice; notice = null;
  const item = (c) => {
    const why = c.reportTo === board
      ? `Anmäls till ${esc(names.get(c.reportTo) || c.reportTo)}: ${esc(BASIS[c.reportBasis] || c.reportReason || "")}`
      : esc(c.reportReason || "");
    const text = `<a href="${attr(hashOf("andring", {}, c.id))}">${esc(c.summary)}</a>
      <br><span class="small muted">${esc(c.effective)} · ${esc(page.TYPE[c.type] || c.type)} · beslut: ${esc(page.citation(c.decision) || "–")}
      · ${why} · ${esc(c.id)}</span>`;
    return `<li data-change="${attr(c.id)}"${c.reportTo === board ? "" : ' class="affects"'}>${writable
      ? `<input type="checkbox" id="pick-${attr(c.id)}" value="${attr(c.id)}" aria-describedby="pick-${attr(c.id)}-text">
         <label for="pick-${attr(c.id)}" class="visually-hidden">Anmäl ${esc(c.id)}</label>
         <span id="pick-${attr(c.id)}-text">${text}</span>`
      : text}</li>`;
  };
  const meetings = data.reports.map((r) => `<li data-meeting="${attr(r.meeting)}">
      <strong>${esc(r.meeting)}</strong>: ${esc(r.changeIds.length)} ${r.changeIds.length === 1 ? "ändring anmäld" : "ändringar anmälda"},
      <span class="noted">${r.notedParagraph ? `noterat ${esc(r.notedParagraph)}` : "ej noterat"}</span>
      <br><a href="${attr(packOf(board, r.meeting, "html"))}" target="_blank" rel="noopener" data-document="open"
        class="pack-html">Granskningsunderlag</a> ·
      <a href="${attr(packOf(board, r.meeting, "pdf"))}" data-document="download" class="pack-pdf">som PDF</a> ·
      <a href="${attr(hashOf("granskning", { namnd: board, sammantrade: r.meeting }))}">i Granskning</a>
      ${writable && !r.notedParagraph ? `<form class="note-form controls" id="note-${attr(r.meeting)}" data-meeting="${attr(r.meeting)}"
        data-requires-write novalidate><label for="note-${attr(r.meeting)}-paragraph">Paragraf i protokollet
        <input id="note-${attr(r.meeting)}-paragraph" required placeholder="§ 12" aria-describedby="note-${attr(r.meeting)}-paragraph-error"></label>
        <button type="submit" class="primary">Notera anmälan</button>
        <p id="note-${attr(r.meeting)}-paragraph-error" class="error field-error" hidden></p>
        <p id="note-${attr(r.meeting)}-error" class="error field-error" role="alert" hidden></p></form>` : ""}</li>`).join("");
  page.main.innerHTML = `<h1>Anmälan till ${esc(boardName || "nämnd")}</h1>
    ${shown ? `<p id="report-result" class="notice" role="status">${shown}</p>` : ""}
    <form class="controls" id="board-form"><label for="anmalan-namnd">Nämnd<select id="anmalan-namnd">${boardList.map((b) =>
      `<option value="${attr(b.id)}"${b.id === board ? " selected" : ""}>${esc(b.name)}</option>`).join("")}</select></label></form>
    <p class="small muted">Registret räknar ut vem varje ändring ska anmälas till utifrån vem som beslutade den:
      en tjänstemans beslut anmäls till nämnden vars förvaltning befattningen hör till, en vidaredelegation till nämnden
      som gav delegationen, ett utskotts beslut till dess nämnd. En ändring som lämnade en av nämndens delegationer
      utan delegat listas också.</p>
    <div class="layout stacked"><section class="panel" aria-labelledby="pending-h">
      <h2 id="pending-h">Att anmäla (${esc(data.unreportedChanges.length)})</h2>
      ${writable ? `<form id="report-form" novalidate data-requires-write>
        <fieldset aria-describedby="report-changes-error"><legend>Välj ändringar att anmäla</legend>
          <ol class="changes" id="unreported" tabindex="-1">${data.unreportedChanges.map(item).join("") || "<li>Inget att anmäla.</li>"}</ol>
          <p id="report-changes-error" class="error field-error" hidden></p></fieldset>
        <div class="controls">
          <label for="report-meeting">Sammanträde<input type="date" id="report-meeting" required aria-describedby="report-meeting-error"></label>
          <button type="submit" class="primary" id="report-button">Anmäl valda ändringar</button></div>
        <p id="report-meeting-error" class="error field-error" hidden></p>
        <p id="report-form-error" class="error field-error" role="alert" hidden></p></form>`
      : `<ol class="changes" id="unreported">${data.unreportedChanges.map(item).join("") || "<li>Inget att anmäla.</li>"}</ol>`}
    </section>
    <section class="panel" aria-labelledby="meetings-h"><h2 id="meetings-h">Sammanträden</h2>
      <ul id="report-meetings">${meetings || "<li>Inga anmälningar ännu.</li>"}</ul></section></div>`;
  document.getElementById("anmalan-namnd").addEventListener("change", (event) => page.go("anmalan", { namnd: event.target.value }));
  if (writable) bindReporting(board, boardName, stale);
};

// `stale`: whether the reader has gone on to another view; a save that answers then says what
// became of it (`say`) and leaves the reader where they are.
function bindReporting(board, boardName, stale) {
  const { esc, attr } = page;
  const form = document.getElementById("report-form");
  const errors = fieldErrors(form);
  form.addEventListener("submit", async () => {
    const picked = [...form.querySelectorAll("#unreported input[type=checkbox]:checked")].map((box) => box.value);
    const meeting = document.getElementById("report-meeting").value;
    const problems = [];
    if (!picked.length) problems.push(["unreported", "Välj minst en ändring att anmäla."]);
    if (!page.isDate(meeting)) problems.push(["report-meeting", "Välj sammanträdets datum (ÅÅÅÅ-MM-DD)."]);
    if (problems.length) { showAt(form, errors, problems); return; }
    errors.clear();
    const button = document.getElementById("report-button");
    button.disabled = true;
    try {
      await mutate("mutation($b: ID!, $m: Date!, $c: [ID!]!) { reportChanges(board: $b, meeting: $m, changeIds: $c) { meeting changeIds } }",
        { b: board, m: meeting, c: picked });
    } catch (error) {
      button.disabled = false;
      if (stale()) { page.say(`Ändringarna anmäldes inte till ${boardName}: ${said(error)}`); return; }
      errors.show([[null, said(error)]]);
      return;
    }
    page.say(`Anmälda till ${boardName} ${meeting}`);
    if (stale()) return;
    notice = `${esc(picked.length)} ${picked.length === 1 ? "ändring anmäld" : "ändringar anmälda"} till ${esc(boardName)},
      sammanträdet ${esc(meeting)}. <a href="${attr(packOf(board, meeting, "html"))}" target="_blank" rel="noopener"
      data-document="open" id="report-pack">Öppna granskningsunderlaget</a>`;
    rerender(board);
  });
  for (const noteForm of document.querySelectorAll("form.note-form")) {
    const noteErrors = fieldErrors(noteForm);
    noteForm.addEventListener("submit", async () => {
      const meeting = noteForm.dataset.meeting;
      const fieldId = `${noteForm.id}-paragraph`;
      const paragraph = document.getElementById(fieldId).value.trim();
      if (!paragraph) { noteErrors.show([[fieldId, "Skriv paragrafen i protokollet där nämnden noterade anmälan, t.ex. § 12."]]); return; }
      noteErrors.clear();
      try {
        await mutate("mutation($b: ID!, $m: Date!, $p: String!) { noteReport(board: $b, meeting: $m, paragraph: $p) { notedParagraph } }",
          { b: board, m: meeting, p: paragraph });
      } catch (error) {
        if (stale()) { page.say(`Anmälan ${meeting} noterades inte: ${said(error)}`); return; }
        noteErrors.show([[fieldId, said(error)]]);
        return;
      }
      page.say(`Noterad ${paragraph}`);
      if (stale()) return;
      notice = `Anmälan till ${esc(boardName)} ${esc(meeting)} är noterad, ${esc(paragraph)}.`;
      rerender(board);
    });
  }
}

// The list of changes is no field: its error goes under it and the focus to the list.
function showAt(form, errors, problems) {
  errors.show(problems.map(([id, text]) => [id === "unreported" ? null : id, text]).filter(([id]) => id));
  const listProblem = problems.find(([id]) => id === "unreported");
  if (listProblem) {
    const box = document.getElementById("report-changes-error");
    box.textContent = listProblem[1]; box.hidden = false;
    if (problems.length === 1) document.getElementById("unreported").focus();
  }
}

function rerender(board) {
  page.go("anmalan", { namnd: board });
}
