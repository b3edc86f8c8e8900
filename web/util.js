// Small DOM and formatting helpers shared by the web app's modules. Everything user-provided goes
// through textContent (never innerHTML), so message text can't inject markup.

/** Creates an element: el('p', {class: 'x', dir: 'auto'}, 'text', child, …). `false`/`null` attributes are skipped. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'class') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (id) => document.getElementById(id);

/** The payload of a JWT, not verified (the server verifies): {sub, org, role, name, scope, exp}, or null. */
export function jwtPayload(token) {
  try {
    const base64 = token.trim().split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A <time> element for a millisecond timestamp: the time of day today, else date and time. */
export function timeElement(ms) {
  const date = new Date(ms);
  const today = new Date().toDateString() === date.toDateString();
  return el('time', { datetime: date.toISOString(), title: dateTimeFormat.format(date) }, today ? timeFormat.format(date) : dateTimeFormat.format(date));
}

/** A name isolated from the surrounding text's direction (Hebrew or Arabic names inside English sentences). */
export const bidi = (text) => el('bdi', {}, text);

/** localStorage that tolerates being unavailable (private mode, quota). */
export const store = {
  get(key, fallback) {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch {
      /* storage unavailable: the list lives for this page only */
    }
  },
};

/** sessionStorage, same contract: the sign-in survives a reload of this tab only. */
export const sessionStore = {
  get(key) {
    try {
      return JSON.parse(sessionStorage.getItem(key));
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      if (value === null) sessionStorage.removeItem(key);
      else sessionStorage.setItem(key, JSON.stringify(value));
    } catch {
      /* ignore */
    }
  },
};

export const ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
