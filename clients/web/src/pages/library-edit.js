// Adding a document to the library (/library/new) and editing one
// (/library/documents/{id}/edit): its metadata, its links to the directory and, optionally, a
// file uploaded once the document is saved (with its progress). The API decides who may
// write what; its refusals and field errors are shown at the top and by each field.
import { useState } from '../../vendor/preact-hooks.mjs';
import { api, upload } from '../api.js';
import { Button, ErrorSummary, Field, Page, Skeleton, fieldErrors, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatNumber, t } from '../i18n.js';
import { navigate } from '../router.js';
import { NotFound } from './notfound.js';
import { StateOptions, allLanguages, sheetTitle, useLoad, useStates } from './directory-common.js';
import { CheckboxGroup } from './directory-edit.js';
import { documentNotice } from './library-document.js';
import { KINDS, kindLabel } from './library-common.js';

const FIELDS = [
  'kind',
  'title',
  'state_code',
  'language',
  'version_date',
  'source_url',
  'summary',
  'tags',
  'authority_ids',
  'sheet_ids',
  'treaty_ids',
  'note',
  'file',
];
const TREATIES = new Set(['bilateral_treaty', 'multilateral_treaty']);

function valuesOf(entry) {
  if (!entry) {
    return {
      kind: '',
      title: '',
      state_code: '',
      language: '',
      version_date: '',
      source_url: '',
      summary: '',
      tags: '',
      authority_ids: [],
      sheet_ids: [],
      treaty_ids: [],
      note: '',
    };
  }
  return {
    kind: entry.kind,
    title: entry.title,
    state_code: entry.state_code || '',
    language: entry.language,
    version_date: entry.version_date || '',
    source_url: entry.source_url || '',
    summary: entry.summary || '',
    tags: entry.tags.join(', '),
    authority_ids: entry.authorities.map((a) => a.id),
    sheet_ids: entry.sheets.map((s) => s.id),
    treaty_ids: entry.treaties.map((tr) => tr.id),
    note: '',
  };
}

/** The body the API takes: empty fields sent as null (or left out, when adding). */
function bodyOf(values, entry, withFile) {
  const nullable = (text) => (text.trim() ? text.trim() : null);
  const body = {
    kind: values.kind || undefined,
    title: values.title.trim() || undefined,
    state_code: nullable(values.state_code),
    language: values.language || undefined,
    version_date: values.version_date || null,
    source_url: nullable(values.source_url),
    summary: values.summary.trim(),
    tags: values.tags
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean),
    authority_ids: values.kind === 'national_law' ? values.authority_ids : [],
    sheet_ids: values.kind === 'national_law' ? values.sheet_ids : [],
    treaty_ids: TREATIES.has(values.kind) ? values.treaty_ids : [],
    // With a file, the note goes with the file's version (the last one this save makes).
    note: withFile ? null : nullable(values.note),
  };
  if (entry) body.version = entry.version;
  return body;
}

/** The directory's entries a document may link to: the State's authorities and sheets for a
 * law, the treaties (of the State, if one is chosen) for a treaty. */
function useChoices(kind, state) {
  const law = kind === 'national_law' && state;
  const authorities = useLoad(
    () => (law ? api('GET', '/authorities', { query: { state, limit: 100 } }) : Promise.resolve(null)),
    [law ? state : null],
  );
  const sheets = useLoad(() => (law ? api('GET', `/states/${state}/requirements`) : Promise.resolve(null)), [law ? state : null]);
  const treaty = TREATIES.has(kind);
  const treaties = useLoad(
    () => (treaty ? api('GET', '/treaties', { query: { state: state || undefined, limit: 100 } }) : Promise.resolve(null)),
    [treaty, state],
  );
  return { authorities, sheets, treaties };
}

