// The markdown editor of posts: a textarea that grows, a Preview tab rendered by the API (the
// same renderer as a saved post; the client never turns markdown into HTML itself), and
// `@handle` completion from the members who may read the forum.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';

const MENTION_BEFORE_CARET = /(?:^|[^\w@./:])@([a-z0-9][a-z0-9.]{0,29})$/i;
const SUGGEST_DELAY_MS = 200;

function mentionAt(text, caret) {
  const found = MENTION_BEFORE_CARET.exec(text.slice(0, caret));
  return found ? { prefix: found[1], start: caret - found[1].length } : null;
}

function Suggestions({ id, items, active, onPick }) {
  return html`
    <ul class="suggestions" id=${id} role="listbox" aria-label=${t('forums.editor.mentionList')}>
      ${items.map(
        (item, i) => html`<li key=${item.handle} id=${`${id}-${i}`} role="option" aria-selected=${i === active ? 'true' : 'false'}
          class=${i === active ? 'active' : undefined}
          onMouseDown=${(e) => {
            e.preventDefault(); // keep the focus (and the caret) in the textarea
            onPick(item);
          }}>
          <strong>@${item.handle}</strong> ${item.full_name}${item.authority_name ? html` <span class="meta">· ${item.authority_name}</span>` : null}
        </li>`,
      )}
    </ul>
  `;
}

/**
 * A labelled markdown field with Write and Preview tabs.
 * Props: id, label, hint, value, onInput(value), forumId, error, textareaRef, disabled, onSubmitKey.
 */
