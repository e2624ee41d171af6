// Treaties, as administrators keep them: the list (/admin/treaties?state=&kind=), adding one
// (/admin/treaties/new) and editing one (/admin/treaties/{id}/edit). Validation is the API's:
// its field errors come back in the summary and beside each field, and what was typed stays.
import { useCallback, useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, Skeleton, fieldMessage } from '../components.js';
import { html } from '../html.js';
import { formatDate, t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import { AdminCrumbs, AdminOnly, Notice, adminNotice, adminProblem } from './admin-common.js';
import { AUTHORITY_TYPES, StateOptions, typeLabel, useLoad, useStates } from './directory-common.js';
import { CheckboxGroup } from './directory-edit.js';
import { LoadMore, usePaged } from './forums-common.js';
import { NotFound } from './notfound.js';

// The API's treaty kinds (app/directory/constants.py TreatyKind), in its order.
const KINDS = ['bilateral', 'regional', 'multilateral'];
const FIELDS = ['title', 'kind', 'subjects', 'parties', 'signed_on', 'in_force_on', 'url', 'notes'];
const PAGE_SIZE = 25;
const MANY_PARTIES = 12;

const kindLabel = (kind) => {
  const key = `admin.treatyKind.${kind}`;
  const text = t(key);
  return text === key ? kind : text;
};

/** "fra, ITA; deu" -> ['FRA', 'ITA', 'DEU']: State codes as the API takes them. */
function codesOf(text) {
  return text
    .split(/[\s,;]+/)
    .map((code) => code.trim().toUpperCase())
    .filter(Boolean);
}

function formOf(treaty) {
  return {
    title: treaty.title || '',
    kind: treaty.kind || '',
    subjects: [...(treaty.subjects || [])],
    parties: (treaty.parties || []).join(', '),
    signed_on: treaty.signed_on || '',
    in_force_on: treaty.in_force_on || '',
    url: treaty.url || '',
    notes: treaty.notes || '',
  };
}

function bodyOf(values) {
  return {
    title: values.title.trim(),
    kind: values.kind,
    subjects: values.subjects,
    parties: codesOf(values.parties),
    signed_on: values.signed_on || null,
    in_force_on: values.in_force_on || null,
    url: values.url.trim() || null,
    notes: values.notes.trim() || null,
  };
}

/** The API's message for a field, in words a person can act on. */
function messageFor(field, message) {
  const unknown = /^unknown state (\w+)$/.exec(message);
  if (unknown) return t('admin.treaty.unknownParty', { code: unknown[1] });
  if (field === 'parties' && /at least 1 item/.test(message)) return t('admin.treaty.partiesRequired');
  if (field === 'parties' && /pattern/.test(message)) return t('admin.treaty.partyFormat');
  if (field === 'url' && /pattern/.test(message)) return t('admin.treaty.urlFormat');
  if (['title', 'kind'].includes(field) && /empty|at least 1 character|valid string/.test(message)) return t('error.required');
  return fieldMessage(message);
}

/** {field: message} for the form's fields ("parties.2" is the parties field). */
function errorsOf(error) {
  const found = {};
  for (const item of (error && error.errors) || []) {
    const field = String(item.field || '').split('.')[0];
    if (!FIELDS.includes(field)) continue;
    const text = messageFor(field, item.message);
    if (!found[field]) found[field] = text;
    else if (!found[field].includes(text)) found[field] = `${found[field]} ${text}`;
  }
  return found;
}

function KindChoice({ value, onChange, error }) {
  return html`
    <div class=${error ? 'field has-error' : 'field'}>
      <fieldset aria-describedby=${error ? 'field-kind-error' : undefined}>
        <legend>${t('admin.treaty.kind')}</legend>
        ${error ? html`<span class="error-message" id="field-kind-error"><span class="visually-hidden">${t('error.prefix')} </span>${error}</span>` : null}
        <div class="dir-radios">
          ${KINDS.map(
            (kind, i) => html`<div class="dir-radio" key=${kind}>
              <input type="radio" name="kind" id=${i === 0 ? 'field-kind' : `field-kind-${kind}`} checked=${value === kind}
                onChange=${() => onChange(kind)} />
              <label for=${i === 0 ? 'field-kind' : `field-kind-${kind}`}>${kindLabel(kind)}</label>
            </div>`,
          )}
        </div>
      </fieldset>
    </div>
  `;
}

function TreatyForm({ treaty, states, submitLabel, onSave, cancelHref }) {
  const [values, setValues] = useState(() => formOf(treaty || {}));
  const [error, setError] = useState(null);
  const [nothing, setNothing] = useState(false);
  const [busy, setBusy] = useState(false);
  const set = (name) => (value) => setValues((v) => ({ ...v, [name]: value }));
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    let body = bodyOf(values);
    if (treaty) {
      // PATCH changes only the fields sent.
      const before = bodyOf(formOf(treaty));
      body = Object.fromEntries(Object.entries(body).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k])));
      if (Object.keys(body).length === 0) {
        setNothing(true);
        return;
      }
    } else {
      // Left empty is not sent: the API says which of those it needs.
      body = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null && v !== ''));
    }
    setNothing(false);
    setBusy(true);
    try {
      await onSave(body);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const fields = errorsOf(error);
  const labels = Object.fromEntries(FIELDS.map((name) => [name, t(`admin.treaty.${name}`)]));
  const names = new Map((states || []).map((s) => [s.code, s.name]));
  const parties = codesOf(values.parties);
  return html`
    <${ErrorSummary} error=${error} fields=${fields} labels=${labels} />
    ${error && Object.keys(fields).length === 0 && error.status === 403
      ? html`<div class="notice warning" role="alert"><p>${adminProblem(error)}</p></div>`
      : null}
    ${nothing ? html`<div class="notice" role="status"><p>${t('admin.treaty.nothing')}</p></div>` : null}
    <form onSubmit=${submit} novalidate class="dir-edit-form">
      <${Field} name="title" label=${labels.title} hint=${t('admin.treaty.titleHint')} value=${values.title} onInput=${set('title')} error=${fields.title} />
      <${KindChoice} value=${values.kind} onChange=${set('kind')} error=${fields.kind} />
      <${Field} name="parties" label=${labels.parties} hint=${t('admin.treaty.partiesHint')} value=${values.parties} onInput=${set('parties')}
        error=${fields.parties} spellcheck=${false} autocapitalize="characters" />
      ${parties.length
        ? html`<p class="meta dir-field-echo">${t('admin.treaty.partiesRead', { parties: parties.map((c) => names.get(c) || c).join(', ') })}</p>`
        : null}
      <${CheckboxGroup} name="subjects" legend=${labels.subjects} hint=${t('admin.treaty.subjectsHint')} options=${AUTHORITY_TYPES}
        labelOf=${typeLabel} selected=${values.subjects} onChange=${set('subjects')} error=${fields.subjects} />
      <${Field} name="signed_on" type="date" label=${labels.signed_on} optional=${true} value=${values.signed_on} onInput=${set('signed_on')} error=${fields.signed_on} />
      <${Field} name="in_force_on" type="date" label=${labels.in_force_on} optional=${true} value=${values.in_force_on} onInput=${set('in_force_on')} error=${fields.in_force_on} />
      <${Field} name="url" type="url" label=${labels.url} hint=${t('admin.treaty.urlHint')} optional=${true} value=${values.url} onInput=${set('url')}
        error=${fields.url} spellcheck=${false} />
      <${Field} as="textarea" name="notes" label=${labels.notes} optional=${true} value=${values.notes} onInput=${set('notes')} error=${fields.notes} />
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${submitLabel}<//>
        <a href=${cancelHref}>${t('admin.cancel')}</a>
      </div>
    </form>
  `;
}

