// How a third party checks an exported range offline: what they need, the one command, and
// what its answer means; the public key to hand them is on the page (GET /audit/public-key,
// which also makes this page an auditor's page: anyone else gets the not-found page).
import { Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { AuditLinks, PublicKey, isHidden, usePublicKey } from './audit-common.js';
import { NotFound } from './notfound.js';

const COMMAND = 'canet audit verify --file range.jsonl --public-key audit-public.pem';
const CHECKPOINTS_COMMAND = 'canet audit verify --file range.jsonl --public-key audit-public.pem --checkpoints checkpoints.txt';
const OPENSSL = [
  'head -n 5 checkpoint.txt > msg',
  "tail -n 1 checkpoint.txt | cut -d' ' -f2 | base64 -d > sig",
  'openssl pkeyutl -verify -pubin -inkey audit-public.pem -rawin -in msg -sigfile sig',
].join('\n');

function Command({ text, label }) {
  return html`<pre class="audit-pre audit-command" dir="ltr" tabindex="0" aria-label=${label}><code>${text}</code></pre>`;
}

export function AuditHowTo() {
  const key = usePublicKey();
  if (isHidden(key.error)) return html`<${NotFound} />`;
  if (!key.answer && !key.error) return html`<${Skeleton} rows=${6} />`;
  return html`
    <${Page} title=${t('audit.howto.title')}>
      <${AuditLinks} current="/audit/how-to-verify" />
      <div class="audit-prose">
        <p class="audit-lead">${t('audit.howto.intro')}</p>

        <h2>${t('audit.howto.needTitle')}</h2>
        <ul>
          <li>${t('audit.howto.needFile')}</li>
          <li>${t('audit.howto.needKey')}</li>
          <li>${t('audit.howto.needTool')}</li>
        </ul>
        <p>${t('audit.howto.keyChannel')}</p>

        <h2>${t('audit.howto.runTitle')}</h2>
        <p>${t('audit.howto.run')}</p>
        <${Command} text=${COMMAND} label=${t('audit.howto.commandLabel')} />
        <p>${t('audit.howto.offline')}</p>

        <h2>${t('audit.howto.readTitle')}</h2>
        <dl class="audit-answers">
          <dt><code dir="ltr">OK: 120 entries, 120 anchored by 2 valid checkpoints, 0 not covered by any</code></dt>
          <dd>${t('audit.howto.readOk')}</dd>
          <dt><code dir="ltr">FAILED: … first bad seq 57</code></dt>
          <dd>${t('audit.howto.readFailed')}</dd>
          <dt><code dir="ltr">… no signed checkpoint falls inside the range, so nothing is proven</code></dt>
          <dd>${t('audit.howto.readUnanchored')}</dd>
        </dl>
        <${Command} text=${CHECKPOINTS_COMMAND} label=${t('audit.howto.commandLabel')} />

        <h2>${t('audit.howto.whyTitle')}</h2>
        <p>${t('audit.howto.whyChain')}</p>
        <p>${t('audit.howto.whySignature')}</p>
        <p>${t('audit.howto.whyLimits')}</p>

        <h2>${t('audit.howto.opensslTitle')}</h2>
        <p>${t('audit.howto.openssl')}</p>
        <${Command} text=${OPENSSL} label=${t('audit.howto.commandLabel')} />
      </div>

      <section aria-labelledby="key-heading">
        <h2 id="key-heading">${t('audit.key.title')}</h2>
        <p>${t('audit.howto.keyHere')}</p>
        ${key.answer ? html`<${PublicKey} answer=${key.answer} />` : html`<p role="alert">${problemMessage(key.error)}</p>`}
      </section>
    <//>
  `;
}
