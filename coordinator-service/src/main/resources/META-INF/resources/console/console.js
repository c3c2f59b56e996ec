// The console's entry point: sign-in (the token kept in sessionStorage, never in an address), then hash routes:
// #/plans, #/runs (with filters in the route), #/runs/<id>.
import { ApiError, get, h, say, session } from './lib.js';
import { plansView } from './plans.js';
import { runsView } from './runs.js';
import { runView } from './run.js';

const view = document.getElementById('view');
let current = null; // the AbortController of the shown view (streams and pending calls)

function showSignIn(message) {
  document.getElementById('nav').hidden = true;
  document.getElementById('session').hidden = true;
  view.replaceChildren(document.getElementById('sign-in').content.cloneNode(true));
  say(message);
  const form = document.getElementById('sign-in-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    session.set(form.token.value.trim());
    form.token.value = '';
    await start();
  });
  document.getElementById('token').focus();
}

async function start() {
  if (!session.token()) {
    showSignIn();
    return;
  }
  try {
    const me = await get('/me');
    session.role = me.role;
    session.subject = me.subject;
  } catch (e) {
    session.clear();
    showSignIn(e instanceof ApiError && e.status === 401 ? 'That token was not accepted.' : 'Sign-in failed: ' + e.message);
    return;
  }
  document.getElementById('who').replaceChildren(
    h('span', { class: 'mono' }, session.subject), ' · ', h('span', { class: 'role', id: 'role' }, session.role));
  document.getElementById('nav').hidden = false;
  document.getElementById('session').hidden = false;
  say('');
  await route();
}

async function route() {
  if (!session.role) {
    return;
  }
  if (current) {
    current.abort();
  }
  current = new AbortController();
  const signal = current.signal;
  const [path, query] = (location.hash.slice(1) || '/plans').split('?');
  const params = new URLSearchParams(query || '');
  for (const link of document.querySelectorAll('#nav a')) {
    if (path.startsWith(link.getAttribute('href').slice(1))) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  view.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  try {
    let content;
    const run = path.match(/^\/runs\/([0-9a-fA-F-]{36})$/);
    if (run) {
      content = await runView(run[1], signal);
    } else if (path === '/runs') {
      content = await runsView(params, signal);
    } else {
      content = await plansView(signal);
    }
    if (!signal.aborted) {
      view.replaceChildren(content);
    }
  } catch (e) {
    if (signal.aborted) {
      return;
    }
    if (e instanceof ApiError && e.status === 401) {
      session.clear();
      session.role = null;
      showSignIn('The token is no longer accepted; sign in again.');
      return;
    }
    view.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'Could not load this page: ' + e.message));
  }
}

document.getElementById('sign-out').addEventListener('click', () => {
  session.clear();
  session.role = null;
  if (current) {
    current.abort();
  }
  showSignIn('Signed out.');
});
window.addEventListener('hashchange', route);
start();
