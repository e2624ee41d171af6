// The inbox and outbox (/cases?box=inbox|outbox&status=&type=&urgency=&overdue=&counterpart=):
// the API's filters as a row of controls kept in the address, counts by status, overdue and
// near-deadline cases first (the API's `attention` order) and said in words, Load more; a
// case submitted to the member's authority appears without a reload.
import { useEffect, useRef, useState } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Button, Field, Page, Skeleton, problemMessage } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation, navigate } from '../router.js';
import { hasRole, me } from '../session.js';
import {
  CASE_TYPES,
  DeadlineFlag,
  DueDate,
  STATUSES,
  StatusBadge,
  When,
  authorityText,
  statusLabel,
  typeLabel,
  unreadMessagesByCase,
  useAuthorities,
  useCaseLive,
} from './cases-common.js';

const FILTERS = ['box', 'status', 'type', 'urgency', 'overdue', 'counterpart'];
const BOXES = [
  { value: 'inbox', api: 'incoming', label: 'cases.inbox.tab.inbox' },
  { value: 'outbox', api: 'outgoing', label: 'cases.inbox.tab.outbox' },
  { value: '', api: undefined, label: 'cases.inbox.tab.all' },
];
const PAGE_SIZE = 25;

function filtersFrom(query) {
  return Object.fromEntries(FILTERS.map((name) => [name, query.get(name) || '']));
}

function addressOf(filters) {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (filters[name]) params.set(name, filters[name]);
  const query = params.toString();
  return query ? `/cases?${query}` : '/cases';
}

function apiQuery(filters) {
  const box = BOXES.find((b) => b.value === filters.box);
  return {
    box: box ? box.api : undefined,
    status: filters.status || undefined,
    type: filters.type || undefined,
    urgency: filters.urgency || undefined,
    overdue: filters.overdue || undefined,
    counterpart: filters.counterpart || undefined,
    sort: 'attention',
    limit: PAGE_SIZE,
  };
}

function Tabs({ applied, counts }) {
  return html`
    <nav class="filter-tabs" aria-label=${t('cases.inbox.tabs')}>
      <ul>
        ${BOXES.map(
          (box) => html`<li key=${box.value}>
            <a href=${addressOf({ ...applied, box: box.value })} aria-current=${applied.box === box.value ? 'page' : undefined}>${t(box.label)}</a>
          </li>`,
        )}
      </ul>
      ${counts
        ? html`<p class="meta">${t('cases.inbox.underWay', { count: counts.open })}${counts.overdue
            ? html` · <a href=${addressOf({ ...applied, overdue: 'true' })}>${t('cases.inbox.overdueCount', { count: counts.overdue })}</a>`
            : null}</p>`
        : null}
    </nav>
  `;
}

function Filters({ applied, counts, authorities }) {
  const [values, setValues] = useState(applied);
  useEffect(() => setValues(applied), [JSON.stringify(applied)]);
  const set = (name) => (value) => setValues({ ...values, [name]: value });
  const submit = (event) => {
    event.preventDefault();
    navigate(addressOf(values));
  };
  const byStatus = (counts && counts.by_status) || {};
  const any = FILTERS.some((name) => name !== 'box' && applied[name]);
  return html`
    <form class="case-filters" role="search" aria-label=${t('cases.inbox.filters')} onSubmit=${submit} novalidate>
      <div class="case-filter-row">
        <${Field} as="select" name="status" label=${t('cases.inbox.status')} value=${values.status} onInput=${set('status')}>
          <option value="">${t('cases.inbox.any')}</option>
          ${STATUSES.map(
            (s) => html`<option key=${s} value=${s}>${byStatus[s] ? t('cases.inbox.statusCount', { status: statusLabel(s), count: byStatus[s] }) : statusLabel(s)}</option>`,
          )}
        <//>
        <${Field} as="select" name="type" label=${t('cases.inbox.type')} value=${values.type} onInput=${set('type')}>
          <option value="">${t('cases.inbox.any')}</option>
          ${CASE_TYPES.map((type) => html`<option key=${type} value=${type}>${typeLabel(type)}</option>`)}
        <//>
        <${Field} as="select" name="urgency" label=${t('cases.inbox.urgency')} value=${values.urgency} onInput=${set('urgency')}>
          <option value="">${t('cases.inbox.any')}</option>
          <option value="urgent">${t('cases.urgency.urgent')}</option>
          <option value="normal">${t('cases.urgency.normal')}</option>
        <//>
        <${Field} as="select" name="overdue" label=${t('cases.inbox.overdue')} value=${values.overdue} onInput=${set('overdue')}>
          <option value="">${t('cases.inbox.any')}</option>
          <option value="true">${t('cases.inbox.overdueOnly')}</option>
          <option value="false">${t('cases.inbox.notOverdue')}</option>
        <//>
        <${Field} as="select" name="counterpart" label=${t('cases.inbox.counterpart')} value=${values.counterpart} onInput=${set('counterpart')}>
          <option value="">${t('cases.inbox.any')}</option>
          ${(authorities || []).map((a) => html`<option key=${a.id} value=${a.id}>${authorityText(a)}</option>`)}
        <//>
      </div>
      <div class="actions">
        <${Button} type="submit">${t('cases.inbox.apply')}<//>
        ${any ? html`<a href=${addressOf({ box: applied.box })}>${t('cases.inbox.clear')}</a>` : null}
      </div>
    </form>
  `;
}

