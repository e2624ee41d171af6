// One post of a thread: author, authority and time, the server's sanitised HTML with quotes
// folded, and the actions the API lists for it (quote, edit with history, delete, report,
// hide or show again).
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { AuthorLine, When } from './forums-common.js';
import { MarkdownEditor } from './forums-editor.js';

/** Wrap the quotes of a rendered post in <details>, so that a long quote folds away. */
function foldQuotes(container) {
  if (!container) return;
  for (const quote of container.querySelectorAll(':scope > blockquote')) {
    const fold = document.createElement('details');
    fold.className = 'quote-fold';
    const summary = document.createElement('summary');
    summary.textContent = t('forums.post.quoted');
    fold.append(summary);
    quote.replaceWith(fold);
    fold.append(quote);
  }
}

function PostBody({ bodyHtml }) {
  const ref = useRef(null);
  useEffect(() => foldQuotes(ref.current), [bodyHtml]);
  // The HTML was rendered from markdown and sanitised by the server (an allow-list of tags,
  // http(s) links only); the client never builds HTML from what a member typed.
  return html`<div class="post-body" ref=${ref} dangerouslySetInnerHTML=${{ __html: bodyHtml }}></div>`;
}

function History({ post }) {
  const [revisions, setRevisions] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', `/posts/${post.id}/revisions`).then(setRevisions).catch(setError);
  }, [post.id, post.version]);
  if (error) return html`<p role="alert" class="error-message">${problemMessage(error)}</p>`;
  if (!revisions) return html`<p role="status">${t('forums.post.historyLoading')}</p>`;
  return html`
    <section class="history" aria-label=${t('forums.post.historyLabel')}>
      <ol class="timeline">
        ${[...revisions].reverse().map(
          (revision) => html`<li key=${revision.version}>
            <p class="meta"><strong>${t('forums.post.version', { version: revision.version })}</strong>
              ${revision.current ? html` <span class="badge">${t('forums.post.current')}</span>` : null}
              ${' · '}<${When} iso=${revision.written_at} /></p>
            <div class="post-body" dangerouslySetInnerHTML=${{ __html: revision.body_html }}></div>
          </li>`,
        )}
      </ol>
    </section>
  `;
}

/** A small form asking for a reason (report, hide) before calling `send(reason)`. */
function ReasonForm({ id, label, hint, submit, onSend, onCancel, optional = false }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const field = useRef(null);
  useEffect(() => field.current && field.current.focus(), []);
  const send = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSend(reason.trim());
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  const fieldId = `field-${id}`;
  return html`
    <form class="inline-form" onSubmit=${send} novalidate>
      <div class=${error ? 'field has-error' : 'field'}>
        <label for=${fieldId}>${label}${optional ? html` <span class="optional">${t('forums.optional')}</span>` : null}</label>
        ${hint ? html`<span class="hint" id=${`${fieldId}-hint`}>${hint}</span>` : null}
        ${error ? html`<span class="error-message" id=${`${fieldId}-error`} role="alert">${problemMessage(error)}</span>` : null}
        <textarea id=${fieldId} ref=${field} rows="2" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)}
          aria-describedby=${[hint ? `${fieldId}-hint` : null, error ? `${fieldId}-error` : null].filter(Boolean).join(' ') || undefined}
          aria-invalid=${error ? 'true' : undefined}></textarea>
      </div>
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${submit}<//>
        <button type="button" class="link-button" onClick=${onCancel}>${t('forums.cancel')}</button>
      </div>
    </form>
  `;
}

