// Case figures (/cases/metrics?scope=&months=&authority_id=): for the member's authority (or,
// for administrators, the one chosen) and for each pair of authorities, the counts and the
// median and 90th percentile time to acknowledge and to execute, month by month, as small
// SVG charts with the same numbers in a table beside them; refusal grounds as bars; how
// often the Convention was the legal basis; the API's CSV to download.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Field, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatNumber, language, t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import { hasRole } from '../session.js';
import { authorityText, groundLabel, statusLabel, useAuthorities } from './cases-common.js';

const MONTH_CHOICES = ['6', '12'];

function monthStarts(count) {
  const now = new Date();
  const starts = [];
  for (let i = count - 1; i >= 0; i -= 1) starts.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1)));
  return starts;
}

function monthName(date) {
  return new Intl.DateTimeFormat(language.value, { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(date);
}

const number = (value, digits = 1) =>
  value === null || value === undefined
    ? '–'
    : new Intl.NumberFormat(language.value, { maximumFractionDigits: digits }).format(value);

// A count the API withheld (null: fewer than 3 cases the member's authority is not party to).
const count = (value) => (value === null ? t('cases.metrics.fewerThan3') : formatNumber(value ?? 0));

function statsOf(metrics, scope) {
  if (!metrics) return null;
  if (scope === 'outgoing') return metrics.outgoing;
  if (scope === 'incoming') return metrics.incoming;
  if (scope.startsWith('pair:')) {
    const [, requesting, requested] = scope.split(':');
    return metrics.pairs.find((p) => p.requesting_authority_id === requesting && p.requested_authority_id === requested) || null;
  }
  return metrics.total;
}

/**
 * Grouped bars, one group a month: each series a bar, told apart by fill and outline as well
 * as by colour, named in the legend. The table beside the chart holds the same numbers.
 */
function BarChart({ id, title, unit, labels, series }) {
  const width = 640;
  const height = 220;
  const left = 44;
  const bottom = 36;
  const top = 12;
  const values = series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const max = Math.max(1, ...values);
  const plotH = height - bottom - top;
  const groupW = (width - left - 8) / Math.max(1, labels.length);
  const barW = Math.max(4, (groupW - 8) / series.length);
  const y = (v) => top + plotH - (v / max) * plotH;
  const ticks = [0, max / 2, max];
  return html`
    <figure class="case-chart">
      <svg viewBox=${`0 0 ${width} ${height}`} role="img" aria-labelledby=${`${id}-title ${id}-desc`} focusable="false">
        <title id=${`${id}-title`}>${title}</title>
        <desc id=${`${id}-desc`}>${t('cases.metrics.chartDesc', { unit })}</desc>
        ${ticks.map(
          (tick, i) => html`<g key=${i}>
            <line class="case-chart-grid" x1=${left} x2=${width - 4} y1=${y(tick)} y2=${y(tick)} />
            <text class="case-chart-axis" x=${left - 6} y=${y(tick) + 4} text-anchor="end">${number(tick, max < 10 ? 1 : 0)}</text>
          </g>`,
        )}
        ${labels.map(
          (label, i) => html`<g key=${label}>
            ${series.map((s, j) =>
              s.values[i] === null || s.values[i] === undefined
                ? null
                : html`<rect key=${s.name} class=${`case-bar case-bar-${j}`} x=${left + i * groupW + 4 + j * barW} y=${y(s.values[i])}
                    width=${barW - 2} height=${Math.max(0.5, top + plotH - y(s.values[i]))}><title>${`${label}, ${s.name}: ${number(s.values[i])} ${unit}`}</title></rect>`,
            )}
            <text class="case-chart-axis" x=${left + i * groupW + groupW / 2} y=${height - bottom + 16} text-anchor="middle">${label.split(' ')[0]}</text>
          </g>`,
        )}
      </svg>
      <figcaption class="case-legend">
        ${series.map((s, j) => html`<span key=${s.name} class="case-legend-item"><svg class="case-legend-swatch" viewBox="0 0 14 14" aria-hidden="true" focusable="false"><rect class=${`case-bar case-bar-${j}`} x="1" y="1" width="12" height="12" /></svg>${s.name}</span>`)}
      </figcaption>
    </figure>
  `;
}

function Monthly({ id, title, unit, months, pick }) {
  const labels = months.map((m) => m.label);
  const rows = months.map((m) => pick(m.stats));
  const median = rows.map((r) => (r ? r.median : null));
  const p90 = rows.map((r) => (r ? r.p90 : null));
  return html`
    <section class="case-metric" aria-labelledby=${`${id}-heading`}>
      <h3 id=${`${id}-heading`}>${title}</h3>
      <div class="case-metric-body">
        <${BarChart} id=${id} title=${title} unit=${unit} labels=${labels}
          series=${[
            { name: t('cases.metrics.median'), values: median },
            { name: t('cases.metrics.p90'), values: p90 },
          ]} />
        <table class="case-table">
          <caption class="visually-hidden">${title}</caption>
          <thead><tr><th scope="col">${t('cases.metrics.month')}</th><th scope="col">${t('cases.metrics.n')}</th>
            <th scope="col">${t('cases.metrics.median')}</th><th scope="col">${t('cases.metrics.p90')}</th></tr></thead>
          <tbody>
            ${months.map(
              (m, i) => html`<tr key=${m.label}><th scope="row">${m.label}</th><td>${rows[i] ? formatNumber(rows[i].n) : '0'}</td>
                <td>${number(median[i])}</td><td>${number(p90[i])}</td></tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>
  `;
}

function Counts({ months }) {
  const labels = months.map((m) => m.label);
  const values = months.map((m) => (m.stats ? m.stats.cases ?? 0 : 0));
  const title = t('cases.metrics.casesByMonth');
  return html`
    <section class="case-metric" aria-labelledby="count-heading">
      <h3 id="count-heading">${title}</h3>
      <div class="case-metric-body">
        <${BarChart} id="count" title=${title} unit=${t('cases.metrics.casesUnit')} labels=${labels}
          series=${[{ name: t('cases.metrics.submitted'), values }]} />
        <table class="case-table">
          <caption class="visually-hidden">${title}</caption>
          <thead><tr><th scope="col">${t('cases.metrics.month')}</th><th scope="col">${t('cases.metrics.submitted')}</th>
            <th scope="col">${t('cases.metrics.overdue')}</th></tr></thead>
          <tbody>
            ${months.map(
              (m, i) => html`<tr key=${m.label}><th scope="row">${m.label}</th><td>${m.stats ? count(m.stats.cases) : formatNumber(0)}</td>
                <td>${m.stats ? count(m.stats.overdue) : formatNumber(0)}</td></tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>
  `;
}

function Grounds({ stats }) {
  const entries = Object.entries(stats.refusal_grounds || {}).sort((a, b) => b[1] - a[1]);
  const title = t('cases.metrics.grounds');
  if (entries.length === 0) {
    return html`<section class="case-metric" aria-labelledby="grounds-heading"><h3 id="grounds-heading">${title}</h3>
      <p class="empty">${t('cases.metrics.noRefusals')}</p></section>`;
  }
  const max = Math.max(...entries.map(([, n]) => n));
  const rowH = 26;
  return html`
    <section class="case-metric" aria-labelledby="grounds-heading">
      <h3 id="grounds-heading">${title}</h3>
      <div class="case-metric-body">
        <svg class="case-chart case-hbars" viewBox=${`0 0 400 ${entries.length * rowH + 4}`} role="img" aria-labelledby="grounds-heading" focusable="false">
          ${entries.map(
            ([ground, n], i) => html`<g key=${ground}>
              <rect class="case-bar case-bar-0" x="0" y=${i * rowH + 4} width=${Math.max(2, (n / max) * 330)} height=${rowH - 8}><title>${`${groundLabel(ground)}: ${n}`}</title></rect>
              <text class="case-chart-axis" x=${Math.max(2, (n / max) * 330) + 6} y=${i * rowH + rowH / 2 + 4}>${formatNumber(n)}</text>
            </g>`,
          )}
        </svg>
        <table class="case-table">
          <caption class="visually-hidden">${title}</caption>
          <thead><tr><th scope="col">${t('cases.metrics.ground')}</th><th scope="col">${t('cases.metrics.refusals')}</th></tr></thead>
          <tbody>${entries.map(([ground, n]) => html`<tr key=${ground}><th scope="row">${groundLabel(ground)}</th><td>${formatNumber(n)}</td></tr>`)}</tbody>
        </table>
      </div>
    </section>
  `;
}

function Overview({ stats }) {
  const share = stats.convention_basis_share;
  return html`
    <dl class="case-facts case-overview">
      <div><dt>${t('cases.metrics.cases')}</dt><dd>${count(stats.cases)}</dd></div>
      <div><dt>${t('cases.metrics.overdue')}</dt><dd>${count(stats.overdue)}</dd></div>
      <div><dt>${t('cases.metrics.ackOverall')}</dt><dd>${t('cases.metrics.medianP90', { median: number(stats.hours_to_acknowledge.median), p90: number(stats.hours_to_acknowledge.p90), unit: t('cases.metrics.hours') })}</dd></div>
      <div><dt>${t('cases.metrics.execOverall')}</dt><dd>${t('cases.metrics.medianP90', { median: number(stats.days_to_execute.median), p90: number(stats.days_to_execute.p90), unit: t('cases.metrics.days') })}</dd></div>
      <div><dt>${t('cases.metrics.convention')}</dt><dd>
        ${share === null || share === undefined
          ? t('cases.metrics.noCases')
          : html`${t('cases.metrics.conventionShare', { percent: number(share * 100, 0), count: stats.convention_basis, total: stats.cases })}
              <svg class="case-share" viewBox="0 0 100 8" aria-hidden="true" focusable="false" preserveAspectRatio="none">
                <rect class="case-share-track" x="0" y="0" width="100" height="8" />
                <rect class="case-bar case-bar-0" x="0" y="0" width=${Math.round(share * 100)} height="8" />
              </svg>`}
      </dd></div>
    </dl>
    ${stats.withheld ? html`<p class="hint">${t('cases.metrics.withheld')}</p>` : null}
    ${Object.keys(stats.by_status || {}).length
      ? html`<table class="case-table">
          <caption>${t('cases.metrics.byStatus')}</caption>
          <thead><tr><th scope="col">${t('cases.metrics.status')}</th><th scope="col">${t('cases.metrics.cases')}</th></tr></thead>
          <tbody>${Object.entries(stats.by_status).map(([s, n]) => html`<tr key=${s}><th scope="row">${statusLabel(s)}</th><td>${formatNumber(n)}</td></tr>`)}</tbody>
        </table>`
      : null}
  `;
}

function Pairs({ pairs, names, scopeAddress }) {
  if (!pairs.length) return html`<p class="empty">${t('cases.metrics.noPairs')}</p>`;
  return html`
    <div class="case-table-wrap">
      <table class="case-table">
        <caption class="visually-hidden">${t('cases.metrics.pairs')}</caption>
        <thead><tr>
          <th scope="col">${t('cases.metrics.pair')}</th><th scope="col">${t('cases.metrics.cases')}</th>
          <th scope="col">${t('cases.metrics.ackShort')}</th><th scope="col">${t('cases.metrics.execShort')}</th>
          <th scope="col">${t('cases.metrics.refusals')}</th><th scope="col">${t('cases.metrics.conventionShort')}</th>
        </tr></thead>
        <tbody>
          ${pairs.map((p) => {
            const key = `pair:${p.requesting_authority_id}:${p.requested_authority_id}`;
            const refusals = Object.values(p.refusal_grounds || {}).reduce((a, b) => a + b, 0);
            return html`<tr key=${key}>
              <th scope="row"><a href=${scopeAddress(key)}>${t('cases.metrics.pairName', {
                from: authorityText(names[p.requesting_authority_id]),
                to: authorityText(names[p.requested_authority_id]),
              })}</a></th>
              <td>${count(p.cases)}</td>
              <td>${t('cases.metrics.medianP90', { median: number(p.hours_to_acknowledge.median), p90: number(p.hours_to_acknowledge.p90), unit: t('cases.metrics.hoursShort') })}</td>
              <td>${t('cases.metrics.medianP90', { median: number(p.days_to_execute.median), p90: number(p.days_to_execute.p90), unit: t('cases.metrics.daysShort') })}</td>
              <td>${formatNumber(refusals)}</td>
              <td>${p.convention_basis_share === null ? '–' : `${number(p.convention_basis_share * 100, 0)} %`}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  `;
}

export function Metrics() {
  const query = currentLocation.value.query;
  const months = MONTH_CHOICES.includes(query.get('months')) ? Number(query.get('months')) : 12;
  const authorityId = query.get('authority_id') || '';
  const scope = query.get('scope') || 'total';
  const admin = hasRole('admin');
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [directory, setDirectory] = useState(null);
  const [choice, setChoice] = useState({ authority_id: authorityId, months: String(months) });
  useEffect(() => setChoice({ authority_id: authorityId, months: String(months) }), [authorityId, months]);

  const starts = monthStarts(months);
  const since = starts[0].toISOString();
  const key = `${months}|${authorityId}`;
  useEffect(() => {
    let live = true;
    setData(null);
    setError(null);
    const base = authorityId ? { authority_id: authorityId } : {};
    const windows = starts.map((start, i) => ({
      start,
      until: i + 1 < starts.length ? starts[i + 1].toISOString() : undefined,
    }));
    Promise.all([
      api('GET', '/cases/metrics', { query: { ...base, since } }),
      ...windows.map((w) => api('GET', '/cases/metrics', { query: { ...base, since: w.start.toISOString(), until: w.until } })),
    ])
      .then(([whole, ...monthly]) => {
        if (!live) return;
        setData({ whole, monthly: monthly.map((m, i) => ({ label: monthName(starts[i]), metrics: m })) });
      })
      .catch((problem) => live && setError(problem));
    return () => {
      live = false;
    };
  }, [key]);
  useEffect(() => {
    if (!admin) return;
    api('GET', '/authorities', { query: { limit: 100 } })
      .then((page) => setDirectory(page.items))
      .catch(() => setDirectory([]));
  }, [admin]);

  const pairIds = data ? data.whole.pairs.flatMap((p) => [p.requesting_authority_id, p.requested_authority_id]) : [];
  const names = useAuthorities([...pairIds, data && data.whole.authority_id].filter(Boolean));
  const addressOf = (changes) => {
    const params = new URLSearchParams();
    const next = { authority_id: authorityId, months: String(months), scope, ...changes };
    for (const [name, value] of Object.entries(next)) if (value && !(name === 'scope' && value === 'total')) params.set(name, value);
    return `/cases/metrics?${params}`;
  };
  const csv = `/api/v1/cases/metrics?${new URLSearchParams({ format: 'csv', since, ...(authorityId ? { authority_id: authorityId } : {}) })}`;

  const title = t('cases.metrics.title');
  if (error && error.status === 403) {
    return html`<${Page} title=${title}><div class="notice"><p>${t('cases.metrics.notForYou')}</p></div><//>`;
  }
  let body;
  if (error) body = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  else if (!data) body = html`<${Skeleton} rows=${6} />`;
  else {
    const whole = statsOf(data.whole, scope) || statsOf(data.whole, 'total');
    const monthly = data.monthly.map((m) => ({ label: m.label, stats: statsOf(m.metrics, scope) }));
    const scopes = [{ value: 'total', label: t('cases.metrics.scope.total') }];
    if (data.whole.outgoing) scopes.push({ value: 'outgoing', label: t('cases.metrics.scope.outgoing') });
    if (data.whole.incoming) scopes.push({ value: 'incoming', label: t('cases.metrics.scope.incoming') });
    for (const p of data.whole.pairs) {
      scopes.push({
        value: `pair:${p.requesting_authority_id}:${p.requested_authority_id}`,
        label: t('cases.metrics.pairName', { from: authorityText(names[p.requesting_authority_id]), to: authorityText(names[p.requested_authority_id]) }),
      });
    }
    const current = scopes.find((s) => s.value === scope) || scopes[0];
    body = html`
      <nav class="case-scopes" aria-label=${t('cases.metrics.scopes')}>
        <ul>${scopes.map((s) => html`<li key=${s.value}><a href=${addressOf({ scope: s.value })} aria-current=${s === current ? 'page' : undefined}>${s.label}</a></li>`)}</ul>
      </nav>
      <h2>${current.label}</h2>
      <${Overview} stats=${whole} />
      <${Counts} months=${monthly} />
      <${Monthly} id="ack" title=${t('cases.metrics.ackTitle')} unit=${t('cases.metrics.hours')} months=${monthly}
        pick=${(s) => (s ? s.hours_to_acknowledge : null)} />
      <${Monthly} id="exec" title=${t('cases.metrics.execTitle')} unit=${t('cases.metrics.days')} months=${monthly}
        pick=${(s) => (s ? s.days_to_execute : null)} />
      <${Grounds} stats=${whole} />
      <h2>${t('cases.metrics.pairs')}</h2>
      <${Pairs} pairs=${data.whole.pairs} names=${names} scopeAddress=${(value) => addressOf({ scope: value })} />
    `;
  }
  return html`
    <${Page} title=${title}>
      <p>${t('cases.metrics.intro')}</p>
      <form class="case-filters" onSubmit=${(e) => {
        e.preventDefault();
        navigate(addressOf({ ...choice, scope: '' }));
      }} novalidate>
        <div class="case-filter-row">
          <${Field} as="select" name="months" label=${t('cases.metrics.period')} value=${choice.months}
            onInput=${(v) => setChoice({ ...choice, months: v })}>
            ${MONTH_CHOICES.map((m) => html`<option key=${m} value=${m}>${t('cases.metrics.lastMonths', { count: Number(m) })}</option>`)}
          <//>
          ${admin
            ? html`<${Field} as="select" name="authority_id" label=${t('cases.metrics.authority')} value=${choice.authority_id}
                onInput=${(v) => setChoice({ ...choice, authority_id: v })}>
                <option value="">${t('cases.metrics.allAuthorities')}</option>
                ${(directory || []).map((a) => html`<option key=${a.id} value=${a.id}>${authorityText(a)}</option>`)}
              <//>`
            : null}
        </div>
        <div class="actions">
          <${Button} type="submit">${t('cases.metrics.show')}<//>
          <a href=${csv} download="case-metrics.csv">${t('cases.metrics.csv')}</a>
        </div>
      </form>
      ${body}
    <//>
  `;
}
