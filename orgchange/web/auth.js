// orgchange – the page's credentials, all of them in this one module.
//
// Reads are public unless the server says otherwise (ORGCHANGE_PUBLIC_READ=false): then
// it answers 401 and the page asks for an API token. The token is kept for this browser
// tab only (sessionStorage: gone when the tab closes, never in localStorage) and sent as
// `Authorization: Bearer` on the page's own requests. A link, a frame or a download
// cannot send that header, so documents are then fetched here and shown as blob: URLs.
// A session cookie would replace the token in this module alone.

const KEY = "orgchange.token";
const TOKEN_SHAPE = /^oc_[0-9a-f]{16}_[A-Za-z0-9_-]+$/;

export class SignInNeeded extends Error {
  constructor(expired) {
    super(expired
      ? "Din token gäller inte längre. Logga in igen."
      : "Den här servern visar registret bara för inloggade. Logga in med din API-token.");
    this.expired = expired;
  }
}

export function token() {
  try { return sessionStorage.getItem(KEY); } catch { return null; }
}

export const signedIn = () => Boolean(token());

// Why `value` cannot be a token, in plain words; "" if it can.
export function tokenProblem(value) {
  const text = (value || "").trim();
  if (!text) return "Skriv in din API-token.";
  if (!TOKEN_SHAPE.test(text)) return "Det där ser inte ut som en API-token (den börjar med oc_).";
  return "";
}

export function signIn(value) {
  sessionStorage.setItem(KEY, value.trim());
  for (const listener of listeners) listener(true);
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  releaseDocuments();
  for (const listener of listeners) listener(false);
}

const listeners = new Set();
export const onChange = (listener) => listeners.add(listener);

export function authorization() {
  const value = token();
  return value ? { Authorization: `Bearer ${value}` } : {};
}

// fetch() with the page's credentials; a 401 means signing in (again).
export async function request(url, options = {}) {
  const response = await fetch(url, {
    ...options,
    credentials: "same-origin",
    // The page is Swedish: so are the service's messages on it, whatever the browser prefers.
    headers: { "Accept-Language": "sv", ...(options.headers || {}), ...authorization() },
  });
  if (response.status === 401) {
    const expired = signedIn();
    if (expired) signOut();
    throw new SignInNeeded(expired);
  }
  return response;
}

// --- documents: review packs, the delegationsordning, PDF and CSV ----------------------

const handedOut = new Set();

// The URL to show or open a document at: as it is when no token is needed; else the
// document fetched with the token, as a blob: URL (released by `releaseDocuments`).
export async function documentUrl(url) {
  if (!signedIn()) return url;
  const response = await request(url);
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.detail || `Dokumentet kunde inte hämtas (${response.status}).`);
  }
  let blob = await response.blob();
  if (blob.type.startsWith("text/html")) blob = await withOwnStylesheets(blob);
  return keep(URL.createObjectURL(blob));
}

function keep(url) {
  handedOut.add(url);
  return url;
}

export function releaseDocuments() {
  for (const url of handedOut) URL.revokeObjectURL(url);
  handedOut.clear();
}

// A document at a blob: URL lives under this page's Content-Security-Policy, which allows
// no inline style: its <style> blocks become stylesheets of their own (blob: URLs too). The
// text is not parsed into a document here (that alone would be checked against the policy):
// a <style> element's content ends at the first </style, as the HTML parser ends it.
async function withOwnStylesheets(blob) {
  const html = (await blob.text()).replace(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi, (_, css) => {
    const sheet = keep(URL.createObjectURL(new Blob([css], { type: "text/css" })));
    return `<link rel="stylesheet" href="${sheet}">`;
  });
  return new Blob([html], { type: "text/html" });
}

// Links marked `data-document` (a PDF, a CSV, a document for a new window) open through
// `documentUrl` when the page is signed in; otherwise they are ordinary links.
export function openDocumentsWithCredentials(onError) {
  document.addEventListener("click", async (event) => {
    const link = event.target.closest?.("a[data-document]");
    if (!link || !signedIn() || event.defaultPrevented || event.button !== 0) return;
    event.preventDefault();
    const download = link.dataset.document === "download";
    const tab = download ? null : window.open("about:blank", "_blank");
    try {
      const url = await documentUrl(link.getAttribute("href"));
      if (tab) { tab.location.href = url; return; }
      const save = document.createElement("a");
      save.href = url;
      save.download = new URL(link.href).pathname.slice(1).replaceAll("/", "-");
      document.body.append(save);
      save.click();
      save.remove();
    } catch (error) {
      tab?.close();
      onError(error);
    }
  });
}