function EditForm({ post, forumId, onSaved, onCancel }) {
  const [body, setBody] = useState(post.body);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const area = useRef(null);
  useEffect(() => area.current && area.current.focus(), []);
  const save = async (event) => {
    if (event) event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSaved(await api('PATCH', `/posts/${post.id}`, { body: { body } }));
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  return html`
    <form class="inline-form" onSubmit=${save} novalidate>
      ${error ? html`<p role="alert" class="error-message">${problemMessage(error)}</p>` : null}
      <${MarkdownEditor} id=${`edit-${post.id}`} label=${t('forums.post.editLabel')} value=${body} onInput=${setBody}
        forumId=${forumId} textareaRef=${area} onSubmitKey=${save} />
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${busy ? t('forums.post.saving') : t('forums.post.save')}<//>
        <button type="button" class="link-button" onClick=${onCancel}>${t('forums.cancel')}</button>
      </div>
    </form>
  `;
}

/**
 * `repliedTo`: the post this one answers, when it is on the page (a reply just written has no
 * `quote` yet; its author is found there).
 */
// A member who may not see a hidden or deleted post's text gets the server's own line saying
// so (its body_html); the marks below are for those who still see the text.
export function Post({ post, forumId, onChange, onQuote, onNotice, unreadStart, repliedTo }) {
  const [mode, setMode] = useState(null);
  const actions = post.allowed_actions || [];
  const labelId = `post-${post.id}-author`;
  const close = (focusAction) => {
    setMode(null);
    if (focusAction) requestAnimationFrame(() => document.getElementById(`post-${post.id}-${focusAction}`)?.focus());
  };
  const refresh = async () => onChange(await api('GET', `/posts/${post.id}`));
  const toggle = (name) => setMode(mode === name ? null : name);
  const button = (name, label, onClick) =>
    html`<button type="button" class="link-button" id=${`post-${post.id}-${name}`} onClick=${onClick}
      aria-expanded=${['history', 'flag', 'hide', 'delete', 'edit'].includes(name) ? (mode === name ? 'true' : 'false') : undefined}>
      ${label}<span class="visually-hidden"> ${t('forums.post.ofAuthor', { name: post.author.full_name || '' })}</span></button>`;
  return html`
    ${unreadStart ? html`<p class="unread-divider" id="first-unread">${t('forums.thread.unreadStart')}</p>` : null}
    <article id=${`post-${post.id}`} class=${post.hidden ? 'post is-hidden' : 'post'} tabindex="-1" aria-labelledby=${labelId}>
      <header class="post-header">
        <span id=${labelId}><${AuthorLine} author=${post.author} /></span>
        <span class="meta"><a href=${`#post-${post.id}`} class="permalink"><${When} iso=${post.created_at} /></a></span>
      </header>
      ${post.reply_to_post_id
        ? html`<p class="meta in-reply">${t('forums.post.inReplyTo')} <a href=${`#post-${post.reply_to_post_id}`}>${
            (post.quote && post.quote.author.full_name) || (repliedTo && repliedTo.author.full_name) || t('forums.post.earlierPost')
          }</a></p>`
        : null}
      ${post.hidden && post.body
        ? html`<p class="notice warning"><strong>${t('forums.post.hidden')}</strong>${post.hidden_reason ? html` ${t('forums.post.reason')} ${post.hidden_reason}` : null}</p>`
        : null}
      ${post.deleted && post.body ? html`<p><span class="badge">${t('forums.post.deleted')}</span></p>` : null}
      ${mode === 'edit'
        ? html`<${EditForm} post=${post} forumId=${forumId} onCancel=${() => close('edit')} onSaved=${(updated) => {
            onChange(updated);
            onNotice(t('forums.post.saved'));
            close('edit');
          }} />`
        : html`<${PostBody} bodyHtml=${post.body_html} />`}
      ${post.edited_at
        ? html`<p class="meta edited">${t('forums.post.edited')} <${When} iso=${post.edited_at} />
            ${actions.includes('history') ? html` · ${button('history', mode === 'history' ? t('forums.post.hideHistory') : t('forums.post.showHistory'), () => toggle('history'))}` : null}</p>`
        : null}
      ${mode === 'history' ? html`<${History} post=${post} />` : null}
      <div class="post-actions">
        ${actions.includes('quote') ? button('quote', t('forums.post.quote'), () => onQuote(post)) : null}
        ${actions.includes('edit') && mode !== 'edit' ? button('edit', t('forums.post.edit'), () => toggle('edit')) : null}
        ${actions.includes('delete') ? button('delete', t('forums.post.delete'), () => toggle('delete')) : null}
        ${actions.includes('flag') ? button('flag', t('forums.post.flag'), () => toggle('flag')) : null}
        ${actions.includes('hide') ? button('hide', t('forums.post.hide'), () => toggle('hide')) : null}
        ${actions.includes('unhide')
          ? button('unhide', t('forums.post.unhide'), async () => {
              try {
                onChange(await api('POST', `/posts/${post.id}/unhide`, { body: {} }));
                onNotice(t('forums.post.unhidden'));
              } catch (problem) {
                onNotice(problemMessage(problem));
              }
            })
          : null}
      </div>
      ${mode === 'delete'
        ? html`<div class="inline-form" role="group" aria-label=${t('forums.post.delete')}>
            <p>${t('forums.post.deleteConfirm')}</p>
            <div class="actions">
              <button type="button" class="button danger" onClick=${async () => {
                try {
                  await api('DELETE', `/posts/${post.id}`);
                  await refresh();
                  onNotice(t('forums.post.deletedNotice'));
                  close();
                } catch (problem) {
                  onNotice(problemMessage(problem));
                }
              }}>${t('forums.post.deleteConfirmButton')}</button>
              <button type="button" class="link-button" onClick=${() => close('delete')}>${t('forums.cancel')}</button>
            </div>
          </div>`
        : null}
      ${mode === 'flag'
        ? html`<${ReasonForm} id=${`flag-${post.id}`} label=${t('forums.post.flagReason')} hint=${t('forums.post.flagHint')}
            submit=${t('forums.post.flagSubmit')} onCancel=${() => close('flag')}
            onSend=${async (reason) => {
              await api('POST', `/posts/${post.id}/flags`, { body: { reason } });
              onNotice(t('forums.post.flagged'));
              close('flag');
            }} />`
        : null}
      ${mode === 'hide'
        ? html`<${ReasonForm} id=${`hide-${post.id}`} label=${t('forums.post.hideReason')} hint=${t('forums.post.hideHint')}
            submit=${t('forums.post.hideSubmit')} onCancel=${() => close('hide')}
            onSend=${async (reason) => {
              onChange(await api('POST', `/posts/${post.id}/hide`, { body: { reason } }));
              onNotice(t('forums.post.hiddenNotice'));
              close('unhide');
            }} />`
        : null}
    </article>
  `;
}
