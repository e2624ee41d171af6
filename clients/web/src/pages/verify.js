// The pages the applicant's emails link to: confirming the address
// (/verify-email?token=...) and answering a moderator's question
// (/provide-information?token=...). The token is spent only when the applicant confirms,
// so a mail scanner that opens the link spends nothing.
import { useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, fieldErrors, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation } from '../router.js';
import { Progress } from './apply.js';
import { OwnSteps } from './vetting-common.js';

function statusLine(status) {
  const key = `application.status.${status}`;
  const text = t(key);
  return text === key ? status : text;
}

/** The application's status and each of its steps so far, as the API answered. */
function Done({ answer }) {
  return html`
    <div class="notice success" role="status">
      <p>${t('verify.done')}</p>
      <p>${t('application.statusLabel')} <strong>${statusLine(answer.status)}</strong></p>
    </div>
    <h2>${t('vetting.own.applicationSoFar')}</h2>
    <${OwnSteps} steps=${answer.steps} />
    <h2>${t('progress.title')}</h2>
    <${Progress} reached=${2} />
    <p>${t('progress.mailNext')}</p>
    <p>${t('vetting.own.afterApproval')} <a href="/vetting/status">${t('vetting.own.title')}</a></p>
  `;
}

export function VerifyEmail() {
  const token = currentLocation.value.query.get('token') || '';
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      setAnswer(await api('POST', '/auth/applications/verify', { body: { token }, anonymous: true }));
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  if (answer) return html`<${Page} title=${t('verify.title')}><${Done} answer=${answer} /><//>`;
  return html`
    <${Page} title=${t('verify.title')}>
      ${!token
        ? html`<div class="notice warning"><p>${t('verify.noToken')}</p></div>`
        : error
          ? html`<div class="notice warning" role="alert">
              <p>${problemMessage(error)}</p>
              ${error.code === 'invalid-token' ? html`<p>${t('verify.invalidHelp')}</p>` : null}
            </div>
            <p><a href="/apply">${t('verify.applyAgain')}</a></p>`
          : html`<p>${t('verify.intro')}</p>
            <div class="actions"><${Button} type="button" busy=${busy} onClick=${confirm}>${t('verify.confirm')}<//></div>`}
    <//>
  `;
}

export function ProvideInformation() {
  const token = currentLocation.value.query.get('token') || '';
  const [response, setResponse] = useState('');
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setAnswer(
        await api('POST', '/auth/applications/information', {
          body: { token, response },
          anonymous: true,
        }),
      );
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  if (answer) return html`<${Page} title=${t('information.title')}><${Done} answer=${answer} /><//>`;
  const fields = fieldErrors(error, ['response']);
  return html`
    <${Page} title=${t('information.title')}>
      ${!token ? html`<div class="notice warning"><p>${t('verify.noToken')}</p></div>` : null}
      <${ErrorSummary} error=${error} fields=${fields} labels=${{ response: t('information.answer') }} />
      ${error && error.code === 'invalid-token' ? html`<p>${t('verify.invalidHelp')}</p>` : null}
      <form onSubmit=${submit} novalidate>
        <${Field} as="textarea" name="response" label=${t('information.answer')} hint=${t('information.hint')}
          value=${response} onInput=${setResponse} error=${fields.response} />
        <div class="actions"><${Button} type="submit" busy=${busy}>${t('information.submit')}<//></div>
      </form>
    <//>
  `;
}
