// What the directory's pages share: the API's vocabularies in words, the list of States,
// language names, the "last verified" line, requirement sheets and server-rendered text.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { html } from '../html.js';
import { formatDate, formatDateTime, language, relativeTime, t } from '../i18n.js';
import { onSignOut } from '../session.js';

// The API's fixed values (API.md "Directory"; app/directory/constants.py), in its order.
export const AUTHORITY_TYPES = [
  'mla',
  'extradition',
  'transfer_of_sentenced_persons',
  'transfer_of_proceedings',
  'migrant_smuggling_art8',
  'confiscation',
  'law_enforcement_cooperation',
  'other',
];
export const CHANNELS = ['direct_transmission', 'diplomatic_channel', 'interpol'];
export const MEASURES = [
  'search_and_seizure',
  'freezing',
  'confiscation',
  'taking_of_evidence',
  'witness_hearing',
  'videoconference',
  'service_of_documents',
  'banking_information',
  'interception',
  'controlled_delivery',
  'joint_investigation_team',
  'temporary_transfer',
  'other',
];
export const REQUIREMENTS = [
  'dual_criminality',
  'certified_translation',
  'original_signed_request',
  'issued_by_judicial_authority',
  'reciprocity_assurance',
  'specialty_undertaking',
  'confidentiality_undertaking',
  'court_order_in_requesting_state',
];
export const FAILURE_CHANNELS = ['email', 'phone', 'fax', 'website', 'address', 'other'];

/** A value of a vocabulary in words; the raw value where the catalog lacks it. */
function label(prefix, value) {
  const key = `directory.${prefix}.${value}`;
  const text = t(key);
  return text === key ? value : text;
}

export const typeLabel = (value) => label('type', value);
export const channelLabel = (value) => label('channel', value);
export const measureLabel = (value) => label('measure', value);
export const requirementLabel = (value) => label('requirement', value);
export const failureChannelLabel = (value) => label('failureChannel', value);

/** "French" for "fr", in the member's language. */
export function languageName(code) {
  try {
    const names = new Intl.DisplayNames([language.value], { type: 'language', fallback: 'none' });
    return names.of(code) || code;
  } catch {
    return code;
  }
}

let languageOptions = null;
let languageOptionsFor = null;

/** Every ISO 639-1 language the browser can name, by name: the choices of a language filter. */
export function allLanguages() {
  if (languageOptions && languageOptionsFor === language.value) return languageOptions;
  const names = new Intl.DisplayNames([language.value], { type: 'language', fallback: 'none' });
  const found = [];
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (const first of letters) {
    for (const second of letters) {
      const code = first + second;
      let name;
      try {
        name = names.of(code);
      } catch {
        name = undefined;
      }
      if (name && name !== code) found.push({ code, name });
    }
  }
  found.sort((a, b) => a.name.localeCompare(b.name, language.value));
  languageOptions = found;
  languageOptionsFor = language.value;
  return found;
}

export function languageList(codes) {
  return (codes || []).map(languageName).join(', ');
}

let statesRequest = null;
onSignOut(() => {
  statesRequest = null;
});

/** GET /states once per session: [{code, name, region, subregion, ...}] by name. */
export function loadStates() {
  if (!statesRequest) {
    statesRequest = api('GET', '/states').catch((error) => {
      statesRequest = null;
      throw error;
    });
  }
  return statesRequest;
}

export function useStates() {
  const [states, setStates] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    loadStates().then(setStates).catch(setError);
  }, []);
  return { states, error };
}

/** The UN M49 regions and sub-regions the States belong to, for the region filter. */
export function regionsOf(states) {
  const regions = new Map();
  for (const state of states || []) {
    if (!state.region) continue;
    if (!regions.has(state.region)) regions.set(state.region, new Set());
    if (state.subregion) regions.get(state.region).add(state.subregion);
  }
  return [...regions.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([region, subs]) => ({ region, subregions: [...subs].sort() }));
}

export function StateOptions({ states }) {
  return (states || []).map((s) => html`<option key=${s.code} value=${s.code}>${s.name}</option>`);
}

/** A date with its relative time beside it: "12 March 2026 (3 days ago)". */
export function When({ iso, withTime = false }) {
  return html`<time datetime=${iso} title=${formatDateTime(iso)}>${withTime ? formatDateTime(iso) : formatDate(iso)}</time> (${relativeTime(iso)})`;
}

/** Staleness in words (never by colour alone). */
export function StaleBadge({ stale }) {
  if (!stale) return null;
  return html`<span class="badge dir-badge-warning">${t('directory.stale.badge')}</span>`;
}

/** "Last verified 12 March 2026 (3 days ago) by A. Person", and whether it is stale. */
export function Verified({ iso, stale, by = null }) {
  return html`
    <p class="dir-verified">
      ${iso
        ? html`${t('directory.verified.on')} <${When} iso=${iso} />${by ? ` ${t('directory.verified.by', { name: by })}` : ''}`
        : t('directory.verified.never')}
      ${stale ? html` <${StaleBadge} stale=${true} /><span class="meta"> ${t('directory.stale.explain')}</span>` : null}
    </p>
  `;
}

/** Text the server rendered from markdown and sanitised (the API's `*_html` fields). */
export function Rendered({ html: rendered, fallback = null }) {
  if (!rendered) return fallback ? html`<span class="meta">${fallback}</span>` : null;
  return html`<div class="dir-prose" dangerouslySetInnerHTML=${{ __html: rendered }}></div>`;
}

