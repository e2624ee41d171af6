// The finder (/finder): one question per step, in the spirit of the EJN Atlas (requesting
// State, requested State, type of request, measure, urgency), then the API's answer
// (GET /finder): whom to address, how, under which legal basis, and what may be out of date.
// The answers live in the address, so Back, reload and a shared link all keep them.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { formatDate, t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import { hasRole } from '../session.js';
import {
  AUTHORITY_TYPES,
  MEASURES,
  Rendered,
  SheetFacts,
  StaleBadge,
  StateOptions,
  TreatyItem,
  Verified,
  channelLabel,
  languageList,
  measureLabel,
  typeLabel,
  useLoad,
  useStates,
  yesNo,
} from './directory-common.js';
import { ApplicableDocuments } from './library-common.js';

// Measures are asked for the request types whose requirement sheets are kept per measure.
const MEASURE_TYPES = ['mla', 'confiscation'];
// The answer "no particular measure" (the general sheet), kept in the address like the others.
const GENERAL = 'general';

const STEPS = [
  { name: 'requesting_state', kind: 'state' },
  { name: 'requested_state', kind: 'state' },
  { name: 'request_type', kind: 'choice', options: () => AUTHORITY_TYPES, labelOf: typeLabel },
  {
    name: 'measure',
    kind: 'choice',
    options: () => [GENERAL, ...MEASURES],
    labelOf: (m) => (m === GENERAL ? t('directory.finder.generalMeasure') : measureLabel(m)),
    applies: (answers) => MEASURE_TYPES.includes(answers.request_type),
  },
  {
    name: 'urgent',
    kind: 'choice',
    options: () => ['false', 'true'],
    labelOf: (v) => (v === 'true' ? t('directory.finder.urgentYes') : t('directory.finder.urgentNo')),
  },
];
const NAMES = STEPS.map((s) => s.name);

function answersFrom(query) {
  return Object.fromEntries(NAMES.map((name) => [name, query.get(name) || '']));
}

function applicable(answers) {
  return STEPS.map((step, index) => ({ ...step, index })).filter((step) => !step.applies || step.applies(answers));
}

function addressOf(answers, extra = {}) {
  const params = new URLSearchParams();
  for (const name of NAMES) if (answers[name]) params.set(name, answers[name]);
  for (const [name, value] of Object.entries(extra)) if (value !== null && value !== undefined) params.set(name, value);
  return `/finder?${params}`;
}

function stateName(states, code) {
  const found = (states || []).find((s) => s.code === code);
  return found ? found.name : code;
}

function answerText(step, value, states) {
  if (step.kind === 'state') return stateName(states, value);
  return step.labelOf(value);
}

