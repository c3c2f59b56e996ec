// Runs: a list filtered by plan, state, type and verification (the filters live in the route, never the token).
import { badge, bytes, duration, get, h, runLink, table, time } from './lib.js';

const STATES = ['QUEUED', 'RUNNING', 'VERIFYING', 'CONSISTENT', 'FAILED', 'CANCELLED', 'SUCCEEDED'];
const TYPES = ['backup', 'restore', 'drill', 'dry_run', 'verify'];

function select(name, label, options, value) {
  return h('label', null, label, ' ', h('select', { name },
    h('option', { value: '' }, 'any'),
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

function filters(params) {
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter runs' },
    h('label', null, 'Plan ', h('input', { name: 'plan', value: params.get('plan') || '', size: 18 })),
    select('state', 'State', STATES.map((s) => [s, s]), params.get('state') || ''),
    select('type', 'Type', TYPES.map((t) => [t, t.replace('_', ' ')]), params.get('type') || ''),
    select('verified', 'Drill-verified', [['true', 'yes'], ['false', 'no']], params.get('verified') || ''),
    h('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams();
    for (const [k, v] of new FormData(form)) {
      if (v) {
        chosen.set(k, v);
      }
    }
    location.hash = '#/runs' + (chosen.toString() ? '?' + chosen : '');
  });
  return form;
}

export async function runsView(params, signal) {
  const query = new URLSearchParams();
  for (const key of ['plan', 'state', 'type', 'verified']) {
    if (params.get(key)) {
      query.set(key, params.get(key));
    }
  }
  query.set('limit', '100');
  const runs = await get('/runs?' + query, signal);
  const rows = runs.map((r) => [
    runLink(r.id, r.id),
    r.plan,
    r.type.toLowerCase().replace('_', ' '),
    badge(r.state),
    time(r.createdAt),
    r.durationMillis === undefined ? (r.endedAt ? '—' : 'running') : duration(r.durationMillis),
    r.type === 'BACKUP' ? bytes(r.bytes) : '—',
    [r.label || '', r.pinned ? h('span', { class: 'pin' }, ' pinned') : '', r.verified ? h('span', { class: 'ok' }, ' drill ✓') : ''],
  ]);
  return h('section', { 'aria-labelledby': 'runs-title' },
    h('h2', { id: 'runs-title' }, 'Runs'),
    filters(params),
    runs.length === 0
      ? h('p', { id: 'no-runs' }, 'No run matches.')
      : table(runs.length === 1 ? 'The one run that matches.' : 'The newest ' + runs.length + ' runs that match, newest first.',
        ['Run', 'Plan', 'Type', 'State', 'Created', 'Duration', 'Size', 'Notes'], rows, { id: 'runs', class: 'runs' }));
}
