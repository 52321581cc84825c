/** The top bar shared by the console and the guard page: connection state, clock, sound, user, language. */
import { logout, type SessionInfo } from './api.js';
import type { Alerter } from './alert.js';
import { h } from './dom.js';
import { formatTime, zoneName } from './format.js';
import { lang, t, toggleLang, words } from './i18n/index.js';
import type { LinkState } from './live.js';

export class TopBar {
  readonly el: HTMLElement;
  private readonly conn: HTMLElement;
  private readonly clock: HTMLElement;
  private readonly sound: HTMLButtonElement;
  private readonly user: HTMLElement;
  private readonly langBtn: HTMLButtonElement;
  private readonly logoutBtn: HTMLButtonElement;
  private readonly title: HTMLElement;
  private state: LinkState = 'connecting';

  constructor(
    private readonly session: SessionInfo,
    private readonly alerter: Alerter,
    private readonly titleKey: 'consoleTitle' | 'guardTitle',
    middle: HTMLElement | null,
  ) {
    this.title = h('span', { class: 'brand-sub' });
    this.conn = h('span', { class: 'conn', attrs: { id: 'conn', role: 'status', 'data-state': 'connecting' } });
    this.clock = h('span', { class: 'clock', attrs: { id: 'clock' } });
    this.sound = h('button', { class: 'btn btn-small', attrs: { id: 'sound', type: 'button' }, on: { click: () => alerter.toggleMute() } });
    this.user = h('span', { class: 'user', attrs: { id: 'user' } });
    this.langBtn = h('button', { class: 'btn btn-small', attrs: { id: 'lang', type: 'button' }, on: { click: () => toggleLang() } });
    this.logoutBtn = h('button', {
      class: 'btn btn-small',
      attrs: { id: 'logout', type: 'button' },
      on: { click: () => void logout().then(() => location.replace('/login')) },
    });
    this.el = h(
      'header',
      { class: 'topbar' },
      h('div', { class: 'brand' }, h('span', { class: 'brand-mark', text: 'SafeGrid' }), this.title),
      middle ?? h('div', { class: 'spacer' }),
      h('div', { class: 'status-area' }, this.conn, this.clock, this.sound, this.user, this.langBtn, this.logoutBtn),
    );
    alerter.onChange(() => this.render());
    setInterval(() => this.tick(), 1000);
    this.render();
  }

  setState(s: LinkState): void {
    this.state = s;
    this.render();
  }

  render(): void {
    this.title.textContent = t('appTitle');
    const label = {
      connecting: 'connConnecting',
      online: 'connOnline',
      offline: 'connOffline',
      'no-session': 'connSessionGone',
      forbidden: 'connSessionGone',
    } as const;
    this.conn.textContent = t(label[this.state]);
    this.conn.dataset.state = this.state;
    this.sound.textContent = this.alerter.isMuted ? t('soundOff') : t('soundOn');
    this.sound.classList.toggle('muted-btn', this.alerter.isMuted);
    this.sound.classList.toggle('locked', this.alerter.locked);
    this.sound.title = this.alerter.locked ? t('soundLocked') : '';
    const role = words().roles[this.session.role];
    this.user.textContent = t('user', { name: this.session.name ?? this.session.user, role });
    this.langBtn.textContent = t('langSwitch');
    this.logoutBtn.textContent = t('logout');
    document.documentElement.lang = lang();
    this.alerter.setTitle(t(this.titleKey));
    this.tick();
  }

  private tick(): void {
    this.clock.textContent = formatTime(Date.now());
    this.clock.title = t('clockZone', { zone: zoneName() });
  }
}
