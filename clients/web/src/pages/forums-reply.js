// The reply box at the end of a thread. Nothing is shown as posted before the API says so: the
// reply reads "sending" until then, and on failure the text stays in the editor with the reason.
// Drafts survive a reload for forums open to the whole network (session storage, never a
// token); drafts for restricted forums stay in memory only.
import { useEffect, useImperativeHandle, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, fieldErrors } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { onSignOut } from '../session.js';
import { MarkdownEditor } from './forums-editor.js';

const drafts = new Map();
onSignOut(() => drafts.clear());
const STORE_PREFIX = 'canet.draft.thread.';

function readDraft(threadId) {
  if (drafts.has(threadId)) return drafts.get(threadId);
  try {
    const stored = window.sessionStorage.getItem(STORE_PREFIX + threadId);
    return stored ? JSON.parse(stored) : null;
  } catch {
    return null;
  }
}

function keepDraft(threadId, draft, storable) {
  const empty = !draft.body.trim();
  if (empty) drafts.delete(threadId);
  else drafts.set(threadId, draft);
  try {
    if (empty || !storable) window.sessionStorage.removeItem(STORE_PREFIX + threadId);
    else window.sessionStorage.setItem(STORE_PREFIX + threadId, JSON.stringify(draft));
  } catch {
    // storage refused (private mode): the draft lives in memory for this page
  }
}

/** Markdown quoting a post: its author and the start of its text, each line prefixed "> ". */
export function quoteOf(post) {
  const text = post.body.length > 1200 ? `${post.body.slice(0, 1200)}…` : post.body;
  const lines = [`@${post.author.handle} ${t('forums.reply.wrote')}`, ...text.split('\n')];
  return `${lines.map((line) => `> ${line}`.trimEnd()).join('\n')}\n\n`;
}

/**
 * `handle` (a ref) gets {focus(), quote(post)}; onPosted(post) runs once the API has the reply.
 */
export function ReplyBox({ thread, forum, onPosted, handle }) {
  const saved = readDraft(thread.id);
  const [body, setBody] = useState(saved ? saved.body : '');
  const [replyTo, setReplyTo] = useState(saved ? saved.replyTo : null);
  const [state, setState] = useState('idle'); // idle | sending | sent
  const [error, setError] = useState(null);
  const area = useRef(null);
  const storable = Boolean(forum && forum.audience && forum.audience.kind === 'network');
  useEffect(() => keepDraft(thread.id, { body, replyTo }, storable), [body, replyTo, storable]);

  useImperativeHandle(handle, () => ({
    focus() {
      area.current?.focus();
      area.current?.scrollIntoView({ block: 'center' });
    },
    quote(post) {
      const next = `${body}${body && !body.endsWith('\n\n') ? '\n\n' : ''}${quoteOf(post)}`;
      setBody(next);
      setReplyTo(post.id);
      requestAnimationFrame(() => {
        const el = area.current;
        if (!el) return;
        el.focus();
        el.setSelectionRange(next.length, next.length);
        el.scrollIntoView({ block: 'center' });
      });
    },
  }));

  const send = async (event) => {
    if (event) event.preventDefault();
    if (state === 'sending') return;
    setState('sending');
    setError(null);
    try {
      const payload = { body };
      if (replyTo) payload.reply_to_post_id = replyTo;
      const post = await api('POST', `/threads/${thread.id}/posts`, { body: payload });
      setBody('');
      setReplyTo(null);
      setState('sent');
      onPosted(post);
    } catch (problem) {
      setError(problem); // the error summary takes the focus; the text stays as typed
      setState('idle');
    }
  };
  const fields = fieldErrors(error, ['body']);
  if (fields.body && /at least/.test(fields.body)) fields.body = t('forums.reply.empty');
  return html`
    <section class="reply" aria-labelledby="reply-heading">
      <h2 id="reply-heading">${t('forums.reply.heading')}</h2>
      <${ErrorSummary} error=${error} fields=${fields} labels=${{ body: t('forums.reply.label') }} />
      <form onSubmit=${send} novalidate>
        <${MarkdownEditor} id="reply" label=${t('forums.reply.label')} value=${body} forumId=${thread.forum_id}
          onInput=${(value) => {
            setBody(value);
            if (state === 'sent') setState('idle');
            if (!value.trim()) setReplyTo(null);
          }}
          error=${fields.body} textareaRef=${area} disabled=${state === 'sending'} onSubmitKey=${send} />
        ${replyTo
          ? html`<p class="meta">${t('forums.reply.quoting')} <button type="button" class="link-button" onClick=${() => setReplyTo(null)}>${t('forums.reply.notAReply')}</button></p>`
          : null}
        <div class="actions">
          <${Button} type="submit" busy=${state === 'sending'}>${t('forums.reply.submit')}<//>
          <span role="status" class="status-line" id="reply-status">${state === 'sending' ? t('forums.reply.sending') : state === 'sent' ? t('forums.reply.sent') : ''}</span>
        </div>
        <p class="meta">${t('forums.reply.keys')}</p>
      </form>
    </section>
  `;
}