function Choices({ name, legend, hint, loaded, empty, labelOf, selected, onChange, error }) {
  if (loaded.error) return html`<p role="alert">${problemMessage(loaded.error)}</p>`;
  if (!loaded.data) return html`<${Skeleton} rows=${1} />`;
  const items = loaded.data.items || [];
  if (items.length === 0) return html`<p class="meta">${legend}: ${empty}</p>`;
  const byId = new Map(items.map((item) => [item.id, item]));
  return html`<${CheckboxGroup} name=${name} legend=${legend} hint=${hint} options=${items.map((i) => i.id)}
    labelOf=${(id) => labelOf(byId.get(id))} selected=${selected} onChange=${onChange} error=${error} />`;
}

function DocumentForm({ entry }) {
  const [saved, setSaved] = useState(entry);
  const [values, setValues] = useState(() => valuesOf(entry));
  const [file, setFile] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState(null);
  const { states } = useStates();
  const set = (name) => (value) => setValues((all) => ({ ...all, [name]: value }));
  // Another State's authorities and sheets are no choice for a law: the State resets them.
  const setState = (value) => setValues((all) => ({ ...all, state_code: value, authority_ids: [], sheet_ids: [] }));
  const choices = useChoices(values.kind, values.state_code);

  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    let doc;
    try {
      doc = saved
        ? await api('PATCH', `/library/documents/${saved.id}`, { body: bodyOf(values, saved, Boolean(file)) })
        : await api('POST', '/library/documents', { body: bodyOf(values, null, Boolean(file)) });
    } catch (problem) {
      setError(problem);
      setBusy(false);
      return;
    }
    setSaved(doc);
    if (file) {
      const form = new FormData();
      form.append('file', file, file.name);
      if (values.note.trim()) form.append('note', values.note.trim());
      setProgress(0);
      try {
        await upload(`/library/documents/${doc.id}/file`, form, {
          onProgress: (loaded, total) => setProgress(total ? Math.floor((loaded / total) * 100) : 0),
        }).promise;
      } catch (problem) {
        setProgress(null);
        setBusy(false);
        setError({ ...problem, detail: t('library.form.uploadFailed', { reason: problemMessage(problem) }), code: 'upload', errors: [] });
        return;
      }
    }
    documentNotice.value = file ? t('library.doc.uploadedNotice') : t('library.doc.savedNotice');
    navigate(`/library/documents/${doc.id}`);
  };

  const labels = Object.fromEntries(FIELDS.map((name) => [name, t(`library.field.${name}`)]));
  const errors = fieldErrors(error, FIELDS);
  const law = values.kind === 'national_law';
  const treaty = TREATIES.has(values.kind);
  const cancel = saved ? `/library/documents/${saved.id}` : '/library';
  return html`
    <${ErrorSummary} error=${error} fields=${errors} labels=${labels} />
    <form class="dir-edit-form" onSubmit=${submit} novalidate>
      <${Field} as="select" name="kind" label=${labels.kind} hint=${t('library.form.kindHint')} value=${values.kind} onInput=${set('kind')} error=${errors.kind}>
        <option value="">${t('library.form.chooseKind')}</option>
        ${KINDS.map((kind) => html`<option key=${kind} value=${kind}>${kindLabel(kind)}</option>`)}
      <//>
      <${Field} name="title" label=${labels.title} value=${values.title} onInput=${set('title')} error=${errors.title} maxlength="300" />
      <${Field} as="select" name="state_code" label=${labels.state_code} hint=${t('library.form.stateHint')} optional=${!law}
        value=${values.state_code} onInput=${setState} error=${errors.state_code}>
        <option value="">${t('library.form.chooseState')}</option>
        <${StateOptions} states=${states} />
      <//>
      <${Field} as="select" name="language" label=${labels.language} value=${values.language} onInput=${set('language')} error=${errors.language}>
        <option value="">${t('library.form.chooseLanguage')}</option>
        ${allLanguages().map((l) => html`<option key=${l.code} value=${l.code}>${l.name}</option>`)}
      <//>
      <${Field} name="version_date" type="date" label=${labels.version_date} hint=${t('library.form.versionDateHint')} optional=${true}
        value=${values.version_date} onInput=${set('version_date')} error=${errors.version_date} />
      <${Field} name="source_url" type="url" label=${labels.source_url} hint=${t('library.form.sourceHint')} optional=${true}
        value=${values.source_url} onInput=${set('source_url')} error=${errors.source_url} maxlength="2048" />
      <${Field} as="textarea" name="summary" label=${labels.summary} hint=${t('library.form.summaryHint')} optional=${true}
        value=${values.summary} onInput=${set('summary')} error=${errors.summary} maxlength="5000" rows="5" />
      <${Field} name="tags" label=${labels.tags} hint=${t('library.form.tagsHint')} optional=${true}
        value=${values.tags} onInput=${set('tags')} error=${errors.tags} />
      ${law && !values.state_code ? html`<p class="meta">${t('library.form.pickState')}</p>` : null}
      ${law && values.state_code
        ? html`
            <${Choices} name="authority_ids" legend=${labels.authority_ids} hint=${t('library.form.authoritiesHint')} loaded=${choices.authorities}
              empty=${t('library.form.noAuthorities')} labelOf=${(a) => a.name} selected=${values.authority_ids}
              onChange=${set('authority_ids')} error=${errors.authority_ids} />
            <${Choices} name="sheet_ids" legend=${labels.sheet_ids} hint=${t('library.form.sheetsHint')} loaded=${choices.sheets}
              empty=${t('library.form.noSheets')} labelOf=${sheetTitle} selected=${values.sheet_ids}
              onChange=${set('sheet_ids')} error=${errors.sheet_ids} />`
        : null}
      ${treaty
        ? html`<${Choices} name="treaty_ids" legend=${labels.treaty_ids} hint=${t('library.form.treatiesHint')} loaded=${choices.treaties}
            empty=${t('library.form.noTreaties')} labelOf=${(tr) => `${tr.title} (${tr.parties.join(', ')})`} selected=${values.treaty_ids}
            onChange=${set('treaty_ids')} error=${errors.treaty_ids} />`
        : null}
      <div class=${errors.file ? 'field has-error' : 'field'}>
        <label for="field-file">${labels.file} <span class="optional">${t('form.optional')}</span></label>
        <span class="hint" id="field-file-hint">${t('library.form.fileHint')}</span>
        <input type="file" id="field-file" aria-describedby="field-file-hint"
          accept=".pdf,.doc,.docx,.odt,.xls,.xlsx,.ods,.ppt,.pptx,.txt,.md,.csv,.png,.jpg,.jpeg,.tif,.tiff"
          onChange=${(e) => setFile(e.currentTarget.files[0] || null)} />
      </div>
      <${Field} name="note" label=${labels.note} hint=${t('library.form.noteHint')} optional=${true}
        value=${values.note} onInput=${set('note')} error=${errors.note} maxlength="500" />
      ${progress !== null
        ? html`<p role="status"><progress max="100" value=${progress} aria-label=${labels.file}></progress>
            ${t('library.form.uploading', { name: file ? file.name : '', percent: formatNumber(progress) })}</p>`
        : null}
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${t('library.form.save')}<//>
        <a href=${cancel}>${t('library.form.cancel')}</a>
      </div>
    </form>
  `;
}

export function LibraryNew() {
  return html`
    <${Page} title=${t('library.form.newTitle')}>
      <p>${t('library.form.intro')}</p>
      <${DocumentForm} entry=${null} />
    <//>
  `;
}

export function LibraryEdit({ params }) {
  const found = useLoad(() => api('GET', `/library/documents/${params.id}`), [params.id]);
  if (found.error && (found.error.status === 404 || found.error.status === 422)) return html`<${NotFound} />`;
  if (found.error) {
    return html`<${Page} title=${t('library.doc.loadFailed')}><div class="notice warning" role="alert"><p>${problemMessage(found.error)}</p></div><//>`;
  }
  if (!found.data) return html`<${Page} title=${t('library.doc.loading')}><${Skeleton} rows=${6} /><//>`;
  // What the member may not edit shows as not found, like the other editing pages.
  if (!found.data.allowed_actions.includes('edit')) return html`<${NotFound} />`;
  return html`
    <${Page} title=${t('library.form.editTitle', { title: found.data.title })}>
      <${DocumentForm} entry=${found.data} />
    <//>
  `;
}
