// Sign in: email and password, then a TOTP or recovery code. At the first sign-in the
// member enrolls an authenticator app (QR code and key) and receives recovery codes once.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, fieldErrors, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { QrCode } from '../qr.js';
import { currentLocation, navigate } from '../router.js';
import { loadMe, pendingRecoveryCodes, signedOutReason } from '../session.js';

function Credentials({ onChallenge, notice }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const challenge = await api('POST', '/auth/login', { body: { email, password }, anonymous: true });
      onChallenge(challenge);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const fields = fieldErrors(error, ['email', 'password']);
  return html`
    <${Page} title=${t('signIn.title')}>
      ${notice ? html`<div class="notice warning" role="status"><p>${notice}</p></div>` : null}
      <${ErrorSummary} error=${error} fields=${fields} labels=${{ email: t('signIn.email'), password: t('signIn.password') }} />
      <form onSubmit=${submit} novalidate>
        <${Field} name="email" type="email" label=${t('signIn.email')} value=${email} onInput=${setEmail}
          error=${fields.email} autocomplete="username" spellcheck=${false} />
        <${Field} name="password" type="password" label=${t('signIn.password')} value=${password}
          onInput=${setPassword} error=${fields.password} autocomplete="current-password" />
        <div class="actions">
          <${Button} type="submit" busy=${busy}>${t('signIn.continue')}<//>
          <a href="/forgot-password">${t('account.forgot.link')}</a>
        </div>
      </form>
      <h2>${t('signIn.newHere')}</h2>
      <p>${t('signIn.applyText')} <a href="/apply">${t('signIn.applyLink')}</a></p>
    <//>
  `;
}

function SecondFactor({ challenge, onDone, onRestart }) {
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/auth/mfa/verify', {
        body: { challenge_token: challenge.challenge_token, code: code.trim(), session: 'cookie' },
        anonymous: true,
      });
      await onDone();
    } catch (problem) {
      if (problem.code === 'invalid-challenge' || problem.code === 'too-many-attempts') onRestart(problem);
      else setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const fields = error && error.code === 'invalid-code' ? { code: problemMessage(error) } : fieldErrors(error, ['code']);
  const label = recovery ? t('signIn.recoveryCode') : t('signIn.code');
  return html`
    <${Page} title=${recovery ? t('signIn.recoveryTitle') : t('signIn.codeTitle')}>
      <${ErrorSummary} error=${error} fields=${fields} labels=${{ code: label }} />
      <form onSubmit=${submit} novalidate>
        <${Field} name="code" label=${label} value=${code} onInput=${setCode} error=${fields.code}
          hint=${recovery ? t('signIn.recoveryHint') : t('signIn.codeHint')}
          class=${recovery ? undefined : 'code'} autocomplete=${recovery ? 'off' : 'one-time-code'}
          inputmode=${recovery ? 'text' : 'numeric'} spellcheck=${false} />
        <div class="actions">
          <${Button} type="submit" busy=${busy}>${t('signIn.submit')}<//>
          <button type="button" class="link-button" onClick=${() => { setRecovery(!recovery); setCode(''); setError(null); }}>
            ${recovery ? t('signIn.useApp') : t('signIn.useRecovery')}
          </button>
        </div>
      </form>
    <//>
  `;
}

function groupsOfFour(secret) {
  return secret.replace(/\s+/g, '').match(/.{1,4}/g).join(' ');
}

