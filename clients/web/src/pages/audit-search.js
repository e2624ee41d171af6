// The audit log for auditors (GET /audit/events): every filter the API has, kept in the
// address so that a view can be bookmarked and shared, newest first, "Load more" on the
// API's cursor. Each search is itself recorded by the API.
import { useCallback, useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, Skeleton, fieldErrors, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import {
  AuditLinks,
  Code,
  FILTERS,
  OUTCOMES,
  Outcome,
  When,
  actorText,
  describeFilters,
  filtersFrom,
  isoOf,
  localInput,
  outcomeLabel,
  queryOf,
  timeZone,
  useAuthorityNames,
} from './audit-common.js';
import { LoadMore, usePaged } from './forums-common.js';
import { NotFound } from './notfound.js';

const PAGE_SIZE = 25;

function labels() {
  return {
    action: t('audit.filter.action'),
    outcome: t('audit.filter.outcome'),
    actor_id: t('audit.filter.actor'),
    target_type: t('audit.filter.targetType'),
    target_id: t('audit.filter.targetId'),
    authority: t('audit.filter.authority'),
    since: t('audit.filter.since'),
    until: t('audit.filter.until'),
  };
}

/** The API's messages for the usual mistakes, in the member's language. */
function plainErrors(errors) {
  const plain = { ...errors };
  for (const [name, message] of Object.entries(errors)) {
    if (/valid UUID/.test(message)) plain[name] = t('audit.filter.invalidId');
    else if (/valid datetime/.test(message)) plain[name] = t('audit.filter.invalidTime');
  }
  return plain;
}

function Filters({ applied, names, error }) {
  const initial = () => ({ ...applied, since: localInput(applied.since), until: localInput(applied.until) });
  const [values, setValues] = useState(initial);
  useEffect(() => setValues(initial()), [JSON.stringify(applied)]);
  const set = (name) => (value) => setValues({ ...values, [name]: value });
  const submit = (event) => {
    event.preventDefault();
    navigate(`/audit${queryOf({ ...values, since: isoOf(values.since), until: isoOf(values.until) })}`);
  };
  const errors = plainErrors(fieldErrors(error, FILTERS));
  const any = FILTERS.some((name) => applied[name]);
  const zone = timeZone();
  return html`
    <form class="dir-filters audit-filters" role="search" aria-label=${t('audit.search.filters')} onSubmit=${submit} novalidate>
      <${ErrorSummary} error=${error} fields=${errors} labels=${labels()} />
      <div class="dir-filter-row">
        <${Field} name="action" label=${t('audit.filter.action')} hint=${t('audit.filter.actionHint')} value=${values.action}
          onInput=${set('action')} error=${errors.action} maxlength="100" spellcheck="false" autocomplete="off" />
        <${Field} as="select" name="outcome" label=${t('audit.filter.outcome')} value=${values.outcome} onInput=${set('outcome')} error=${errors.outcome}>
          <option value="">${t('audit.filter.any')}</option>
          ${OUTCOMES.map((o) => html`<option key=${o} value=${o}>${outcomeLabel(o)}</option>`)}
        <//>
        <${Field} name="actor_id" label=${t('audit.filter.actor')} hint=${t('audit.filter.actorHint')} value=${values.actor_id}
          onInput=${set('actor_id')} error=${errors.actor_id} spellcheck="false" autocomplete="off" />
        <${Field} name="target_type" label=${t('audit.filter.targetType')} hint=${t('audit.filter.targetTypeHint')} value=${values.target_type}
          onInput=${set('target_type')} error=${errors.target_type} maxlength="50" spellcheck="false" autocomplete="off" />
        <${Field} name="target_id" label=${t('audit.filter.targetId')} hint=${t('audit.filter.targetIdHint')} value=${values.target_id}
          onInput=${set('target_id')} error=${errors.target_id} maxlength="100" spellcheck="false" autocomplete="off" />
        <${Field} as="select" name="authority" label=${t('audit.filter.authority')} value=${values.authority} onInput=${set('authority')} error=${errors.authority}>
          <option value="">${t('audit.filter.any')}</option>
          ${values.authority && names && !names.some((a) => a.id === values.authority)
            ? html`<option value=${values.authority}>${values.authority}</option>`
            : null}
          ${(names || []).map((a) => html`<option key=${a.id} value=${a.id}>${a.name} (${a.state_name})</option>`)}
        <//>
        <${Field} type="datetime-local" name="since" label=${t('audit.filter.since')} hint=${t('audit.filter.timeHint', { zone })}
          value=${values.since} onInput=${set('since')} error=${errors.since} />
        <${Field} type="datetime-local" name="until" label=${t('audit.filter.until')} hint=${t('audit.filter.untilHint', { zone })}
          value=${values.until} onInput=${set('until')} error=${errors.until} />
      </div>
      <div class="actions">
        <${Button} type="submit">${t('audit.search.submit')}<//>
        ${any ? html`<a href="/audit">${t('audit.search.clear')}</a>` : null}
      </div>
    </form>
  `;
}

function Target({ entry }) {
  if (!entry.target_type) return null;
  return html`<span>${t('audit.entry.targetLine', { type: entry.target_type })} ${entry.target_id ? html`<${Code}>${entry.target_id}<//>` : null}</span>`;
}

function EntryRow({ entry }) {
  return html`
    <li class="audit-row">
      <div>
        <h3 class="row-title"><a href=${`/audit/events/${entry.id}`}><${Code}>${entry.action}<//></a></h3>
        <p class="meta"><${When} iso=${entry.occurred_at} /></p>
        <p>${t('audit.entry.by', { actor: actorText(entry) })}${entry.target_type ? ' · ' : ''}<${Target} entry=${entry} /></p>
      </div>
      <div class="row-facts">
        <p><${Outcome} outcome=${entry.outcome} /></p>
        <p class="meta">${entry.seq === null ? t('audit.entry.unsealed') : t('audit.entry.seqLine', { seq: entry.seq })}</p>
      </div>
    </li>
  `;
}

export function AuditSearch() {
  const query = currentLocation.value.query;
  const applied = filtersFrom(query);
  const key = queryOf(applied);
  const names = useAuthorityNames();
  const load = useCallback(
    (cursor) => api('GET', '/audit/events', { query: { ...applied, limit: PAGE_SIZE, cursor } }),
    [key],
  );
  const paged = usePaged(load, key);
  // Not an auditor (403): the page is not theirs, so it does not exist for them.
  if (paged.error && [403, 404].includes(paged.error.status)) return html`<${NotFound} />`;

  const described = describeFilters(applied, names, paged.items);
  const invalid = paged.error && paged.error.status === 422;
  let results;
  if (paged.error) results = invalid ? null : html`<div class="notice warning" role="alert"><p>${problemMessage(paged.error)}</p></div>`;
  else if (!paged.items) results = html`<${Skeleton} rows=${5} />`;
  else if (paged.items.length === 0) {
    results = html`<div class="dir-empty-state">
      <p><strong>${described ? t('audit.search.emptyFiltered') : t('audit.search.emptyAll')}</strong></p>
      ${described ? html`<p>${t('audit.search.emptyHelp')} <a href="/audit">${t('audit.search.clear')}</a></p>` : null}
    </div>`;
  } else {
    results = html`
      <ol class="rows audit-rows">${paged.items.map((e) => html`<${EntryRow} key=${e.id} entry=${e} />`)}</ol>
      <${LoadMore} paged=${paged} label=${t('audit.search.loadMore')} />
    `;
  }
  return html`
    <${Page} title=${t('audit.search.title')}>
      <${AuditLinks} current="/audit" />
      <p class="audit-lead">${t('audit.search.intro')}</p>
      <p class="meta">${t('audit.search.recorded')}</p>
      <${Filters} applied=${applied} names=${names} error=${invalid ? paged.error : null} />
      <h2 id="results-heading">${t('audit.search.results')}</h2>
      <p class="meta" role="status" aria-live="polite">${!paged.items || paged.error
        ? ''
        : `${paged.next ? t('audit.search.shownMore', { count: paged.items.length }) : t('audit.search.shown', { count: paged.items.length })}${described
            ? ` ${t('audit.search.matching', { filters: described })}`
            : ''}`}</p>
      ${paged.items && paged.items.length
        ? html`<p><a href=${`/audit/export${key}`}>${t('audit.search.exportThese')}</a></p>`
        : null}
      ${results}
    <//>
  `;
}
