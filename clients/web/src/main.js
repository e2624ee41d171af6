// Start-up: language, who is signed in, then the page for the current route.
import { render } from '../vendor/preact.mjs';
import { useEffect, useRef } from '../vendor/preact-hooks.mjs';
import { Skeleton } from './components.js';
import { html } from './html.js';
import { startI18n } from './i18n.js';
import { Search } from './pages/account-search.js';
import { Apply } from './pages/apply.js';
import { CasePage, Inbox, Metrics, NewCase } from './pages/cases-routes.js';
import { Home } from './pages/home.js';
import { NotFound } from './pages/notfound.js';
import { RecoveryCodes, SignIn } from './pages/signin.js';
import { ProvideInformation, VerifyEmail } from './pages/verify.js';
import { currentLocation, navigate, useRoutes } from './router.js';
import { loadMe, pendingRecoveryCodes, refreshUnread, sessionState } from './session.js';
import { Shell } from './shell.js';
import { lazyPage } from './lazy.js';

// Fetched when first opened (lazy.js); the sign-in, Home and application pages come at once.
const ChangePassword = lazyPage(() => import('./pages/account-password.js'), 'ChangePassword');
const ForgotPassword = lazyPage(() => import('./pages/account-password.js'), 'ForgotPassword');
const ResetPassword = lazyPage(() => import('./pages/account-password.js'), 'ResetPassword');
const Profile = lazyPage(() => import('./pages/account-profile.js'), 'Profile');
const AuthorityNew = lazyPage(() => import('./pages/admin-directory.js'), 'AuthorityNew');
const DirectoryTransfer = lazyPage(() => import('./pages/admin-directory.js'), 'DirectoryTransfer');
const AdminHome = lazyPage(() => import('./pages/admin-home.js'), 'AdminHome');
const MemberPage = lazyPage(() => import('./pages/admin-members.js'), 'MemberPage');
const MembersList = lazyPage(() => import('./pages/admin-members.js'), 'MembersList');
const RoleChanges = lazyPage(() => import('./pages/admin-roles.js'), 'RoleChanges');
const TreatyEdit = lazyPage(() => import('./pages/admin-treaties.js'), 'TreatyEdit');
const TreatyList = lazyPage(() => import('./pages/admin-treaties.js'), 'TreatyList');
const TreatyNew = lazyPage(() => import('./pages/admin-treaties.js'), 'TreatyNew');
const AuditEntryPage = lazyPage(() => import('./pages/audit-entry.js'), 'AuditEntryPage');
const AuditExport = lazyPage(() => import('./pages/audit-export.js'), 'AuditExport');
const AuditHowTo = lazyPage(() => import('./pages/audit-howto.js'), 'AuditHowTo');
const AuditSearch = lazyPage(() => import('./pages/audit-search.js'), 'AuditSearch');
const AuditVerify = lazyPage(() => import('./pages/audit-verify.js'), 'AuditVerify');
const Catalogue = lazyPage(() => import('./pages/catalogue-browse.js'), 'Catalogue');
const CatalogueEntry = lazyPage(() => import('./pages/catalogue-entry.js'), 'EntryPage');
const CatalogueEdit = lazyPage(() => import('./pages/catalogue-form.js'), 'EntryEdit');
const CatalogueNew = lazyPage(() => import('./pages/catalogue-form.js'), 'EntryNew');
const CatalogueObstacles = lazyPage(() => import('./pages/catalogue-obstacles.js'), 'Obstacles');
const CatalogueQueue = lazyPage(() => import('./pages/catalogue-queue.js'), 'Queue');
const AuthorityPage = lazyPage(() => import('./pages/directory-authority.js'), 'AuthorityPage');
const Compare = lazyPage(() => import('./pages/directory-compare.js'), 'Compare');
const AuthorityEdit = lazyPage(() => import('./pages/directory-edit.js'), 'AuthorityEdit');
const Finder = lazyPage(() => import('./pages/directory-finder.js'), 'Finder');
const DirectorySearch = lazyPage(() => import('./pages/directory-search.js'), 'DirectorySearch');
const SheetEdit = lazyPage(() => import('./pages/directory-sheet.js'), 'SheetEdit');
const SheetPage = lazyPage(() => import('./pages/directory-sheet.js'), 'SheetPage');
const Forums = lazyPage(() => import('./pages/forums-list.js'), 'Forums');
const ForumPage = lazyPage(() => import('./pages/forums-forum.js'), 'ForumPage');
const FlagQueue = lazyPage(() => import('./pages/forums-moderation.js'), 'FlagQueue');
const ThreadPage = lazyPage(() => import('./pages/forums-thread.js'), 'ThreadPage');
const NotificationSettings = lazyPage(() => import('./pages/live-notifications.js'), 'NotificationSettings');
const Notifications = lazyPage(() => import('./pages/live-notifications.js'), 'Notifications');
const LibraryDocumentPage = lazyPage(() => import('./pages/library-document.js'), 'LibraryDocumentPage');
const LibraryEdit = lazyPage(() => import('./pages/library-edit.js'), 'LibraryEdit');
const LibraryNew = lazyPage(() => import('./pages/library-edit.js'), 'LibraryNew');
const LibrarySearch = lazyPage(() => import('./pages/library-search.js'), 'LibrarySearch');
const ApplicationPage = lazyPage(() => import('./pages/vetting-application.js'), 'ApplicationPage');
const MemberVettingPage = lazyPage(() => import('./pages/vetting-members.js'), 'MemberVettingPage');
const VettingMembers = lazyPage(() => import('./pages/vetting-members.js'), 'VettingMembers');
const ModerationHome = lazyPage(() => import('./pages/vetting-moderation.js'), 'ModerationHome');
const MyVetting = lazyPage(() => import('./pages/vetting-own.js'), 'MyVetting');
const VettingQueue = lazyPage(() => import('./pages/vetting-queue.js'), 'VettingQueue');