function Question({ step, position, total, answers, states, fromAnswer }) {
  const [value, setValue] = useState(answers[step.name]);
  const [error, setError] = useState(null);
  const heading = useRef(null);
  useEffect(() => {
    setValue(answers[step.name]);
    setError(null);
    document.title = `${t(`directory.finder.q.${step.name}`)} – canet`;
    if (heading.current) heading.current.focus();
  }, [step.name]);
  const steps = applicable(answers);
  const here = steps.findIndex((s) => s.name === step.name);
  const submit = (event) => {
    event.preventDefault();
    if (!value) {
      setError({ status: 422, code: 'required', errors: [] });
      return;
    }
    const next = { ...answers, [step.name]: value };
    // A type without measures takes no measure answer with it.
    if (step.name === 'request_type' && !MEASURE_TYPES.includes(value)) next.measure = '';
    const following = applicable(next);
    const index = following.findIndex((s) => s.name === step.name);
    const nextStep = following[index + 1];
    const unanswered = following.find((s) => !next[s.name]);
    if (fromAnswer && !unanswered) navigate(addressOf(next));
    else if (nextStep) navigate(addressOf(next, { step: nextStep.name }));
    else navigate(addressOf(next));
  };
  const back = here > 0 ? addressOf(answers, { step: steps[here - 1].name }) : null;
  const message = t(`directory.finder.required.${step.name}`);
  const fields = error ? { answer: message } : {};
  const question = t(`directory.finder.q.${step.name}`);
  const hint = t(`directory.finder.hint.${step.name}`);
  const caption = html`<span class="dir-caption">${t('directory.finder.progress', { n: position, total })}</span>`;
  let control;
  if (step.kind === 'state') {
    control = html`
      ${caption}
      <h1 tabindex="-1" ref=${heading}><label for="field-answer">${question}</label></h1>
      <div class=${error ? 'field has-error' : 'field'}>
        <span class="hint" id="field-answer-hint">${hint}</span>
        ${error ? html`<span class="error-message" id="field-answer-error"><span class="visually-hidden">${t('error.prefix')} </span>${message}</span>` : null}
        <select id="field-answer" name=${step.name} value=${value} aria-describedby=${error ? 'field-answer-hint field-answer-error' : 'field-answer-hint'}
          aria-invalid=${error ? 'true' : undefined} onChange=${(e) => setValue(e.currentTarget.value)}>
          <option value="">${t('directory.finder.chooseState')}</option>
          <${StateOptions} states=${states} />
        </select>
      </div>
    `;
  } else {
    const options = step.options();
    control = html`
      <div class=${error ? 'field has-error' : 'field'}>
        <fieldset aria-describedby=${error ? 'field-answer-hint field-answer-error' : 'field-answer-hint'}>
          <legend>${caption}<h1 tabindex="-1" ref=${heading}>${question}</h1></legend>
          <span class="hint" id="field-answer-hint">${hint}</span>
          ${error ? html`<span class="error-message" id="field-answer-error"><span class="visually-hidden">${t('error.prefix')} </span>${message}</span>` : null}
          <div class="dir-radios">
            ${options.map(
              (option, i) => html`<div class="dir-radio" key=${option}>
                <input type="radio" name=${step.name} id=${i === 0 ? 'field-answer' : `field-answer-${option}`} value=${option}
                  checked=${value === option} onChange=${() => setValue(option)} />
                <label for=${i === 0 ? 'field-answer' : `field-answer-${option}`}>${step.labelOf(option)}</label>
              </div>`,
            )}
          </div>
        </fieldset>
      </div>
    `;
  }
  return html`
    ${back ? html`<p><a class="dir-back-link" href=${back}>${t('directory.finder.back')}</a></p>` : null}
    <${ErrorSummary} error=${error} fields=${fields} labels=${{}} />
    <form onSubmit=${submit} novalidate class="dir-question">
      ${control}
      <div class="actions"><${Button} type="submit">${t('directory.finder.continue')}<//></div>
    </form>
  `;
}

function Answers({ answers, states }) {
  const steps = applicable(answers);
  return html`
    <dl class="dir-summary-list">
      ${steps.map(
        (step) => html`<div class="dir-summary-row" key=${step.name}>
          <dt>${t(`directory.finder.label.${step.name}`)}</dt>
          <dd>${answerText(step, answers[step.name], states)}</dd>
          <dd class="dir-summary-action"><a href=${addressOf(answers, { step: step.name, from: 'answer' })}>${t('directory.finder.change')}<span class="visually-hidden"> ${t(`directory.finder.label.${step.name}`)}</span></a></dd>
        </div>`,
      )}
    </dl>
  `;
}

function AuthorityCard({ entry, recommended, requestType }) {
  const a = entry.authority;
  return html`
    <li class=${recommended ? 'dir-card dir-recommended' : 'dir-card'}>
      ${recommended ? html`<p class="badge">${t('directory.finder.recommended')}</p>` : null}
      <p class="dir-card-title"><a href=${`/authorities/${a.id}`}>${a.name}</a></p>
      ${a.name_original && a.name_original !== a.name ? html`<p class="dir-original">${a.name_original}</p>` : null}
      <p class="meta">${entry.handles_request_type
        ? t('directory.finder.handles', { type: typeLabel(requestType) })
        : t('directory.finder.doesNotHandle', { type: typeLabel(requestType) })}</p>
      ${recommended
        ? html`<dl class="dir-facts">
            ${a.email ? html`<div class="dir-fact"><dt>${t('directory.field.email')}</dt><dd><a href=${`mailto:${a.email}`}>${a.email}</a></dd></div>` : null}
            ${a.phone ? html`<div class="dir-fact"><dt>${t('directory.field.phone')}</dt><dd>${a.phone}</dd></div>` : null}
            ${a.address ? html`<div class="dir-fact"><dt>${t('directory.field.address')}</dt><dd>${a.address}</dd></div>` : null}
          </dl>`
        : null}
      <${Verified} iso=${a.last_verified_at} stale=${a.stale} />
      ${a.open_failure_reports > 0 ? html`<p><span class="badge dir-badge-warning">${t('directory.failures.badge', { count: a.open_failure_reports })}</span></p>` : null}
    </li>
  `;
}

