// A member's own vetting: until when it holds, and each step of it so far (from the
// application to the latest re-attestation), as GET /me/vetting gives it. Where a new
// member sees the steps of the application that made them one.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Page, Skeleton } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { When } from './forums-common.js';
import { OwnSteps, vettingProblem } from './vetting-common.js';

export function MyVetting() {
  const [vetting, setVetting] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', '/me/vetting').then(setVetting).catch(setError);
  }, []);
  let content;
  if (error) content = html`<div class="notice warning" role="alert"><p>${vettingProblem(error)}</p></div>`;
  else if (!vetting) content = html`<${Skeleton} rows=${4} />`;
  else {
    content = html`
      ${vetting.vetting_expired
        ? html`<div class="notice warning" role="status"><p>${t('vetting.own.lapsedNotice')}</p></div>`
        : null}
      <dl class="vet-facts">
        <div class="vet-fact"><dt>${t('vetting.member.vetted')}</dt>
          <dd>${vetting.vetted_at ? html`<${When} iso=${vetting.vetted_at} />` : '—'}</dd></div>
        <div class="vet-fact"><dt>${t(vetting.vetting_expired ? 'vetting.own.lapsedLabel' : 'vetting.member.validUntil')}</dt>
          <dd>${vetting.vetting_expires_at ? html`<${When} iso=${vetting.vetting_expires_at} />` : t('vetting.members.noExpiry')}</dd></div>
      </dl>
      <h2>${t('vetting.own.steps')}</h2>
      <${OwnSteps} steps=${vetting.steps} />
      <p class="meta">${t('vetting.own.reattestHint')}</p>
    `;
  }
  return html`
    <${Page} title=${t('vetting.own.title')}>
      <p>${t('vetting.own.intro')}</p>
      ${content}
    <//>
  `;
}
