// Verify the chain (GET /audit/verify): intact, or the first bad sequence number and the
// problems found; the signed checkpoints, newest first; the public key that checks them.
import { useCallback, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatNumber, t } from '../i18n.js';
import { AuditLinks, Code, PublicKey, When, isHidden, usePublicKey } from './audit-common.js';
import { LoadMore, usePaged } from './forums-common.js';
import { NotFound } from './notfound.js';

function Verdict({ report }) {
  if (report.ok) {
    return html`
      <div class="notice success audit-verdict">
        <h3>${t('audit.verify.intact')}</h3>
        <p>${t('audit.verify.intactBody', { count: report.checked })}</p>
        ${report.checkpoints_checked === 0 ? html`<p>${t('audit.verify.noCheckpoint')}</p>` : null}
        <dl class="facts">
          <div><dt>${t('audit.verify.checked')}</dt><dd>${formatNumber(report.checked)}</dd></div>
          <div><dt>${t('audit.verify.headSeq')}</dt><dd><${Code}>${report.head.seq}<//></dd></div>
          <div><dt>${t('audit.verify.headHash')}</dt><dd><${Code}>${report.head.hash}<//></dd></div>
          <div><dt>${t('audit.verify.checkpointsChecked')}</dt><dd>${formatNumber(report.checkpoints_checked)}</dd></div>
        </dl>
      </div>
    `;
  }
  return html`
    <div class="notice warning audit-verdict">
      <h3>${t('audit.verify.broken')}</h3>
      ${report.first_bad_seq !== null
        ? html`<p><strong>${t('audit.verify.firstBad', { seq: report.first_bad_seq })}</strong></p>`
        : null}
      <p>${t('audit.verify.brokenHelp')}</p>
      ${report.problems.length
        ? html`<h4>${t('audit.verify.problems')}</h4>
            <ul>${report.problems.map((p, i) => html`<li key=${i} dir="ltr">${p}</li>`)}</ul>`
        : null}
      <dl class="facts">
        <div><dt>${t('audit.verify.checked')}</dt><dd>${formatNumber(report.checked)}</dd></div>
        <div><dt>${t('audit.verify.headSeq')}</dt><dd><${Code}>${report.head.seq}<//></dd></div>
      </dl>
    </div>
  `;
}

function VerifyForm({ onHidden }) {
  const [sinceCheckpoint, setSinceCheckpoint] = useState(false);
  const [state, setState] = useState({ report: null, error: null, busy: false });
  const run = async (event) => {
    event.preventDefault();
    setState({ report: null, error: null, busy: true });
    try {
      const report = await api('GET', '/audit/verify', { query: { since_checkpoint: sinceCheckpoint ? 'true' : '' } });
      setState({ report, error: null, busy: false });
    } catch (error) {
      if (isHidden(error)) onHidden();
      setState({ report: null, error, busy: false });
    }
  };
  const { report, error, busy } = state;
  return html`
    <section aria-labelledby="verify-heading">
      <h2 id="verify-heading">${t('audit.verify.chainTitle')}</h2>
      <p>${t('audit.verify.intro')}</p>
      <form class="audit-form" onSubmit=${run} novalidate>
        <div class="field">
          <div class="checkbox">
            <input type="checkbox" id="field-since-checkpoint" checked=${sinceCheckpoint} aria-describedby="field-since-checkpoint-hint"
              onChange=${(e) => setSinceCheckpoint(e.currentTarget.checked)} />
            <label for="field-since-checkpoint">${t('audit.verify.sinceCheckpoint')}</label>
          </div>
          <span class="hint" id="field-since-checkpoint-hint">${t('audit.verify.sinceCheckpointHint')}</span>
        </div>
        <div class="actions">
          <${Button} type="submit" busy=${busy} disabled=${busy}>${busy ? t('audit.verify.running') : t('audit.verify.run')}<//>
        </div>
      </form>
      <div role="status" aria-live="polite">
        ${report ? html`<${Verdict} report=${report} />` : null}
      </div>
      ${error && !isHidden(error) ? html`<p class="notice warning" role="alert">${problemMessage(error)}</p>` : null}
      <p class="meta">${t('audit.verify.recorded')}</p>
    </section>
  `;
}

function Checkpoint({ checkpoint }) {
  return html`
    <li class="audit-checkpoint">
      <div>
        <h3 class="row-title">${t('audit.checkpoints.seq', { seq: checkpoint.seq })}</h3>
        <p class="meta">${t('audit.checkpoints.signed')} <${When} iso=${checkpoint.signed_at} /></p>
        <dl class="facts">
          <div><dt>${t('audit.field.hash')}</dt><dd><${Code}>${checkpoint.hash}<//></dd></div>
          <div><dt>${t('audit.key.id')}</dt><dd><${Code}>${checkpoint.key_id}<//></dd></div>
        </dl>
        <details>
          <summary>${t('audit.checkpoints.text')}</summary>
          <pre class="audit-pre" dir="ltr" tabindex="0" aria-label=${t('audit.checkpoints.textLabel', { seq: checkpoint.seq })}>${checkpoint.text}</pre>
        </details>
      </div>
    </li>
  `;
}

export function AuditVerify() {
  const [hidden, setHidden] = useState(false);
  const load = useCallback((cursor) => api('GET', '/audit/checkpoints', { query: { limit: 10, cursor } }), []);
  const checkpoints = usePaged(load, 'checkpoints');
  const key = usePublicKey();
  if (hidden || isHidden(checkpoints.error) || isHidden(key.error)) return html`<${NotFound} />`;
  if (!checkpoints.items && !checkpoints.error) return html`<${Skeleton} rows=${5} />`;

  let list;
  if (checkpoints.error) list = html`<p class="notice warning" role="alert">${problemMessage(checkpoints.error)}</p>`;
  else if (checkpoints.items.length === 0) list = html`<p class="empty">${t('audit.checkpoints.empty')}</p>`;
  else {
    list = html`
      <ol class="rows audit-rows">${checkpoints.items.map((c) => html`<${Checkpoint} key=${c.id} checkpoint=${c} />`)}</ol>
      <${LoadMore} paged=${checkpoints} label=${t('audit.checkpoints.loadMore')} />
    `;
  }
  return html`
    <${Page} title=${t('audit.verify.title')}>
      <${AuditLinks} current="/audit/verify" />
      <${VerifyForm} onHidden=${() => setHidden(true)} />
      <section aria-labelledby="checkpoints-heading">
        <h2 id="checkpoints-heading">${t('audit.checkpoints.title')}</h2>
        <p>${t('audit.checkpoints.intro')}</p>
        ${list}
      </section>
      <section aria-labelledby="key-heading">
        <h2 id="key-heading">${t('audit.key.title')}</h2>
        <p>${t('audit.key.intro')}</p>
        ${key.answer ? html`<${PublicKey} answer=${key.answer} />` : key.error ? html`<p role="alert">${problemMessage(key.error)}</p>` : html`<${Skeleton} rows=${2} />`}
        <p><a href="/audit/how-to-verify">${t('audit.export.howToLink')}</a></p>
      </section>
    <//>
  `;
}