// access: 'member' needs a session (signed-out visitors get the sign-in form in place and
// land on the page once signed in); 'guest' is for signed-out visitors; 'public' for all.
const ROUTES = [
  { path: '/', page: Home, access: 'member' },
  { path: '/sign-in', page: SignIn, access: 'guest' },
  { path: '/apply', page: Apply, access: 'public' },
  { path: '/verify-email', page: VerifyEmail, access: 'public' },
  { path: '/provide-information', page: ProvideInformation, access: 'public' },
  { path: '/forums', page: Forums, access: 'member' },
  { path: '/forums/:id', page: ForumPage, access: 'member' },
  { path: '/forums/:forum_id/threads/:id', page: ThreadPage, access: 'member' },
  { path: '/threads/:id', page: ThreadPage, access: 'member' },
  { path: '/moderation/flags', page: FlagQueue, access: 'member' },
  // Vetting and the moderators' menu: the API decides who sees what (a focal point their
  // authority's applications, moderators all); what it refuses shows as not found.
  { path: '/moderation', page: ModerationHome, access: 'member' },
  { path: '/vetting', page: VettingQueue, access: 'member' },
  { path: '/vetting/applications/:id', page: ApplicationPage, access: 'member' },
  { path: '/vetting/members', page: VettingMembers, access: 'member' },
  { path: '/vetting/members/:id', page: MemberVettingPage, access: 'member' },
  // A member's own vetting, where its steps are shown (any member).
  { path: '/vetting/status', page: MyVetting, access: 'member' },
  { path: '/search', page: Search, access: 'member' },
  // Cases: the inbox and outbox, a new request, the figures, one case (after the fixed paths).
  { path: '/cases', page: Inbox, access: 'member' },
  { path: '/cases/new', page: NewCase, access: 'member' },
  { path: '/cases/metrics', page: Metrics, access: 'member' },
  { path: '/cases/:id', page: CasePage, access: 'member' },
  { path: '/profile', page: Profile, access: 'member' },
  // Where a notification of no particular subject points (app/notifications/service.py).
  { path: '/me', page: Profile, access: 'member' },
  { path: '/settings/password', page: ChangePassword, access: 'member' },
  { path: '/forgot-password', page: ForgotPassword, access: 'public' },
  { path: '/reset-password', page: ResetPassword, access: 'public' },
  { path: '/directory', page: DirectorySearch, access: 'member' },
  { path: '/authorities/:id', page: AuthorityPage, access: 'member' },
  { path: '/authorities/:id/edit', page: AuthorityEdit, access: 'member' },
  { path: '/finder', page: Finder, access: 'member' },
  { path: '/compare', page: Compare, access: 'member' },
  // A State's requirement sheet (?measure= for a measure's own): the staleness reminders' link.
  { path: '/states/:code/requirements/:request_type', page: SheetPage, access: 'member' },
  { path: '/states/:code/requirements/:request_type/edit', page: SheetEdit, access: 'member' },
  // The catalogue: browse, write (?case_id= nominates a case), the queue, obstacles, an entry
  // (notifications and the entry's forum thread link to it).
  { path: '/catalogue', page: Catalogue, access: 'member' },
  { path: '/catalogue/new', page: CatalogueNew, access: 'member' },
  { path: '/catalogue/queue', page: CatalogueQueue, access: 'member' },
  { path: '/catalogue/obstacles', page: CatalogueObstacles, access: 'member' },
  { path: '/catalogue/entries/:id', page: CatalogueEntry, access: 'member' },
  { path: '/catalogue/entries/:id/edit', page: CatalogueEdit, access: 'member' },
  // The library of legal texts: who may add or edit a document is the API's to say.
  { path: '/library', page: LibrarySearch, access: 'member' },
  { path: '/library/new', page: LibraryNew, access: 'member' },
  { path: '/library/documents/:id', page: LibraryDocumentPage, access: 'member' },
  { path: '/library/documents/:id/edit', page: LibraryEdit, access: 'member' },
  { path: '/notifications', page: Notifications, access: 'member' },
  { path: '/settings/notifications', page: NotificationSettings, access: 'member' },
  // Administration: the API refuses anyone but admins, and the pages show that as not found.
  { path: '/admin', page: AdminHome, access: 'member' },
  { path: '/admin/members', page: MembersList, access: 'member' },
  { path: '/admin/members/:id', page: MemberPage, access: 'member' },
  { path: '/admin/roles', page: RoleChanges, access: 'member' },
  { path: '/admin/authorities/new', page: AuthorityNew, access: 'member' },
  { path: '/admin/treaties', page: TreatyList, access: 'member' },
  { path: '/admin/treaties/new', page: TreatyNew, access: 'member' },
  { path: '/admin/treaties/:id/edit', page: TreatyEdit, access: 'member' },
  { path: '/admin/directory/import', page: DirectoryTransfer, access: 'member' },
  // Auditors' pages: the API answers 403 to anyone else, which they show as not found.
  { path: '/audit', page: AuditSearch, access: 'member' },
  { path: '/audit/events/:id', page: AuditEntryPage, access: 'member' },
  { path: '/audit/export', page: AuditExport, access: 'member' },
  { path: '/audit/verify', page: AuditVerify, access: 'member' },
  { path: '/audit/how-to-verify', page: AuditHowTo, access: 'member' },
];
const match = useRoutes(ROUTES);
const UNREAD_REFRESH_MS = 60_000;

