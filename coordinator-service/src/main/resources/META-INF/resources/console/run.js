// A run's page: summary, the timeline of its steps, artifacts with sizes and hashes, the reference check, drills and
// their RTO, live progress from the run's event stream, and (admins) a dry-run restore, then the restore itself.
import { TERMINAL, badge, bytes, duration, follow, get, h, runLink, say, table, time } from './lib.js';
import { restorePanel } from './restore.js';
import { timeline } from './timeline.js';

function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

function keyValues(object) {
  if (!object || typeof object !== 'object') {
    return '—';
  }
  return facts(Object.entries(object).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]));
}

function summary(run) {
  return facts([
    ['Plan', h('a', { href: '#/runs?plan=' + encodeURIComponent(run.plan) }, run.plan)],
    ['Type', run.type.toLowerCase().replace('_', ' ')],
    ['State', badge(run.state)],
    ['Phase', run.phase],
    ['Label', run.label],
    ['Pinned', run.pinned ? 'yes' : 'no'],
    ['Created', time(run.createdAt)],
    ['Ended', run.endedAt ? time(run.endedAt) : null],
    ['Duration', run.durationMillis !== undefined ? duration(run.durationMillis) : null],
    ['Consistency point', run.consistencyPoint ? time(run.consistencyPoint) : null],
    ['Size', run.type === 'BACKUP' ? bytes(run.bytes) : null],
    ['Backup restored', run.sourceRunId ? runLink(run.sourceRunId, run.sourceRunId) : null],
    ['Expiring', run.expiringAt ? time(run.expiringAt) : null],
    ['Expired', run.expiredAt ? [time(run.expiredAt), ' ', run.expiryReason || ''] : null],
    ['Error', run.error ? h('span', { class: 'error' }, run.error) : null],
  ]);
}

function artifacts(run) {
  // A backup's artifacts are what its BACKUP steps wrote (its VERIFY steps re-read the same keys); other runs name
  // the artifacts they read.
  const rows = (run.steps || []).filter((s) => s.artifact && (run.type !== 'BACKUP' || s.action === 'BACKUP')).map((s) => [
    s.store, s.action.toLowerCase(), s.database || '—', h('span', { class: 'mono' }, s.artifact), bytes(s.bytes),
    s.sha256 ? h('span', { class: 'mono hash' }, s.sha256) : '—']);
  return rows.length
    ? table('Artifacts in the repository', ['Store', 'Step', 'Database', 'Key', 'Size', 'SHA-256'], rows, { id: 'artifacts' })
    : '';
}

function references(run) {
  const refs = (run.evidence && run.evidence.references) || [];
  if (!refs.length) {
    return '';
  }
  return table('Reference check: keys the SQL snapshot names, looked up in the object manifest',
    ['Objects store', 'References', 'Dangling', 'Orphans'],
    refs.map((r) => [r.objects, r.references ?? '—',
      h('span', { class: r.dangling === '0' ? 'ok' : 'bad' }, r.dangling ?? '—'), r.orphans ?? '—']),
    { id: 'references' });
}

function progress(run) {
  const active = (run.steps || []).filter((s) => !TERMINAL.has(run.state) && s.items !== undefined && !s.endedAt);
  return active.length
    ? h('ul', { class: 'progress', 'aria-label': 'Progress' }, active.map((s) => h('li', null,
      s.store + ' ' + s.action.toLowerCase() + ': ' + s.items + ' items, ' + bytes(s.bytes), s.progressAt ? [' at ', time(s.progressAt)] : '')))
    : '';
}

function verification(run, related) {
  const parts = [];
  if (run.type === 'BACKUP') {
    parts.push(facts([
      ['Drill-verified', run.verified ? h('span', { class: 'ok' }, 'yes') : 'no'],
      ['Verified at', run.verifiedAt ? time(run.verifiedAt) : null],
    ]));
    if (run.verification) {
      parts.push(keyValues(run.verification));
    }
  }
  if (run.type === 'DRILL' && run.result) {
    parts.push(facts([['RTO', duration(run.result.rtoMillis)]]), keyValues(run.result));
  }
  if (related.length) {
    parts.push(table('Restores, drills and dry runs of this backup', ['Run', 'Type', 'State', 'Created', 'RTO'],
      related.map((r) => [runLink(r.id, r.id), r.type.toLowerCase().replace('_', ' '), badge(r.state), time(r.createdAt),
        r.result && r.result.rtoMillis !== undefined ? duration(r.result.rtoMillis) : '—']), { id: 'related' }));
  }
  return parts.length ? h('section', { 'aria-labelledby': 'verify-title' }, h('h3', { id: 'verify-title' }, 'Verification and drills'), parts) : '';
}

function body(run, related) {
  return [
    summary(run),
    progress(run),
    h('section', { 'aria-labelledby': 'timeline-title' }, h('h3', { id: 'timeline-title' }, 'Timeline'),
      (run.steps || []).length ? timeline(run, Date.now()) : h('p', null, 'No steps yet.')),
    h('section', { 'aria-labelledby': 'evidence-title' }, h('h3', { id: 'evidence-title' }, 'Artifacts and evidence'),
      artifacts(run), references(run)),
    verification(run, related),
    run.type === 'DRY_RUN' && run.result ? h('section', null, h('h3', null, 'Dry-run report'), keyValues(run.result)) : '',
  ];
}

export async function runView(id, signal) {
  const run = await get('/runs/' + id, signal);
  const related = run.type === 'BACKUP'
    ? (await get('/runs?limit=200&plan=' + encodeURIComponent(run.plan), signal)).filter((r) => r.sourceRunId === run.id)
    : [];
  const live = h('span', { class: 'live', id: 'live', hidden: TERMINAL.has(run.state) }, '● live');
  const content = h('div', { id: 'run-body' }, body(run, related));
  const page = h('section', { 'aria-labelledby': 'run-title', class: 'run' },
    h('h2', { id: 'run-title' }, run.type === 'DRY_RUN' ? 'Dry run ' : run.type.charAt(0) + run.type.slice(1).toLowerCase() + ' run ',
      h('span', { class: 'mono' }, run.id), ' ', live),
    content,
    restorePanel(run, signal));
  if (!TERMINAL.has(run.state)) {
    follow(id, (next) => {
      content.replaceChildren(...body(next, related));
      live.hidden = TERMINAL.has(next.state);
      if (TERMINAL.has(next.state)) {
        say('The run ended ' + next.state + '.');
      }
    }, signal).catch((e) => {
      if (!signal.aborted) {
        say('Live updates stopped: ' + e.message);
      }
    });
  }
  return page;
}