function Row({ item, mine, names, unread }) {
  const outgoing = mine && item.requesting_authority_id === mine;
  const incoming = mine && item.requested_authority_id === mine;
  let parties;
  if (outgoing) parties = t('cases.inbox.to', { authority: authorityText(names[item.requested_authority_id]) });
  else if (incoming) parties = t('cases.inbox.from', { authority: authorityText(names[item.requesting_authority_id]) });
  else {
    parties = t('cases.inbox.between', {
      from: authorityText(names[item.requesting_authority_id]),
      to: authorityText(names[item.requested_authority_id]),
    });
  }
  return html`
    <li class=${item.overdue ? 'case-row case-row-overdue' : item.deadline_near ? 'case-row case-row-near' : 'case-row'}>
      <p class="case-row-title">
        <a href=${`/cases/${item.id}`}><span class="case-ref">${item.reference}</span> ${item.title}</a>
      </p>
      <p class="case-row-flags">
        <${StatusBadge} status=${item.status} />
        <${DeadlineFlag} item=${item} />
        ${item.urgency === 'urgent' ? html`<span class="badge">${t('cases.urgency.urgent')}</span>` : null}
        ${unread ? html`<span class="badge case-unread">${t('cases.inbox.unread', { count: unread })}</span>` : null}
      </p>
      <dl class="case-row-facts">
        <div><dt>${t('cases.inbox.counterpartLabel')}</dt><dd>${parties}</dd></div>
        <div><dt>${t('cases.inbox.typeLabel')}</dt><dd>${typeLabel(item.type)}</dd></div>
        <div><dt>${t('cases.inbox.deadlineLabel')}</dt><dd><${DueDate} day=${item.due_date} /></dd></div>
        <div><dt>${t('cases.inbox.activityLabel')}</dt><dd><${When} iso=${item.last_activity_at} /></dd></div>
      </dl>
    </li>
  `;
}

