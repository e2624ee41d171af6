// An authority's page (/authorities/{id}, also the link of directory search hits): its
// contacts, how to address it, its State's requirement sheets and treaties, its laws and
// history, a form to report a contact that failed, and, when the API allows it, editing and
// confirming the entry.
import { signal } from '../../vendor/signals.mjs';
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, Skeleton, fieldErrors, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDate, t } from '../i18n.js';
import { NotFound } from './notfound.js';
import {
  AUTHORITY_TYPES,
  FAILURE_CHANNELS,
  Rendered,
  SheetFacts,
  StaleBadge,
  TreatyItem,
  Verified,
  When,
  channelLabel,
  failureChannelLabel,
  languageList,
  languageName,
  typeLabel,
  useLoad,
  useStates,
  yesNo,
} from './directory-common.js';
import { Revisions } from './directory-revisions.js';
import { ApplicableDocuments } from './library-common.js';

/** A message for the next view of an authority's page (e.g. "Your changes are saved"). */
export const authorityNotice = signal(null);

function External({ href, children }) {
  return html`<a href=${href} rel="noopener noreferrer" target="_blank">${children}<span class="visually-hidden"> ${t('directory.opensElsewhere')}</span></a>`;
}

function Fact({ term, children }) {
  if (children === null || children === undefined || children === '') return null;
  return html`<div class="dir-fact"><dt>${term}</dt><dd>${children}</dd></div>`;
}

