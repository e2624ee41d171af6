// Pages fetched when first opened: a member downloads only the code of the pages they use,
// which keeps the client's first load small. Each route shows skeleton rows meanwhile, then
// the page, and takes focus to its heading as the shell does after a navigation.
import { h } from '../vendor/preact.mjs';
import { useEffect, useState } from '../vendor/preact-hooks.mjs';
import { Skeleton } from './components.js';
import { html } from './html.js';
import { t } from './i18n.js';

// The page the client started on is not a navigation: focus stays where the browser put it.
const startPath = window.location.pathname;
let started = false;

export function lazyPage(load, name) {
  let loaded = null;
  return function LazyPage(props) {
    const [page, setPage] = useState(() => loaded);
    const [failed, setFailed] = useState(null);
    useEffect(() => {
      if (page) return;
      load()
        .then((module) => {
          loaded = module[name];
          setPage(() => loaded);
        })
        .catch(setFailed);
    }, []);
    useEffect(() => {
      if (!page) return;
      const initial = !started && window.location.pathname === startPath;
      started = true;
      if (initial) return;
      // After a navigation the shell looked for the heading before the page was there.
      const active = document.activeElement;
      if (!active || active === document.body || active.id === 'main') {
        const heading = document.querySelector('main h1');
        if (heading) heading.focus();
      }
    }, [page]);
    if (failed) return html`<div class="notice warning" role="alert"><p>${t('error.network')}</p></div>`;
    return page ? h(page, props) : html`<${Skeleton} rows=${4} />`;
  };
}