export function MarkdownEditor({ id, label, hint, value, onInput, forumId, error, textareaRef, disabled = false, onSubmitKey }) {
  const [tab, setTab] = useState('write');
  const [preview, setPreview] = useState({ html: null, error: null, busy: false });
  const [suggest, setSuggest] = useState({ items: [], active: 0, mention: null });
  const ownRef = useRef(null);
  const area = textareaRef || ownRef;
  const timer = useRef(null);
  const asked = useRef(0);
  useEffect(() => () => clearTimeout(timer.current), []);

  const showPreview = async () => {
    setTab('preview');
    if (!value.trim()) {
      setPreview({ html: null, error: null, busy: false });
      return;
    }
    setPreview({ html: null, error: null, busy: true });
    try {
      const answer = await api('POST', `/forums/${forumId}/preview`, { body: { body: value } });
      setPreview({ html: answer.body_html, error: null, busy: false });
    } catch (problem) {
      setPreview({ html: null, error: problem, busy: false });
    }
  };

  const closeSuggestions = () => setSuggest({ items: [], active: 0, mention: null });

  const lookUp = (text, caret) => {
    clearTimeout(timer.current);
    const mention = mentionAt(text, caret);
    if (!mention) {
      closeSuggestions();
      return;
    }
    const ticket = ++asked.current;
    timer.current = setTimeout(async () => {
      try {
        const items = await api('GET', `/forums/${forumId}/mentionable`, { query: { q: mention.prefix, limit: 8 } });
        if (ticket === asked.current) setSuggest({ items, active: 0, mention });
      } catch {
        if (ticket === asked.current) closeSuggestions();
      }
    }, SUGGEST_DELAY_MS);
  };

  const pick = (item) => {
    const el = area.current;
    const { mention } = suggest;
    if (!el || !mention) return;
    const caret = mention.start + mention.prefix.length;
    const next = `${value.slice(0, mention.start)}${item.handle} ${value.slice(caret)}`;
    onInput(next);
    closeSuggestions();
    const at = mention.start + item.handle.length + 1;
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(at, at);
    });
  };

  const onKeyDown = (event) => {
    const open = suggest.items.length > 0;
    if (open && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setSuggest({ ...suggest, active: (suggest.active + step + suggest.items.length) % suggest.items.length });
    } else if (open && (event.key === 'Enter' || event.key === 'Tab') && !event.shiftKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      pick(suggest.items[suggest.active]);
    } else if (open && event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      closeSuggestions();
    } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && onSubmitKey) {
      event.preventDefault();
      onSubmitKey();
    }
  };

  const fieldId = `field-${id}`;
  const listId = `${id}-mentions`;
  const open = suggest.items.length > 0 && tab === 'write';
  const described = [`${fieldId}-hint`, error ? `${fieldId}-error` : null].filter(Boolean).join(' ');
  const tabKeys = (event) => {
    if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
      event.preventDefault();
      if (tab === 'write') showPreview();
      else setTab('write');
      requestAnimationFrame(() => {
        const next = document.getElementById(`${id}-tab-${tab === 'write' ? 'preview' : 'write'}`);
        if (next) next.focus();
      });
    }
  };
  return html`
    <div class=${error ? 'field editor has-error' : 'field editor'}>
      <label for=${fieldId} id=${`${fieldId}-label`}>${label}</label>
      <span class="hint" id=${`${fieldId}-hint`}>${hint || t('forums.editor.hint')}</span>
      ${error ? html`<span class="error-message" id=${`${fieldId}-error`}><span class="visually-hidden">${t('forums.editor.errorPrefix')} </span>${error}</span>` : null}
      <div class="tabs" role="tablist" aria-label=${t('forums.editor.mode')}>
        <button type="button" role="tab" id=${`${id}-tab-write`} aria-selected=${tab === 'write' ? 'true' : 'false'}
          aria-controls=${`${id}-panel-write`} tabindex=${tab === 'write' ? '0' : '-1'} onKeyDown=${tabKeys}
          onClick=${() => setTab('write')}>${t('forums.editor.write')}</button>
        <button type="button" role="tab" id=${`${id}-tab-preview`} aria-selected=${tab === 'preview' ? 'true' : 'false'}
          aria-controls=${`${id}-panel-preview`} tabindex=${tab === 'preview' ? '0' : '-1'} onKeyDown=${tabKeys}
          onClick=${showPreview}>${t('forums.editor.preview')}</button>
      </div>
      <div id=${`${id}-panel-write`} role="tabpanel" aria-labelledby=${`${id}-tab-write`} hidden=${tab !== 'write'} class="editor-panel">
        <textarea id=${fieldId} name=${id} ref=${area} value=${value} readonly=${disabled} rows="6"
          aria-describedby=${described} aria-invalid=${error ? 'true' : undefined}
          aria-autocomplete="list" aria-controls=${open ? listId : undefined}
          aria-activedescendant=${open ? `${listId}-${suggest.active}` : undefined}
          onInput=${(e) => {
            onInput(e.currentTarget.value);
            lookUp(e.currentTarget.value, e.currentTarget.selectionStart);
          }}
          onKeyDown=${onKeyDown} onBlur=${() => setTimeout(closeSuggestions, 150)}></textarea>
        ${open ? html`<${Suggestions} id=${listId} items=${suggest.items} active=${suggest.active} onPick=${pick} />` : null}
        <div class="visually-hidden" role="status">${open ? t('forums.editor.suggestions', { count: suggest.items.length }) : ''}</div>
      </div>
      <div id=${`${id}-panel-preview`} role="tabpanel" aria-labelledby=${`${id}-tab-preview`} hidden=${tab !== 'preview'}
        class="editor-panel preview" tabindex="0">
        ${preview.busy ? html`<p role="status">${t('forums.editor.rendering')}</p>` : null}
        ${preview.error ? html`<p role="alert" class="error-message">${problemMessage(preview.error)}</p>` : null}
        ${!preview.busy && !preview.error && preview.html === null ? html`<p class="empty">${t('forums.editor.nothing')}</p>` : null}
        ${preview.html !== null ? html`<div class="post-body" dangerouslySetInnerHTML=${{ __html: preview.html }}></div>` : null}
      </div>
    </div>
  `;
}
