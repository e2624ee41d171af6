// The case's messages (consultations among them), oldest first, each with its author, side,
// time and handling code as a badge with text; an H3 message shows its handling note before
// the content. The composer keeps the text in memory only (case content never goes to web
// storage), shows "sending" until the API confirms, and keeps the text with the reason when
// the post fails.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Skeleton, fieldMessage, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { HANDLING_CODES, HandlingBadge, When, handlingLabel, sideLabel } from './cases-common.js';

const MAX_PAGES = 20; // a case's whole channel, a page of 100 at a time

// Every message of the case, or only those after one (`afterId`: the last one fetched).
async function allMessages(caseId, afterId = null) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < MAX_PAGES; i += 1) {
    const query = { limit: 100, cursor, after_message_id: afterId || undefined };
    const page = await api('GET', `/cases/${caseId}/messages`, { query });
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return items;
}

function Message({ message }) {
  return html`
    <li class=${message.kind === 'consultation' ? 'case-message case-consultation' : 'case-message'} id=${`message-${message.id}`}>
      <p class="case-message-head">
        <strong>${message.author_handle ? `@${message.author_handle}` : t('cases.messages.unknownAuthor')}</strong>
        <span class="meta"> · ${sideLabel(message.side)} · <${When} iso=${message.created_at} /></span>
      </p>
      <p class="case-message-badges">
        ${message.kind === 'consultation' ? html`<span class="badge case-kind">${t('cases.messages.consultation')}</span>` : null}
        ${message.handling_code ? html`<${HandlingBadge} code=${message.handling_code} />` : html`<span class="meta">${t('cases.messages.noHandling')}</span>`}
      </p>
      ${message.handling_code === 'H3'
        ? html`<div class="notice warning case-handling-note"><p><strong>${t('cases.messages.handlingNote')}</strong> ${message.handling_note}</p></div>`
        : null}
      <div class="case-message-body" dangerouslySetInnerHTML=${{ __html: message.body_html }}></div>
    </li>
  `;
}

function Composer({ caseId, side, onPosted }) {
  const [body, setBody] = useState('');
  const [kind, setKind] = useState('message');
  const [code, setCode] = useState('');
  const [note, setNote] = useState('');
  const [state, setState] = useState('idle'); // idle | sending | sent
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    setState('sending');
    setError(null);
    const payload = { body, kind };
    if (code) payload.handling_code = code;
    if (code === 'H3') payload.handling_note = note;
    try {
      const message = await api('POST', `/cases/${caseId}/messages`, { body: payload });
      setBody('');
      setNote('');
      setKind('message');
      setCode('');
      setState('sent');
      onPosted(message);
    } catch (problem) {
      setState('idle');
      setError(problem);
    }
  };
  const fields = {};
  for (const item of (error && error.errors) || []) {
    const name = String(item.field || '').split('.')[0] || 'body';
    const key = name === 'body' && /H3|handling_note/.test(item.message) ? 'handling_note' : name;
    if (['body', 'handling_note', 'handling_code', 'kind'].includes(key) && !fields[key]) fields[key] = fieldMessage(item.message);
  }
  const labels = {
    body: t('cases.messages.body'),
    handling_code: t('cases.messages.handling'),
    handling_note: t('cases.messages.handlingNoteField'),
    kind: t('cases.messages.kind'),
  };
  return html`
    <form class="case-composer no-print" onSubmit=${submit} novalidate aria-labelledby="composer-heading">
      <h3 id="composer-heading">${t('cases.messages.write')}</h3>
      <${ErrorSummary} error=${error} fields=${fields} labels=${labels} />
      ${side !== 'observer'
        ? html`<div class="field">
            <fieldset aria-describedby="field-kind-hint">
              <legend>${labels.kind}</legend>
              <span class="hint" id="field-kind-hint">${t('cases.messages.kindHint')}</span>
              <div class="case-radios">
                <div class="case-radio"><input type="radio" id="field-kind" name="kind" checked=${kind === 'message'} onChange=${() => setKind('message')} />
                  <label for="field-kind">${t('cases.messages.kindMessage')}</label></div>
                <div class="case-radio"><input type="radio" id="field-kind-consultation" name="kind" checked=${kind === 'consultation'} onChange=${() => setKind('consultation')} />
                  <label for="field-kind-consultation">${t('cases.messages.kindConsultation')}</label></div>
              </div>
            </fieldset>
          </div>`
        : null}
      <${Field} as="select" name="handling_code" label=${labels.handling_code} hint=${t('cases.messages.handlingHint')}
        error=${fields.handling_code} value=${code} onInput=${setCode}>
        <option value="">${t('cases.messages.handlingNone')}</option>
        ${HANDLING_CODES.map((c) => html`<option key=${c} value=${c}>${t('cases.handling.badge', { code: c, meaning: handlingLabel(c) })}</option>`)}
      <//>
      ${code === 'H3'
        ? html`<${Field} name="handling_note" label=${labels.handling_note} hint=${t('cases.messages.handlingNoteHint')}
            error=${fields.handling_note} value=${note} onInput=${setNote} maxlength="1000" />`
        : null}
      <${Field} as="textarea" name="body" label=${labels.body} hint=${t('cases.messages.bodyHint')} error=${fields.body}
        value=${body} onInput=${setBody} rows="5" />
      <div class="actions">
        <${Button} type="submit" busy=${state === 'sending'} disabled=${state === 'sending'}>${t('cases.messages.send')}<//>
        <span role="status" aria-live="polite" class="meta">${state === 'sending'
          ? t('cases.messages.sending')
          : state === 'sent'
            ? t('cases.messages.sent')
            : ''}</span>
      </div>
    </form>
  `;
}

