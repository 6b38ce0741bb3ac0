// orgchange – the view "Delegationsbeslut": the decisions taken under delegation, per board
// and period, those with findings highlighted, each linking to the delegationsordning of its
// day (docs/decisions.md). The page's own helpers are handed in by app.js, so that text from
// the API reaches the page only through them (`esc`, `attr`, `hashOf`).

// A page of 100 at a time ("Visa fler" asks for the next): a board's year holds thousands,
// and a meeting's month a few hundred to a few thousand.
const LIST = `query($b: ID, $f: Date, $t: Date, $u: Boolean, $w: Boolean, $after: String) {
  delegatedDecisions(board: $b, from: $f, to: $t, unreported: $u, withFindings: $w, first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id delegationId delegationRef decidedBy date matter reference amount reportTo
                   findings reportedAt notReported } }
  }
  flagged: delegatedDecisions(board: $b, from: $f, to: $t, unreported: $u, withFindings: true, first: 0) {
    totalCount
  }
}`;

const kronor = (amount) => (amount == null ? "" : `${Math.round(amount).toLocaleString("sv-SE")} kr`);

export async function decisionsView({ params, stale }, page) {
  const { main, gql, esc, attr, hashOf, dateParam, keyParam, replaceParams, say, boards, register, today } = page;
  const start = dateParam(params, "fran", "Från") || "";
  const end = dateParam(params, "till", "Till") || "";
  const board = keyParam(params, "namnd", "Nämnden") || "";
  const onlyFindings = params.get("anmarkningar") === "ja";
  const onlyUnreported = params.get("oanmalda") === "ja";
  const info = await register();
  const boardList = await boards(info.lastEffective || today());
  if (stale()) return; // the reader has gone on to another view (app.js, `render`)
  main.innerHTML = `<h1>Delegationsbeslut</h1>
    <form class="controls" id="decision-filter">
      <label for="namnd">Nämnd<select id="namnd"><option value="">Alla</option>${boardList.map((b) =>
        `<option value="${attr(b.id)}"${b.id === board ? " selected" : ""}>${esc(b.name)}</option>`).join("")}</select></label>
      <label for="fran">Från<input type="date" id="fran" value="${attr(start)}"></label>
      <label for="till">Till<input type="date" id="till" value="${attr(end)}"></label>
      <label class="check"><input type="checkbox" id="anmarkningar"${onlyFindings ? " checked" : ""}> Bara med anmärkning</label>
      <label class="check"><input type="checkbox" id="oanmalda"${onlyUnreported ? " checked" : ""}> Bara ej anmälda</label>
      <button type="submit">Visa</button>
    </form>
    <p id="decision-summary" aria-live="polite"></p>
    <div id="decisions" class="table-wrap"></div>
    <p><button type="button" id="decisions-more" hidden>Visa fler</button></p>`;
  // A failure of a request made for this view is not shown over a view gone on to.
  const fail = (error) => { if (!stale()) page.failure(error); };
  const form = document.getElementById("decision-filter");
  const more = document.getElementById("decisions-more");
  let shown = [];
  let chosen = {};
  let next = null;
  let total = 0;
  let flagged = 0; // of all `total`, not only those shown
  let asked = 0; // the filter's generation: a page that arrives after the filter changed is dropped
  const delegationLink = (n) => {
    const label = n.delegationId || n.delegationRef;
    // The delegationsordning as it stood on the decision's day, of the board the decision belongs to.
    const where = hashOf("delegationer", { datum: n.date, namnd: chosen.namnd });
    return `<a href="${attr(where)}" data-delegation="${attr(label)}">${esc(label)}</a>`;
  };
  const told = (n) => (n.notReported ? '<span class="muted">anmäls inte</span>'
    : `${esc(n.reportTo || "")}${n.reportedAt ? `<br><span class="small muted">anmält ${esc(n.reportedAt)}</span>` : ""}`);
  const row = (n) => `
        <tr data-decision="${attr(n.id)}"${n.findings.length ? ' class="finding"' : ""}><td>${esc(n.date)}</td>
          <td>${esc(n.id)}${n.reference ? `<br><span class="small muted">${esc(n.reference)}</span>` : ""}</td>
          <td>${esc(n.matter)}${n.findings.length ? `<ul class="findings">${n.findings.map((f) =>
            `<li><span class="badge finding">anmärkning</span> ${esc(f)}</li>`).join("")}</ul>` : ""}</td>
          <td>${esc(n.decidedBy)}</td><td>${delegationLink(n)}</td><td>${esc(kronor(n.amount))}</td><td>${told(n)}</td></tr>`;
  const draw = () => {
    const count = shown.length < total ? `de första ${shown.length} av ${total}` : `${shown.length}`;
    document.getElementById("decision-summary").textContent = `${count} beslut, ${flagged} med anmärkning.`;
    document.getElementById("decisions").innerHTML = shown.length ? `<table class="data"><thead><tr>
        <th scope="col">Datum</th><th scope="col">Beslut</th><th scope="col">Ärende</th><th scope="col">Beslutat av</th>
        <th scope="col">Delegation</th><th scope="col">Belopp</th><th scope="col">Anmäls till</th></tr></thead><tbody>${shown.map(row).join("")}
        </tbody></table>` : "<p>Inga delegationsbeslut.</p>";
    more.hidden = !next;
    say(`Delegationsbeslut: ${shown.length} visade av ${total}, ${flagged} med anmärkning`);
  };
  const fetchPage = async (after) => {
    const data = await gql(LIST, {
      b: chosen.namnd || null,
      f: chosen.fran || null,
      t: chosen.till || null,
      u: chosen.oanmalda ? true : null,
      w: chosen.anmarkningar ? true : null,
      after,
    });
    const listed = data.delegatedDecisions;
    return {
      nodes: listed.edges.map((e) => e.node),
      total: listed.totalCount,
      flagged: data.flagged.totalCount,
      next: listed.pageInfo.hasNextPage ? listed.pageInfo.endCursor : null,
    };
  };
  const load = async () => {
    chosen = {
      namnd: document.getElementById("namnd").value,
      fran: document.getElementById("fran").value,
      till: document.getElementById("till").value,
      anmarkningar: document.getElementById("anmarkningar").checked ? "ja" : "",
      oanmalda: document.getElementById("oanmalda").checked ? "ja" : "",
    };
    replaceParams(chosen);
    asked += 1;
    const mine = asked;
    const got = await fetchPage(null);
    if (mine !== asked || stale()) return;
    ({ total, flagged, next } = got);
    shown = got.nodes;
    draw();
  };
  more.addEventListener("click", () => {
    if (!next) return;
    more.disabled = true;
    const mine = asked;
    fetchPage(next).then((got) => {
      if (mine !== asked || stale()) return;
      ({ total, flagged, next } = got);
      shown = shown.concat(got.nodes);
      draw();
    })
      .catch(fail).finally(() => { more.disabled = false; });
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); load().catch(fail); });
  for (const id of ["namnd", "anmarkningar", "oanmalda"]) {
    document.getElementById(id).addEventListener("change", () => load().catch(fail));
  }
  await load();
}
