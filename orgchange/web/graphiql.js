// orgchange – GraphiQL, started without keeping any request header in the browser.
//
// GraphiQL keeps its tabs, its history and favourites in localStorage, and with them the
// headers typed into its Headers pane — an `Authorization: Bearer` token among them — once
// `shouldPersistHeaders` is on, and in its history even when it is off. Here it is off, its
// switch is not shown, and the storage GraphiQL is given drops every `headers` value before
// anything is written (and when anything is read, for what an older page left behind). When
// the web page is signed in, its session goes along, with the anti-CSRF token it needs.

import { authorization, ready } from "./auth.js";

const NAMESPACE = "graphiql:";
const NEVER_KEPT = new Set([`${NAMESPACE}headers`, `${NAMESPACE}shouldPersistHeaders`]);

// A JSON value without any `headers` member, at any depth.
function withoutHeaders(value) {
  if (Array.isArray(value)) return value.map(withoutHeaders);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value)
      .filter(([key]) => key !== "headers")
      .map(([key, inner]) => [key, withoutHeaders(inner)]));
  }
  return value;
}

function clean(key, value) {
  if (NEVER_KEPT.has(key) || value == null) return null;
  try {
    return JSON.stringify(withoutHeaders(JSON.parse(value)));
  } catch {
    return value; // not JSON (a query's text, a theme's name): holds no headers
  }
}

function ownKeys() {
  const keys = [];
  for (let i = 0; i < localStorage.length; i += 1) {
    const key = localStorage.key(i);
    if (key.startsWith(NAMESPACE)) keys.push(key);
  }
  return keys;
}

// What an older GraphiQL page on this origin may have kept: removed before GraphiQL starts.
for (const key of ownKeys()) {
  const value = clean(key, localStorage.getItem(key));
  if (value === null) localStorage.removeItem(key);
  else if (value !== localStorage.getItem(key)) localStorage.setItem(key, value);
}

export const storage = {
  getItem: (key) => clean(key, localStorage.getItem(key)),
  setItem: (key, value) => {
    const kept = clean(key, value);
    if (kept === null) localStorage.removeItem(key);
    else localStorage.setItem(key, kept);
  },
  removeItem: (key) => localStorage.removeItem(key),
  clear: () => ownKeys().forEach((key) => localStorage.removeItem(key)),
  get length() { return ownKeys().length; },
};

const fetcher = window.GraphiQL.createFetcher({
  url: "graphql",
  // Read at each request: signing in or out on the web page takes effect at once.
  fetch: async (url, options = {}) => {
    await ready;
    return fetch(url, {
      ...options,
      credentials: "same-origin",
      headers: { ...authorization(), ...(options.headers || {}) },
    });
  },
});

const root = document.getElementById("graphiql");
window.ReactDOM.createRoot(root).render(window.React.createElement(window.GraphiQL, {
  fetcher,
  storage,
  shouldPersistHeaders: false,
  showPersistHeadersSettings: false,
  isHeadersEditorEnabled: true,
  defaultEditorToolsVisibility: true,
  defaultQuery: "# orgchange: the register as GraphQL. Ctrl-Enter runs the query.\n"
    + "# Headers typed below are sent with each request and never saved in this browser.\n"
    + "{\n  register { organisation firstEffective lastEffective }\n}\n",
}));
