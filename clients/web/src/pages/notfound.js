import { html } from '../html.js';
import { t } from '../i18n.js';
import { Page } from '../components.js';

/** One page for what does not exist and for what the member may not see. */
export function NotFound() {
  return html`
    <${Page} title=${t('notFound.title')}>
      <p>${t('notFound.body')}</p>
      <p>${t('notFound.typed')}</p>
      <p><a href="/">${t('notFound.home')}</a></p>
    <//>
  `;
}
