// One application, where the notifications about it lead (/vetting/applications/{id}): the
// applicant's record (who they are, why they apply, each step with who took it and what was
// checked), and the actions the API allows the reader now: the focal point endorses or says
// they do not know the applicant; a moderator approves with roles and the checks made,
// rejects with a reason, or asks the applicant for more information.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, Skeleton, fieldErrors } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { me } from '../session.js';
import { When } from './forums-common.js';
import { NotFound } from './notfound.js';
import {
  CHECKS,
  CheckboxGroup,
  EndorsementBadge,
  GRANTABLE_ROLES,
  ModerationCrumbs,
  StatusBadge,
  StepTimeline,
  authorityLabel,
  checkName,
  roleName,
  toggled,
  useAuthorityNames,
  vettingProblem,
} from './vetting-common.js';

/** A problem with field errors for these fields, or one message in the summary. */
function summaryFor(error, fields) {
  const found = fieldErrors(error, fields);
  return { fields: found, problem: error ? { ...error, detail: vettingProblem(error) } : null };
}

function EndorseForm({ application, onDone }) {
  const [choice, setChoice] = useState('endorse');
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api('POST', `/vetting/applications/${application.id}/endorse`, {
        body: { endorsement: choice, note: note.trim() || null },
      });
      onDone(answer, t(`vetting.done.${choice}`, { name: application.full_name }));
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  const { fields, problem } = summaryFor(error, ['note']);
  return html`
    <section class="panel vet-action" aria-labelledby="endorse-heading">
      <h2 id="endorse-heading">${t('vetting.endorse.title')}</h2>
      <p>${t('vetting.endorse.intro', { name: application.full_name })}</p>
      <${ErrorSummary} error=${problem} fields=${fields} labels=${{ note: t('vetting.endorse.note') }} />
      <form onSubmit=${submit} novalidate>
        <fieldset class="field">
          <legend>${t('vetting.endorse.question', { name: application.full_name })}</legend>
          ${['endorse', 'unknown'].map(
            (value) => html`<div class="checkbox vet-radio" key=${value}>
              <input type="radio" name="endorsement" id=${`endorsement-${value}`} value=${value}
                checked=${choice === value} onChange=${() => setChoice(value)} />
              <label for=${`endorsement-${value}`}>${t(`vetting.endorse.${value}`)}</label>
            </div>`,
          )}
        </fieldset>
        <${Field} as="textarea" name="note" label=${t('vetting.endorse.note')} hint=${t('vetting.endorse.noteHint')}
          value=${note} onInput=${setNote} error=${fields.note} optional=${true} rows="3" />
        <div class="actions"><${Button} type="submit" busy=${busy}>${t('vetting.endorse.submit')}<//></div>
      </form>
    </section>
  `;
}

const DECISION_FIELDS = ['roles', 'checks', 'note', 'endorsement_override_reason'];

