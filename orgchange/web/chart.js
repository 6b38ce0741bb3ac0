// orgchange – the interactive org chart of the web page (docs/web.md#the-org-chart).
//
// Plain SVG, laid out here in the browser: the organisation of one day as a tree whose
// branches open and close, the first levels open; pan and zoom; the kind of a unit by
// shape and colour; companies under their owners; posts on demand; a focus mode (a unit
// with its ancestors and everything under it). Only what is visible is laid out and drawn,
// so a register of thousands of units costs what the open branches cost. Moving the date
// marks what changed since the day drawn before: units added, renamed and moved (and those
// that ended, listed under the chart), each node keeping its element so that it glides to
// its new place.
//
// Text from the API goes into the SVG only as text nodes (`textContent`) and attribute
// values (`setAttribute`): nothing is parsed as markup. No inline style (the page's
// Content-Security-Policy): classes, SVG attributes and the CSSOM.

const SVG = "http://www.w3.org/2000/svg";
// The size of a node, and the gaps between nodes, in SVG units (pixels at zoom 1).
const W = 196, H = 50, GAP = 14, LEVEL = 44, INDENT = 22, POST_LINE = 15, MAX_POSTS = 6;
// A parent whose children are all leaves lists them in a column under it past this many.
const STACK_OVER = 3;
// Levels open when a chart is first drawn: the roots and the two levels below them.
const OPEN_LEVELS = 2;
// The most changes revealed (their branches opened) when the date moves.
const REVEAL_AT_MOST = 60;
// The smallest zoom at which a node's name can be read; a chart that fits only smaller is
// shown from its top (or from what changed), the rest a pan away.
const READABLE = 0.6;
const KIND_ORDER = ["council", "board", "committee", "office", "area", "unit", "group", "company"];

const el = (name, attributes = {}, text = null) => {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== null) node.textContent = text;
  return node;
};

// A name cut to fit a node's line (the full name is in the node's <title> and its link).
const fit = (text, chars) => (text.length > chars ? text.slice(0, chars - 1) + "…" : text);

// The outline of a unit of a kind: each kind its own shape, so that it reads without colour.
function outline(kind, w, h) {
  switch (kind) {
    case "area": // a hexagon-like box
      return el("polygon", { class: "shape", points: `10,0 ${w - 10},0 ${w},${h / 2} ${w - 10},${h} 10,${h} 0,${h / 2}` });
    case "group": // a pill
      return el("rect", { class: "shape", width: w, height: h, rx: h / 2 });
    case "board": case "committee":
      return el("rect", { class: "shape", width: w, height: h, rx: 12 });
    case "company": { // a double frame
      const g = el("g");
      g.append(el("rect", { class: "shape", width: w, height: h, rx: 2 }),
        el("rect", { class: "inner", x: 4, y: 4, width: w - 8, height: h - 8, rx: 1 }));
      return g;
    }
    default:
      return el("rect", { class: "shape", width: w, height: h, rx: kind === "unit" ? 4 : 0 });
  }
}

