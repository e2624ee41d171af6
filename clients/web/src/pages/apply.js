// Applying for membership: the authority from the directory, who the applicant is and why
// they need access. The answer is the same whether or not the address is already known.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, Skeleton, fieldErrors, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';

const FIELDS = ['authority_id', 'full_name', 'email', 'handle', 'position', 'justification', 'password'];

function byState(authorities) {
  const groups = new Map();
  for (const authority of authorities) {
    const key = authority.state_name;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(authority);
  }
  return [...groups.entries()];
}

export function Apply() {
  const [authorities, setAuthorities] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [values, setValues] = useState(Object.fromEntries(FIELDS.map((f) => [f, ''])));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState(null);
  useEffect(() => {
    api('GET', '/directory/authority-names', { anonymous: true }).then(setAuthorities).catch(setLoadError);
  }, []);
  const set = (name) => (value) => setValues({ ...values, [name]: value });
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body = { ...values, handle: values.handle.trim() || null };
    if (!body.authority_id) delete body.authority_id;
    try {
      await api('POST', '/auth/applications', { body, anonymous: true });
      setSentTo(values.email);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  if (sentTo) {
    return html`
      <${Page} title=${t('apply.sentTitle')}>
        <div class="notice success" role="status"><p>${t('apply.sentBody', { email: sentTo })}</p></div>
        <h2>${t('progress.title')}</h2>
        <${Progress} reached=${1} />
      <//>
    `;
  }
  const labels = {
    authority_id: t('apply.authority'),
    full_name: t('apply.fullName'),
    email: t('apply.email'),
    handle: t('apply.handle'),
    position: t('apply.position'),
    justification: t('apply.justification'),
    password: t('apply.password'),
  };
  const fields = fieldErrors(error, FIELDS);
  return html`
    <${Page} title=${t('apply.title')}>
      <p>${t('apply.intro')}</p>
      <${ErrorSummary} error=${error} fields=${fields} labels=${labels} />
      ${loadError ? html`<div class="notice warning" role="alert"><p>${problemMessage(loadError)}</p></div>` : null}
      ${authorities === null && !loadError
        ? html`<${Skeleton} rows=${4} />`
        : html`
          <form onSubmit=${submit} novalidate>
            <${Field} as="select" name="authority_id" label=${labels.authority_id} hint=${t('apply.authorityHint')}
              value=${values.authority_id} onInput=${set('authority_id')} error=${fields.authority_id}>
              <option value="">${t('apply.authorityChoose')}</option>
              ${byState(authorities || []).map(
                ([state, list]) => html`<optgroup label=${state}>
                  ${list.map((a) => html`<option value=${a.id}>${a.name}</option>`)}
                </optgroup>`,
              )}
            <//>
            <${Field} name="full_name" label=${labels.full_name} value=${values.full_name} onInput=${set('full_name')}
              error=${fields.full_name} autocomplete="name" />
            <${Field} name="email" type="email" label=${labels.email} hint=${t('apply.emailHint')} value=${values.email}
              onInput=${set('email')} error=${fields.email} autocomplete="email" spellcheck=${false} />
            <${Field} name="handle" label=${labels.handle} hint=${t('apply.handleHint')} value=${values.handle}
              onInput=${set('handle')} error=${fields.handle} optional=${true} spellcheck=${false} autocapitalize="none" />
            <${Field} name="position" label=${labels.position} hint=${t('apply.positionHint')} value=${values.position}
              onInput=${set('position')} error=${fields.position} autocomplete="organization-title" />
            <${Field} as="textarea" name="justification" label=${labels.justification} hint=${t('apply.justificationHint')}
              value=${values.justification} onInput=${set('justification')} error=${fields.justification} />
            <${Field} name="password" type="password" label=${labels.password} hint=${t('apply.passwordHint')}
              value=${values.password} onInput=${set('password')} error=${fields.password} autocomplete="new-password" />
            <div class="actions"><${Button} type="submit" busy=${busy}>${t('apply.submit')}<//></div>
          </form>
        `}
      <p>${t('apply.haveAccount')} <a href="/sign-in">${t('apply.signIn')}</a></p>
    <//>
  `;
}

/** Where an application stands: `reached` steps are done (1 = sent, 2 = address confirmed). */
export function Progress({ reached }) {
  const steps = ['progress.sent', 'progress.confirmed', 'progress.endorsement', 'progress.decision', 'progress.signIn'];
  return html`
    <ol class="steps">
      ${steps.map((key, i) => {
        const done = i < reached;
        const current = i === reached;
        return html`<li key=${key} class=${done ? 'done' : undefined} aria-current=${current ? 'step' : undefined}>
          ${t(key)} <span class="step-state">(${done ? t('progress.done') : current ? t('progress.current') : t('progress.later')})</span>
        </li>`;
      })}
    </ol>
  `;
}
