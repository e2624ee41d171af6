// The case's files: name, size, type, SHA-256 (copyable), who uploaded them when, each
// downloaded as an attachment from the API. Several files upload at once, each with its own
// progress bar and Cancel; the SHA-256 the server computed is shown once it has the file.
// A deleted or purged file shows as its tombstone (when, by whom, why; size and SHA-256
// stay); Delete, with a reason, is offered where the file's `allowed_actions` say so.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api, upload } from '../api.js';
import { Button, ErrorSummary, Field, Skeleton, fieldMessage, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatNumber, t } from '../i18n.js';
import { HANDLING_CODES, HandlingBadge, When, bytes, handlingLabel } from './cases-common.js';

function Digest({ sha256 }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(sha256);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return html`
    <span class="case-digest">
      <span class="meta">${t('cases.files.sha256')}</span> <code class="case-hash">${sha256}</code>
      <button type="button" class="link-button" onClick=${copy}>${t('cases.files.copy')}<span class="visually-hidden"> ${t('cases.files.sha256')}</span></button>
      <span role="status" class="meta">${copied ? t('cases.files.copied') : ''}</span>
    </span>
  `;
}

function DeleteForm({ caseId, file, onDeleted, onCancel }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef(null);
  useEffect(() => {
    if (heading.current) heading.current.focus();
  }, []);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await api('DELETE', `/cases/${caseId}/attachments/${file.id}`, { body: { reason: reason.trim() } });
      onDeleted();
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  const fields = {};
  for (const item of (error && error.errors) || []) {
    if (String(item.field || '').startsWith('reason') && !fields.reason) fields.reason = fieldMessage(item.message);
  }
  const label = t('cases.files.deleteReason');
  return html`
    <form class="case-file-delete no-print" onSubmit=${submit} novalidate aria-labelledby="file-delete-heading">
      <h3 id="file-delete-heading" tabindex="-1" ref=${heading}>${t('cases.files.deleteTitle', { name: file.filename })}</h3>
      <p class="hint">${t('cases.files.deleteExplain')}</p>
      <${ErrorSummary} error=${error} fields=${fields} labels=${{ reason: label }} />
      <${Field} as="textarea" name="attachment-delete-reason" label=${label} error=${fields.reason}
        value=${reason} onInput=${setReason} rows="2" maxlength="2000" />
      <div class="actions">
        <${Button} type="submit" class="button secondary" busy=${busy}>${t('cases.files.deleteConfirm')}<//>
        <button type="button" class="link-button" onClick=${onCancel}>${t('cases.files.cancel')}</button>
      </div>
    </form>
  `;
}

function Tombstone({ file, people }) {
  const gone = file.deleted;
  const who = gone.deleted_by ? people[gone.deleted_by] : null;
  const purged = gone.kind === 'purged';
  return html`
    <li class="case-file case-file-deleted">
      <p class="case-file-name">
        <span class="badge">${t(purged ? 'cases.files.purged' : 'cases.files.deleted')}</span>
        <span class="meta"> · ${bytes(file.size)} · ${file.content_type}</span>
      </p>
      <p class="meta">
        ${purged ? t('cases.files.purgedOn') : who ? t('cases.files.deletedBy', { name: who }) : t('cases.files.deletedOn')}
        ${' '}<${When} iso=${gone.deleted_at} />
      </p>
      <p class="case-text">${t('cases.files.reason', { reason: gone.reason })}</p>
      <p><${Digest} sha256=${file.sha256} /></p>
    </li>
  `;
}

function Attachment({ caseId, file, people, deleting, onDelete, onDeleted, onCancel }) {
  if (file.deleted) return html`<${Tombstone} file=${file} people=${people} />`;
  const who = people[file.uploaded_by];
  const mayDelete = (file.allowed_actions || []).includes('delete');
  return html`
    <li class="case-file">
      <p class="case-file-name">
        <a href=${`/api/v1/cases/${caseId}/attachments/${file.id}`} download=${file.filename}>${file.filename}</a>
        <span class="meta"> · ${bytes(file.size)} · ${file.content_type}</span>
        ${file.handling_code ? html` <${HandlingBadge} code=${file.handling_code} />` : null}
      </p>
      <p class="meta">${who ? t('cases.files.uploadedBy', { name: who }) : t('cases.files.uploaded')} <${When} iso=${file.created_at} /></p>
      <p><${Digest} sha256=${file.sha256} /></p>
      ${mayDelete && !deleting
        ? html`<p class="no-print"><button type="button" class="link-button" onClick=${onDelete}>
            ${t('cases.files.delete')}<span class="visually-hidden"> ${file.filename}</span></button></p>`
        : null}
      ${deleting ? html`<${DeleteForm} caseId=${caseId} file=${file} onDeleted=${onDeleted} onCancel=${onCancel} />` : null}
    </li>
  `;
}

let uploadCounter = 0;