function App() {
  const location = currentLocation.value;
  const state = sessionState.value;
  const codes = pendingRecoveryCodes.value;
  const first = useRef(true);
  useEffect(() => {
    // After a navigation, take keyboard and screen-reader focus to the new page's heading.
    if (first.current) {
      first.current = false;
      return;
    }
    window.scrollTo(0, 0);
    const heading = document.querySelector('main h1');
    if (heading) heading.focus();
    refreshUnread();
  }, [location.path, state, codes]);

  if (codes) {
    const done = () => {
      pendingRecoveryCodes.value = null;
      if (currentLocation.value.path === '/sign-in') navigate('/', { replace: true });
    };
    return html`<${Shell} bare=${true}><${RecoveryCodes} codes=${codes} onContinue=${done} /><//>`;
  }
  if (state === 'unknown') return html`<${Shell}><${Skeleton} rows=${4} /><//>`;
  const found = match(location.path);
  let page;
  if (!found) page = html`<${NotFound} />`;
  else if (found.route.access === 'member' && state !== 'signed-in') page = html`<${SignIn} />`;
  else if (found.route.access === 'guest' && state === 'signed-in') {
    queueMicrotask(() => navigate('/', { replace: true }));
    page = html`<${Skeleton} rows=${2} />`;
  } else page = html`<${found.route.page} params=${found.params} />`;
  return html`<${Shell}>${page}<//>`;
}

async function start() {
  await startI18n();
  const root = document.getElementById('app');
  root.textContent = ''; // the boot message
  render(html`<${App} />`, root);
  await loadMe();
  setInterval(() => {
    if (document.visibilityState === 'visible') refreshUnread();
  }, UNREAD_REFRESH_MS);
}

start().catch((error) => {
  document.getElementById('app').textContent = `canet could not start: ${error.message}`;
});
