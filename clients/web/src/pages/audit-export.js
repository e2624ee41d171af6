// Export a range of the audit log as JSON lines (verifiable offline) or CSV (spreadsheets).
// The form submits straight to GET /api/v1/audit/events/export, which answers as an
// attachment: the browser streams the file to disk, and the page never holds it.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation } from '../router.js';
import {
  AuditLinks,
  FILTERS,
  TIME_FILTERS,
  When,
  describeFilters,
  filtersFrom,
  isHidden,
  isoOf,
  localInput,
  timeZone,
  useAuthorityNames,
} from './audit-common.js';
import { NotFound } from './notfound.js';

const EXPORT_URL = '/api/v1/audit/events/export';
const NARROWING = FILTERS.filter((name) => !TIME_FILTERS.includes(name));

function TimeField({ name, label, hint, value, onInput }) {
  // No name attribute: the form sends the time in UTC from a hidden field instead.
  const id = `field-${name}`;
  return html`
    <div class="field">
      <label for=${id}>${label} <span class="optional">${t('form.optional')}</span></label>
      <span class="hint" id=${`${id}-hint`}>${hint}</span>
      <input type="datetime-local" id=${id} value=${value} aria-describedby=${`${id}-hint`}
        onInput=${(e) => onInput(e.currentTarget.value)} />
    </div>
  `;
}

/** The newest signed checkpoint, which an export's end reaches to (null if none yet). */
function useNewestCheckpoint() {
  const [state, setState] = useState({ checkpoint: undefined, error: null });
  useEffect(() => {
    let live = true;
    api('GET', '/audit/checkpoints', { query: { limit: 1 } })
      .then((page) => live && setState({ checkpoint: page.items[0] || null, error: null }))
      .catch((error) => live && setState({ checkpoint: undefined, error }));
    return () => {
      live = false;
    };
  }, []);
  return state;
}

export function AuditExport() {
  const applied = filtersFrom(currentLocation.value.query);
  const names = useAuthorityNames();
  const { checkpoint, error } = useNewestCheckpoint();
  const [since, setSince] = useState(localInput(applied.since));
  const [until, setUntil] = useState(localInput(applied.until));
  const [format, setFormat] = useState('jsonl');
  const narrowing = Object.fromEntries(NARROWING.map((name) => [name, applied[name]]));
  const narrowed = NARROWING.some((name) => applied[name]);
  const [keep, setKeep] = useState(true);
  const [started, setStarted] = useState(false);

  if (isHidden(error)) return html`<${NotFound} />`;
  if (checkpoint === undefined && !error) return html`<${Skeleton} rows=${5} />`;

  const sent = { since: isoOf(since), until: isoOf(until), ...(narrowed && keep ? narrowing : {}) };
  const zone = timeZone();
  return html`
    <${Page} title=${t('audit.export.title')}>
      <${AuditLinks} current="/audit/export" />
      <p class="audit-lead">${t('audit.export.intro')}</p>
      ${error ? html`<p class="notice warning" role="alert">${problemMessage(error)}</p>` : null}
      <p class="meta">${checkpoint
        ? html`${t('audit.export.newestCheckpoint', { seq: checkpoint.seq })} <${When} iso=${checkpoint.signed_at} />`
        : t('audit.export.noCheckpoint')}</p>
      <form class="audit-form" method="get" action=${EXPORT_URL} onSubmit=${() => setStarted(true)}>
        <${TimeField} name="since" label=${t('audit.filter.since')} hint=${t('audit.filter.timeHint', { zone })} value=${since} onInput=${setSince} />
        <${TimeField} name="until" label=${t('audit.filter.until')} hint=${t('audit.filter.untilHint', { zone })} value=${until} onInput=${setUntil} />
        <p class="hint">${t('audit.export.rangeHint')}</p>
        <fieldset class="field">
          <legend>${t('audit.export.format')}</legend>
          <div class="radio">
            <input type="radio" id="format-jsonl" name="format" value="jsonl" checked=${format === 'jsonl'}
              aria-describedby="format-jsonl-hint" onChange=${() => setFormat('jsonl')} />
            <label for="format-jsonl">${t('audit.export.jsonl')}</label>
          </div>
          <span class="hint audit-radio-hint" id="format-jsonl-hint">${t('audit.export.jsonlHint')}</span>
          <div class="radio">
            <input type="radio" id="format-csv" name="format" value="csv" checked=${format === 'csv'}
              aria-describedby="format-csv-hint" onChange=${() => setFormat('csv')} />
            <label for="format-csv">${t('audit.export.csv')}</label>
          </div>
          <span class="hint audit-radio-hint" id="format-csv-hint">${t('audit.export.csvHint')}</span>
        </fieldset>
        ${narrowed
          ? html`<div class="field">
              <div class="checkbox">
                <input type="checkbox" id="field-keep" checked=${keep} aria-describedby="field-keep-hint"
                  onChange=${(e) => setKeep(e.currentTarget.checked)} />
                <label for="field-keep">${t('audit.export.keepFilters', { filters: describeFilters(narrowing, names) })}</label>
              </div>
              <span class="hint" id="field-keep-hint">${t('audit.export.keepHint')}</span>
            </div>`
          : null}
        ${Object.entries(sent).map(([name, value]) => (value ? html`<input type="hidden" key=${name} name=${name} value=${value} />` : null))}
        <div class="actions">
          <${Button} type="submit">${format === 'csv' ? t('audit.export.downloadCsv') : t('audit.export.downloadJsonl')}<//>
        </div>
      </form>
      <p role="status" class="status-line">${started ? t('audit.export.started') : ''}</p>
      <p class="meta">${t('audit.export.recorded')}</p>
      <p><a href="/audit/how-to-verify">${t('audit.export.howToLink')}</a></p>
    <//>
  `;
}
