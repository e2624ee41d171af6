// A thread's header actions: follow, and for moderators (when the API lists them) lock, pin
// and move, each with its reason.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';

const OPPOSITE = { lock: 'unlock', unlock: 'lock', pin: 'unpin', unpin: 'pin', move: 'move' };
const VERBS = {
  lock: 'forums.mod.lock',
  unlock: 'forums.mod.unlock',
  pin: 'forums.mod.pin',
  unpin: 'forums.mod.unpin',
};

function ModerationForm({ thread, verb, onDone, onCancel }) {
  const [reason, setReason] = useState('');
  const [forumId, setForumId] = useState('');
  const [forums, setForums] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const first = useRef(null);
  useEffect(() => {
    if (verb === 'move') {
      api('GET', '/forums', { query: { limit: 100 } })
        .then((page) => setForums(page.items.filter((f) => f.id !== thread.forum_id)))
        .catch(setError);
    }
    requestAnimationFrame(() => first.current?.focus());
  }, [verb]);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = verb === 'move' ? { forum_id: forumId, reason: reason.trim() } : { reason: reason.trim() || null };
      onDone(await api('POST', `/threads/${thread.id}/${verb}`, { body }), verb);
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  const moving = verb === 'move';
  return html`
    <form class="panel inline-form" onSubmit=${submit} novalidate aria-labelledby="moderation-form-title">
      <h2 id="moderation-form-title" class="small-heading">${moving ? t('forums.mod.moveTitle') : t(VERBS[verb])}</h2>
      ${error ? html`<p role="alert" class="error-message">${problemMessage(error)}</p>` : null}
      ${moving
        ? html`<div class="field">
            <label for="field-move-forum">${t('forums.mod.moveTo')}</label>
            <select id="field-move-forum" ref=${first} value=${forumId} onChange=${(e) => setForumId(e.currentTarget.value)}>
              <option value="">${t('forums.mod.chooseForum')}</option>
              ${(forums || []).map((f) => html`<option value=${f.id} key=${f.id}>${f.name}</option>`)}
            </select>
          </div>`
        : null}
      <div class="field">
        <label for="field-moderation-reason">${t('forums.mod.reason')}${moving ? null : html` <span class="optional">${t('forums.optional')}</span>`}</label>
        <span class="hint" id="field-moderation-reason-hint">${t('forums.mod.reasonHint')}</span>
        <textarea id="field-moderation-reason" rows="2" ref=${moving ? undefined : first} value=${reason}
          aria-describedby="field-moderation-reason-hint" onInput=${(e) => setReason(e.currentTarget.value)}></textarea>
      </div>
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${moving ? t('forums.mod.moveSubmit') : t(VERBS[verb])}<//>
        <button type="button" class="link-button" onClick=${onCancel}>${t('forums.cancel')}</button>
      </div>
    </form>
  `;
}

export function ThreadTools({ thread, onChange, onNotice }) {
  const [verb, setVerb] = useState(null);
  const actions = thread.allowed_actions || [];
  const follow = async () => {
    try {
      const answer = await api(thread.following ? 'DELETE' : 'PUT', `/threads/${thread.id}/follow`);
      onChange({ ...thread, following: answer.following });
      onNotice(answer.following ? t('forums.thread.followed') : t('forums.thread.unfollowed'));
    } catch (problem) {
      onNotice(problemMessage(problem));
    }
  };
  const moderation = ['lock', 'unlock', 'pin', 'unpin', 'move'].filter((v) => actions.includes(v));
  return html`
    <div class="actions thread-tools">
      ${actions.includes('follow')
        ? html`<button type="button" class="button secondary" id="thread-follow" onClick=${follow}>
            ${thread.following ? t('forums.thread.unfollow') : t('forums.thread.follow')}</button>`
        : null}
      ${moderation.length
        ? html`<div class="moderation-tools" role="group" aria-label=${t('forums.mod.label')}>
            ${moderation.map(
              (v) => html`<button type="button" class="button secondary" key=${v} id=${`thread-${v}`}
                aria-expanded=${verb === v ? 'true' : 'false'} onClick=${() => setVerb(verb === v ? null : v)}>
                ${v === 'move' ? t('forums.mod.move') : t(VERBS[v])}</button>`,
            )}
          </div>`
        : null}
    </div>
    ${verb
      ? html`<${ModerationForm} thread=${thread} verb=${verb}
          onCancel=${() => {
            const was = verb;
            setVerb(null);
            requestAnimationFrame(() => document.getElementById(`thread-${was}`)?.focus());
          }}
          onDone=${(updated, done) => {
            setVerb(null);
            onChange(updated);
            onNotice(t(`forums.mod.done.${done}`));
            requestAnimationFrame(() =>
              (document.getElementById(`thread-${OPPOSITE[done]}`) || document.getElementById('thread-follow'))?.focus(),
            );
          }} />`
      : null}
  `;
}
