// Client-side routes on the history API. Links inside the client are ordinary <a href>s; a
// click on one is turned into a navigation without reloading the page.
import { signal } from '../vendor/signals.mjs';

function here() {
  const { pathname, search, hash } = window.location;
  return { path: pathname, query: new URLSearchParams(search), hash };
}

export const currentLocation = signal(here());

export function navigate(to, { replace = false } = {}) {
  const method = replace ? 'replaceState' : 'pushState';
  window.history[method](null, '', to);
  currentLocation.value = here();
}

window.addEventListener('popstate', () => {
  currentLocation.value = here();
});

const SERVER_PATHS = /^\/(api|docs|static|healthz|readyz|ws)(\/|$)/;

document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  if (!link || link.target || link.hasAttribute('download')) return;
  const url = new URL(link.href, window.location.href);
  if (url.origin !== window.location.origin || SERVER_PATHS.test(url.pathname)) return;
  if (url.pathname === window.location.pathname && url.search === window.location.search && url.hash) {
    return; // a link within the page: the browser scrolls to it
  }
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});

function compile(pattern) {
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  return { regex: new RegExp(`^${source}/?$`), names };
}

/** A route table: [{path: '/threads/:id', ...}] -> match(path) -> {route, params} | null. */
export function routeTable(routes) {
  const compiled = routes.map((route) => ({ route, ...compile(route.path) }));
  return (path) => {
    for (const { route, regex, names } of compiled) {
      const found = regex.exec(path);
      if (found) {
        const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1])]));
        return { route, params };
      }
    }
    return null;
  };
}

let matchRoute = () => null;

/** The client's routes, once, at start-up. */
export function useRoutes(routes) {
  matchRoute = routeTable(routes);
  return matchRoute;
}

/** Whether the client has a page for this link (links to pages not built yet stay text). */
export function isClientRoute(href) {
  const url = new URL(href, window.location.origin);
  return url.origin === window.location.origin && matchRoute(url.pathname) !== null;
}