export function createChart(host, { kindName = (k) => k, unitHref = () => "#", onFocus = () => {} } = {}) {
  host.innerHTML = "";
  const bar = document.createElement("div");
  bar.className = "zoom chart-tools";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Schemats verktyg");
  const button = (label, action, extra = {}) => {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = label; b.dataset.action = action;
    for (const [k, v] of Object.entries(extra)) b.setAttribute(k, v);
    bar.append(b);
    return b;
  };
  button("+", "zoom-in", { "aria-label": "Zooma in" });
  button("−", "zoom-out", { "aria-label": "Zooma ut" });
  button("Anpassa", "fit");
  button("Öppna alla nivåer", "open-all");
  button("Fäll ihop", "collapse");
  const unfocus = button("Visa hela organisationen", "unfocus");
  unfocus.hidden = true;
  const postsLabel = document.createElement("label");
  postsLabel.className = "inline";
  const postsBox = document.createElement("input");
  postsBox.type = "checkbox"; postsBox.id = "chart-posts";
  postsLabel.append(postsBox, " Visa befattningar");
  bar.append(postsLabel);
  const hint = document.createElement("span");
  hint.className = "hint";
  hint.textContent = "Dra för att panorera, scrolla eller +/− för att zooma. ▸ öppnar en gren, ◎ fokuserar.";
  bar.append(hint);

  const box = document.createElement("div");
  box.className = "diagram chart";
  box.tabIndex = 0;
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Organisationsschema");
  box.setAttribute("aria-roledescription", "organisationsschema");
  const svg = el("svg", { class: "orgchart", width: "100%", height: "100%" });
  const viewport = el("g", { class: "viewport" });
  const edges = el("g", { class: "edges" });
  const nodes = el("g", { class: "nodes" });
  viewport.append(edges, nodes);
  svg.append(viewport);
  box.append(svg);

  const legend = document.createElement("ul");
  legend.className = "chart-legend";
  legend.setAttribute("aria-label", "Teckenförklaring");
  const changesNote = document.createElement("div");
  changesNote.className = "chart-changes";
  changesNote.id = "chart-changes";
  changesNote.setAttribute("aria-live", "polite");
  host.append(bar, box, changesNote, legend);

  // --- state -------------------------------------------------------------------------
  let units = new Map(); // id → unit
  let below = new Map(); // id (or null for the roots) → children, sorted
  let above = new Map(); // id → its parent or owner in the chart
  let day = "";
  let open = new Set();
  let focused = null;
  let marks = { added: new Set(), renamed: new Map(), moved: new Map() };
  let drawn = new Map(); // id → the node's <g>, kept across draws
  let scale = 1, x = 0, y = 0, direction = "tb";
  let fitted = false;
  // Once the visitor has panned or zoomed, a new date keeps their view; until then it is fitted.
  let moved = false;

  const apply = () => { viewport.style.transform = `translate(${x.toFixed(1)}px, ${y.toFixed(1)}px) scale(${scale.toFixed(4)})`; };
  let extent = { width: 1, height: 1 };
  // The whole chart in view when it can be read so; otherwise a readable zoom on `target`
  // (a change just marked, the unit in focus) or on the top of the chart. `all`: the whole
  // chart whatever its size (the button "Anpassa", the key 0).
  let preferred = null;
  const fitView = (all = false) => {
    const width = box.clientWidth || 800, height = box.clientHeight || 600;
    const whole = Math.max(Math.min(width / (extent.width + 40), height / (extent.height + 40), 1.2), 0.02);
    const target = drawn.get(preferred) || drawn.get(focused) || drawn.get(roots()[0]?.id);
    if (all || whole >= READABLE || !target) {
      scale = whole;
      x = (width - extent.width * scale) / 2; y = 20 * scale;
    } else {
      scale = READABLE;
      x = width / 2 - (target.layoutX + W / 2) * scale;
      y = Math.min(20, height / 3 - target.layoutY * scale);
    }
    apply();
  };
  const zoom = (factor, cx = box.clientWidth / 2, cy = box.clientHeight / 2) => {
    moved = true;
    const next = Math.min(Math.max(scale * factor, 0.05), 6);
    x = cx - ((cx - x) * next) / scale; y = cy - ((cy - y) * next) / scale; scale = next; apply();
  };
  // Brings a node into view (at the current zoom, or larger if it would be unreadable).
  const centreOn = (id) => {
    const g = drawn.get(id);
    if (!g) return;
    scale = Math.max(scale, 0.8);
    x = box.clientWidth / 2 - (g.layoutX + W / 2) * scale;
    y = Math.min(40, box.clientHeight / 3 - g.layoutY * scale);
    apply();
  };

  box.addEventListener("wheel", (event) => {
    event.preventDefault();
    const r = box.getBoundingClientRect();
    zoom(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - r.left, event.clientY - r.top);
  }, { passive: false });
  let drag = null;
  box.addEventListener("pointerdown", (event) => {
    if (event.target.closest("a, [role=button]")) return;
    drag = { px: event.clientX, py: event.clientY, x, y };
    moved = true;
    box.setPointerCapture(event.pointerId);
  });
  box.addEventListener("pointermove", (event) => {
    if (!drag) return;
    x = drag.x + event.clientX - drag.px; y = drag.y + event.clientY - drag.py; apply();
  });
  box.addEventListener("pointerup", () => { drag = null; });
  box.addEventListener("keydown", (event) => {
    if (event.target !== box) return;
    const step = 60;
    const keys = { "+": () => zoom(1.2), "=": () => zoom(1.2), "-": () => zoom(1 / 1.2), 0: () => fitView(true),
      ArrowLeft: () => { x += step; apply(); }, ArrowRight: () => { x -= step; apply(); },
      ArrowUp: () => { y += step; apply(); }, ArrowDown: () => { y -= step; apply(); } };
    if (keys[event.key]) { event.preventDefault(); moved = event.key !== "0"; keys[event.key](); }
  });
  // A node's buttons work by click and by Enter or Space (they are role=button, not <button>).
  const act = (target) => {
    const toggle = target.closest("[data-toggle]");
    if (toggle) { toggleBranch(toggle.dataset.toggle); return true; }
    const focus = target.closest("[data-focus]");
    if (focus) { focusOn(focus.dataset.focus); return true; }
    return false;
  };
  nodes.addEventListener("click", (event) => { if (act(event.target)) event.preventDefault(); });
  // A node reached with the keyboard is brought into view (the chart pans to it).
  nodes.addEventListener("focusin", (event) => {
    const g = event.target.closest("g.node");
    if (!g) return;
    const outer = box.getBoundingClientRect(), inner = g.getBoundingClientRect();
    if (inner.left < outer.left || inner.right > outer.right || inner.top < outer.top || inner.bottom > outer.bottom) {
      x = box.clientWidth / 2 - (g.layoutX + W / 2) * scale;
      y = box.clientHeight / 2 - (g.layoutY + H / 2) * scale;
      apply();
    }
  });
  nodes.addEventListener("keydown", (event) => {
    if ((event.key === "Enter" || event.key === " ") && act(event.target)) event.preventDefault();
  });
  bar.addEventListener("click", (event) => {
    const action = event.target.closest("button")?.dataset.action;
    if (action === "zoom-in") zoom(1.25);
    else if (action === "zoom-out") zoom(0.8);
    else if (action === "fit") { moved = false; fitView(true); }
    else if (action === "open-all") { for (const id of visibleIds()) if (below.has(id)) open.add(id); draw(true); }
    else if (action === "collapse") { open = initialOpen(); draw(true); }
    else if (action === "unfocus") focusOn(null);
  });

  // --- the tree ------------------------------------------------------------------------
  const childrenOf = (id) => below.get(id) || [];
  const roots = () => childrenOf(null);
  function initialOpen() {
    const result = new Set();
    const walk = (list, level) => {
      if (level >= OPEN_LEVELS) return;
      for (const unit of list) { result.add(unit.id); walk(childrenOf(unit.id), level + 1); }
    };
    walk(roots(), 0);
    return result;
  }
  const ancestors = (id) => {
    const chain = [];
    for (let at = above.get(id); at; at = above.get(at)) chain.unshift(at);
    return chain;
  };
  // The units whose nodes are shown: in focus mode the ancestors' line and the subtree.
  function visibleTree() {
    const showChildren = (id) => (open.has(id) ? childrenOf(id) : []);
    if (focused && units.has(focused)) {
      const chain = ancestors(focused);
      const build = (i) => {
        if (i < chain.length) return { unit: units.get(chain[i]), kids: [build(i + 1)], path: true };
        const sub = (unit) => ({ unit, kids: showChildren(unit.id).map(sub) });
        return sub(units.get(focused));
      };
      return [build(0)];
    }
    const sub = (unit) => ({ unit, kids: showChildren(unit.id).map(sub) });
    return roots().map(sub);
  }
  function visibleIds() {
    const ids = [];
    const walk = (node) => { ids.push(node.unit.id); node.kids.forEach(walk); };
    visibleTree().forEach(walk);
    return ids;
  }

  // --- layout (only the visible nodes) ----------------------------------------------------
  const postLines = (unit) => (postsBox.checked && unit.positions ? Math.min(unit.positions.length, MAX_POSTS + 1) : 0);
  const heightOf = (unit) => H + postLines(unit) * POST_LINE + (postLines(unit) ? 6 : 0);

  // Top to bottom: returns the block's width and height; places nodes relative to (0, 0).
  function layoutTB(node, put, links) {
    const h = heightOf(node.unit);
    const kids = node.kids;
    if (!kids.length) { node.w = W; node.h = h; node.place = (ox, oy) => put(node, ox, oy); return node; }
    kids.forEach((k) => layoutTB(k, put, links));
    const leaves = kids.every((k) => !k.kids.length);
    if (leaves && kids.length > STACK_OVER) {
      let height = h + LEVEL / 2;
      const offsets = kids.map((k) => { const at = height; height += k.h + 14; return at; });
      node.w = INDENT + W; node.h = height - 14;
      node.place = (ox, oy) => {
        put(node, ox, oy);
        kids.forEach((k, i) => {
          k.place(ox + INDENT, oy + offsets[i]);
          links.push({ from: node, to: k, kind: "stack", x1: ox + 10, y1: oy + h, x2: ox + INDENT, y2: oy + offsets[i] + k.h / 2 });
        });
      };
      return node;
    }
    const total = kids.reduce((sum, k) => sum + k.w, 0) + GAP * (kids.length - 1);
    node.w = Math.max(W, total);
    node.h = h + LEVEL + Math.max(...kids.map((k) => k.h));
    node.place = (ox, oy) => {
      const px = ox + (node.w - W) / 2;
      put(node, px, oy);
      let cx = ox + (node.w - total) / 2;
      for (const k of kids) {
        k.place(cx, oy + h + LEVEL);
        const kx = k.placedX;
        links.push({ from: node, to: k, kind: "tree", x1: px + W / 2, y1: oy + h, x2: kx + W / 2, y2: oy + h + LEVEL });
        cx += k.w + GAP;
      }
    };
    return node;
  }

  // Left to right: the same tree turned; children in a column to the right of their parent.
  function layoutLR(node, put, links) {
    const h = heightOf(node.unit);
    const kids = node.kids;
    kids.forEach((k) => layoutLR(k, put, links));
    const total = kids.reduce((sum, k) => sum + k.h, 0) + GAP * Math.max(kids.length - 1, 0);
    node.w = W + (kids.length ? LEVEL + Math.max(...kids.map((k) => k.w)) : 0);
    node.h = Math.max(h, total);
    node.place = (ox, oy) => {
      const py = oy + (node.h - h) / 2;
      put(node, ox, py);
      let cy = oy + (node.h - total) / 2;
      for (const k of kids) {
        k.place(ox + W + LEVEL, cy);
        links.push({ from: node, to: k, kind: "lr", x1: ox + W, y1: py + h / 2, x2: ox + W + LEVEL, y2: k.placedY + heightOf(k.unit) / 2 });
        cy += k.h + GAP;
      }
    };
    return node;
  }

  function layout() {
    const placed = [], links = [];
    const trees = visibleTree();
    const lay = direction === "lr" ? layoutLR : layoutTB;
    const put = (node, px, py) => { node.placedX = px; node.placedY = py; placed.push([node, px, py]); };
    trees.forEach((tree) => lay(tree, put, links));
    let offset = 0;
    for (const tree of trees) {
      if (direction === "lr") { tree.place(0, offset); offset += tree.h + GAP * 3; }
      else { tree.place(offset, 0); offset += tree.w + GAP * 3; }
    }
    const width = direction === "lr" ? Math.max(0, ...trees.map((t) => t.w)) : offset;
    const height = direction === "lr" ? offset : Math.max(0, ...trees.map((t) => t.h));
    // The buttons that open a branch stick out of their node: to the right (lr), below (tb).
    return { placed, links, width: width + (direction === "lr" ? 40 : 0), height: height + 12 };
  }

  // --- drawing -------------------------------------------------------------------------
  function nodeFor(unit) {
    const g = el("g", { class: "node", "data-unit": unit.id });
    g.append(el("title"));
    const link = el("a", { class: "name" });
    link.append(el("text", { x: 10, y: 20, class: "label" }));
    g.append(link, el("text", { x: 10, y: 38, class: "kind" }), el("g", { class: "posts" }));
    return g;
  }

  function fillNode(g, unit, path) {
    const kind = unit.kind;
    const h = heightOf(unit);
    g.setAttribute("class", `node kind-${kind}${path ? " path" : ""}${unit.id === focused ? " focused" : ""}`);
    g.setAttribute("data-kind", kind);
    g.querySelector(":scope > .shape, :scope > g.outline")?.remove();
    const shape = outline(kind, W, h);
    if (shape.localName === "g") shape.setAttribute("class", "outline");
    g.insertBefore(shape, g.firstChild.nextSibling);
    const owner = unit.ownerId && units.get(unit.ownerId);
    const was = marks.renamed.get(unit.id);
    g.querySelector("title").textContent = [unit.name, kindName(kind), owner ? `ägs av ${owner.name}` : "",
      was ? `hette ${was}` : ""].filter(Boolean).join(" – ");
    const link = g.querySelector("a.name");
    link.setAttribute("href", unitHref(unit.id));
    link.querySelector("text").textContent = fit(unit.name, 23);
    g.querySelector("text.kind").textContent = fit(kindName(kind) + (owner ? ` · ägs av ${owner.name}` : ""), 31);
    // The marks of a change since the day drawn before.
    g.querySelector(".mark")?.remove();
    const mark = marks.added.has(unit.id) ? ["added", "ny"] : was !== undefined ? ["renamed", "nytt namn"]
      : marks.moved.has(unit.id) ? ["moved", "flyttad"] : null;
    g.classList.toggle("mark-added", mark?.[0] === "added");
    g.classList.toggle("mark-renamed", mark?.[0] === "renamed");
    g.classList.toggle("mark-moved", mark?.[0] === "moved");
    if (mark) {
      const badge = el("g", { class: "mark", transform: `translate(${W / 2 - 32},-9)` });
      badge.append(el("rect", { width: 64, height: 16, rx: 8 }), el("text", { x: 32, y: 12, "text-anchor": "middle" }, mark[1]));
      g.append(badge);
    }
    // Posts, on demand.
    const posts = g.querySelector("g.posts");
    posts.replaceChildren();
    if (postsBox.checked && unit.positions) {
      const list = [...unit.positions].sort((a, b) => Number(b.director) - Number(a.director) || a.title.localeCompare(b.title, "sv"));
      list.slice(0, MAX_POSTS).forEach((p, i) => posts.append(el("text", { x: 12, y: H + 8 + i * POST_LINE, class: "post" },
        fit(`${p.director ? "★ " : "· "}${p.title}`, 32))));
      if (list.length > MAX_POSTS) posts.append(el("text", { x: 12, y: H + 8 + MAX_POSTS * POST_LINE, class: "post" }, `… och ${list.length - MAX_POSTS} till`));
    }
    // Its buttons: open or close the branch, focus on it.
    g.querySelectorAll("[role=button]").forEach((b) => b.remove());
    const kids = childrenOf(unit.id);
    if (kids.length && !path) {
      const isOpen = open.has(unit.id);
      const at = direction === "lr" ? `translate(${W - 2},${h / 2 - 9})` : `translate(${W / 2 - 18},${h - 9})`;
      const toggle = el("g", { class: "toggle", role: "button", tabindex: 0, transform: at, "data-toggle": unit.id,
        "aria-expanded": isOpen, "aria-label": `${isOpen ? "Fäll ihop" : "Öppna"} ${unit.name} (${kids.length} underställda)` });
      toggle.append(el("rect", { width: 36, height: 18, rx: 9 }), el("text", { x: 18, y: 13, "text-anchor": "middle" },
        `${isOpen ? "▾" : "▸"} ${kids.length}`));
      g.append(toggle);
    }
    const focusButton = el("g", { class: "focus-button", role: "button", tabindex: 0, transform: `translate(${W - 22},4)`,
      "data-focus": unit.id, "aria-label": `Fokusera på ${unit.name}` });
    focusButton.append(el("circle", { cx: 9, cy: 9, r: 9 }), el("text", { x: 9, y: 13, "text-anchor": "middle" }, "◎"));
    g.append(focusButton);
  }

  function draw(keepView = false) {
    const { placed, links, width, height } = layout();
    extent = { width, height };
    const keep = new Set();
    const pathIds = new Set(focused ? ancestors(focused) : []);
    for (const [node, px, py] of placed) {
      const unit = node.unit;
      keep.add(unit.id);
      let g = drawn.get(unit.id);
      const fresh = !g;
      if (fresh) { g = nodeFor(unit); drawn.set(unit.id, g); nodes.append(g); }
      // A node is filled again only when what it shows has changed (a draw after opening a
      // branch touches the nodes whose button changed, not every node on the screen).
      const path = pathIds.has(unit.id);
      const signature = [unit.name, unit.kind, unit.ownerId, units.get(unit.ownerId)?.name, path, unit.id === focused,
        open.has(unit.id), childrenOf(unit.id).length, marks.added.has(unit.id), marks.renamed.get(unit.id),
        marks.moved.has(unit.id), direction, postsBox.checked && unit.positions ? unit.positions.map((q) => q.title).join("|") : ""].join("\u0001");
      if (g.signature !== signature) { fillNode(g, unit, path); g.signature = signature; }
      g.layoutX = px; g.layoutY = py;
      g.style.transform = `translate(${px}px, ${py}px)`;
      if (fresh) g.classList.add("entering");
    }
    for (const [id, g] of drawn) if (!keep.has(id)) { g.remove(); drawn.delete(id); }
    requestAnimationFrame(() => nodes.querySelectorAll(".entering").forEach((g) => g.classList.remove("entering")));
    edges.replaceChildren(...links.map((l) => {
      const owned = l.to.unit.ownerId && !l.to.unit.parentId;
      const d = l.kind === "tree" ? `M${l.x1},${l.y1} V${(l.y1 + l.y2) / 2} H${l.x2} V${l.y2}`
        : l.kind === "lr" ? `M${l.x1},${l.y1} H${(l.x1 + l.x2) / 2} V${l.y2} H${l.x2}`
          : `M${l.x1},${l.y1} V${l.y2} H${l.x2}`;
      return el("path", { d, class: owned ? "edge owner" : "edge" });
    }));
    svg.setAttribute("data-nodes", String(placed.length));
    // Gliding thousands of nodes costs more than it shows: only a chart of a few hundred glides.
    svg.classList.toggle("many", placed.length > 400);
    unfocus.hidden = !focused;
    if (!keepView || !fitted) { fitView(); fitted = true; }
  }

  // The unit whose branch opens or closes stays where it is on the screen; the rest moves.
  function toggleBranch(id) {
    const before = drawn.get(id);
    const [bx, by] = before ? [before.layoutX, before.layoutY] : [0, 0];
    if (open.has(id)) open.delete(id); else open.add(id);
    draw(true);
    const after = drawn.get(id);
    if (before && after) {
      // The view glides with the nodes, so that the unit does not move at all.
      if (!svg.classList.contains("many")) {
        viewport.classList.add("gliding");
        clearTimeout(toggleBranch.timer);
        toggleBranch.timer = setTimeout(() => viewport.classList.remove("gliding"), 500);
      }
      x -= (after.layoutX - bx) * scale; y -= (after.layoutY - by) * scale; apply();
    }
    after?.querySelector("[data-toggle]")?.focus({ preventScroll: true });
  }

  function focusOn(id) {
    focused = id && units.has(id) ? id : null;
    if (focused) { open.add(focused); for (const k of childrenOf(focused)) if (childrenOf(k.id).length <= 12) open.add(k.id); }
    onFocus(focused);
    fitted = false; preferred = null;
    draw();
    if (focused) drawn.get(focused)?.querySelector("a.name")?.focus({ preventScroll: true });
  }

  function drawLegend(present) {
    legend.replaceChildren();
    for (const kind of KIND_ORDER.filter((k) => present.has(k))) {
      const item = document.createElement("li");
      const mini = el("svg", { width: 34, height: 18, "aria-hidden": "true", class: `swatch kind-${kind}` });
      const shape = outline(kind, 32, 16);
      mini.append(shape);
      item.append(mini, ` ${kindName(kind)}`);
      legend.append(item);
    }
  }

  function describeChanges(previousDay, diff, removedNames) {
    changesNote.replaceChildren();
    if (!diff) return;
    const parts = [[diff.added.length, "tillkomna"], [diff.renamed.length, "nya namn"], [diff.moved.length, "flyttade"],
      [diff.removed.length, "upphörda"]].filter(([n]) => n).map(([n, w]) => `${n} ${w}`);
    const p = document.createElement("p");
    p.className = "small";
    p.textContent = parts.length ? `Sedan ${previousDay}: ${parts.join(", ")} (markerade i schemat).` : `Inga ändringar sedan ${previousDay}.`;
    changesNote.append(p);
    if (diff.removed.length) {
      const list = document.createElement("p");
      list.className = "small removed";
      list.textContent = `Upphörda: ${removedNames.slice(0, 20).join(", ")}${removedNames.length > 20 ? " …" : ""}`;
      changesNote.append(list);
    }
  }

  return {
    // The organisation of `when`: [{id, name, kind, parentId, ownerId, positions?}…]. `diff`
    // (the API's OrgDiff from `previousDay`) marks what changed; `removedNames` names the ended.
    setData(list, when, { diff = null, previousDay = null, removedNames = [], focus = undefined, dir = "tb" } = {}) {
      const first = units.size === 0;
      day = when;
      direction = dir;
      units = new Map(list.map((u) => [u.id, u]));
      below = new Map(); above = new Map();
      for (const unit of list) {
        const up = units.has(unit.parentId) ? unit.parentId : units.has(unit.ownerId) ? unit.ownerId : null;
        if (up) above.set(unit.id, up);
        if (!below.has(up)) below.set(up, []);
        below.get(up).push(unit);
      }
      const rank = (u) => KIND_ORDER.indexOf(u.kind);
      for (const kids of below.values()) kids.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, "sv"));
      marks = { added: new Set(diff?.added || []), renamed: new Map((diff?.renamed || []).map((r) => [r.id, r.from])),
        moved: new Map((diff?.moved || []).map((m) => [m.id, m.fromParent])) };
      if (first) open = initialOpen();
      else open = new Set([...open].filter((id) => units.has(id)));
      // What changed is shown: the branches leading to it are opened (within reason).
      const changed = [...marks.added, ...marks.renamed.keys(), ...marks.moved.keys()].filter((id) => units.has(id));
      if (changed.length <= REVEAL_AT_MOST) for (const id of changed) for (const a of ancestors(id)) open.add(a);
      if (focus !== undefined) focused = focus && units.has(focus) ? focus : null;
      else if (focused && !units.has(focused)) focused = null;
      if (focused) { open.add(focused); for (const a of ancestors(focused)) open.add(a); }
      preferred = changed.find((id) => !focused || id === focused || ancestors(id).includes(focused)) || null;
      drawLegend(new Set(list.map((u) => u.kind)));
      describeChanges(previousDay, diff, removedNames);
      draw(moved && focus === undefined);
      if (focused) centreOn(focused);
    },
    focus: focusOn,
    get focused() { return focused; },
    get day() { return day; },
    postsToggle: postsBox,
    fit: fitView,
  };
}
