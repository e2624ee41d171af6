// The moderators' menu: membership applications, members whose vetting lapses, and the
// reported posts of the forums, reachable together from the one "Moderation" entry.
import { Page } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { hasRole } from '../session.js';
import { NotFound } from './notfound.js';

const SECTIONS = [
  ['/vetting', 'applications'],
  ['/vetting/members', 'members'],
  ['/moderation/flags', 'flags'],
];

export function ModerationHome() {
  // A menu of moderators' pages only: anyone else finds nothing here (each page's API says
  // the same).
  if (!hasRole('moderator')) return html`<${NotFound} />`;
  return html`
    <${Page} title=${t('vetting.moderation.title')}>
      <p>${t('vetting.moderation.intro')}</p>
      <ul class="vet-menu">
        ${SECTIONS.map(
          ([href, name]) => html`<li key=${name}>
            <h2><a href=${href}>${t(`vetting.moderation.${name}`)}</a></h2>
            <p>${t(`vetting.moderation.${name}Text`)}</p>
          </li>`,
        )}
      </ul>
    <//>
  `;
}
