// Restoring a backup from its page (admins only; the API refuses anyone else too): a dry run first, its report,
// then an explicit confirmation before the restore starts.
import { TERMINAL, api, bytes, follow, h, say, session, table } from './lib.js';

function report(result) {
  const stores = (result.stores || []).map((s) => [s.store, s.kind, s.database || '—',
    h('span', { class: 'mono' }, Object.entries(s.findings || {}).map(([k, v]) => k + '=' + v).join(', '))]);
  return h('div', { class: 'report', id: 'dry-run-report' },
    h('h4', null, 'What a restore would do'),
    h('ul', { class: 'plan-steps' }, (result.steps || []).map((s) => h('li', null, s))),
    h('dl', { class: 'facts' },
      h('dt', null, 'Bytes to transfer'), h('dd', null, bytes(result.bytesToTransfer)),
      h('dt', null, 'Objects to copy'), h('dd', null, String(result.objectsToCopy ?? 0)),
      h('dt', null, 'Databases replaced'), h('dd', null, (result.databasesToReplace || []).join(', ') || 'none'),
      h('dt', null, 'Indices replaced'), h('dd', null, (result.indicesToReplace || []).join(', ') || 'none')),
    stores.length ? table('What each agent found', ['Store', 'Kind', 'Database', 'Findings'], stores) : '');
}

async function dryRun(run, signal) {
  const reply = await api('POST', '/runs/' + run.id + '/restore', { dryRun: true }, signal);
  let dry = reply.body;
  if (!TERMINAL.has(dry.state)) {
    say('The agents are still inspecting; following dry run ' + dry.id + '.');
    await follow(dry.id, (next) => { dry = next; }, signal);
  }
  return dry;
}

function confirmation(run, signal) {
  const box = h('input', { type: 'checkbox', id: 'confirm-check' });
  const go = h('button', { type: 'button', id: 'confirm-restore', class: 'danger', disabled: true }, 'Restore now');
  box.addEventListener('change', () => { go.disabled = !box.checked; });
  go.addEventListener('click', async () => {
    go.disabled = true;
    try {
      const started = (await api('POST', '/runs/' + run.id + '/restore', {}, signal)).body;
      say('Restore ' + started.id + ' started.');
      location.hash = '#/runs/' + started.id;
    } catch (e) {
      say('The restore was refused: ' + e.message);
      go.disabled = false;
    }
  });
  return h('div', { class: 'confirm' },
    h('label', { for: 'confirm-check' }, box, ' Replace the live stores of plan ', run.plan, ' with this backup'),
    ' ', go);
}

export function restorePanel(run, signal) {
  if (run.type !== 'BACKUP' || run.state !== 'CONSISTENT' || run.expiredAt) {
    return '';
  }
  const panel = h('section', { 'aria-labelledby': 'restore-title', class: 'restore', id: 'restore' },
    h('h3', { id: 'restore-title' }, 'Restore'));
  if (!session.may('admin')) {
    panel.append(h('p', { id: 'restore-denied' }, 'Restores need the admin role; you are signed in as ' + session.role + '.'));
    return panel;
  }
  const out = h('div', { 'aria-live': 'polite' });
  const start = h('button', { type: 'button', id: 'dry-run' }, 'Dry run a restore');
  start.addEventListener('click', async () => {
    start.disabled = true;
    out.replaceChildren(h('p', null, 'Asking the agents what a restore would do…'));
    try {
      const dry = await dryRun(run, signal);
      if (dry.state !== 'SUCCEEDED') {
        out.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'The dry run ended ' + dry.state + ': ' + (dry.error || '')));
      } else {
        out.replaceChildren(report(dry.result || {}), confirmation(run, signal));
        say('Dry run done: read the report, then confirm the restore.');
      }
    } catch (e) {
      out.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'The dry run failed: ' + e.message));
    } finally {
      start.disabled = false;
    }
  });
  panel.append(h('p', null, 'A dry run asks each agent what a restore in place would transfer and replace; nothing changes.'),
    start, out);
  return panel;
}
