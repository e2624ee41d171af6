// The vetting queue: moderators see every application by status, a focal point those of
// their own authority and, in its own tab, the ones that wait for their endorsement. The tab
// is in the URL (?queue=endorse, ?status=...), so a view can be bookmarked; the API decides
// who sees which (a tab it refuses says so instead of listing).
import { useCallback } from '../../vendor/preact-hooks.mjs';
import { api } from '../api.js';
import { Page, Skeleton } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { currentLocation } from '../router.js';
import { me } from '../session.js';
import { LoadMore, When, useLiveRefresh, usePaged } from './forums-common.js';
import {
  EndorsementBadge,
  ModerationCrumbs,
  StatusBadge,
  authorityLabel,
  useAuthorityNames,
  vettingProblem,
} from './vetting-common.js';

const STATUS_TABS = ['review', 'info_requested', 'approved', 'rejected'];
const LIVE_EVENTS = ['application.ready_for_review', 'application.endorsement_requested'];

/** The tab the URL asks for, or the one this member would start from. */
function currentTab(member) {
  const query = currentLocation.value.query;
  if (query.get('queue') === 'endorse') return 'endorse';
  const status = query.get('status');
  if (STATUS_TABS.includes(status)) return status;
  const moderator = member && member.roles.includes('moderator');
  return !moderator && member && member.focal_point ? 'endorse' : 'review';
}

function tabHref(tab) {
  if (tab === 'endorse') return '/vetting?queue=endorse';
  if (tab === 'review') return '/vetting?status=review';
  return `/vetting?status=${tab}`;
}

function tabQuery(tab) {
  if (tab === 'endorse') return { queue: 'endorse' };
  if (tab === 'review') return {}; // the API's default: waiting for review or for an answer
  return { status: tab };
}

function ApplicationRow({ application, names }) {
  return html`
    <li class="vet-row">
      <div>
        <h2 class="row-title"><a href=${`/vetting/applications/${application.id}`}>${application.full_name}</a></h2>
        <p class="meta">${application.position}${names.size ? html` · ${authorityLabel(names, application.authority_id)}` : null}</p>
        <p class="meta">${t('vetting.queue.applied')} <${When} iso=${application.created_at} /></p>
      </div>
      <div class="row-facts">
        <p><${StatusBadge} status=${application.status} /></p>
        <p><${EndorsementBadge} application=${application} /></p>
      </div>
    </li>
  `;
}

export function VettingQueue() {
  const member = me.value;
  const tab = currentTab(member);
  const moderator = member && member.roles.includes('moderator');
  const focalPoint = member && member.focal_point;
  const names = useAuthorityNames();
  const load = useCallback((cursor) => api('GET', '/vetting/applications', { query: { ...tabQuery(tab), limit: 25, cursor } }), [tab]);
  const paged = usePaged(load, tab);
  useLiveRefresh(LIVE_EVENTS, () => true, paged.reload, tab);

  const tabs = [
    ...(focalPoint ? ['endorse'] : []),
    ...(moderator || focalPoint ? ['review'] : []),
    ...(moderator ? ['info_requested', 'approved', 'rejected'] : []),
  ];
  let content;
  if (paged.error) {
    content = html`<div class="notice warning" role="alert"><p>${vettingProblem(paged.error)}</p></div>`;
  } else if (!paged.items) content = html`<${Skeleton} rows=${4} />`;
  else if (paged.items.length === 0) content = html`<p class="empty">${t(`vetting.queue.empty.${tab}`)}</p>`;
  else {
    content = html`
      <ul class="rows vet-rows">${paged.items.map((a) => html`<${ApplicationRow} key=${a.id} application=${a} names=${names} />`)}</ul>
      <${LoadMore} paged=${paged} label=${t('vetting.queue.loadMore')} />
    `;
  }
  return html`
    <${Page} title=${t('vetting.queue.title')}>
      ${moderator ? html`<${ModerationCrumbs} />` : null}
      <p>${t(moderator ? 'vetting.queue.introModerator' : 'vetting.queue.introFocal')}</p>
      <p class="audience"><span class="audience-label">${t('vetting.audienceLabel')}</span> ${t('vetting.queue.audience')}</p>
      ${tabs.length > 1
        ? html`<nav class="filter-tabs" aria-label=${t('vetting.queue.filter')}>
            <ul>
              ${tabs.map(
                (s) => html`<li key=${s}>
                  <a href=${tabHref(s)} aria-current=${s === tab ? 'page' : undefined}>${t(`vetting.queue.tab.${s}`)}</a>
                </li>`,
              )}
            </ul>
          </nav>`
        : null}
      ${content}
    <//>
  `;
}
