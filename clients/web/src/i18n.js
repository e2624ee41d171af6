// Message catalogs (i18n/*.json), plural rules, dates and numbers through Intl, and the
// document's lang and dir. Components that call t() re-render when the language changes.
import { signal } from '../vendor/signals.mjs';

export const LANGUAGES = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'fr', name: 'Français', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
];
const STORAGE_KEY = 'canet.language'; // a preference, never anything about the session

export const language = signal('en');
const catalogs = {};

// One catalog file per area of the client (i18n/<area>.<language>.json), so that each part
// of the client keeps its own strings. English has every area; another language may lack
// some (Arabic is partial) and falls back to English key by key.
const AREAS = ['core', 'directory', 'forums', 'live', 'account', 'cases', 'vetting', 'audit', 'admin', 'catalogue', 'library'];

async function loadArea(area, code) {
  const response = await fetch(new URL(`../i18n/${area}.${code}.json`, import.meta.url));
  if (response.status === 404 && code !== 'en') return {};
  if (!response.ok) throw new Error(`catalog ${area}.${code}: ${response.status}`);
  return response.json();
}

async function loadCatalog(code) {
  if (!catalogs[code]) {
    const parts = await Promise.all(AREAS.map((area) => loadArea(area, code)));
    catalogs[code] = Object.assign({}, ...parts);
  }
  return catalogs[code];
}

function preferred() {
  const known = new Set(LANGUAGES.map((l) => l.code));
  let saved = null;
  try {
    saved = window.localStorage.getItem(STORAGE_KEY);
  } catch {
    saved = null;
  }
  if (saved && known.has(saved)) return saved;
  for (const tag of navigator.languages || []) {
    const base = tag.toLowerCase().split('-')[0];
    if (known.has(base)) return base;
  }
  return 'en';
}

export async function setLanguage(code, { remember = true } = {}) {
  const entry = LANGUAGES.find((l) => l.code === code) || LANGUAGES[0];
  await loadCatalog('en'); // the fallback for keys a partial catalog lacks
  await loadCatalog(entry.code);
  document.documentElement.lang = entry.code;
  document.documentElement.dir = entry.dir;
  if (remember) {
    try {
      window.localStorage.setItem(STORAGE_KEY, entry.code);
    } catch {
      // private modes may refuse storage; the choice then lasts for this page only
    }
  }
  language.value = entry.code;
}

export function startI18n() {
  return setLanguage(preferred(), { remember: false });
}

function interpolate(text, params) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const value = params[name];
    return typeof value === 'number' ? formatNumber(value) : String(value);
  });
}

/** t('home.unreadCount', {count: 3}): plural forms are objects keyed by Intl.PluralRules. */
export function t(key, params = {}) {
  const code = language.value;
  let message = (catalogs[code] || {})[key];
  let rulesFor = code;
  if (message === undefined) {
    message = (catalogs.en || {})[key];
    rulesFor = 'en';
  }
  if (message === undefined) return key;
  if (typeof message === 'object') {
    const count = Number(params.count ?? 0);
    const form = count === 0 && message.zero ? 'zero' : new Intl.PluralRules(rulesFor).select(count);
    message = message[form] ?? message.other;
  }
  return interpolate(message, params);
}

// The language's conventions for dates and numbers. English follows the international
// (day month year, 24-hour clock) form the brief asks for, not the United States' one.
const LOCALES = { en: 'en-GB' };

function locale() {
  return LOCALES[language.value] || language.value;
}

export function formatNumber(value) {
  return new Intl.NumberFormat(locale()).format(value);
}

/** "12 March 2026 at 14:05 CET" in the member's language and time zone. */
export function formatDateTime(iso) {
  // Components, not dateStyle/timeStyle: those may not be combined with timeZoneName.
  return new Intl.DateTimeFormat(locale(), {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(iso));
}

export function formatDate(iso) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long' }).format(new Date(iso));
}

const UNITS = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 days ago", "in 2 hours". */
export function relativeTime(iso, now = Date.now()) {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(0, 'minute');
}