/** Yes / No / Not stated for the API's true | false | null. */
export function yesNo(value) {
  if (value === true) return t('directory.yes');
  if (value === false) return t('directory.no');
  return t('directory.notStated');
}

/** The title of a requirement sheet: "Mutual legal assistance: search and seizure". */
export function sheetTitle(sheet) {
  const type = typeLabel(sheet.request_type);
  return sheet.measure
    ? t('directory.sheet.titleMeasure', { type, measure: measureLabel(sheet.measure) })
    : t('directory.sheet.titleGeneral', { type });
}

function Row({ term, children }) {
  return html`<div class="dir-fact"><dt>${term}</dt><dd>${children}</dd></div>`;
}

/** The client's page of a requirement sheet: /states/FRA/requirements/mla?measure=freezing. */
export function sheetAddress(sheet, suffix = '') {
  const path = `/states/${sheet.state_code}/requirements/${sheet.request_type}${suffix}`;
  return sheet.measure ? `${path}?measure=${encodeURIComponent(sheet.measure)}` : path;
}

/** One requirement sheet, every field in words (empty fields are said to be empty); with
 * `linked`, its title links to the sheet's own page (history, confirming, editing);
 * `showVerified: false` where the page says when it was verified already. */
export function SheetFacts({ sheet, headingLevel = 3, title = null, names = null, linked = false, showVerified = true }) {
  const Heading = `h${headingLevel}`;
  const none = html`<span class="meta">${t('directory.notStated')}</span>`;
  const heading = title || sheetTitle(sheet);
  return html`
    <section class="dir-sheet" aria-labelledby=${`sheet-${sheet.id}`}>
      <${Heading} id=${`sheet-${sheet.id}`}>${linked ? html`<a href=${sheetAddress(sheet)}>${heading}</a>` : heading}<//>
      ${showVerified ? html`<${Verified} iso=${sheet.last_verified_at} stale=${sheet.stale} />` : null}
      <dl class="dir-facts">
        <${Row} term=${t('directory.sheet.possible')}>${yesNo(sheet.possible)}<//>
        <${Row} term=${t('directory.sheet.legalFramework')}><${Rendered} html=${sheet.legal_framework_html} fallback=${t('directory.notStated')} /><//>
        <${Row} term=${t('directory.sheet.executingAuthority')}>${sheet.executing_authority || none}<//>
        ${sheet.receiving_authority_id
          ? html`<${Row} term=${t('directory.sheet.receivingAuthority')}><a href=${`/authorities/${sheet.receiving_authority_id}`}>${(names && names.get(sheet.receiving_authority_id)) || t('directory.sheet.receivingAuthorityLink')}</a><//>`
          : null}
        <${Row} term=${t('directory.sheet.languages')}>${sheet.languages.length ? languageList(sheet.languages) : none}<//>
        <${Row} term=${t('directory.sheet.executionTime')}>${sheet.usual_execution_time || none}<//>
        <${Row} term=${t('directory.sheet.requirements')}>
          ${sheet.requirements.length
            ? html`<ul class="dir-plain">${sheet.requirements.map((r) => html`<li key=${r}>${requirementLabel(r)}</li>`)}</ul>`
            : t('directory.sheet.noRequirements')}
        <//>
        ${sheet.special_requirements_html
          ? html`<${Row} term=${t('directory.sheet.specialRequirements')}><${Rendered} html=${sheet.special_requirements_html} /><//>`
          : null}
        ${sheet.alternatives_html
          ? html`<${Row} term=${t('directory.sheet.alternatives')}><${Rendered} html=${sheet.alternatives_html} /><//>`
          : null}
        ${sheet.notes_html ? html`<${Row} term=${t('directory.sheet.notes')}><${Rendered} html=${sheet.notes_html} /><//>` : null}
      </dl>
    </section>
  `;
}

/** One treaty: title (linked to its text), kind, subjects, parties, dates. */
export function TreatyItem({ treaty, states }) {
  const names = new Map((states || []).map((s) => [s.code, s.name]));
  const parties = treaty.parties.map((code) => names.get(code) || code);
  return html`
    <li class="dir-treaty">
      <span class="dir-treaty-title">${treaty.url
        ? html`<a href=${treaty.url} rel="noopener noreferrer" target="_blank">${treaty.title}<span class="visually-hidden"> ${t('directory.opensElsewhere')}</span></a>`
        : treaty.title}</span>
      <span class="meta">
        ${label('treatyKind', treaty.kind)}
        ${treaty.subjects.length ? ` · ${treaty.subjects.map(typeLabel).join(', ')}` : ''}
        ${treaty.in_force_on ? ` · ${t('directory.treaty.inForce', { date: formatDate(treaty.in_force_on) })}` : ''}
        ${treaty.kind !== 'multilateral' ? ` · ${t('directory.treaty.parties', { parties: parties.join(', ') })}` : ''}
      </span>
    </li>
  `;
}

/** {data, error, reload}: an API read that runs again when `deps` change; a reload keeps
 * what is shown until the new answer comes, so the page does not jump. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null });
  const [round, setRound] = useState(0);
  const shownFor = useRef(null);
  const key = JSON.stringify(deps);
  useEffect(() => {
    let live = true;
    if (shownFor.current !== key) setState({ data: null, error: null });
    shownFor.current = key;
    load()
      .then((data) => live && setState({ data, error: null }))
      .catch((error) => live && setState({ data: null, error }));
    return () => {
      live = false;
    };
  }, [key, round]);
  return { ...state, reload: () => setRound((n) => n + 1) };
}
