// Shared helpers of the console: the API client (the token lives in sessionStorage only) and DOM building without
// innerHTML, so that no value from the API is ever parsed as markup.

const TOKEN_KEY = 'lockstep.console.token';

export const TERMINAL = new Set(['CONSISTENT', 'FAILED', 'CANCELLED', 'SUCCEEDED']);

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
  role: null,
  subject: null,
  /** Whether the signed-in role includes `role` (viewer < operator < admin). */
  may(role) {
    const order = ['viewer', 'operator', 'admin'];
    return order.indexOf(this.role) >= order.indexOf(role);
  },
};

function headers(extra) {
  return Object.assign({ Authorization: 'Bearer ' + session.token() }, extra);
}

async function failure(response) {
  let detail = response.statusText;
  try {
    const problem = await response.json();
    detail = problem.detail || problem.title || detail;
  } catch (notJson) {
    // keep the status text
  }
  return new ApiError(response.status, detail);
}

/** Calls the API: the parsed JSON body (or null), else throws an ApiError with the problem's detail. */
export async function api(method, path, body, signal) {
  const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }), signal };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
  }
  const response = await fetch('/api/v1' + path, init);
  if (!response.ok) {
    throw await failure(response);
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

export const get = async (path, signal) => (await api('GET', path, undefined, signal)).body;

/**
 * Follows a run's server-sent events (GET /runs/{id}/events) with fetch, since EventSource cannot send the token:
 * calls onRun with every run it receives until the stream ends or `signal` aborts it.
 */
export async function follow(id, onRun, signal) {
  const response = await fetch('/api/v1/runs/' + encodeURIComponent(id) + '/events', {
    headers: headers({ Accept: 'text/event-stream' }),
    signal,
  });
  if (!response.ok) {
    throw await failure(response);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer += value.replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data) {
        onRun(JSON.parse(data));
      }
    }
  }
}

/** Builds an element: attributes (on* as listeners, `class`, `data-*`, aria-*), then children (strings as text). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (key.startsWith('on')) {
      el.addEventListener(key.slice(2), value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) {
      el.append(child instanceof Node ? child : String(child));
    }
  }
  return el;
}

/** A table with a caption, header cells and rows of cells (strings or nodes). */
export function table(caption, columns, rows, attrs) {
  return h(
    'table',
    attrs,
    h('caption', null, caption),
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, rows.map((cells) => h('tr', null, cells.map((c) => h('td', null, c))))),
  );
}

export function time(iso) {
  if (!iso) {
    return '—';
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return String(iso);
  }
  return h('time', { datetime: iso, title: iso }, d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
}

export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) {
    return '—';
  }
  const s = Math.round(ms / 1000);
  if (s < 60) {
    return ms < 10000 ? (ms / 1000).toFixed(1) + ' s' : s + ' s';
  }
  if (s < 3600) {
    return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  }
  if (s < 172800) {
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  }
  return Math.floor(s / 86400) + ' days';
}

export function bytes(n) {
  if (n === null || n === undefined) {
    return '—';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return (unit === 0 ? value : value.toFixed(1)) + ' ' + units[unit];
}

export function badge(state) {
  return h('span', { class: 'badge state-' + String(state).toLowerCase() }, state);
}

export function runLink(id, text) {
  return h('a', { href: '#/runs/' + id, class: 'mono' }, text || String(id).slice(0, 8));
}

/** Announces a message in the status line (a polite live region). */
export function say(message) {
  document.getElementById('status').textContent = message || '';
}