const FILTERS = ['state', 'kind'];

function addressOf(filters) {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (filters[name]) params.set(name, filters[name]);
  const query = params.toString();
  return query ? `/admin/treaties?${query}` : '/admin/treaties';
}

function Filters({ applied, states }) {
  const [values, setValues] = useState(applied);
  useEffect(() => setValues(applied), [JSON.stringify(applied)]);
  const set = (name) => (value) => setValues({ ...values, [name]: value });
  const submit = (event) => {
    event.preventDefault();
    navigate(addressOf(values));
  };
  return html`
    <form class="dir-filters" role="search" aria-label=${t('admin.treaties.filters')} onSubmit=${submit} novalidate>
      <div class="dir-filter-row">
        <${Field} as="select" name="state" label=${t('admin.treaties.state')} value=${values.state} onInput=${set('state')}>
          <option value="">${t('admin.treaties.any')}</option>
          <${StateOptions} states=${states} />
        <//>
        <${Field} as="select" name="kind" label=${t('admin.treaty.kind')} value=${values.kind} onInput=${set('kind')}>
          <option value="">${t('admin.treaties.any')}</option>
          ${KINDS.map((k) => html`<option key=${k} value=${k}>${kindLabel(k)}</option>`)}
        <//>
      </div>
      <div class="actions">
        <${Button} type="submit">${t('admin.treaties.submit')}<//>
        ${FILTERS.some((n) => applied[n]) ? html`<a href="/admin/treaties">${t('admin.treaties.clear')}</a>` : null}
      </div>
    </form>
  `;
}

