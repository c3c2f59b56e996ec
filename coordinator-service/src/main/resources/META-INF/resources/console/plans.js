// Plans: each plan's last consistent backup and its age against the schedule, the next fires, retention and pins.
import { duration, get, h, runLink, table, time } from './lib.js';

/** green / amber / red: the last consistent backup's age against the plan's schedule interval. */
export function freshness(plan, last, now) {
  const next = plan.nextRuns || [];
  if (next.length < 2) {
    return last ? { level: 'none', text: 'manual' } : { level: 'none', text: 'no backup yet' };
  }
  if (!last) {
    return { level: 'red', text: 'no consistent backup' };
  }
  const interval = Date.parse(next[1]) - Date.parse(next[0]);
  const age = now - Date.parse(last.consistencyPoint || last.endedAt || last.createdAt);
  if (age <= interval * 1.5) {
    return { level: 'green', text: 'on schedule' };
  }
  if (age <= interval * 3) {
    return { level: 'amber', text: 'a backup missed' };
  }
  return { level: 'red', text: 'several backups missed' };
}

function retention(value) {
  if (!value || typeof value !== 'object' || Object.keys(value).length === 0) {
    return 'keep all';
  }
  return h('dl', { class: 'inline' }, Object.entries(value).map(([k, v]) => [
    h('dt', null, k), h('dd', null, typeof v === 'object' ? JSON.stringify(v) : String(v))]));
}

export async function plansView(signal) {
  const plans = await get('/plans', signal);
  const now = Date.now();
  const rows = await Promise.all(plans.map(async (plan) => {
    const name = encodeURIComponent(plan.name);
    const [consistent, backups] = await Promise.all([
      get('/runs?type=backup&state=CONSISTENT&limit=1&plan=' + name, signal),
      get('/runs?type=backup&limit=500&plan=' + name, signal),
    ]);
    const last = consistent[0];
    const fresh = freshness(plan, last, now);
    const pins = backups.filter((r) => r.pinned);
    return [
      h('a', { href: '#/runs?plan=' + name }, plan.name),
      (plan.stores || []).join(', '),
      plan.schedule ? h('span', { class: 'mono' }, plan.schedule + (plan.timezone ? ' (' + plan.timezone + ')' : '')) : 'manual',
      last ? h('span', null, runLink(last.id), ' ', time(last.consistencyPoint)) : '—',
      h('span', { class: 'fresh fresh-' + fresh.level },
        last ? duration(now - Date.parse(last.consistencyPoint || last.endedAt)) + ' · ' : '', fresh.text),
      plan.nextRuns && plan.nextRuns.length ? time(plan.nextRuns[0]) : '—',
      retention(plan.retention),
      pins.length ? h('span', null, String(pins.length), ' ', pins.slice(0, 3).map((r) => [runLink(r.id), ' '])) : '0',
    ];
  }));
  return h('section', { 'aria-labelledby': 'plans-title' },
    h('h2', { id: 'plans-title' }, 'Plans'),
    plans.length === 0
      ? h('p', null, 'No plans yet. Create one with PUT /api/v1/plans/{name} or the lockstep CLI.')
      : table('Each plan\'s last consistent backup; its age is judged against the schedule\'s interval.',
        ['Plan', 'Stores', 'Schedule', 'Last consistent backup', 'Age', 'Next fire', 'Retention', 'Pinned'],
        rows, { class: 'plans', id: 'plans' }));
}