function ApproveForm({ application, onDone, onCancel }) {
  const [roles, setRoles] = useState(['officer']);
  const [checks, setChecks] = useState([]);
  const [otherCheck, setOtherCheck] = useState('');
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  // The override reason is asked for when the API says the focal point has not endorsed,
  // and again if it answers that approval needs it (409 endorsement-required).
  const [needsReason, setNeedsReason] = useState(!application.focal_point_endorsed);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const allChecks = [...checks, ...(otherCheck.trim() ? [otherCheck.trim()] : [])];
    const body = { decision: 'approve', roles, checks: allChecks, note: note.trim() || null };
    if (needsReason && reason.trim()) body.endorsement_override_reason = reason.trim();
    try {
      const answer = await api('POST', `/vetting/applications/${application.id}/decision`, { body });
      onDone(answer, t('vetting.done.approve', { name: application.full_name }));
    } catch (problem) {
      if (problem.code === 'endorsement-required') {
        setNeedsReason(true);
        // The field the API needs, named in the summary and by the field (GOV.UK pattern).
        problem.errors = [{ field: 'endorsement_override_reason', message: t('vetting.approve.reasonRequired') }];
      }
      setError(problem);
      setBusy(false);
    }
  };
  const { fields, problem } = summaryFor(error, DECISION_FIELDS);
  const labels = {
    roles: t('vetting.approve.roles'),
    checks: t('vetting.approve.checks'),
    note: t('vetting.approve.note'),
    endorsement_override_reason: t('vetting.approve.reason'),
  };
  return html`
    <form class="inline-form vet-decision" onSubmit=${submit} novalidate aria-labelledby="approve-heading">
      <h3 id="approve-heading">${t('vetting.approve.title', { name: application.full_name })}</h3>
      <${ErrorSummary} error=${problem} fields=${fields} labels=${labels} />
      ${problem && problem.code === 'endorsement-required'
        ? html`<div class="notice warning" role="status"><p>${vettingProblem(problem)}</p></div>`
        : null}
      <${CheckboxGroup} name="roles" legend=${labels.roles} hint=${t('vetting.approve.rolesHint')} error=${fields.roles}
        options=${GRANTABLE_ROLES.map((r) => [r, roleName(r)])} chosen=${roles}
        onToggle=${(value, on) => setRoles(toggled(roles, value, on))} />
      <${CheckboxGroup} name="checks" legend=${labels.checks} hint=${t('vetting.approve.checksHint')} error=${fields.checks}
        options=${CHECKS.map((c) => [c, checkName(c)])} chosen=${checks}
        onToggle=${(value, on) => setChecks(toggled(checks, value, on))} />
      <${Field} name="other_check" label=${t('vetting.approve.otherCheck')} hint=${t('vetting.approve.otherCheckHint')}
        value=${otherCheck} onInput=${setOtherCheck} optional=${true} />
      ${needsReason
        ? html`<${Field} as="textarea" name="endorsement_override_reason" label=${labels.endorsement_override_reason}
            hint=${t('vetting.approve.reasonHint')} value=${reason} onInput=${setReason}
            error=${fields.endorsement_override_reason} rows="3" />`
        : null}
      <${Field} as="textarea" name="note" label=${labels.note} hint=${t('vetting.approve.noteHint')} value=${note}
        onInput=${setNote} error=${fields.note} optional=${true} rows="3" />
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${t('vetting.approve.submit')}<//>
        <button type="button" class="link-button" onClick=${onCancel}>${t('vetting.cancel')}</button>
      </div>
    </form>
  `;
}

/** Reject (with the reason the applicant is mailed) or ask for more information. */
function NoteDecision({ application, decision, onDone, onCancel }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api('POST', `/vetting/applications/${application.id}/decision`, {
        body: { decision, note: note.trim() },
      });
      onDone(answer, t(`vetting.done.${decision}`, { name: application.full_name }));
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  const { fields, problem } = summaryFor(error, ['note']);
  const label = t(`vetting.${decision}.note`);
  return html`
    <form class="inline-form vet-decision" onSubmit=${submit} novalidate aria-labelledby=${`${decision}-heading`}>
      <h3 id=${`${decision}-heading`}>${t(`vetting.${decision}.title`, { name: application.full_name })}</h3>
      <${ErrorSummary} error=${problem} fields=${fields} labels=${{ note: label }} />
      <${Field} as="textarea" name="note" label=${label} hint=${t(`vetting.${decision}.hint`)} value=${note}
        onInput=${setNote} error=${fields.note} rows="4" />
      <div class="actions">
        <${Button} type="submit" busy=${busy}>${t(`vetting.${decision}.submit`)}<//>
        <button type="button" class="link-button" onClick=${onCancel}>${t('vetting.cancel')}</button>
      </div>
    </form>
  `;
}

function DecisionPanel({ application, onDone }) {
  const [open, setOpen] = useState(null);
  const offered = ['approve', 'request_info', 'reject'].filter((a) => application.allowed_actions.includes(a));
  if (offered.length === 0) return null;
  return html`
    <section class="panel vet-action" aria-labelledby="decide-heading">
      <h2 id="decide-heading">${t('vetting.decide.title')}</h2>
      ${!application.focal_point_endorsed
        ? html`<div class="notice warning"><p>${t(application.endorsement === 'unknown' ? 'vetting.decide.unknown' : 'vetting.decide.notEndorsed')}</p></div>`
        : null}
      ${open
        ? null
        : html`<div class="actions">
            ${offered.map(
              (a) => html`<button type="button" key=${a} class=${a === 'approve' ? 'button' : 'button secondary'}
                onClick=${() => setOpen(a)}>${t(`vetting.decide.${a}`)}</button>`,
            )}
          </div>`}
      ${open === 'approve' ? html`<${ApproveForm} application=${application} onDone=${onDone} onCancel=${() => setOpen(null)} />` : null}
      ${open && open !== 'approve'
        ? html`<${NoteDecision} application=${application} decision=${open} onDone=${onDone} onCancel=${() => setOpen(null)} />`
        : null}
    </section>
  `;
}

