// The frame every page shares: skip link, top bar (product, notifications, language,
// profile), the navigation for the member's roles, and the main landmark.
import { useEffect, useRef, useState } from '../vendor/preact-hooks.mjs';
import { html } from './html.js';
import { LANGUAGES, language, setLanguage, t } from './i18n.js';
import { SearchBox } from './pages/account-search.js';
import { LiveStatus } from './live-status.js';
import { currentLocation, navigate } from './router.js';
import { me, signOut, unreadNotifications } from './session.js';

/** Navigation entries, each shown only to the roles that have its page. */
const NAVIGATION = [
  { href: '/', label: 'nav.home', show: () => true },
  { href: '/cases', label: 'cases.nav.cases', show: (m) => m.roles.some((r) => r === 'officer' || r === 'liaison_magistrate') },
  { href: '/forums', label: 'forums.nav.forums', show: (m) => m.roles.some((r) => r !== 'auditor') },
  { href: '/directory', label: 'directory.nav.directory', show: () => true },
  { href: '/finder', label: 'directory.nav.finder', show: () => true },
  // Every member reads the published catalogue but auditors (the API's catalogue.read).
  {
    href: '/catalogue',
    label: 'catalogue.nav.catalogue',
    show: (m) => m.roles.some((r) => r !== 'auditor'),
    within: ['/catalogue/'],
  },
  { href: '/library', label: 'library.nav.library', show: (m) => m.roles.some((r) => r !== 'auditor'), within: ['/library/'] },
  // One entry for moderators: the menu of the vetting pages and the flags queue (`within`:
  // the section's pages, where the entry is marked current too; a path ending in / is a prefix).
  {
    href: '/moderation',
    label: 'vetting.nav.moderation',
    show: (m) => m.roles.includes('moderator'),
    within: ['/moderation/', '/vetting', '/vetting/applications/', '/vetting/members', '/vetting/members/'],
  },
  {
    href: '/vetting',
    label: 'vetting.nav.vetting',
    show: (m) => m.focal_point && !m.roles.includes('moderator'),
    within: ['/vetting/applications/'],
  },
  { href: '/audit', label: 'audit.nav.audit', show: (m) => m.roles.includes('auditor') },
  { href: '/admin', label: 'admin.nav.administration', show: (m) => m.roles.includes('admin'), within: ['/admin/'] },
];

/** 'page' on the entry's own page, 'true' on the other pages of its section. */
function currentness(entry, path) {
  if (path === entry.href) return 'page';
  const inside = (entry.within || []).some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p));
  return inside ? 'true' : undefined;
}

function LanguageSwitcher() {
  return html`
    <div class="language">
      <label class="visually-hidden" for="language-select">${t('shell.language')}</label>
      <select id="language-select" value=${language.value} onChange=${(e) => setLanguage(e.currentTarget.value)}>
        ${LANGUAGES.map((l) => html`<option value=${l.code} lang=${l.code}>${l.name}</option>`)}
      </select>
    </div>
  `;
}

function Bell() {
  const count = unreadNotifications.value;
  return html`
    <a class="bell" href="/notifications">
      ${t('shell.notifications')}
      <span class="count" aria-hidden="true">${count}</span>
      <span class="visually-hidden">${t('shell.unreadCount', { count })}</span>
    </a>
  `;
}

function ProfileMenu({ member }) {
  const [open, setOpen] = useState(false);
  const box = useRef(null);
  useEffect(() => {
    if (!open) return undefined;
    const close = (event) => {
      if (event.type === 'keydown' && event.key !== 'Escape') return;
      if (event.type === 'click' && box.current && box.current.contains(event.target)) return;
      setOpen(false);
    };
    document.addEventListener('click', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('click', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);
  const leave = async () => {
    setOpen(false);
    await signOut();
    navigate('/sign-in', { replace: true });
  };
  return html`
    <div class="profile" ref=${box}>
      <button type="button" class="profile-button" aria-expanded=${open ? 'true' : 'false'} aria-controls="profile-panel"
        onClick=${() => setOpen(!open)}>
        <span class="visually-hidden">${t('shell.profile')}: </span>${member.full_name}
      </button>
      ${open
        ? html`<div class="profile-panel" id="profile-panel">
            <p><strong>${member.full_name}</strong> (@${member.handle})</p>
            <p class="meta">${member.email}</p>
            ${member.authority ? html`<p class="meta">${member.authority.name}</p>` : null}
            <p class="meta">${t('shell.roles')} ${member.roles.map((r) => t(`role.${r}`)).join(', ')}</p>
            <p><a href="/profile" onClick=${() => setOpen(false)}>${t('account.menu.profile')}</a></p>
            <p><a href="/vetting/status" onClick=${() => setOpen(false)}>${t('vetting.menu.mine')}</a></p>
            <button type="button" class="button" onClick=${leave}>${t('shell.signOut')}</button>
          </div>`
        : null}
    </div>
  `;
}

export function Shell({ children, bare = false }) {
  const member = bare ? null : me.value;
  const path = currentLocation.value.path;
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  const entries = NAVIGATION.filter((entry) => member && entry.show(member));
  return html`
    <a class="skip-link" href="#main">${t('shell.skip')}</a>
    <header class="topbar">
      ${member
        ? html`<button type="button" class="menu-button" aria-expanded=${menuOpen ? 'true' : 'false'} aria-controls="sidenav"
            onClick=${() => setMenuOpen(!menuOpen)}>${t('shell.menu')}</button>`
        : null}
      <a class="brand" href="/">canet<span class="brand-sub">${t('shell.tagline')}</span></a>
      ${member ? html`<${SearchBox} />` : null}
      <div class="topbar-tools">
        ${member ? html`<${Bell} />` : null}
        <${LanguageSwitcher} />
        ${member ? html`<${ProfileMenu} member=${member} />` : null}
      </div>
    </header>
    <div class=${member ? 'layout' : 'layout anonymous'}>
      ${member
        ? html`<nav id="sidenav" class=${menuOpen ? 'sidenav open' : 'sidenav'} aria-label=${t('nav.label')}>
            <ul>
              ${entries.map(
                (entry) => html`<li key=${entry.href}>
                  <a href=${entry.href} aria-current=${currentness(entry, path)}>${t(entry.label)}</a>
                </li>`,
              )}
            </ul>
          </nav>`
        : null}
      <main id="main" tabindex="-1"><${LiveStatus} />${children}</main>
    </div>
    <footer class="site-footer">
      <a href="/docs">${t('shell.apiDocs')}</a>
    </footer>
  `;
}