// `more` merged into `shown`, each message once, oldest first.
function merge(shown, more) {
  const fresh = new Set(more.map((m) => m.id));
  const all = [...shown.filter((m) => !fresh.has(m.id)), ...more];
  const at = (m) => Date.parse(m.created_at);
  return all.sort((a, b) => at(a) - at(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The channel. `round` changes when the page learns the case moved (every message again);
 * `arrived` when it learns of a new message: then only the messages after the last one
 * fetched are asked for. A message sent from this page shows at once but does not move that
 * point, so a message the other side wrote just before it is not skipped.
 */
export function CaseMessages({ caseId, side, round, arrived, onPosted }) {
  const [messages, setMessages] = useState(null);
  const [error, setError] = useState(null);
  const generation = useRef(0);
  const tail = useRef(null);
  const load = () => {
    const mine = ++generation.current;
    allMessages(caseId)
      .then((items) => {
        if (mine !== generation.current) return;
        tail.current = items.length ? items[items.length - 1].id : null;
        setMessages(items);
        setError(null);
      })
      .catch((problem) => mine === generation.current && setError(problem));
  };
  useEffect(load, [caseId, round]);
  useEffect(() => {
    if (!arrived) return;
    const mine = generation.current;
    allMessages(caseId, tail.current)
      .then((items) => {
        if (mine !== generation.current || items.length === 0) return;
        tail.current = items[items.length - 1].id;
        setMessages((shown) => merge(shown || [], items));
      })
      .catch(() => mine === generation.current && load()); // all again, which shows a failure
  }, [arrived]);
  let list;
  if (error) list = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  else if (!messages) list = html`<${Skeleton} rows=${3} />`;
  else if (messages.length === 0) list = html`<p class="empty">${t('cases.messages.none')}</p>`;
  else list = html`<ol class="case-messages">${messages.map((m) => html`<${Message} key=${m.id} message=${m} />`)}</ol>`;
  return html`
    <section aria-labelledby="messages-heading" class="case-section">
      <h2 id="messages-heading">${t('cases.messages.title')}</h2>
      ${list}
      <${Composer} caseId=${caseId} side=${side} onPosted=${(message) => {
        setMessages((shown) => merge(shown || [], [message]));
        onPosted(message);
      }} />
    </section>
  `;
}
