// The administration console (/admin): where each of an administrator's tasks is, and how
// many role changes wait for a second administrator. Whether the member administers is the
// API's answer to reading those role changes (admins only): anyone else gets not-found.
import { Page } from '../components.js';
import { html } from '../html.js';
import { t } from '../i18n.js';
import { Notice, adminProblem } from './admin-common.js';
import { useRoleChanges } from './admin-roles.js';
import { NotFound } from './notfound.js';

function Task({ href, title, children }) {
  return html`
    <li class="admin-task">
      <h3><a href=${href}>${title}</a></h3>
      <p>${children}</p>
    </li>
  `;
}

export function AdminHome() {
  const changes = useRoleChanges('pending');
  if (changes.error && [403, 404].includes(changes.error.status)) return html`<${NotFound} />`;
  let waiting;
  if (changes.error) waiting = html`<span class="meta">${adminProblem(changes.error)}</span>`;
  else if (!changes.items) waiting = t('state.loading');
  else if (changes.items.length === 0) waiting = t('admin.home.noneWaiting');
  else waiting = html`<strong>${t('admin.home.waiting', { count: changes.items.length })}</strong>`;
  return html`
    <${Page} title=${t('admin.home.title')}>
      <${Notice} />
      <p class="admin-lead">${t('admin.home.intro')}</p>
      <h2>${t('admin.home.people')}</h2>
      <ul class="admin-tasks">
        <${Task} href="/admin/members" title=${t('admin.members.title')}>${t('admin.home.membersText')}<//>
        <${Task} href="/admin/roles" title=${t('admin.roles.title')}>${waiting}<//>
      </ul>
      <h2>${t('admin.home.directory')}</h2>
      <ul class="admin-tasks">
        <${Task} href="/admin/authorities/new" title=${t('admin.authority.newTitle')}>${t('admin.home.authorityText')}<//>
        <${Task} href="/directory" title=${t('admin.home.editEntries')}>${t('admin.home.editEntriesText')}<//>
        <${Task} href="/admin/treaties" title=${t('admin.treaties.title')}>${t('admin.home.treatiesText')}<//>
        <${Task} href="/admin/directory/import" title=${t('admin.transfer.title')}>${t('admin.home.transferText')}<//>
      </ul>
    <//>
  `;
}