function SidePanel({ authority }) {
  return html`
    <aside class="dir-side-panel" aria-labelledby="facts-heading">
      <h2 id="facts-heading">${t('directory.authority.facts')}</h2>
      <dl class="dir-facts">
        <${Fact} term=${t('directory.authority.state')}>${authority.state_name}${authority.region ? html` <span class="meta">(${authority.region})</span>` : null}<//>
        <${Fact} term=${t('directory.authority.types')}>
          <ul class="dir-plain">${authority.types.map((type) => html`<li key=${type}>${typeLabel(type)}</li>`)}</ul>
        <//>
        <${Fact} term=${t('directory.field.address')}>${authority.address ? html`<span class="dir-address">${authority.address}</span>` : null}<//>
        <${Fact} term=${t('directory.field.phone')}>${authority.phone ? html`<a href=${`tel:${authority.phone.replace(/[^0-9+]/g, '')}`}>${authority.phone}</a>` : null}<//>
        <${Fact} term=${t('directory.field.fax')}>${authority.fax}<//>
        <${Fact} term=${t('directory.field.email')}>${authority.email ? html`<a href=${`mailto:${authority.email}`}>${authority.email}</a>` : null}<//>
        <${Fact} term=${t('directory.field.website')}>${authority.website ? html`<${External} href=${authority.website}>${authority.website}<//>` : null}<//>
        <${Fact} term=${t('directory.field.time_zone')}>${authority.time_zone}<//>
        <${Fact} term=${t('directory.field.office_hours')}>${authority.office_hours}<//>
        <${Fact} term=${t('directory.authority.focalPoints')}>
          ${authority.focal_points.length
            ? html`<ul class="dir-plain">${authority.focal_points.map((p) => html`<li key=${p.id}>${p.full_name}</li>`)}</ul>`
            : html`<span class="meta">${t('directory.authority.noFocalPoint')}</span>`}
        <//>
        <${Fact} term=${t('directory.authority.lastVerified')}>
          ${authority.last_verified_at
            ? html`<${When} iso=${authority.last_verified_at} />${authority.last_verified_by ? html`<br />${t('directory.verified.by', { name: authority.last_verified_by.full_name })}` : null}`
            : t('directory.verified.never')}
          ${authority.stale ? html`<br /><${StaleBadge} stale=${true} />` : null}
        <//>
        ${authority.open_failure_reports > 0
          ? html`<${Fact} term=${t('directory.authority.failures')}>
              <span class="badge dir-badge-warning">${t('directory.failures.badge', { count: authority.open_failure_reports })}</span>
            <//>`
          : null}
      </dl>
    </aside>
  `;
}

function Contacts({ authority }) {
  const contacts = authority.contacts || [];
  return html`
    <section aria-labelledby="contacts-heading">
      <h2 id="contacts-heading">${t('directory.authority.contacts')}</h2>
      ${contacts.length === 0
        ? html`<p class="empty">${t('directory.authority.noContacts')}</p>`
        : html`<ul class="dir-cards">
            ${contacts.map(
              (c, i) => html`<li key=${i} class="dir-card">
                <strong>${c.name}</strong>${c.position ? html`<br /><span class="meta">${c.position}</span>` : null}
                ${c.email ? html`<br /><a href=${`mailto:${c.email}`}>${c.email}</a>` : null}
                ${c.phone ? html`<br />${c.phone}` : null}
                ${c.languages && c.languages.length ? html`<br />${t('directory.languagesList', { languages: languageList(c.languages) })}` : null}
              </li>`,
            )}
          </ul>`}
    </section>
  `;
}

function Sending({ authority }) {
  return html`
    <section aria-labelledby="sending-heading">
      <h2 id="sending-heading">${t('directory.authority.sending')}</h2>
      <dl class="dir-facts">
        <${Fact} term=${t('directory.authority.languagesAccepted')}>
          ${authority.languages.length ? languageList(authority.languages) : html`<span class="meta">${t('directory.notStated')}</span>`}
        <//>
        <${Fact} term=${t('directory.authority.channelsAccepted')}>
          ${authority.channels.length
            ? html`<ul class="dir-plain">${authority.channels.map((c) => html`<li key=${c}>${channelLabel(c)}</li>`)}</ul>`
            : html`<span class="meta">${t('directory.notStated')}</span>`}
        <//>
        <${Fact} term=${t('directory.field.urgent_procedure')}>
          <${Rendered} html=${authority.urgent_procedure_html} fallback=${t('directory.notStated')} />
        <//>
        <${Fact} term=${t('directory.field.contact_24_7')}>${authority.contact_24_7 || html`<span class="meta">${t('directory.notStated')}</span>`}<//>
      </dl>
    </section>
  `;
}

function Sheets({ authority, sheets }) {
  let content;
  if (sheets.error) content = html`<p role="alert">${problemMessage(sheets.error)}</p>`;
  else if (!sheets.data) content = html`<${Skeleton} rows=${3} />`;
  else if (sheets.data.items.length === 0) {
    content = html`<p class="empty">${t('directory.authority.noSheets', { state: authority.state_name })}</p>`;
  } else {
    const names = new Map([[authority.id, authority.name]]);
    const byType = AUTHORITY_TYPES.map((type) => [
      type,
      sheets.data.items
        .filter((s) => s.request_type === type)
        .sort((a, b) => Number(Boolean(a.measure)) - Number(Boolean(b.measure))),
    ]).filter(([, list]) => list.length > 0);
    content = byType.map(
      ([type, list]) => html`
        <div class="dir-sheet-group" key=${type}>
          <h3>${typeLabel(type)}</h3>
          <p><a href=${`/compare?state_a=${authority.state_code}&request_type=${type}`}>${t('directory.authority.compareLink', {
            state: authority.state_name,
          })}</a></p>
          ${list.map((sheet) => html`<${SheetFacts} key=${sheet.id} sheet=${sheet} headingLevel=${4} names=${names} linked=${true} />`)}
        </div>
      `,
    );
  }
  return html`
    <section aria-labelledby="sheets-heading">
      <h2 id="sheets-heading">${t('directory.authority.sheets')}</h2>
      <p>${t('directory.authority.sheetsIntro', { state: authority.state_name })}</p>
      ${content}
    </section>
  `;
}

function LegalBasis({ authority, treaties, states }) {
  let list;
  if (treaties.error) list = html`<p role="alert">${problemMessage(treaties.error)}</p>`;
  else if (!treaties.data) list = html`<${Skeleton} rows=${2} />`;
  else if (treaties.data.items.length === 0) list = html`<p class="empty">${t('directory.authority.noTreaties')}</p>`;
  else {
    list = html`<ul class="items dir-treaties">${treaties.data.items.map((treaty) => html`<${TreatyItem} key=${treaty.id} treaty=${treaty} states=${states} />`)}</ul>`;
  }
  return html`
    <section aria-labelledby="legal-heading">
      <h2 id="legal-heading">${t('directory.authority.legalBasis')}</h2>
      <dl class="dir-facts">
        <${Fact} term=${t('directory.field.convention_basis_mla')}>${yesNo(authority.convention_basis_mla)}<//>
        <${Fact} term=${t('directory.field.convention_basis_extradition')}>${yesNo(authority.convention_basis_extradition)}<//>
      </dl>
      <h3>${t('directory.authority.treaties')}</h3>
      ${list}
      <h3>${t('directory.authority.laws')}</h3>
      ${authority.law_links.length
        ? html`<ul class="dir-plain">${authority.law_links.map((law, i) => html`<li key=${i}><${External} href=${law.url}>${law.title}<//></li>`)}</ul>`
        : html`<p class="empty">${t('directory.authority.noLaws')}</p>`}
      <h3>${t('directory.field.alternative_arrangements')}</h3>
      <${Rendered} html=${authority.alternative_arrangements_html} fallback=${t('directory.authority.noAlternatives')} />
    </section>
  `;
}

function fieldName(field) {
  const key = `directory.field.${field}`;
  const text = t(key);
  return text === key ? field : text;
}

// A revision's values of these fields in words.
const REVISION_WORDS = { types: typeLabel, channels: channelLabel, languages: languageName };

const FAILURE_FIELDS = ['channel', 'detail'];

function ReportFailure({ authority, onReported }) {
  const [channel, setChannel] = useState('');
  const [detail, setDetail] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/authorities/${authority.id}/contact-failures`, {
        // Nothing chosen is left out, so the API names the missing field.
        body: { channel: channel || undefined, detail: detail.trim() || null },
      });
      setSent(true);
      setChannel('');
      setDetail('');
      onReported();
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const labels = { channel: t('directory.failure.channel'), detail: t('directory.failure.detail') };
  const fields = fieldErrors(error, FAILURE_FIELDS);
  return html`
    <section aria-labelledby="failure-heading" id="report-failure">
      <h2 id="failure-heading">${t('directory.failure.title')}</h2>
      <p>${t('directory.failure.intro')}</p>
      ${sent
        ? html`<div class="notice success" role="status"><p>${t('directory.failure.sent')}</p>
            <p><button type="button" class="link-button" onClick=${() => setSent(false)}>${t('directory.failure.another')}</button></p></div>`
        : html`
          <${ErrorSummary} error=${error} fields=${fields} labels=${labels} />
          <form onSubmit=${submit} novalidate>
            <${Field} as="select" name="channel" label=${labels.channel} value=${channel} onInput=${setChannel} error=${fields.channel}>
              <option value="">${t('directory.failure.choose')}</option>
              ${FAILURE_CHANNELS.map((c) => html`<option key=${c} value=${c}>${failureChannelLabel(c)}</option>`)}
            <//>
            <${Field} as="textarea" name="detail" label=${labels.detail} hint=${t('directory.failure.detailHint')} optional=${true}
              value=${detail} onInput=${setDetail} error=${fields.detail} maxlength="2000" />
            <div class="actions"><${Button} type="submit" class="button secondary" busy=${busy}>${t('directory.failure.submit')}<//></div>
          </form>
        `}
    </section>
  `;
}