function Enrollment({ challenge, onEnrolled, onRestart }) {
  const [secret, setSecret] = useState(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api('POST', '/auth/mfa/enroll', { body: { challenge_token: challenge.challenge_token }, anonymous: true })
      .then(setSecret)
      .catch(onRestart);
  }, [challenge.challenge_token]);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const issued = await api('POST', '/auth/mfa/verify', {
        body: { challenge_token: challenge.challenge_token, code: code.trim(), session: 'cookie' },
        anonymous: true,
      });
      await onEnrolled(issued.recovery_codes || []);
    } catch (problem) {
      if (problem.code === 'invalid-challenge' || problem.code === 'too-many-attempts') onRestart(problem);
      else setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const fields = error && error.code === 'invalid-code' ? { code: problemMessage(error) } : fieldErrors(error, ['code']);
  return html`
    <${Page} title=${t('enroll.title')}>
      <p>${t('enroll.intro')}</p>
      <${ErrorSummary} error=${error} fields=${fields} labels=${{ code: t('signIn.code') }} />
      <ol class="steps">
        <li>${t('enroll.step1')}</li>
        <li>
          ${t('enroll.step2')}
          ${secret
            ? html`<div><${QrCode} text=${secret.otpauth_uri} label=${t('enroll.qrLabel')} /></div>
                <p>${t('enroll.keyIntro')}</p>
                <p class="secret" id="totp-secret" data-secret=${secret.secret}>${groupsOfFour(secret.secret)}</p>`
            : html`<p role="status">${t('state.loading')}</p>`}
        </li>
        <li>
          ${t('enroll.step3')}
          <form onSubmit=${submit} novalidate>
            <${Field} name="code" label=${t('signIn.code')} hint=${t('signIn.codeHint')} value=${code}
              onInput=${setCode} error=${fields.code} class="code" autocomplete="one-time-code"
              inputmode="numeric" spellcheck=${false} />
            <div class="actions"><${Button} type="submit" busy=${busy}>${t('enroll.confirm')}<//></div>
          </form>
        </li>
      </ol>
    <//>
  `;
}

/** Shown once, right after enrollment: the 10 recovery codes, to download or print. */
export function RecoveryCodes({ codes, onContinue }) {
  const [stored, setStored] = useState(false);
  const [error, setError] = useState(null);
  const text = `${t('recovery.fileHeading')}\n\n${codes.join('\n')}\n`;
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'canet-recovery-codes.txt';
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const proceed = (event) => {
    event.preventDefault();
    if (!stored) {
      setError({ code: 'recovery-not-stored' });
      return;
    }
    onContinue();
  };
  const fields = error ? { stored: t('recovery.confirmError') } : {};
  return html`
    <${Page} title=${t('recovery.title')}>
      <${ErrorSummary} error=${error} fields=${fields} />
      <div class="notice warning"><p>${t('recovery.once')}</p></div>
      <p>${t('recovery.intro')}</p>
      <ol class="recovery-codes" id="recovery-codes">
        ${codes.map((code) => html`<li key=${code}>${code}</li>`)}
      </ol>
      <div class="actions no-print">
        <button type="button" class="button secondary" onClick=${download}>${t('recovery.download')}</button>
        <button type="button" class="button secondary" onClick=${() => window.print()}>${t('recovery.print')}</button>
      </div>
      <form class="no-print" onSubmit=${proceed} novalidate>
        <div class=${error ? 'field has-error' : 'field'}>
          ${error ? html`<span class="error-message" id="field-stored-error">${fields.stored}</span>` : null}
          <div class="checkbox">
            <input type="checkbox" id="field-stored" checked=${stored} onChange=${(e) => setStored(e.currentTarget.checked)}
              aria-describedby=${error ? 'field-stored-error' : undefined} />
            <label for="field-stored">${t('recovery.confirm')}</label>
          </div>
        </div>
        <div class="actions"><${Button} type="submit">${t('recovery.continue')}<//></div>
      </form>
    <//>
  `;
}

export function SignIn() {
  const [challenge, setChallenge] = useState(null);
  const [restartedBecause, setRestartedBecause] = useState(null);
  const reason = signedOutReason.value;
  const finish = async () => {
    await loadMe();
    if (currentLocation.value.path === '/sign-in') navigate('/', { replace: true });
  };
  const restart = (problem) => {
    setChallenge(null);
    setRestartedBecause(problem);
  };
  useEffect(() => {
    // Each step is a new page for the member (and a screen reader): start at its heading.
    if (!challenge && !restartedBecause) return;
    const heading = document.querySelector('main h1');
    if (heading) heading.focus();
  }, [challenge, restartedBecause]);
  if (challenge && challenge.status === 'mfa_enrollment_required') {
    return html`<${Enrollment} challenge=${challenge} onRestart=${restart}
      onEnrolled=${async (codes) => {
        pendingRecoveryCodes.value = codes;
        await finish();
      }} />`;
  }
  if (challenge) return html`<${SecondFactor} challenge=${challenge} onDone=${finish} onRestart=${restart} />`;
  let notice = null;
  if (restartedBecause) notice = problemMessage(restartedBecause);
  else if (reason === 'ended') notice = t('signIn.sessionEnded');
  else if (reason === 'signed-out') notice = t('signIn.signedOut');
  return html`<${Credentials} notice=${notice} onChallenge=${(c) => { setRestartedBecause(null); setChallenge(c); }} />`;
}
