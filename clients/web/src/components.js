// Shared pieces of pages: the page frame, form fields with hints and errors (GOV.UK
// pattern: a summary at the top linking to each field, the message again by the field).
import { useEffect, useRef } from '../vendor/preact-hooks.mjs';
import { html } from './html.js';
import { t } from './i18n.js';

/** Sets the document title; the shell moves focus to the <h1> after a navigation. */
export function Page({ title, children }) {
  useEffect(() => {
    document.title = `${title} – canet`;
  }, [title]);
  return html`<h1 tabindex="-1">${title}</h1>${children}`;
}

/** The API's message for a problem, in the member's language where the catalog knows it. */
export function problemMessage(error) {
  if (!error) return '';
  if (error.status === 0) return t('error.network');
  const minutes = Math.max(1, Math.ceil((error.retryAfter || 60) / 60));
  const key = `problem.${error.code}`;
  const known = t(key, { minutes, count: minutes });
  if (known !== key) return known;
  return error.detail || t('error.generic');
}

const REQUIRED = [/^Field required$/, /^String should have at least 1 character/];

/** One field's message from the API, with the usual "required" wording translated. */
export function fieldMessage(message) {
  if (REQUIRED.some((pattern) => pattern.test(message))) return t('error.required');
  if (/not a valid email address/.test(message)) return t('error.email');
  return message;
}

/** {field: message} from a problem's errors[], for the fields this form has. */
export function fieldErrors(error, fields) {
  const found = {};
  for (const item of (error && error.errors) || []) {
    const name = String(item.field || '').split('.')[0];
    if (fields.includes(name) && !found[name]) found[name] = fieldMessage(item.message);
  }
  return found;
}

export function ErrorSummary({ error, fields = {}, labels = {} }) {
  const ref = useRef(null);
  useEffect(() => {
    if (error && ref.current) ref.current.focus();
  }, [error]);
  if (!error) return null;
  const entries = Object.entries(fields);
  const focusField = (event, name) => {
    event.preventDefault();
    const input = document.getElementById(`field-${name}`);
    if (input) {
      input.scrollIntoView({ block: 'center' });
      input.focus();
    }
  };
  return html`
    <div class="error-summary" role="alert" tabindex="-1" ref=${ref} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">${t('error.summary')}</h2>
      <ul>
        ${entries.length === 0 ? html`<li>${problemMessage(error)}</li>` : null}
        ${entries.map(
          ([name, message]) =>
            html`<li><a href=${`#field-${name}`} onClick=${(e) => focusField(e, name)}>${labels[name] ? `${labels[name]}: ` : ''}${message}</a></li>`,
        )}
      </ul>
    </div>
  `;
}

/** A labelled input, select or textarea with an optional hint and the API's error. */
export function Field({
  name,
  label,
  hint,
  error,
  value,
  onInput,
  type = 'text',
  as = 'input',
  optional = false,
  children,
  ...rest
}) {
  const id = `field-${name}`;
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  const common = {
    id,
    name,
    value,
    'aria-describedby': described || undefined,
    'aria-invalid': error ? 'true' : undefined,
    onInput: (event) => onInput(event.currentTarget.value),
    ...rest,
  };
  let control;
  if (as === 'select') control = html`<select ...${common} onChange=${common.onInput}>${children}</select>`;
  else if (as === 'textarea') control = html`<textarea ...${common}></textarea>`;
  else control = html`<input type=${type} ...${common} />`;
  return html`
    <div class=${error ? 'field has-error' : 'field'}>
      <label for=${id}>${label}${optional ? html` <span class="optional">${t('form.optional')}</span>` : null}</label>
      ${hint ? html`<span class="hint" id=${`${id}-hint`}>${hint}</span>` : null}
      ${error ? html`<span class="error-message" id=${`${id}-error`}><span class="visually-hidden">${t('error.prefix')} </span>${error}</span>` : null}
      ${control}
    </div>
  `;
}

export function Button({ busy = false, children, class: className = 'button', ...rest }) {
  return html`<button class=${className} aria-busy=${busy ? 'true' : undefined} ...${rest}>${children}</button>`;
}

export function Skeleton({ rows = 3 }) {
  return html`<div role="status" aria-live="polite"><span class="visually-hidden">${t('state.loading')}</span>${Array.from(
    { length: rows },
    (_, i) => html`<div class="skeleton" key=${i}></div>`,
  )}</div>`;
}

const ENTITY = /&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi;
const NAMED = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescape(text) {
  return text.replace(ENTITY, (whole, name) => {
    const lower = name.toLowerCase();
    if (lower in NAMED) return NAMED[lower];
    const code = lower.startsWith('#x') ? Number.parseInt(lower.slice(2), 16) : Number.parseInt(lower.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/**
 * The API's snippet (HTML-escaped text with matches in <mark>...</mark>) as text and <mark>
 * elements. It is never parsed as HTML: split on the two tags, every piece rendered as text,
 * so nothing else in a snippet can ever become markup.
 */
export function snippetParts(snippet) {
  const parts = [];
  let marked = false;
  for (const piece of String(snippet || '').split(/(<mark>|<\/mark>)/)) {
    if (piece === '<mark>') marked = true;
    else if (piece === '</mark>') marked = false;
    else if (piece) parts.push({ text: unescape(piece), marked });
  }
  return parts;
}
