// A new request (/cases/new): the request's fields, filled in from the finder's answer when
// the member comes from it (/cases/new?requesting_state=&requested_state=&request_type=
// &measure=&urgent=: the finder's own address). Saving makes a draft (POST /cases); the draft's
// page then shows the drafting checks beside the form, the consultation and submitting.
import { useEffect, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, ErrorSummary, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import { channelLabel, languageList, useStates } from './directory-common.js';
import { CASE_TYPES, authorityText } from './cases-common.js';
import { CaseFields, emptyValues, fieldLabels, payloadOf, splitErrors } from './cases-form.js';

const FINDER_PARAMS = ['requesting_state', 'requested_state', 'request_type', 'measure', 'urgent'];
// Which Convention article a request type rests on when the finder says the Convention serves.
const CONVENTION_BASIS = { mla: 'untoc_art18', confiscation: 'untoc_art18', extradition: 'untoc_art16' };

/** The draft's fields as the finder's answer suggests them; the member may change any. */
function fromAnswer(answer) {
  const values = emptyValues();
  values.requested_state = answer.requested_state.code;
  values.requested_authority_id = answer.recommended_authority_id || '';
  if (CASE_TYPES.includes(answer.request_type)) values.type = answer.request_type;
  if (answer.measure) values.measures = [answer.measure];
  values.urgency = answer.urgent ? 'urgent' : 'normal';
  values.languages = answer.languages.join(', ');
  const convention = answer.legal_basis.convention || {};
  if (convention.applicable === true && CONVENTION_BASIS[answer.request_type]) {
    values.basis_kind = CONVENTION_BASIS[answer.request_type];
  } else if (answer.legal_basis.treaties.length) {
    values.basis_kind = 'treaty';
    values.treaty_id = answer.legal_basis.treaties[0].id;
  }
  return values;
}

function FromFinder({ answer, address }) {
  const recommended = answer.authorities.find((e) => e.authority.id === answer.recommended_authority_id);
  return html`
    <div class="notice" role="status">
      <h2 class="case-notice-title">${t('cases.new.fromFinder')}</h2>
      <p>${t('cases.new.fromFinderIntro', { state: answer.requested_state.name })}</p>
      <dl class="case-fixed">
        <div><dt>${t('cases.field.requestedAuthority')}</dt>
          <dd>${recommended ? authorityText(recommended.authority) : t('cases.new.noRecommendation')}</dd></div>
        <div><dt>${t('cases.new.acceptedLanguages')}</dt>
          <dd>${answer.languages.length ? languageList(answer.languages) : t('cases.notStated')}</dd></div>
        <div><dt>${t('cases.new.channels')}</dt>
          <dd>${answer.channels.length ? answer.channels.map(channelLabel).join(', ') : t('cases.notStated')}</dd></div>
        ${answer.legal_basis.convention && answer.legal_basis.convention.note
          ? html`<div><dt>${t('cases.field.legalBasis')}</dt><dd>${answer.legal_basis.convention.note}</dd></div>`
          : null}
      </dl>
      <p><a href=${address}>${t('cases.new.backToFinder')}</a></p>
    </div>
  `;
}

export function NewCase() {
  const query = currentLocation.value.query;
  const finder = Object.fromEntries(FINDER_PARAMS.map((name) => [name, query.get(name) || '']));
  const fromFinder = Boolean(finder.requested_state && finder.request_type);
  const { states, error: statesError } = useStates();
  const [values, setValues] = useState(fromFinder ? null : emptyValues());
  const [answer, setAnswer] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [authorities, setAuthorities] = useState(null);
  const [treaties, setTreaties] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!fromFinder) return;
    const params = {
      requesting_state: finder.requesting_state || undefined,
      requested_state: finder.requested_state,
      request_type: finder.request_type,
      measure: finder.measure && finder.measure !== 'general' ? finder.measure : undefined,
      urgent: finder.urgent === 'true' ? 'true' : 'false',
    };
    api('GET', '/finder', { query: params })
      .then((found) => {
        setAnswer(found);
        setValues(fromAnswer(found));
      })
      .catch((problem) => {
        setLoadError(problem);
        setValues({ ...emptyValues(), requested_state: finder.requested_state });
      });
  }, []);

  const state = values ? values.requested_state : '';
  useEffect(() => {
    setAuthorities(null);
    setTreaties(null);
    if (!state) return undefined;
    // Typing a State's name in the list passes through others: only the last one's answers count.
    let live = true;
    api('GET', '/authorities', { query: { state, limit: 100 } })
      .then((page) => live && setAuthorities(page.items))
      .catch(() => live && setAuthorities([]));
    api('GET', '/treaties', { query: { state, limit: 100 } })
      .then((page) => live && setTreaties(page.items))
      .catch(() => live && setTreaties([]));
    return () => {
      live = false;
    };
  }, [state]);

  const title = t('cases.new.title');
  if (!values) return html`<${Page} title=${title}><${Skeleton} rows=${6} /><//>`;
  const set = (changes) => setValues({ ...values, ...changes });
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const created = await api('POST', '/cases', { body: payloadOf(values, { creating: true }) });
      navigate(`/cases/${created.id}`);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const { fields, other } = splitErrors(error);
  const finderAddress = fromFinder ? `/finder?${new URLSearchParams(Object.entries(finder).filter(([, v]) => v))}` : '/finder';
  return html`
    <${Page} title=${title}>
      <p>${t('cases.new.intro')}</p>
      ${statesError || loadError ? html`<div class="notice warning" role="alert"><p>${problemMessage(statesError || loadError)}</p></div>` : null}
      ${answer ? html`<${FromFinder} answer=${answer} address=${finderAddress} />` : html`<p><a href="/finder">${t('cases.new.useFinder')}</a></p>`}
      <${ErrorSummary} error=${error} fields=${fields} labels=${fieldLabels()} />
      ${other.length ? html`<div class="notice warning"><ul>${other.map((m, i) => html`<li key=${i}>${m}</li>`)}</ul></div>` : null}
      <form class="case-form" onSubmit=${submit} novalidate>
        <${CaseFields} values=${values} set=${set} errors=${fields} creating=${true} states=${states}
          authorities=${authorities} treaties=${treaties} accepted=${answer ? answer.languages : null} />
        <div class="actions">
          <${Button} type="submit" busy=${busy}>${t('cases.new.save')}<//>
          <a href="/cases?box=outbox">${t('cases.new.cancel')}</a>
        </div>
        <p class="hint">${t('cases.new.saveHint')}</p>
      </form>
    <//>
  `;
}
