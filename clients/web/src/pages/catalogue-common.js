// What the catalogue's pages share: the API's vocabularies in words (docs/catalogue.md
// "Values"), an entry's facts, its status badge and who can see it, and the API path of a
// client route. The rules (who may do what, what the personal-data check finds) are the API's.
import { html } from '../html.js';
import { formatDate, formatNumber, t } from '../i18n.js';
import { measureLabel, typeLabel } from './directory-common.js';

export const CRIME_TYPES = [
  'participation_in_organized_criminal_group',
  'laundering_of_proceeds_of_crime',
  'corruption',
  'obstruction_of_justice',
  'serious_crime',
  'trafficking_in_persons',
  'smuggling_of_migrants',
  'trafficking_in_firearms',
  'other',
];
export const LEGAL_BASES = ['convention', 'treaty', 'reciprocity', 'domestic_law'];
export const OUTCOMES = ['executed', 'partially_executed', 'refused', 'withdrawn'];
export const TEXT_FIELDS = ['title', 'summary', 'obstacles', 'solutions', 'lessons'];
// The facets of GET /catalogue/facets, in the order the page shows them.
export const FACETS = ['cooperation_type', 'measure', 'crime_type', 'legal_basis', 'region', 'outcome', 'year'];
// Where a notification of the catalogue points (app/notifications/service.py).
export const entryAddress = (id) => `/catalogue/entries/${id}`;

/** A value of a vocabulary in words; the raw value where the catalog lacks it. */
function label(prefix, value) {
  const key = `catalogue.${prefix}.${value}`;
  const text = t(key);
  return text === key ? String(value).replace(/_/g, ' ') : text;
}

export const crimeLabel = (value) => label('crime', value);
export const basisLabel = (value) => label('basis', value);
export const outcomeLabel = (value) => label('outcome', value);
export const statusLabel = (value) => label('status', value);
export const actionLabel = (value) => label('action', value);
export const kindLabel = (value) => label('kind', value);
export const flagLabel = (value) => label('flag', value);
export const consentLabel = (value) => label('consent', value);
export const fieldLabel = (value) => label('field', value);

/** A facet's value in words (regions and years are shown as the API gives them). */
export function facetValueLabel(facet, value) {
  switch (facet) {
    case 'cooperation_type':
      return typeLabel(value);
    case 'measure':
      return measureLabel(value);
    case 'crime_type':
      return crimeLabel(value);
    case 'legal_basis':
      return basisLabel(value);
    case 'outcome':
      return outcomeLabel(value);
    default:
      return String(value);
  }
}

/** The client route of an API path the server gives (`obstacles_url` of the finder). */
export function clientPath(apiPath) {
  return String(apiPath || '').replace(/^\/api\/v1(?=\/)/, '');
}

export function StatusBadge({ status }) {
  if (!status) return null;
  return html`<span class=${`badge cat-status cat-status-${status}`}><span class="visually-hidden">${t('catalogue.statusPrefix')} </span>${statusLabel(status)}</span>`;
}

/** Who can see the entry, in words (WEB.md: always visible). */
export function audienceText(entry) {
  if (!entry.status || entry.status === 'published') return t('catalogue.audience.published');
  if (entry.kind === 'practice') return t('catalogue.audience.note');
  return t('catalogue.audience.case');
}

/** "France → Italy" or, where only regions are disclosed, "Europe → Africa". */
export function placeText(entry, names = new Map()) {
  const side = (state, region) => (state ? names.get(state) || state : region || t('catalogue.notStated'));
  if (!entry.requesting_state && !entry.requested_state && !entry.requesting_region && !entry.requested_region) {
    return t('catalogue.notStated');
  }
  return t('catalogue.place', {
    from: side(entry.requesting_state, entry.requesting_region),
    to: side(entry.requested_state, entry.requested_region),
  });
}

function weeks(value) {
  return value === null || value === undefined ? t('catalogue.notStated') : t('catalogue.weeks', { count: value });
}

/** The structured facts of an entry as every reader sees them. */
export function EntryFacts({ entry, names }) {
  const row = (term, value) => html`<div class="cat-fact"><dt>${term}</dt><dd>${value}</dd></div>`;
  const list = (values, labelOf) =>
    values && values.length ? values.map(labelOf).join(', ') : t('catalogue.notStated');
  return html`
    <dl class="cat-facts">
      ${row(t('catalogue.field.kind'), kindLabel(entry.kind))}
      ${row(t('catalogue.field.cooperation_type'), entry.cooperation_type ? typeLabel(entry.cooperation_type) : t('catalogue.notStated'))}
      ${row(t('catalogue.field.measures'), list(entry.measures, measureLabel))}
      ${row(t('catalogue.field.crime_types'), list(entry.crime_types, crimeLabel))}
      ${row(t('catalogue.field.legal_basis'), entry.legal_basis ? basisLabel(entry.legal_basis) : t('catalogue.notStated'))}
      ${row(entry.disclosure === 'states' ? t('catalogue.field.states') : t('catalogue.field.regions'), placeText(entry, names))}
      ${row(t('catalogue.field.outcome'), entry.outcome ? outcomeLabel(entry.outcome) : t('catalogue.notStated'))}
      ${entry.kind === 'case' ? row(t('catalogue.field.weeks_to_acknowledge'), weeks(entry.weeks_to_acknowledge)) : null}
      ${entry.kind === 'case' ? row(t('catalogue.field.weeks_to_execute'), weeks(entry.weeks_to_execute)) : null}
      ${entry.published_at ? row(t('catalogue.field.published_at'), html`<time datetime=${entry.published_at}>${formatDate(entry.published_at)}</time>`) : null}
    </dl>
  `;
}

/** A count of cases, or "fewer than 3" where the API withholds it (null). */
export function countText(value, minCases) {
  return value === null || value === undefined ? t('catalogue.obstacles.fewer', { count: minCases }) : formatNumber(value);
}