function TreatyRow({ treaty, names }) {
  // A multilateral instrument may have most States as parties: a count says more than a list.
  const parties = treaty.parties.length > MANY_PARTIES
    ? t('admin.treaty.partiesCount', { count: treaty.parties.length })
    : treaty.parties.map((code) => names.get(code) || code).join(', ');
  return html`
    <li class="admin-treaty">
      <div>
        <h2 class="row-title">${treaty.title}</h2>
        <p class="meta">${kindLabel(treaty.kind)}${treaty.subjects.length ? ` · ${treaty.subjects.map(typeLabel).join(', ')}` : ''}</p>
        <p class="meta">${t('admin.treaty.partiesLine', { parties })}</p>
        ${treaty.in_force_on ? html`<p class="meta">${t('admin.treaty.inForceLine', { date: formatDate(treaty.in_force_on) })}</p>` : null}
      </div>
      <div class="row-facts">
        <a href=${`/admin/treaties/${treaty.id}/edit`}>${t('admin.treaties.edit')}<span class="visually-hidden"> ${treaty.title}</span></a>
      </div>
    </li>
  `;
}

function TreatyListPage() {
  const query = currentLocation.value.query;
  const applied = { state: query.get('state') || '', kind: KINDS.includes(query.get('kind')) ? query.get('kind') : '' };
  const key = addressOf(applied);
  const { states } = useStates();
  const load = useCallback((cursor) => api('GET', '/treaties', { query: { ...applied, limit: PAGE_SIZE, cursor } }), [key]);
  const paged = usePaged(load, key);
  useEffect(() => () => {
    adminNotice.value = null;
  }, []);
  const names = new Map((states || []).map((s) => [s.code, s.name]));
  let content;
  if (paged.error && paged.error.status === 404) return html`<${NotFound} />`;
  if (paged.error) content = html`<div class="notice warning" role="alert"><p>${adminProblem(paged.error)}</p></div>`;
  else if (!paged.items) content = html`<${Skeleton} rows=${4} />`;
  else if (paged.items.length === 0) content = html`<p class="empty">${t(FILTERS.some((n) => applied[n]) ? 'admin.treaties.emptyFiltered' : 'admin.treaties.empty')}</p>`;
  else {
    content = html`
      <ul class="rows admin-treaties">${paged.items.map((tr) => html`<${TreatyRow} key=${tr.id} treaty=${tr} names=${names} />`)}</ul>
      <${LoadMore} paged=${paged} label=${t('admin.treaties.loadMore')} />
    `;
  }
  return html`
    <${Page} title=${t('admin.treaties.title')}>
      <${AdminCrumbs} />
      <${Notice} />
      <p class="admin-lead">${t('admin.treaties.intro')}</p>
      <p><a class="button" href="/admin/treaties/new">${t('admin.treaty.newTitle')}</a></p>
      <${Filters} applied=${applied} states=${states} />
      ${content}
    <//>
  `;
}

function TreatyNewPage() {
  const { states } = useStates();
  const save = async (body) => {
    const created = await api('POST', '/treaties', { body });
    adminNotice.value = t('admin.treaty.created', { title: created.title });
    navigate('/admin/treaties');
  };
  return html`
    <${Page} title=${t('admin.treaty.newTitle')}>
      <${AdminCrumbs} trail=${[['/admin/treaties', t('admin.treaties.title')]]} />
      <p class="admin-lead">${t('admin.treaty.newIntro')}</p>
      <${TreatyForm} treaty=${null} states=${states} submitLabel=${t('admin.treaty.create')} onSave=${save} cancelHref="/admin/treaties" />
    <//>
  `;
}

function TreatyEditPage({ params }) {
  const treaty = useLoad(() => api('GET', `/treaties/${params.id}`), [params.id]);
  const { states } = useStates();
  if (treaty.error && treaty.error.status === 404) return html`<${NotFound} />`;
  if (treaty.error) {
    return html`<${Page} title=${t('admin.treaty.editTitle')}><div class="notice warning" role="alert"><p>${adminProblem(treaty.error)}</p></div><//>`;
  }
  if (!treaty.data) return html`<${Page} title=${t('admin.treaty.editTitle')}><${Skeleton} rows=${6} /><//>`;
  const save = async (body) => {
    const saved = await api('PATCH', `/treaties/${params.id}`, { body });
    adminNotice.value = t('admin.treaty.saved', { title: saved.title });
    navigate('/admin/treaties');
  };
  return html`
    <${Page} title=${t('admin.treaty.editTitle')}>
      <${AdminCrumbs} trail=${[['/admin/treaties', t('admin.treaties.title')]]} />
      <p class="dir-lead">${treaty.data.title}</p>
      <${TreatyForm} key=${treaty.data.id} treaty=${treaty.data} states=${states} submitLabel=${t('admin.treaty.save')} onSave=${save} cancelHref="/admin/treaties" />
    <//>
  `;
}

export function TreatyList(props) {
  return html`<${AdminOnly}><${TreatyListPage} ...${props} /><//>`;
}

export function TreatyNew(props) {
  return html`<${AdminOnly}><${TreatyNewPage} ...${props} /><//>`;
}

export function TreatyEdit(props) {
  return html`<${AdminOnly}><${TreatyEditPage} ...${props} /><//>`;
}
