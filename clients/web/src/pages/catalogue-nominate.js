// "Nominate for the catalogue" on a closed case's page: the API says whether the member may
// nominate it now (GET /catalogue/nominations/{case_id}) and, to those who work on it, which
// entry the case already has. Nothing shows where the API says no for another reason.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { entryAddress } from './catalogue-common.js';

export function CatalogueNomination({ caseId, round = 0 }) {
  const [answer, setAnswer] = useState(null);
  useEffect(() => {
    let live = true;
    api('GET', `/catalogue/nominations/${caseId}`)
      .then((found) => live && setAnswer(found))
      .catch(() => live && setAnswer(null));
    return () => {
      live = false;
    };
  }, [caseId, round]);
  if (!answer) return null;
  let body = null;
  if (answer.may_nominate) {
    body = html`
      <p>${t('catalogue.nominate.intro')}</p>
      <p><a class="button secondary" href=${`/catalogue/new?case_id=${encodeURIComponent(caseId)}`}>${t('catalogue.nominate.action')}</a></p>
    `;
  } else if (answer.entry_id) {
    body = html`<p><a href=${entryAddress(answer.entry_id)}>${t('catalogue.nominate.entry')}</a></p>`;
  } else if (answer.reason === 'already-nominated') {
    body = html`<p>${t('catalogue.nominate.already')}</p>`;
  }
  if (!body) return null;
  return html`
    <section aria-labelledby="catalogue-heading" class="case-panel-section no-print">
      <h2 id="catalogue-heading">${t('catalogue.nominate.title')}</h2>
      ${body}
    </section>
  `;
}
