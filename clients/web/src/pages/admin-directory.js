// The directory as administrators keep it: adding an authority (/admin/authorities/new, the
// directory's own entry form), and importing and exporting the whole directory
// (/admin/directory/import): a file is checked first (the API's dry run, every problem with
// its entity, row and field, nothing written), then imported for real.
import { useState } from '../../vendor/preact-hooks.mjs';
import { ApiError, api } from '../api.js';
import { Button, Field, Page } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { AdminCrumbs, AdminOnly, adminProblem } from './admin-common.js';
import { authorityNotice } from './directory-authority.js';
import { useStates } from './directory-common.js';
import { EditForm } from './directory-edit.js';

// --- a new authority ---------------------------------------------------------------------------

const BLANK_AUTHORITY = {
  id: null,
  state_code: '',
  types: [],
  channels: [],
  languages: [],
  convention_basis_mla: null,
  convention_basis_extradition: null,
  law_links: [],
  contacts: [],
  // Shows the State field (a new entry needs one); the API decides whether the POST may be.
  allowed_actions: ['change_state'],
};

/** The API's error with its messages reworded where they are the schema's, not a person's. */
function reworded(error) {
  if (!(error instanceof ApiError) || !error.errors.length) return error;
  const errors = error.errors.map((item) => {
    const field = String(item.field || '');
    if (field === 'types' && /at least 1 item/.test(item.message)) return { ...item, message: t('admin.authority.typesRequired') };
    if (field === 'state_code' && /pattern|required/i.test(item.message)) return { ...item, message: t('admin.authority.stateRequired') };
    return item;
  });
  return new ApiError({ ...error, errors });
}

function AuthorityNewPage() {
  const { states } = useStates();
  const submit = async (body) => {
    // Left empty is not sent: the API says which of those it needs.
    const sent = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null && value !== ''));
    try {
      const created = await api('POST', '/authorities', { body: sent });
      authorityNotice.value = t('admin.authority.created', { name: created.name });
      navigate(`/authorities/${created.id}`);
    } catch (problem) {
      throw reworded(problem);
    }
  };
  const create = {
    label: t('admin.authority.create'),
    cancelHref: '/admin',
    chooseState: t('admin.authority.chooseState'),
    submit,
  };
  return html`
    <${Page} title=${t('admin.authority.newTitle')}>
      <${AdminCrumbs} />
      <p class="admin-lead">${t('admin.authority.newIntro')}</p>
      <${EditForm} entry=${BLANK_AUTHORITY} states=${states} create=${create} />
    <//>
  `;
}

// --- import and export -------------------------------------------------------------------------

const ENTITIES = ['authorities', 'requirement_sheets', 'treaties'];
const EXPORTS = [
  ['json', null],
  ['csv', 'authorities'],
  ['csv', 'requirement_sheets'],
  ['csv', 'treaties'],
];

const entityLabel = (entity) => (entity ? t(`admin.transfer.entity.${entity}`) : '');

/** What a file most likely holds, from its name (an export's name says it). */
function guess(file) {
  const name = file.name.toLowerCase();
  const format = name.endsWith('.csv') || file.type === 'text/csv' ? 'csv' : 'json';
  const entity = ENTITIES.find((e) => name.includes(e.replace('_', '-')) || name.includes(e)) || 'authorities';
  return { format, entity };
}

/** "authorities.3.contacts.0.email" -> "contacts.0.email": the field within its row. */
function fieldOf(problem) {
  const field = String(problem.field || '');
  if (problem.entity && problem.row !== undefined) {
    const prefix = `${problem.entity}.${problem.row}`;
    if (field === prefix) return '';
    if (field.startsWith(`${prefix}.`)) return field.slice(prefix.length + 1);
  }
  return field;
}

