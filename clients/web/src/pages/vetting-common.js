// What the vetting pages share: steps in words (the reviewers' record and one's own), the
// checks a moderator ticks, the roles an approval may grant, authorities' names for the ids
// the API returns, and the way back to the moderation menu.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { When } from './forums-common.js';

// What a moderator may record having verified (the API stores these codes as `checks`);
// a free-text check is sent as typed.
export const CHECKS = ['identity_confirmed', 'employment_confirmed', 'official_email', 'need_to_know'];

// The roles an approval can grant. Admin and moderator are not offered: the API grants them
// only through an administrator's change that a second administrator confirms.
export const GRANTABLE_ROLES = ['officer', 'liaison_magistrate', 'auditor'];

/** The catalog's text for `key`, or `fallback` (the API's own word) when it has none. */
function known(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

export const roleName = (role) => known(`role.${role}`, role);
export const checkName = (check) => known(`vetting.check.${check}`, check);
export const statusName = (status) => known(`vetting.status.${status}`, status);

/** The API's refusal in words: ours where the catalog has one for its code, else the API's. */
export function vettingProblem(error) {
  if (!error) return '';
  return known(`vetting.problem.${error.code}`, problemMessage(error));
}

export function StatusBadge({ status }) {
  return html`<span class=${`badge vet-status vet-status-${status}`}>${statusName(status)}</span>`;
}

/** Where the focal point stands on an application, in words (never colour alone). */
export function EndorsementBadge({ application }) {
  const state = application.endorsement || 'none';
  return html`<span class=${`badge vet-endorsement vet-endorsement-${state}`}>${t(`vetting.endorsement.${state}`)}</span>`;
}

/** "Moderation › here": the way back to the moderation menu from each vetting page. */
export function ModerationCrumbs({ trail = [] }) {
  return html`
    <nav class="breadcrumbs" aria-label=${t('vetting.breadcrumbs')}>
      <a href="/moderation">${t('vetting.moderation.title')}</a>
      ${trail.map(([href, text]) => html` › <a href=${href} key=${href}>${text}</a>`)}
    </nav>
  `;
}

/** Authorities' names by id, from the directory's list of names (one request per page). */
export function useAuthorityNames() {
  const [names, setNames] = useState(new Map());
  useEffect(() => {
    let live = true;
    api('GET', '/directory/authority-names')
      .then((list) => live && setNames(new Map(list.map((a) => [a.id, a]))))
      .catch(() => {}); // the pages then show no authority name, nothing worse
    return () => {
      live = false;
    };
  }, []);
  return names;
}

export function authorityLabel(names, id) {
  const found = names.get(id);
  if (!found) return '';
  return found.state_name ? `${found.name} (${found.state_name})` : found.name;
}

function StepDetails({ step }) {
  return html`
    ${step.roles && step.roles.length
      ? html`<p class="meta">${t('vetting.record.roles')} ${step.roles.map(roleName).join(', ')}</p>`
      : null}
    ${step.checks && step.checks.length
      ? html`<div class="meta">${t('vetting.record.checks')}
          <ul class="vet-checks">${step.checks.map((c) => html`<li key=${c}>${checkName(c)}</li>`)}</ul>
        </div>`
      : null}
    ${step.endorsement_override_reason
      ? html`<p><strong>${t('vetting.record.override')}</strong> ${step.endorsement_override_reason}</p>`
      : null}
    ${step.note ? html`<p class="vet-note"><strong>${t('vetting.record.note')}</strong> ${step.note}</p>` : null}
  `;
}

/** The reviewers' record: one entry per step with who, what, when, and what was checked. */
export function StepTimeline({ steps, id = 'vetting-record' }) {
  if (!steps || steps.length === 0) return html`<p class="empty">${t('vetting.record.empty')}</p>`;
  return html`
    <ol class="timeline vet-timeline" id=${id}>
      ${steps.map(
        (step) => html`<li key=${step.id} class="vet-step">
          <p><strong>${known(`vetting.step.${step.step}`, step.step)}</strong>
            ${step.actor ? html` · ${t('vetting.record.by', { name: step.actor.full_name, handle: step.actor.handle })}` : null}</p>
          <p class="meta"><${When} iso=${step.created_at} /></p>
          <${StepDetails} step=${step} />
        </li>`,
      )}
    </ol>
  `;
}

/** One's own steps (applicant or member): what happened and when, in the second person. */
export function OwnSteps({ steps }) {
  if (!steps || steps.length === 0) return html`<p class="empty">${t('vetting.record.empty')}</p>`;
  return html`
    <ol class="timeline vet-timeline" id="own-steps">
      ${steps.map(
        (step, i) => html`<li key=${`${step.step}-${i}`} class="vet-step">
          <p><strong>${known(`vetting.own.${step.step}`, step.step)}</strong>
            ${step.roles && step.roles.length ? html` (${step.roles.map(roleName).join(', ')})` : null}</p>
          <p class="meta"><${When} iso=${step.created_at} /></p>
        </li>`,
      )}
    </ol>
  `;
}

/** Checkboxes in a fieldset with a legend, hint and the API's error (GOV.UK pattern). */
export function CheckboxGroup({ name, legend, hint, error, options, chosen, onToggle }) {
  const hintId = `field-${name}-hint`;
  const errorId = `field-${name}-error`;
  return html`
    <fieldset class=${error ? 'field vet-group has-error' : 'field vet-group'} id=${`field-${name}`} tabindex="-1"
      aria-describedby=${[hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined}>
      <legend>${legend}</legend>
      ${hint ? html`<span class="hint" id=${hintId}>${hint}</span>` : null}
      ${error ? html`<span class="error-message" id=${errorId}><span class="visually-hidden">${t('error.prefix')} </span>${error}</span>` : null}
      ${options.map(
        ([value, label]) => html`<div class="checkbox" key=${value}>
          <input type="checkbox" id=${`${name}-${value}`} checked=${chosen.includes(value)}
            onChange=${(e) => onToggle(value, e.currentTarget.checked)} />
          <label for=${`${name}-${value}`}>${label}</label>
        </div>`,
      )}
    </fieldset>
  `;
}

/** [value, checked] toggles into a list, keeping the options' order. */
export function toggled(list, value, on) {
  const rest = list.filter((v) => v !== value);
  return on ? [...rest, value] : rest;
}

/** A member's vetting deadline in words: "lapses on ... (in 3 days)" or "lapsed on ...". */
export function Lapse({ iso, lapsed }) {
  if (!iso) return html`<span>${t('vetting.members.noExpiry')}</span>`;
  return html`<span>${lapsed ? t('vetting.members.lapsedOn') : t('vetting.members.lapsesOn')} <${When} iso=${iso} /></span>`;
}