function Header({ authority, onVerified }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const actions = authority.allowed_actions || [];
  const verify = async () => {
    setBusy(true);
    setError(null);
    try {
      const fresh = await api('POST', `/authorities/${authority.id}/verify`);
      authorityNotice.value = t('directory.authority.verifiedNotice', { date: formatDate(fresh.last_verified_at) });
      onVerified(fresh);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  return html`
    ${authority.name_original && authority.name_original !== authority.name ? html`<p class="dir-original">${authority.name_original}</p>` : null}
    <p class="dir-audience">${t('directory.authority.audience')}</p>
    <${Verified} iso=${authority.last_verified_at} stale=${authority.stale} by=${authority.last_verified_by && authority.last_verified_by.full_name} />
    ${error ? html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>` : null}
    <div class="actions dir-page-actions">
      ${actions.includes('edit') ? html`<a class="button" href=${`/authorities/${authority.id}/edit`}>${t('directory.authority.edit')}</a>` : null}
      ${actions.includes('verify')
        ? html`<${Button} type="button" class="button secondary" busy=${busy} onClick=${verify}>${t('directory.authority.verify')}<//>`
        : null}
      <a href="#report-failure">${t('directory.failure.jump')}</a>
    </div>
  `;
}

export function AuthorityPage({ params }) {
  const id = params.id;
  const authority = useLoad(() => api('GET', `/authorities/${id}`), [id]);
  const [round, setRound] = useState(0);
  const { states } = useStates();
  const code = authority.data && authority.data.state_code;
  const sheets = useLoad(() => (code ? api('GET', `/states/${code}/requirements`) : Promise.resolve(null)), [code]);
  const treaties = useLoad(
    () => (code ? api('GET', '/treaties', { query: { state: code, limit: 100 } }) : Promise.resolve(null)),
    [code],
  );
  const notice = authorityNotice.value;
  useEffect(() => () => {
    authorityNotice.value = null;
  }, [id]);

  if (authority.error && authority.error.status === 404) return html`<${NotFound} />`;
  if (authority.error) {
    return html`<${Page} title=${t('directory.authority.loadFailed')}><div class="notice warning" role="alert"><p>${problemMessage(authority.error)}</p></div><//>`;
  }
  // The same frame while loading, so the heading that takes focus stays the same element.
  if (!authority.data) return html`<${Page} title=${t('directory.authority.loading')}><${Skeleton} rows=${6} /><//>`;
  const entry = authority.data;
  const refresh = () => {
    authority.reload();
    setRound((n) => n + 1);
  };
  return html`
    <${Page} title=${entry.name}>
      <nav class="dir-breadcrumbs" aria-label=${t('directory.breadcrumbs')}>
        <a href="/directory">${t('directory.search.title')}</a> › <a href=${`/directory?state=${entry.state_code}`}>${entry.state_name}</a>
      </nav>
      ${notice ? html`<div class="notice success" role="status"><p>${notice}</p></div>` : null}
      <${Header} authority=${entry} onVerified=${refresh} />
      <div class="dir-detail">
        <div class="dir-detail-body">
          <${Contacts} authority=${entry} />
          <${Sending} authority=${entry} />
          <${Sheets} authority=${entry} sheets=${sheets} />
          <${LegalBasis} authority=${entry} treaties=${treaties} states=${states} />
          <${ApplicableDocuments} url=${entry.library_url} />
          ${entry.notes_html
            ? html`<section aria-labelledby="notes-heading"><h2 id="notes-heading">${t('directory.field.notes')}</h2><${Rendered} html=${entry.notes_html} /></section>`
            : null}
          <${ReportFailure} authority=${entry} onReported=${() => authority.reload()} />
          <${Revisions} path=${`/authorities/${entry.id}/revisions`} round=${round} fieldName=${fieldName} words=${REVISION_WORDS} />
        </div>
        <${SidePanel} authority=${entry} />
      </div>
    <//>
  `;
}
