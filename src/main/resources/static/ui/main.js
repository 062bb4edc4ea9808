// The knowledge browser: hash routes (#/medicine/atomoxetine) so every page has a URL that can be shared, and the
// server only has to serve static files.
import { h, replace } from './dom.js';
import { homePage } from './pages/home.js';
import { medicinesPage } from './pages/medicines.js';
import { medicinePage } from './pages/medicine.js';
import { guidancePage, planPage, activityPage, libraryPage } from './pages/guidance.js';
import { terminologyPage, valueSetPage, lookupPage, translatePage, codeSystemPage } from './pages/terminology.js';
import { tryItPage } from './pages/tryit.js';
import { sourcePage } from './pages/source.js';
import { currentRoute } from './route.js';

const routes = [
  [/^\/?$/, homePage, null],
  [/^\/medicines$/, medicinesPage, 'medicines'],
  [/^\/medicine\/([^/]+)$/, medicinePage, 'medicines'],
  [/^\/guidance$/, guidancePage, 'guidance'],
  [/^\/plan\/([^/]+)$/, planPage, 'guidance'],
  [/^\/activity\/([^/]+)$/, activityPage, 'guidance'],
  [/^\/library\/([^/]+)$/, libraryPage, 'guidance'],
  [/^\/terminology$/, terminologyPage, 'terminology'],
  [/^\/valueset\/([^/]+)$/, valueSetPage, 'terminology'],
  [/^\/codesystem\/([^/]+)$/, codeSystemPage, 'terminology'],
  [/^\/lookup$/, lookupPage, 'terminology'],
  [/^\/translate$/, translatePage, 'terminology'],
  [/^\/try$/, tryItPage, 'try'],
  [/^\/source\/([^/]+)$/, sourcePage, 'medicines'],
];

let renderCount = 0;

async function render() {
  const main = document.getElementById('main');
  const { path, params } = currentRoute();
  const match = routes.map(([pattern, page, section]) => [pattern.exec(path), page, section]).find(([m]) => m);
  const ticket = ++renderCount;
  const started = performance.now();
  document.querySelectorAll('nav a[data-section]').forEach((a) => {
    if (match && a.dataset.section === match[2]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  main.setAttribute('aria-busy', 'true');
  main.dataset.ready = 'false';
  delete main.dataset.route;
  replace(main, h('p', { class: 'loading' }, 'Loading…'));
  try {
    if (!match) {
      replace(main, h('h1', null, 'Page not found'), h('p', null, 'No page has the address ', h('code', null, location.hash), '. ',
        h('a', { href: '#/' }, 'Go to the start page'), '.'));
      document.title = 'Not found · adhdkb';
    } else {
      const [m, page] = match;
      const args = m.slice(1).map(decodeURIComponent);
      const content = await page(...args, params);
      if (ticket !== renderCount) return; // a newer navigation has started
      replace(main, content.node || content);
      document.title = `${content.title || 'adhdkb'} · adhdkb knowledge browser`;
    }
  } catch (error) {
    if (ticket !== renderCount) return;
    console.warn('page failed', error);
    replace(main, h('h1', null, 'This page could not be shown'),
      h('p', { class: 'error', role: 'alert' }, error.status ? `The server answered ${error.status}: ${error.message}` : String(error.message || error)));
    document.title = 'Error · adhdkb';
  }
  const band = params.get('band');
  const target = band && document.getElementById(`band-${band}`);
  if (target) {
    target.classList.add('highlight');
    target.scrollIntoView({ block: 'center' });
  }
  main.setAttribute('aria-busy', 'false');
  // How long this page took (bench/ui reads these): from the start of rendering, and since the document's navigation.
  main.dataset.renderMs = (performance.now() - started).toFixed(1);
  main.dataset.readyAtMs = performance.now().toFixed(1);
  main.dataset.route = path;
  main.dataset.ready = 'true';
  if (!params.has('keepfocus')) {
    const heading = main.querySelector('h1');
    if (heading && renderCount > 1 && !target) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: false });
    }
  }
  window.dispatchEvent(new CustomEvent('adhdkb:ready', { detail: { path } }));
}

window.addEventListener('hashchange', () => {
  // Pages change their own query (filters, try-it state) with history.replaceState, which fires no hashchange.
  render();
});

document.getElementById('skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main').focus();
});

render();
