/** A page opened by a role that cannot use it: say so and offer the right one. */
import { logout, type SessionInfo } from './api.js';
import { h } from './dom.js';
import { t, words } from './i18n/index.js';

/** Each role's own page. */
const PAGE_OF = {
  admin: { href: '/', text: 'toConsole' },
  operator: { href: '/', text: 'toConsole' },
  guard: { href: '/guard', text: 'toGuard' },
  installer: { href: '/installer', text: 'toInstaller' },
} as const;

export function roleGate(app: HTMLElement, session: SessionInfo): void {
  app.replaceChildren(
    h(
      'main',
      { class: 'role-gate', attrs: { id: 'role-gate' } },
      h('h1', { text: t('appTitle') }),
      h('p', { text: t('wrongRole', { role: words().roles[session.role] }) }),
      h('p', {}, h('a', { class: 'btn', text: t(PAGE_OF[session.role].text), attrs: { href: PAGE_OF[session.role].href } })),
      h('button', { class: 'btn', text: t('logout'), attrs: { type: 'button' }, on: { click: () => void logout().then(() => location.replace('/login')) } }),
    ),
  );
}
