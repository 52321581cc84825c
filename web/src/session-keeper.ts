/**
 * A dispatch console must never be logged out silently at 3 a.m. While a page is open it renews the
 * session (POST /api/session/renew: deliberate, unlike GET /api/session which never renews), shows a
 * banner when the hub is unreachable or the login has ended, and offers a re-login in place: the
 * page, the map and the queue stay, and the live link resumes with a fresh snapshot.
 */
import { HttpError, login, postJson, type SessionInfo } from './api.js';
import { h } from './dom.js';
import { formatClock } from './format.js';
import { onLangChange, t } from './i18n/index.js';
import type { LinkState } from './live.js';

interface RenewReply {
  idleTimeoutSeconds: number;
  expiresAt: string;
}

export class SessionKeeper {
  readonly banner: HTMLElement;
  private dialog: HTMLDialogElement | null = null;
  private linkState: LinkState = 'connecting';
  private linkSince = Date.now();
  private expiresAt: number | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private session: SessionInfo,
    private readonly onRelogin: () => void,
  ) {
    this.banner = h('div', { class: 'banner', attrs: { role: 'alert', id: 'banner' } });
    this.banner.hidden = true;
    onLangChange(() => this.render());
  }

  /** Renew every third of the idle timeout (at most every 5 minutes). */
  start(): void {
    const every = Math.min(300, Math.max(20, Math.floor(this.session.idleTimeoutSeconds / 3))) * 1000;
    void this.renew();
    this.timer = setInterval(() => void this.renew(), every);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') void this.renew();
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  setLinkState(s: LinkState, since: number): void {
    this.linkState = s;
    this.linkSince = since;
    if (s === 'no-session') this.askLogin();
    this.render();
  }

  private async renew(): Promise<void> {
    if (this.linkState === 'no-session') return;
    try {
      const r = await postJson<RenewReply>('/api/session/renew');
      this.expiresAt = Date.parse(r.expiresAt);
    } catch (err) {
      if (err instanceof HttpError && (err.status === 401 || (err.status === 403 && err.code === 'csrf'))) {
        this.setLinkState('no-session', Date.now());
      }
      // Any other failure (hub unreachable): the live link shows the outage.
    }
    this.render();
  }

  private render(): void {
    let text = '';
    let kind = '';
    if (this.linkState === 'no-session') {
      text = t('sessionGoneBanner');
      kind = 'banner-session';
    } else if (this.linkState === 'offline') {
      text = t('outageBanner', { since: formatClock(this.linkSince) });
      kind = 'banner-outage';
    } else if (this.expiresAt !== null && this.expiresAt - Date.now() < 15 * 60_000) {
      text = t('sessionExpiresSoon', { time: formatClock(this.expiresAt) });
      kind = 'banner-warn';
    }
    this.banner.hidden = !text;
    this.banner.className = `banner ${kind}`;
    this.banner.replaceChildren();
    if (!text) return;
    this.banner.append(h('span', { text }));
    if (kind !== 'banner-outage') {
      this.banner.append(
        h('button', {
          class: 'btn btn-primary',
          text: t('relogin'),
          attrs: { type: 'button', id: 'banner-relogin' },
          on: { click: () => this.askLogin(true) },
        }),
      );
    }
  }

  private askLogin(force = false): void {
    if (this.dialog?.open) return;
    if (!force && this.dialog) return;
    const user = h('input', { attrs: { id: 'relogin-user', autocomplete: 'username', maxlength: '64', required: '' } });
    user.value = this.session.user;
    const pass = h('input', { attrs: { id: 'relogin-password', type: 'password', autocomplete: 'current-password', maxlength: '256', required: '' } });
    const message = h('p', { class: 'form-message', attrs: { role: 'alert' } });
    const form = h(
      'form',
      { class: 'relogin-form', attrs: { method: 'dialog' } },
      h('h2', { text: t('reloginTitle') }),
      h('p', { class: 'warn', text: t('sessionGoneBanner') }),
      h('label', {}, h('span', { text: t('username') }), user),
      h('label', {}, h('span', { text: t('password') }), pass),
      message,
      h('div', { class: 'actions' }, h('button', { class: 'btn btn-primary', text: t('login'), attrs: { type: 'submit', id: 'relogin-submit' } })),
    );
    const dialog = h('dialog', { class: 'relogin', attrs: { id: 'relogin' } }, form);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      message.textContent = '';
      login(user.value, pass.value).then(
        (r) => {
          if (r.mustChangePassword) return void location.assign('/login');
          this.session = { ...this.session, user: user.value, csrfToken: r.csrfToken };
          dialog.close();
          dialog.remove();
          this.dialog = null;
          this.linkState = 'connecting';
          this.render();
          void this.renew();
          this.onRelogin();
        },
        (err: unknown) => {
          message.textContent = err instanceof HttpError ? (err.status === 429 ? t('rateLimited', { s: 60 }) : t('badLogin')) : t('serverUnreachable');
        },
      );
    });
    this.dialog?.remove();
    this.dialog = dialog;
    document.body.append(dialog);
    dialog.showModal();
    pass.focus();
  }
}
