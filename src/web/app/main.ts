/** The dashboard: sign-in, then a hash-routed shell (tasks, a task, speak, voices, account). */
import { GenqApiError, type Genq } from '../../sdk/index.js';
import { announce, h, replace } from './dom.js';
import { clientFor, forgetKey, storedKey, storeKey } from './session.js';
import { renderSignIn } from './views/signin.js';
import { tasksView } from './views/tasks.js';
import { taskView } from './views/task.js';
import { speakView } from './views/speak.js';
import { voicesView } from './views/voices.js';
import { accountView } from './views/account.js';
import type { View, ViewContext } from './view.js';

const ROUTES: Array<{ pattern: RegExp; view: View; nav: string; keys?: string[] }> = [
  { pattern: /^\/?$/, view: tasksView, nav: 'tasks' },
  { pattern: /^\/tasks$/, view: tasksView, nav: 'tasks' },
  { pattern: /^\/tasks\/([^/]+)$/, view: taskView, nav: 'tasks', keys: ['id'] },
  { pattern: /^\/speak$/, view: speakView, nav: 'speak' },
  { pattern: /^\/voices$/, view: voicesView, nav: 'voices' },
  { pattern: /^\/account$/, view: accountView, nav: 'account' },
];

const NAV = [
  { id: 'tasks', href: '#/tasks', label: 'Tasks' },
  { id: 'speak', href: '#/speak', label: 'Speak' },
  { id: 'voices', href: '#/voices', label: 'Voices' },
  { id: 'account', href: '#/account', label: 'Account' },
];

const root = document.getElementById('app')!;

function signIn(message?: string): void {
  document.title = 'Sign in · genq';
  replace(root, renderSignIn({
    message,
    async onSubmit(key) {
      const genq = clientFor(key);
      await genq.account.get(); // throws GenqApiError 401 for a bad key
      storeKey(key);
      startShell(genq);
    },
  }));
}

function startShell(genq: Genq): void {
  const credits = h('span', { class: 'credits', title: 'Credit balance' }, '…');
  const navLinks = NAV.map((n) => h('a', { href: n.href, class: 'nav-link', dataset: { nav: n.id } }, n.label));
  const main = h('main', { id: 'main', tabindex: -1 });
  const signOut = h('button', { type: 'button', class: 'button ghost small', onclick: () => { forgetKey(); location.hash = ''; signIn('Signed out. Your key was removed from this browser.'); } }, 'Sign out');
  replace(root,
    h('a', { href: '#main', class: 'skip-link' }, 'Skip to content'),
    h('header', { class: 'topbar' },
      h('div', { class: 'topbar-inner' },
        h('a', { href: '#/tasks', class: 'brand', 'aria-label': 'genq home' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'genq'),
        h('nav', { class: 'nav', 'aria-label': 'Main' }, navLinks),
        h('div', { class: 'topbar-right' },
          h('a', { href: '#/account', class: 'credits-link', 'aria-label': 'Credits' }, credits),
          h('a', { href: '/docs', class: 'nav-link' }, 'API docs'),
          signOut,
        ),
      ),
    ),
    main,
  );

  const refreshAccount = () => {
    genq.account.get().then(
      (a) => (credits.textContent = `${a.credits_balance.toLocaleString()} credits`),
      (e) => {
        if (e instanceof GenqApiError && e.status === 401) {
          forgetKey();
          signIn('That API key is no longer accepted (revoked?). Sign in with another one.');
        }
      },
    );
  };
  refreshAccount();

  let current: AbortController | null = null;
  const route = () => {
    const path = location.hash.replace(/^#/, '').split('?')[0] ?? '';
    const query = new URLSearchParams(location.hash.split('?')[1] ?? '');
    const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m);
    current?.abort();
    current = new AbortController();
    if (!match) {
      replace(main, h('div', { class: 'page' }, h('h1', null, 'Not found'), h('p', null, h('a', { href: '#/tasks', class: 'link' }, 'Back to tasks'))));
      return;
    }
    const params: Record<string, string> = {};
    (match.r.keys ?? []).forEach((k, i) => (params[k] = decodeURIComponent(match.m![i + 1]!)));
    for (const a of navLinks) {
      if (a.dataset.nav === match.r.nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const ctx: ViewContext = { genq, signal: current.signal, params, query, navigate: (hash) => (location.hash = hash), refreshAccount };
    document.title = `${match.r.view.title} · genq`;
    replace(main, match.r.view.render(ctx));
    // move focus to the new page's heading, so keyboard and screen-reader users land on it
    const heading = main.querySelector('h1');
    if (heading && document.activeElement !== document.body) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
    announce(match.r.view.title);
    window.scrollTo(0, 0);
  };
  window.onhashchange = route;
  route();
}

const key = storedKey();
if (key) startShell(clientFor(key));
else signIn();
