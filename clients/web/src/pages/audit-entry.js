// One audit entry (GET /audit/events/{id}): every field as recorded, its place in the hash
// chain (seq, hash, the previous entry's hash), and, on request, who the actor is now from
// the auditors' member directory (GET /audit/members/{id}; the look-up is recorded).
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { Code, Outcome, When, actorText, authorityLabel, isHidden, useAuthorityNames } from './audit-common.js';
import { NotFound } from './notfound.js';

function Fact({ label, children }) {
  return html`<div><dt>${label}</dt><dd>${children}</dd></div>`;
}

function Missing() {
  return html`<span class="meta">${t('audit.entry.none')}</span>`;
}

function Json({ value, label }) {
  if (value === null || value === undefined) return html`<${Missing} />`;
  return html`<pre class="audit-pre" dir="ltr" tabindex="0" aria-label=${label}>${JSON.stringify(value, null, 2)}</pre>`;
}

function MemberLookup({ entry }) {
  const [state, setState] = useState({ member: null, error: null, busy: false });
  const lookUp = async () => {
    setState({ member: null, error: null, busy: true });
    try {
      const member = await api('GET', `/audit/members/${entry.actor_user_id}`);
      setState({ member, error: null, busy: false });
    } catch (error) {
      setState({ member: null, error, busy: false });
    }
  };
  const { member, error, busy } = state;
  return html`
    <section aria-labelledby="member-heading">
      <h2 id="member-heading">${t('audit.member.title')}</h2>
      <p>${t('audit.member.intro')}</p>
      ${member
        ? html`<div role="status">
            <dl class="facts audit-member">
              <${Fact} label=${t('audit.member.handle')}>@${member.handle}<//>
              <${Fact} label=${t('audit.member.name')}>${member.full_name}<//>
              <${Fact} label=${t('audit.member.authority')}>${member.authority
                ? `${member.authority.name} (${member.authority.state_code})`
                : t('audit.member.noAuthority')}<//>
              <${Fact} label=${t('audit.member.roles')}>${member.roles.length
                ? member.roles.map((r) => t(`role.${r}`)).join(', ')
                : t('audit.member.noRoles')}<//>
            </dl>
            ${member.handle !== entry.actor_handle && entry.actor_handle
              ? html`<p class="notice">${t('audit.member.renamed', { then: entry.actor_handle, now: member.handle })}</p>`
              : null}
          </div>`
        : html`<div class="actions">
            <${Button} type="button" class="button secondary" busy=${busy} onClick=${lookUp}>${t('audit.member.lookUp')}<//>
          </div>`}
      ${error
        ? html`<p class="notice warning" role="alert">${error.status === 404 ? t('audit.member.gone') : problemMessage(error)}</p>`
        : null}
    </section>
  `;
}

export function AuditEntryPage({ params }) {
  const [entry, setEntry] = useState(null);
  const [error, setError] = useState(null);
  const names = useAuthorityNames();
  useEffect(() => {
    let live = true;
    setEntry(null);
    setError(null);
    api('GET', `/audit/events/${encodeURIComponent(params.id)}`)
      .then((answer) => live && setEntry(answer))
      .catch((problem) => live && setError(problem));
    return () => {
      live = false;
    };
  }, [params.id]);

  if (isHidden(error)) return html`<${NotFound} />`;
  if (error) {
    return html`<${Page} title=${t('audit.entry.titleUnknown')}><p class="notice warning" role="alert">${problemMessage(error)}</p><//>`;
  }
  if (!entry) return html`<${Skeleton} rows=${6} />`;

  const title = entry.seq === null ? t('audit.entry.titleUnsealed') : t('audit.entry.title', { seq: entry.seq });
  const targetQuery = new URLSearchParams({ target_type: entry.target_type || '', target_id: entry.target_id || '' });
  return html`
    <${Page} title=${title}>
      <nav class="breadcrumbs" aria-label=${t('audit.breadcrumbs')}><a href="/audit">${t('audit.search.title')}</a></nav>
      <dl class="facts audit-facts">
        <${Fact} label=${t('audit.field.action')}><${Code}>${entry.action}<//><//>
        <${Fact} label=${t('audit.field.outcome')}><${Outcome} outcome=${entry.outcome} /><//>
        <${Fact} label=${t('audit.field.occurredAt')}><${When} iso=${entry.occurred_at} /><br /><${Code}>${entry.occurred_at}<//><//>
        <${Fact} label=${t('audit.field.actor')}>
          ${actorText(entry)}
          ${entry.actor_handle ? html`<br /><span class="meta">${t('audit.field.asRecorded')}</span>` : null}
        <//>
        <${Fact} label=${t('audit.field.actorId')}>
          ${entry.actor_user_id
            ? html`<${Code}>${entry.actor_user_id}<//><br /><a href=${`/audit?actor_id=${entry.actor_user_id}`}>${t('audit.entry.byThisMember')}</a>`
            : html`<${Missing} />`}
        <//>
        <${Fact} label=${t('audit.field.session')}>${entry.actor_session_id ? html`<${Code}>${entry.actor_session_id}<//>` : html`<${Missing} />`}<//>
        <${Fact} label=${t('audit.field.ip')}>${entry.actor_ip ? html`<${Code}>${entry.actor_ip}<//>` : html`<${Missing} />`}<//>
        <${Fact} label=${t('audit.field.userAgent')}>${entry.actor_user_agent || html`<${Missing} />`}<//>
        <${Fact} label=${t('audit.field.requestId')}>${entry.request_id ? html`<${Code}>${entry.request_id}<//>` : html`<${Missing} />`}<//>
        <${Fact} label=${t('audit.field.target')}>
          ${entry.target_type
            ? html`${entry.target_type} ${entry.target_id ? html`<${Code}>${entry.target_id}<//>` : null}<br />
                <a href=${`/audit?${targetQuery}`}>${t('audit.entry.aboutThisTarget')}</a>`
            : html`<${Missing} />`}
        <//>
        <${Fact} label=${t('audit.field.authorities')}>
          ${entry.authority_ids.length
            ? html`<ul class="audit-plain">${entry.authority_ids.map(
                (id) => html`<li key=${id}><a href=${`/audit?authority=${id}`}>${authorityLabel(names, id)}</a></li>`,
              )}</ul>`
            : html`<${Missing} />`}
        <//>
        <${Fact} label=${t('audit.field.changes')}><${Json} value=${entry.changes} label=${t('audit.field.changes')} /><//>
        <${Fact} label=${t('audit.field.details')}><${Json} value=${entry.details} label=${t('audit.field.details')} /><//>
        <${Fact} label=${t('audit.field.entryId')}><${Code}>${entry.id}<//><//>
      </dl>

      <section aria-labelledby="chain-heading">
        <h2 id="chain-heading">${t('audit.chain.title')}</h2>
        ${entry.seq === null
          ? html`<p class="notice">${t('audit.chain.unsealed')}</p>`
          : html`
              <p>${t('audit.chain.intro')}</p>
              <dl class="facts audit-facts">
                <${Fact} label=${t('audit.field.seq')}><${Code}>${entry.seq}<//><//>
                <${Fact} label=${t('audit.field.hash')}><${Code}>${entry.hash}<//><//>
                <${Fact} label=${t('audit.field.prevHash')}><${Code}>${entry.prev_hash}<//>
                  ${entry.seq === 1 ? html`<br /><span class="meta">${t('audit.chain.genesis')}</span>` : null}<//>
              </dl>
            `}
      </section>

      ${entry.actor_user_id ? html`<${MemberLookup} key=${entry.id} entry=${entry} />` : null}
    <//>
  `;
}