function Fact({ term, children }) {
  return html`<div class="vet-fact"><dt>${term}</dt><dd>${children}</dd></div>`;
}

function Facts({ application, names }) {
  return html`
    <dl class="vet-facts">
      <${Fact} term=${t('vetting.application.authority')}>${authorityLabel(names, application.authority_id) || '—'}<//>
      <${Fact} term=${t('vetting.application.position')}>${application.position}<//>
      <${Fact} term=${t('vetting.application.email')}><span class="vet-ltr">${application.email}</span><//>
      <${Fact} term=${t('vetting.application.handle')}><span class="vet-ltr">@${application.handle}</span><//>
      <${Fact} term=${t('vetting.application.applied')}><${When} iso=${application.created_at} /><//>
      <${Fact} term=${t('vetting.application.emailConfirmed')}>
        ${application.email_verified_at ? html`<${When} iso=${application.email_verified_at} />` : t('vetting.application.notYet')}
      <//>
      <${Fact} term=${t('vetting.application.endorsement')}><${EndorsementBadge} application=${application} /><//>
      ${application.endorsement_override_reason
        ? html`<${Fact} term=${t('vetting.application.override')}>${application.endorsement_override_reason}<//>`
        : null}
      ${application.decided_at
        ? html`<${Fact} term=${t('vetting.application.decided')}><${When} iso=${application.decided_at} /><//>`
        : null}
      ${application.decision_note ? html`<${Fact} term=${t('vetting.application.decisionNote')}>${application.decision_note}<//>` : null}
    </dl>
  `;
}

export function ApplicationPage({ params }) {
  const [application, setApplication] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const names = useAuthorityNames();
  const noticeRef = useRef(null);
  useEffect(() => {
    let live = true;
    setApplication(null);
    setError(null);
    setNotice('');
    api('GET', `/vetting/applications/${params.id}`)
      .then((found) => live && setApplication(found))
      .catch((problem) => live && setError(problem));
    return () => {
      live = false;
    };
  }, [params.id]);

  if (error && [403, 404, 422].includes(error.status)) return html`<${NotFound} />`;
  if (error) {
    return html`<${Page} title=${t('vetting.application.loadFailed')}><div class="notice warning" role="alert"><p>${vettingProblem(error)}</p></div><//>`;
  }
  if (!application) return html`<${Page} title=${t('vetting.application.loading')}><${Skeleton} rows=${6} /><//>`;

  const done = (answer, text) => {
    setApplication(answer);
    setNotice(text);
    requestAnimationFrame(() => noticeRef.current && noticeRef.current.focus());
  };
  const member = me.value;
  const moderator = member && member.roles.includes('moderator');
  const authority = authorityLabel(names, application.authority_id);
  return html`
    <${Page} title=${t('vetting.application.title', { name: application.full_name })}>
      ${moderator
        ? html`<${ModerationCrumbs} trail=${[['/vetting', t('vetting.queue.title')]]} />`
        : html`<nav class="breadcrumbs" aria-label=${t('vetting.breadcrumbs')}><a href="/vetting">${t('vetting.queue.title')}</a></nav>`}
      <p class="vet-badges"><${StatusBadge} status=${application.status} /> <${EndorsementBadge} application=${application} /></p>
      <p class="audience">
        <span class="audience-label">${t('vetting.audienceLabel')}</span> ${authority ? t('vetting.application.audience', { authority }) : t('vetting.queue.audience')}
      </p>
      ${notice
        ? html`<div class="notice success" role="status" tabindex="-1" ref=${noticeRef}><p>${notice}</p></div>`
        : null}
      <div class="vet-detail">
        <div class="vet-detail-body">
          <h2>${t('vetting.application.why')}</h2>
          <blockquote class="vet-justification">${application.justification}</blockquote>
          ${application.allowed_actions.includes('endorse') ? html`<${EndorseForm} application=${application} onDone=${done} />` : null}
          <${DecisionPanel} key=${application.status} application=${application} onDone=${done} />
          <h2>${t('vetting.record.title')}</h2>
          <${StepTimeline} steps=${application.steps} />
        </div>
        <aside class="vet-side" aria-labelledby="facts-heading">
          <h2 id="facts-heading">${t('vetting.application.facts')}</h2>
          <${Facts} application=${application} names=${names} />
        </aside>
      </div>
    <//>
  `;
}