function UploadRow({ item }) {
  const percent = item.total ? Math.floor((item.loaded / item.total) * 100) : 0;
  const labelId = `upload-${item.key}-label`;
  let state;
  if (item.status === 'uploading') {
    state = t('cases.files.progress', { loaded: bytes(item.loaded), total: bytes(item.total || item.file.size), percent: formatNumber(percent) });
  } else if (item.status === 'checking') state = t('cases.files.checking');
  else if (item.status === 'done') state = t('cases.files.done');
  else if (item.status === 'cancelled') state = t('cases.files.cancelled');
  else state = t('cases.files.failed', { reason: problemMessage(item.error) });
  return html`
    <li class=${`case-upload case-upload-${item.status}`}>
      <p class="case-file-name" id=${labelId}>${item.file.name} <span class="meta">· ${bytes(item.file.size)}</span></p>
      ${item.status === 'uploading' || item.status === 'checking' || item.status === 'done'
        ? html`<progress max=${item.total || item.file.size} value=${item.status === 'uploading' ? item.loaded : item.total || item.file.size}
            aria-labelledby=${labelId}></progress>`
        : null}
      <p class="case-upload-state" role=${item.status === 'failed' ? 'alert' : undefined}>${state}</p>
      ${item.result ? html`<p><${Digest} sha256=${item.result.sha256} /></p>` : null}
      ${item.status === 'uploading'
        ? html`<button type="button" class="button secondary" onClick=${item.cancel}>${t('cases.files.cancel')}<span class="visually-hidden"> ${item.file.name}</span></button>`
        : null}
    </li>
  `;
}

function Uploader({ caseId, onUploaded }) {
  const [uploads, setUploads] = useState([]);
  const [code, setCode] = useState('');
  const input = useRef(null);
  const change = (key, changes) => setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...changes } : u)));
  const start = (file) => {
    const key = ++uploadCounter;
    const form = new FormData();
    if (code) form.append('handling_code', code);
    form.append('file', file, file.name);
    const sending = upload(`/cases/${caseId}/attachments`, form, {
      onProgress: (loaded, total) => change(key, loaded >= total ? { loaded, total, status: 'checking' } : { loaded, total }),
    });
    setUploads((all) => [...all, { key, file, loaded: 0, total: file.size, status: 'uploading', cancel: sending.cancel }]);
    sending.promise
      .then((result) => {
        change(key, { status: 'done', result });
        onUploaded(result);
      })
      .catch((error) => change(key, error && error.name === 'AbortError' ? { status: 'cancelled' } : { status: 'failed', error }));
  };
  const choose = (event) => {
    for (const file of event.currentTarget.files) start(file);
    event.currentTarget.value = '';
  };
  return html`
    <div class="case-uploader no-print">
      <h3>${t('cases.files.add')}</h3>
      <div class="field">
        <label for="field-attachment-handling">${t('cases.files.handling')}</label>
        <span class="hint" id="field-attachment-handling-hint">${t('cases.files.handlingHint')}</span>
        <select id="field-attachment-handling" aria-describedby="field-attachment-handling-hint" value=${code} onChange=${(e) => setCode(e.currentTarget.value)}>
          <option value="">${t('cases.messages.handlingNone')}</option>
          ${HANDLING_CODES.map((c) => html`<option key=${c} value=${c}>${t('cases.handling.badge', { code: c, meaning: handlingLabel(c) })}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="field-attachments">${t('cases.files.choose')}</label>
        <span class="hint" id="field-attachments-hint">${t('cases.files.chooseHint')}</span>
        <input type="file" id="field-attachments" multiple ref=${input} aria-describedby="field-attachments-hint" onChange=${choose} />
      </div>
      ${uploads.length
        ? html`<ul class="case-uploads" aria-label=${t('cases.files.uploads')}>${uploads.map((u) => html`<${UploadRow} key=${u.key} item=${u} />`)}</ul>`
        : null}
    </div>
  `;
}

export function CaseAttachments({ caseId, round, people, onUploaded, onChanged, canUpload }) {
  const [files, setFiles] = useState(null);
  const [error, setError] = useState(null);
  const [deleting, setDeleting] = useState(null);
  const [done, setDone] = useState('');
  const load = () =>
    api('GET', `/cases/${caseId}/attachments`)
      .then((items) => {
        setFiles(items);
        setError(null);
      })
      .catch(setError);
  useEffect(() => {
    load();
  }, [caseId, round]);
  const deleted = () => {
    setDeleting(null);
    setDone(t('cases.files.deletedDone'));
    load();
    if (onChanged) onChanged();
  };
  let list;
  if (error) list = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  else if (!files) list = html`<${Skeleton} rows=${2} />`;
  else if (files.length === 0) list = html`<p class="empty">${t('cases.files.none')}</p>`;
  else {
    list = html`<ul class="case-files">${files.map(
      (f) => html`<${Attachment} key=${f.id} caseId=${caseId} file=${f} people=${people} deleting=${deleting === f.id}
        onDelete=${() => setDeleting(f.id)} onDeleted=${deleted} onCancel=${() => setDeleting(null)} />`,
    )}</ul>`;
  }
  return html`
    <section aria-labelledby="files-heading" class="case-section">
      <h2 id="files-heading">${t('cases.files.title')}</h2>
      <p class="visually-hidden" role="status" aria-live="polite">${done}</p>
      ${list}
      ${canUpload
        ? html`<${Uploader} caseId=${caseId} onUploaded=${(file) => {
            load();
            onUploaded(file);
          }} />`
        : null}
    </section>
  `;
}
