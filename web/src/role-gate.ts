/** A page opened by a role that cannot use it: say so and offer the right one. */
import { logout, type SessionInfo } from './api.js';
import { h } from './dom.js';
import { t, words } from './i18n/index.js';

export function roleGate(app: HTMLElement, session: SessionInfo): void {
  app.replaceChildren(
    h(
      'main',
      { class: 'role-gate', attrs: { id: 'role-gate' } },
      h('h1', { text: t('appTitle') }),
      h('p', { text: t('wrongRole', { role: words().roles[session.role] }) }),
      h(
        'p',
        {},
        h('a', { class: 'btn', text: session.role === 'guard' ? t('toGuard') : t('toConsole'), attrs: { href: session.role === 'guard' ? '/guard' : '/' } }),
      ),
      h('button', { class: 'btn', text: t('logout'), attrs: { type: 'button' }, on: { click: () => void logout().then(() => location.replace('/login')) } }),
    ),
  );
}