function Result({ answers, states }) {
  const query = {
    requesting_state: answers.requesting_state,
    requested_state: answers.requested_state,
    request_type: answers.request_type,
    measure: answers.measure && answers.measure !== GENERAL ? answers.measure : undefined,
    urgent: answers.urgent === 'true' ? 'true' : 'false',
  };
  const found = useLoad(() => api('GET', '/finder', { query }), [JSON.stringify(query)]);
  const heading = useRef(null);
  useEffect(() => {
    document.title = `${t('directory.finder.answerTitle')} – canet`;
    if (heading.current) heading.current.focus();
  }, []);
  const compare = `/compare?${new URLSearchParams({
    state_a: answers.requesting_state,
    state_b: answers.requested_state,
    request_type: answers.request_type,
    ...(query.measure ? { measure: query.measure } : {}),
  })}`;
  let body;
  if (found.error) {
    body = html`<div class="notice warning" role="alert"><p>${problemMessage(found.error)}</p></div>`;
  } else if (!found.data) {
    body = html`<${Skeleton} rows=${6} />`;
  } else {
    const answer = found.data;
    const recommended = answer.authorities.find((e) => e.authority.id === answer.recommended_authority_id);
    const others = answer.authorities.filter((e) => e !== recommended);
    const names = new Map(answer.authorities.map((e) => [e.authority.id, e.authority.name]));
    const sheet = answer.requirement_sheet;
    const ownSheet = sheet && answer.measure && sheet.measure === answer.measure;
    const convention = answer.legal_basis.convention || {};
    const staleNames = (item) =>
      item.type === 'authority'
        ? t('directory.finder.staleAuthority', { name: names.get(item.id) || '' })
        : t('directory.finder.staleSheet');
    body = html`
      ${answer.warnings.length
        ? html`<div class="notice warning" role="status">
            <h2 class="dir-notice-title">${t('directory.finder.warnings')}</h2>
            <ul>${answer.warnings.map((w, i) => html`<li key=${i}>${w}</li>`)}</ul>
          </div>`
        : null}

      <section aria-labelledby="authority-heading">
        <h2 id="authority-heading">${t('directory.finder.authority', { state: answer.requested_state.name })}</h2>
        ${answer.authorities.length === 0
          ? html`<p class="empty">${t('directory.finder.noAuthority', { state: answer.requested_state.name })}</p>`
          : html`<ul class="dir-cards">
              ${recommended ? html`<${AuthorityCard} entry=${recommended} recommended=${true} requestType=${answer.request_type} />` : null}
              ${others.map((e) => html`<${AuthorityCard} key=${e.authority.id} entry=${e} recommended=${false} requestType=${answer.request_type} />`)}
            </ul>`}
      </section>

      <section aria-labelledby="how-heading">
        <h2 id="how-heading">${t('directory.finder.how')}</h2>
        <dl class="dir-facts">
          <div class="dir-fact"><dt>${t('directory.finder.languages')}</dt>
            <dd>${answer.languages.length ? languageList(answer.languages) : t('directory.notStated')}</dd></div>
          <div class="dir-fact"><dt>${t('directory.finder.channels')}</dt>
            <dd>${answer.channels.length
              ? html`<ul class="dir-plain">${answer.channels.map((c) => html`<li key=${c}>${channelLabel(c)}</li>`)}</ul>`
              : t('directory.notStated')}</dd></div>
        </dl>
      </section>

      ${answer.urgent
        ? html`<section aria-labelledby="urgent-heading">
            <h2 id="urgent-heading">${t('directory.finder.urgentProcedure')}</h2>
            ${answer.urgent_procedure
              ? html`<dl class="dir-facts">
                  <div class="dir-fact"><dt>${t('directory.field.urgent_procedure')}</dt>
                    <dd><${Rendered} html=${answer.urgent_procedure.procedure_html} fallback=${t('directory.notStated')} /></dd></div>
                  <div class="dir-fact"><dt>${t('directory.field.contact_24_7')}</dt>
                    <dd>${answer.urgent_procedure.contact_24_7 || t('directory.notStated')}</dd></div>
                  <div class="dir-fact"><dt>${t('directory.finder.interpol')}</dt>
                    <dd>${yesNo(answer.urgent_procedure.interpol_accepted)}</dd></div>
                </dl>`
              : html`<p class="empty">${t('directory.finder.noUrgent')}</p>`}
          </section>`
        : null}

      <section aria-labelledby="sheet-heading">
        <h2 id="sheet-heading">${t('directory.finder.sheet')}</h2>
        ${sheet
          ? html`
              <p>${ownSheet
                ? t('directory.finder.sheetOwn', { measure: measureLabel(answer.measure) })
                : answer.measure
                  ? t('directory.finder.sheetGeneralInstead', { measure: measureLabel(answer.measure), type: typeLabel(answer.request_type) })
                  : t('directory.finder.sheetGeneral', { type: typeLabel(answer.request_type) })}</p>
              <${SheetFacts} sheet=${sheet} headingLevel=${3} names=${names} linked=${true}
                title=${t('directory.finder.sheetOf', { state: answer.requested_state.name })} />`
          : html`<p class="empty">${t('directory.finder.noSheet', { state: answer.requested_state.name, type: typeLabel(answer.request_type) })}</p>`}
      </section>

      <section aria-labelledby="basis-heading">
        <h2 id="basis-heading">${t('directory.finder.legalBasis')}</h2>
        <h3>${t('directory.finder.treaties', { a: answer.requesting_state.name, b: answer.requested_state.name })}</h3>
        ${answer.legal_basis.treaties.length
          ? html`<ul class="items dir-treaties">${answer.legal_basis.treaties.map((treaty) => html`<${TreatyItem} key=${treaty.id} treaty=${treaty} states=${states} />`)}</ul>`
          : html`<p class="empty">${t('directory.finder.noTreaties')}</p>`}
        <h3>${t('directory.finder.convention')}</h3>
        <p><strong>${yesNo(convention.applicable)}</strong>${convention.articles && convention.articles.length ? html` <span class="meta">(${convention.articles.join(', ')})</span>` : null}</p>
        ${convention.note ? html`<p>${convention.note}</p>` : null}
      </section>

      <${ApplicableDocuments} url=${answer.library_url} />

      <section aria-labelledby="stale-heading">
        <h2 id="stale-heading">${t('directory.finder.staleTitle')}</h2>
        ${answer.stale.length
          ? html`<ul class="dir-plain">${answer.stale.map(
              (item) => html`<li key=${item.id}><${StaleBadge} stale=${true} /> ${t('directory.finder.staleItem', {
                what: staleNames(item),
                when: item.last_verified_at
                  ? t('directory.finder.staleSince', { date: formatDate(item.last_verified_at) })
                  : t('directory.verified.never'),
              })}</li>`,
            )}</ul>`
          : html`<p>${t('directory.finder.nothingStale')}</p>`}
      </section>
    `;
  }
  return html`
    <h1 tabindex="-1" ref=${heading}>${t('directory.finder.answerTitle')}</h1>
    <h2>${t('directory.finder.yourAnswers')}</h2>
    <${Answers} answers=${answers} states=${states} />
    ${body}
    <h2>${t('directory.finder.next')}</h2>
    <ul class="dir-plain dir-next-links">
      <li><a href=${compare}>${t('directory.finder.compare', {
        a: stateName(states, answers.requesting_state),
        b: stateName(states, answers.requested_state),
      })}</a></li>
      ${hasRole('officer')
        ? html`<li><a href=${`/cases/new?${new URLSearchParams(Object.entries(answers).filter(([, v]) => v))}`}>${t('cases.finder.startRequest')}</a></li>`
        : null}
      ${found.data && found.data.obstacles_url
        ? html`<li><a href=${found.data.obstacles_url.replace(/^\/api\/v1(?=\/)/, '')}>${t('catalogue.finder.obstacles', {
            a: stateName(states, answers.requesting_state),
            b: stateName(states, answers.requested_state),
          })}</a></li>`
        : null}
      <li><a href="/finder">${t('directory.finder.startAgain')}</a></li>
    </ul>
  `;
}

export function Finder() {
  const query = currentLocation.value.query;
  const answers = answersFrom(query);
  const { states, error } = useStates();
  if (error) {
    return html`<${Page} title=${t('directory.finder.title')}><div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div><//>`;
  }
  if (!states) return html`<${Page} title=${t('directory.finder.title')}><${Skeleton} rows=${3} /><//>`;
  const steps = applicable(answers);
  const asked = steps.find((s) => s.name === query.get('step'));
  const step = asked || steps.find((s) => !answers[s.name]);
  if (!step) return html`<${Result} answers=${answers} states=${states} />`;
  const position = steps.indexOf(step) + 1;
  return html`
    <${Question} key=${step.name} step=${step} position=${position} total=${steps.length} answers=${answers} states=${states}
      fromAnswer=${query.get('from') === 'answer'} />
  `;
}
