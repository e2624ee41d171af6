// Passwords: change it when signed in (/settings/password), or reset it by the single-use
// link the server mails (/forgot-password -> email -> /reset-password?token=...). A reset
// ends every session and leaves the authenticator app in place: signing in afterwards still
// asks for its code.
import { useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Field, Page, fieldErrors, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation } from '../router.js';

export function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await api('POST', '/me/password', { body: { current_password: current, new_password: next } });
      setCurrent('');
      setNext('');
      setDone(true);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const fields = fieldErrors(error, ['current_password', 'new_password']);
  const labels = { current_password: t('account.password.current'), new_password: t('account.password.new') };
  return html`
    <${Page} title=${t('account.password.changeTitle')}>
      ${done
        ? html`<div class="notice success" role="status">
            <p>${t('account.password.changed')}</p>
            <p>${t('account.password.othersEnded')}</p>
          </div>`
        : null}
      <${ErrorSummary} error=${error} fields=${fields} labels=${labels} />
      <form onSubmit=${submit} novalidate>
        <${Field} name="current_password" type="password" label=${labels.current_password} value=${current}
          onInput=${setCurrent} error=${fields.current_password} autocomplete="current-password" />
        <${Field} name="new_password" type="password" label=${labels.new_password} hint=${t('apply.passwordHint')}
          value=${next} onInput=${setNext} error=${fields.new_password} autocomplete="new-password" />
        <div class="actions">
          <${Button} type="submit" busy=${busy}>${t('account.password.changeSubmit')}<//>
          <a href="/profile">${t('account.password.backToProfile')}</a>
        </div>
      </form>
      <p>${t('account.password.forgotWhileSignedIn')} <a href="/forgot-password">${t('account.forgot.link')}</a></p>
    <//>
  `;
}

export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/auth/password-reset', { body: { email: email.trim() }, anonymous: true });
      setSentTo(email.trim());
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  if (sentTo) {
    return html`
      <${Page} title=${t('account.forgot.sentTitle')}>
        <div class="notice success" role="status"><p>${t('account.forgot.sentBody', { email: sentTo })}</p></div>
        <p>${t('account.forgot.sentSecondFactor')}</p>
        <p>${t('account.forgot.sentNothing')}</p>
        <p><a href="/sign-in">${t('account.forgot.backToSignIn')}</a></p>
      <//>
    `;
  }
  const fields = fieldErrors(error, ['email']);
  return html`
    <${Page} title=${t('account.forgot.title')}>
      <p>${t('account.forgot.intro')}</p>
      <${ErrorSummary} error=${error} fields=${fields} labels=${{ email: t('signIn.email') }} />
      <form onSubmit=${submit} novalidate>
        <${Field} name="email" type="email" label=${t('signIn.email')} value=${email} onInput=${setEmail}
          error=${fields.email} autocomplete="username" spellcheck=${false} />
        <div class="actions">
          <${Button} type="submit" busy=${busy}>${t('account.forgot.submit')}<//>
          <a href="/sign-in">${t('account.forgot.backToSignIn')}</a>
        </div>
      </form>
    <//>
  `;
}

export function ResetPassword() {
  const token = currentLocation.value.query.get('token') || '';
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/auth/password-reset/confirm', { body: { token, password }, anonymous: true });
      setPassword('');
      setDone(true);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  if (done) {
    return html`
      <${Page} title=${t('account.reset.doneTitle')}>
        <div class="notice success" role="status">
          <p>${t('account.reset.done')}</p>
          <p>${t('account.reset.doneSecondFactor')}</p>
        </div>
        <p><a class="button" href="/sign-in">${t('account.reset.signIn')}</a></p>
      <//>
    `;
  }
  if (!token || (error && error.code === 'invalid-token')) {
    return html`
      <${Page} title=${t('account.reset.title')}>
        <div class="notice warning" role="alert">
          <p>${token ? problemMessage(error) : t('account.reset.noToken')}</p>
          <p>${t('account.reset.invalidHelp')}</p>
        </div>
        <p><a href="/forgot-password">${t('account.reset.askAgain')}</a></p>
      <//>
    `;
  }
  const fields = fieldErrors(error, ['password']);
  return html`
    <${Page} title=${t('account.reset.title')}>
      <p>${t('account.reset.intro')}</p>
      <${ErrorSummary} error=${error} fields=${fields} labels=${{ password: t('account.password.new') }} />
      <form onSubmit=${submit} novalidate>
        <${Field} name="password" type="password" label=${t('account.password.new')} hint=${t('apply.passwordHint')}
          value=${password} onInput=${setPassword} error=${fields.password} autocomplete="new-password" />
        <div class="actions"><${Button} type="submit" busy=${busy}>${t('account.reset.submit')}<//></div>
      </form>
    <//>
  `;
}
