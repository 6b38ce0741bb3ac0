// orgchange – the page's sign-in, all of it in this one module.
//
// Signing in gives the browser a session cookie (`POST /session` with an API token): the
// server keeps the session, and the cookie is HttpOnly, so no script — this one included —
// can read it, and SameSite=Strict, so no other site's page sends it. The page keeps only
// who is signed in and the session's anti-CSRF token, in memory: a write (any request but
// GET and HEAD) carries that token as `X-CSRF-Token`, which is how the server tells the
// page's own writes from a request another site's page made with the cookie. After a
// reload the page asks the server again (`GET /session`). Nothing is kept in the
// browser's storage.

const TOKEN_SHAPE = /^oc_[0-9a-f]{16}_[A-Za-z0-9_-]+$/;
const WRITE_ROLES = new Set(["registrar", "admin"]);
const ROLE_NAMES = { reader: "läsare", registrar: "registrator", admin: "administratör" };

export class SignInNeeded extends Error {
  constructor(expired) {
    super(expired
      ? "Din inloggning gäller inte längre. Logga in igen."
      : "Den här servern visar registret bara för inloggade. Logga in med din API-token.");
    this.expired = expired;
  }
}

// Who is signed in, as the server last said: { name, role, csrfToken } or null.
let current = null;

export const signedIn = () => current !== null;
export const who = () => (current ? { name: current.name, role: current.role } : null);
export const roleName = (role) => ROLE_NAMES[role] || role;
export const canWrite = () => Boolean(current && WRITE_ROLES.has(current.role));

const listeners = new Set();
export const onChange = (listener) => listeners.add(listener);
function changed(next) {
  const before = current;
  current = next;
  if (before?.csrfToken !== next?.csrfToken) for (const listener of listeners) listener(who());
}

// Asks the server who is signed in (after a reload, the cookie may still hold a session).
export async function load() {
  try {
    const response = await fetch("session", { credentials: "same-origin", headers: { Accept: "application/json" } });
    const body = response.ok ? await response.json() : {};
    changed(body.signedIn ? { name: body.name, role: body.role, csrfToken: body.csrfToken } : null);
  } catch {
    changed(null);
  }
  return who();
}
export const ready = load();

// Why `value` cannot be a token, in plain words; "" if it can.
export function tokenProblem(value) {
  const text = (value || "").trim();
  if (!text) return "Skriv in din API-token.";
  if (!TOKEN_SHAPE.test(text)) return "Det där ser inte ut som en API-token (den börjar med oc_).";
  return "";
}

// Signs in with an API token; throws an Error with the server's words if it is refused.
export async function signIn(value) {
  await signingOut; // the session before ended first, not the new one by its late answer
  const response = await fetch("session", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ token: value.trim() }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(response.status === 401
      ? "Servern känner inte igen den token. Kontrollera att den är rätt och inte återkallad."
      : body.detail || `Inloggningen misslyckades (${response.status}).`);
  }
  changed({ name: body.name, role: body.role, csrfToken: body.csrfToken });
  return who();
}

// The page is signed out at once; until the server has ended the session, its cookie is still
// sent but no anti-CSRF token is, so every request waits for that (`request`).
let signingOut = Promise.resolve();
const SIGN_OUT_WAIT_MS = 10_000;

export async function signOut() {
  const csrf = current?.csrfToken;
  releaseDocuments();
  signingOut = fetch("session", {
    method: "DELETE", credentials: "same-origin", headers: csrf ? { "X-CSRF-Token": csrf } : {},
    signal: AbortSignal.timeout?.(SIGN_OUT_WAIT_MS), // a server that does not answer holds nothing up
  }).then(() => {}, () => {});
  changed(null);
  await signingOut;
}

// The headers that prove a write comes from this page (none when nobody is signed in).
export function authorization() {
  return current ? { "X-CSRF-Token": current.csrfToken } : {};
}

// fetch() with the session; a write carries the anti-CSRF token; a 401 means signing in (again).
export async function request(url, options = {}) {
  await ready;
  await signingOut;
  const method = (options.method || "GET").toUpperCase();
  const proof = method === "GET" || method === "HEAD" ? {} : authorization();
  const response = await fetch(url, {
    ...options,
    credentials: "same-origin",
    // The page is Swedish: so are the service's messages on it, whatever the browser prefers.
    headers: { "Accept-Language": "sv", ...(options.headers || {}), ...proof },
  });
  if (response.status === 401) {
    const expired = signedIn();
    if (expired) changed(null);
    throw new SignInNeeded(expired);
  }
  return response;
}

// --- documents: review packs, the delegationsordning, PDF and CSV ----------------------
//
// The session cookie goes with links, frames and downloads of this origin as with the
// page's own requests: a document's address is used as it is.

export async function documentUrl(url) {
  return url;
}

export function releaseDocuments() {}

export function openDocumentsWithCredentials() {}