function Report({ problems, total }) {
  return html`
    <div class="error-summary admin-report" role="alert" tabindex="-1" aria-labelledby="report-title">
      <h2 id="report-title">${t('admin.transfer.problems', { count: total })}</h2>
      <p>${t('admin.transfer.nothingWritten')}</p>
    </div>
    <div class="admin-table-wrap">
      <table class="admin-table">
        <caption>${t('admin.transfer.tableCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">${t('admin.transfer.col.entity')}</th>
            <th scope="col">${t('admin.transfer.col.row')}</th>
            <th scope="col">${t('admin.transfer.col.field')}</th>
            <th scope="col">${t('admin.transfer.col.problem')}</th>
          </tr>
        </thead>
        <tbody>
          ${problems.map(
            (p, i) => html`<tr key=${i}>
              <td>${p.entity ? entityLabel(p.entity) : t('admin.transfer.wholeFile')}</td>
              <td>${p.row !== undefined ? p.row : '–'}</td>
              <td>${fieldOf(p) ? html`<code>${fieldOf(p)}</code>` : '–'}</td>
              <td>${p.message}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <p class="meta">${t('admin.transfer.rowHelp')}</p>
    ${problems.length < total ? html`<p class="meta">${t('admin.transfer.firstOnly', { shown: problems.length, count: total })}</p>` : null}
    <p>${t('admin.transfer.fixAndRetry')}</p>
  `;
}

function Counts({ answer }) {
  const lines = ENTITIES.filter((e) => answer.rows[e]).map((e) => {
    if (answer.dry_run) return t('admin.transfer.rowsOf', { count: answer.rows[e], entity: entityLabel(e) });
    return t('admin.transfer.doneOf', {
      entity: entityLabel(e),
      created: answer.created[e] || 0,
      updated: answer.updated[e] || 0,
      count: answer.rows[e],
    });
  });
  if (lines.length === 0) return html`<p>${t('admin.transfer.emptyFile')}</p>`;
  return html`<ul class="admin-plain">${lines.map((line) => html`<li key=${line}>${line}</li>`)}</ul>`;
}

function Exports() {
  return html`
    <section class="admin-section" aria-labelledby="export-heading">
      <h2 id="export-heading">${t('admin.transfer.exportHeading')}</h2>
      <p>${t('admin.transfer.exportIntro')}</p>
      <ul class="admin-plain">
        ${EXPORTS.map(([format, entity]) => {
          const query = new URLSearchParams({ format, ...(entity ? { entity } : {}) });
          return html`<li key=${`${format}-${entity}`}>
            <a href=${`/api/v1/directory/export?${query}`} download="">${format === 'json'
              ? t('admin.transfer.exportJson')
              : t('admin.transfer.exportCsv', { entity: entityLabel(entity) })}</a>
          </li>`;
        })}
      </ul>
    </section>
  `;
}

function DirectoryTransferPage() {
  const [file, setFile] = useState(null);
  const [format, setFormat] = useState('json');
  const [entity, setEntity] = useState('authorities');
  const [missing, setMissing] = useState(false);
  // The last answer: {kind: 'checked' | 'imported' | 'problems' | 'failed', ...}.
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(null);

  const choose = (event) => {
    const chosen = event.currentTarget.files[0] || null;
    setFile(chosen);
    setResult(null);
    setMissing(false);
    if (chosen) {
      const guessed = guess(chosen);
      setFormat(guessed.format);
      setEntity(guessed.entity);
    }
  };
  const send = async (dryRun) => {
    if (!file) {
      setMissing(true);
      document.getElementById('field-file')?.focus();
      return;
    }
    setBusy(dryRun ? 'check' : 'import');
    setResult(null);
    try {
      const answer = await api('POST', '/directory/import', {
        body: file,
        query: { format, entity: format === 'csv' ? entity : undefined, dry_run: dryRun ? 'true' : undefined },
      });
      setResult({ kind: dryRun ? 'checked' : 'imported', answer, name: file.name });
    } catch (problem) {
      if (problem.status === 422 && problem.errors.length) {
        const total = Number.parseInt(problem.detail, 10);
        setResult({ kind: 'problems', problems: problem.errors, total: Number.isFinite(total) ? total : problem.errors.length });
      } else setResult({ kind: 'failed', error: problem });
    } finally {
      setBusy(null);
    }
    requestAnimationFrame(() => document.querySelector('.admin-result [tabindex="-1"]')?.focus());
  };
  const check = (event) => {
    event.preventDefault();
    send(true);
  };

  let outcome = null;
  if (result && result.kind === 'problems') outcome = html`<${Report} problems=${result.problems} total=${result.total} />`;
  else if (result && result.kind === 'failed') {
    outcome = html`<div class="notice warning" role="alert" tabindex="-1"><p>${adminProblem(result.error)}</p></div>`;
  } else if (result && result.kind === 'checked') {
    outcome = html`
      <div class="notice success" role="status" tabindex="-1">
        <p><strong>${t('admin.transfer.valid', { name: result.name })}</strong></p>
        <${Counts} answer=${result.answer} />
        <p>${t('admin.transfer.notYet')}</p>
      </div>
      <div class="actions">
        <${Button} type="button" busy=${busy === 'import'} disabled=${busy !== null} onClick=${() => send(false)}>${t('admin.transfer.import')}<//>
      </div>
    `;
  } else if (result && result.kind === 'imported') {
    outcome = html`
      <div class="notice success" role="status" tabindex="-1">
        <p><strong>${t('admin.transfer.imported', { name: result.name })}</strong></p>
        <${Counts} answer=${result.answer} />
      </div>
    `;
  }

  return html`
    <${Page} title=${t('admin.transfer.title')}>
      <${AdminCrumbs} />
      <p class="admin-lead">${t('admin.transfer.intro')}</p>
      <${Exports} />
      <section class="admin-section" aria-labelledby="import-heading">
        <h2 id="import-heading">${t('admin.transfer.importHeading')}</h2>
        <p>${t('admin.transfer.importIntro')}</p>
        <form onSubmit=${check} novalidate>
          <div class=${missing ? 'field has-error' : 'field'}>
            <label for="field-file">${t('admin.transfer.file')}</label>
            <span class="hint" id="field-file-hint">${t('admin.transfer.fileHint')}</span>
            ${missing ? html`<span class="error-message" id="field-file-error" role="alert"><span class="visually-hidden">${t('error.prefix')} </span>${t('admin.transfer.chooseFile')}</span>` : null}
            <input type="file" id="field-file" name="file" accept=".json,.csv,application/json,text/csv"
              aria-describedby=${missing ? 'field-file-hint field-file-error' : 'field-file-hint'} onChange=${choose} />
          </div>
          <${Field} as="select" name="format" label=${t('admin.transfer.format')} value=${format} onInput=${(v) => {
            setFormat(v);
            setResult(null);
          }}>
            <option value="json">${t('admin.transfer.formatJson')}</option>
            <option value="csv">${t('admin.transfer.formatCsv')}</option>
          <//>
          ${format === 'csv'
            ? html`<${Field} as="select" name="entity" label=${t('admin.transfer.entityLabel')} hint=${t('admin.transfer.entityHint')} value=${entity}
                onInput=${(v) => {
                  setEntity(v);
                  setResult(null);
                }}>
                ${ENTITIES.map((e) => html`<option key=${e} value=${e}>${entityLabel(e)}</option>`)}
              <//>`
            : null}
          <div class="actions">
            <${Button} type="submit" busy=${busy === 'check'} disabled=${busy !== null}>${t('admin.transfer.check')}<//>
          </div>
        </form>
        <div class="admin-result">${outcome}</div>
      </section>
    <//>
  `;
}

export function AuthorityNew(props) {
  return html`<${AdminOnly}><${AuthorityNewPage} ...${props} /><//>`;
}

export function DirectoryTransfer(props) {
  return html`<${AdminOnly}><${DirectoryTransferPage} ...${props} /><//>`;
}