export function Inbox() {
  const query = currentLocation.value.query;
  const applied = filtersFrom(query);
  const key = addressOf(applied);
  const member = me.value;
  const mine = member && member.authority ? member.authority.id : null;
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [counts, setCounts] = useState(null);
  const [unread, setUnread] = useState({});
  const [directory, setDirectory] = useState(null);
  const [announcement, setAnnouncement] = useState('');
  const itemsRef = useRef(null);
  itemsRef.current = items;

  const fetchPage = (cursor) => api('GET', '/cases', { query: { ...apiQuery(applied), cursor } });
  const loadSide = () => {
    api('GET', '/cases/counts').then(setCounts).catch(() => setCounts(null));
    unreadMessagesByCase().then(setUnread).catch(() => setUnread({}));
  };

  useEffect(() => {
    let live = true;
    setItems(null);
    setError(null);
    fetchPage(null)
      .then((page) => {
        if (!live) return;
        setItems(page.items);
        setNext(page.next_cursor);
      })
      .catch((problem) => live && setError(problem));
    loadSide();
    return () => {
      live = false;
    };
  }, [key]);

  useEffect(() => {
    api('GET', '/authorities', { query: { limit: 100 } })
      .then((page) => setDirectory(page.items.filter((a) => a.id !== mine)))
      .catch(() => setDirectory([]));
  }, []);

  // Live: the first page again; what was loaded beyond it stays, without repeats.
  useCaseLive(null, async () => {
    if (error) return;
    try {
      const page = await fetchPage(null);
      const before = new Set((itemsRef.current || []).map((c) => c.id));
      const fresh = page.items.filter((c) => !before.has(c.id));
      const shown = new Set(page.items.map((c) => c.id));
      const rest = (itemsRef.current || []).slice(PAGE_SIZE).filter((c) => !shown.has(c.id));
      setItems([...page.items, ...rest]);
      if ((itemsRef.current || []).length <= PAGE_SIZE) setNext(page.next_cursor);
      if (fresh.length) setAnnouncement(t('cases.inbox.arrived', { count: fresh.length, reference: fresh[0].reference }));
      else setAnnouncement(t('cases.inbox.updated'));
      loadSide();
    } catch {
      // the list stays as it was; the next event tries again
    }
  });

  const loadMore = async () => {
    setBusy(true);
    try {
      const page = await fetchPage(next);
      setItems([...items, ...page.items.filter((c) => !items.some((i) => i.id === c.id))]);
      setNext(page.next_cursor);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };

  const names = useAuthorities((items || []).flatMap((c) => [c.requesting_authority_id, c.requested_authority_id]));
  const title = t('cases.inbox.title');
  if (error && error.status === 403) {
    return html`<${Page} title=${title}><div class="notice"><p>${t('cases.inbox.noCaseWork')}</p></div><//>`;
  }
  const filtered = FILTERS.some((name) => name !== 'box' && applied[name]);
  let results;
  if (error) results = html`<div class="notice warning" role="alert"><p>${problemMessage(error)}</p></div>`;
  else if (items === null) results = html`<${Skeleton} rows=${5} />`;
  else if (items.length === 0) {
    results = html`<div class="case-empty">
      <p><strong>${filtered ? t('cases.inbox.emptyFiltered') : t(`cases.inbox.empty.${applied.box || 'all'}`)}</strong></p>
      <p>${filtered
        ? html`${t('cases.inbox.emptyFilteredHelp')} <a href=${addressOf({ box: applied.box })}>${t('cases.inbox.clear')}</a>`
        : t(`cases.inbox.emptyHelp.${applied.box || 'all'}`)}</p>
    </div>`;
  } else {
    results = html`
      <ul class="case-rows">
        ${items.map((item) => html`<${Row} key=${item.id} item=${item} mine=${mine} names=${names} unread=${unread[item.id] || 0} />`)}
      </ul>
      ${next
        ? html`<div class="actions"><${Button} type="button" class="button secondary" busy=${busy} onClick=${loadMore}>${t('cases.inbox.loadMore')}<//></div>`
        : null}
    `;
  }
  return html`
    <${Page} title=${title}>
      <div class="actions case-top-actions">
        ${hasRole('officer') ? html`<a class="button" href="/cases/new">${t('cases.inbox.new')}</a>` : null}
        <a href="/cases/metrics">${t('cases.inbox.metrics')}</a>
      </div>
      <${Tabs} applied=${applied} counts=${counts} />
      <${Filters} applied=${applied} counts=${counts} authorities=${directory} />
      <h2 id="case-results">${t('cases.inbox.results')}</h2>
      <p class="meta" role="status" aria-live="polite">${items === null || error
        ? ''
        : next
          ? t('cases.inbox.shownMore', { count: items.length })
          : t('cases.inbox.shown', { count: items.length })}</p>
      <p class="visually-hidden" role="status" aria-live="polite">${announcement}</p>
      ${results}
    <//>
  `;
}
