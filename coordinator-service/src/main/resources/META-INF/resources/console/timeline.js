// A run's steps as a Gantt chart: one lane per store, one bar per step, with the quiesce window, the SQL
// consistency point and the object listings' starts drawn across all lanes, and the ordering checks in words.
import { duration, h, time } from './lib.js';

const at = (iso) => (iso ? Date.parse(iso) : null);

function stepStart(step) {
  return at(step.startedAt) || at(step.acceptedAt) || at(step.dispatchedAt);
}

/** The marks drawn across the lanes, from the run's evidence. */
export function marks(run) {
  const e = run.evidence || {};
  const result = [];
  for (const q of e.quiesce || []) {
    if (q.acknowledgedAt) {
      result.push({
        kind: 'quiesce', from: at(q.acknowledgedAt), to: at(q.releasedAt || q.releaseRequestedAt), store: q.store,
        text: 'Quiesce window of ' + q.store,
      });
    }
  }
  if (run.consistencyPoint) {
    result.push({ kind: 'consistency', from: at(run.consistencyPoint), text: 'SQL consistency point' });
  }
  for (const o of e.objectListings || []) {
    if (o.listingStartedAt) {
      result.push({ kind: 'listing', from: at(o.listingStartedAt), store: o.store, text: 'Object listing of ' + o.store + ' starts' });
    }
  }
  return result;
}

/** The ordering rules the marks prove, as sentences with a pass or fail each. */
function checks(run, all) {
  const point = all.find((m) => m.kind === 'consistency');
  const lines = [];
  for (const q of all.filter((m) => m.kind === 'quiesce')) {
    if (point) {
      lines.push([point.from >= q.from, 'the SQL consistency point falls after ' + q.store + ' was quiesced']);
      if (q.to) {
        lines.push([q.to >= point.from, q.store + ' was released after the SQL consistency point']);
      }
    }
  }
  for (const l of all.filter((m) => m.kind === 'listing')) {
    if (point) {
      lines.push([l.from >= point.from, 'the listing of ' + l.store + ' started after the SQL consistency point']);
    }
  }
  return lines;
}

export function timeline(run, now) {
  const steps = run.steps || [];
  const running = !['CONSISTENT', 'FAILED', 'CANCELLED', 'SUCCEEDED'].includes(run.state);
  const all = marks(run);
  const times = [at(run.createdAt), at(run.endedAt)];
  for (const s of steps) {
    times.push(at(s.dispatchedAt), stepStart(s), at(s.endedAt));
  }
  for (const m of all) {
    times.push(m.from, m.to);
  }
  if (running) {
    times.push(now);
  }
  const known = times.filter((t) => typeof t === 'number' && Number.isFinite(t));
  const t0 = Math.min(...known);
  const t1 = Math.max(t0 + 1, ...known);
  const pct = (t) => (((t - t0) / (t1 - t0)) * 100).toFixed(3) + '%';

  const lanes = new Map();
  for (const s of steps) {
    if (!lanes.has(s.store)) {
      lanes.set(s.store, []);
    }
    lanes.get(s.store).push(s);
  }
  const rows = [];
  for (const [store, laneSteps] of lanes) {
    rows.push(h('div', { class: 'lane-name', role: 'rowheader' }, store));
    laneSteps.sort((a, b) => (stepStart(a) || Infinity) - (stepStart(b) || Infinity));
    for (const s of laneSteps) {
      const start = stepStart(s);
      const end = at(s.endedAt) || (running ? now : start);
      const label = s.action + (s.database ? ' ' + s.database : '');
      const span = start ? duration(end - start) : 'not started';
      const description = store + ': ' + label + ', ' + s.state.toLowerCase() + ', ' + span;
      const left = start ? pct(start) : '0%';
      const width = start ? Math.max(((end - start) / (t1 - t0)) * 100, 0.6).toFixed(3) + '%' : '0.6%';
      rows.push(
        h('div', { class: 'step-label' }, label),
        h('div', { class: 'track' },
          h('div', {
            class: 'bar state-' + s.state.toLowerCase() + (start ? '' : ' pending'),
            style: 'left:' + left + ';width:' + width,
            'data-step': s.id,
            role: 'img',
            'aria-label': description,
            title: description,
          }, h('span', { class: 'bar-text' }, span))));
    }
  }
  const overlay = h('div', { class: 'marks', 'aria-hidden': 'true' }, all.map((m) => h('div', {
    class: 'mark mark-' + m.kind,
    style: 'left:' + pct(m.from) + (m.kind === 'quiesce' ? ';width:' + (((((m.to || (running ? now : m.from)) - m.from) / (t1 - t0)) * 100).toFixed(3)) + '%' : ''),
    title: m.text,
  })));
  const legend = h('ul', { class: 'legend' },
    all.map((m) => h('li', null, h('span', { class: 'swatch mark-' + m.kind }), ' ', m.text, ': ', time(new Date(m.from).toISOString()),
      m.to ? [' to ', time(new Date(m.to).toISOString()), ' (' + duration(m.to - m.from) + ')'] : '')));
  const verdicts = checks(run, all);
  return h('figure', { class: 'timeline', id: 'timeline' },
    h('figcaption', null, 'Timeline of the steps, ', time(new Date(t0).toISOString()), ' to ',
      time(new Date(t1).toISOString()), ' (' + duration(t1 - t0) + ')'),
    h('div', { class: 'gantt' }, overlay, rows),
    legend,
    verdicts.length
      ? h('ul', { class: 'checks', 'aria-label': 'Ordering checks' },
        verdicts.map(([ok, text]) => h('li', { class: ok ? 'ok' : 'bad' }, ok ? '✓ ' : '✗ ', text)))
      : '');
}
