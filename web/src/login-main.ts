/** The login page, and the one-time password change of a first login. */
import './styles/base.css';
import './styles/login.css';
import { fetchSession, HttpError, login, postJson } from './api.js';
import { byId, h } from './dom.js';
import { onLangChange, t, toggleLang } from './i18n/index.js';

function main(): void {
  const app = byId('app');
  const user = h('input', { attrs: { id: 'username', name: 'username', autocomplete: 'username', required: '', maxlength: '64' } });
  const pass = h('input', { attrs: { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: '', maxlength: '256' } });
  const current = h('input', { attrs: { id: 'current', type: 'password', autocomplete: 'current-password', required: '', maxlength: '256' } });
  const next = h('input', { attrs: { id: 'next', type: 'password', autocomplete: 'new-password', required: '', minlength: '10', maxlength: '256' } });
  const repeat = h('input', { attrs: { id: 'repeat', type: 'password', autocomplete: 'new-password', required: '', minlength: '10', maxlength: '256' } });
  const message = h('p', { class: 'form-message', attrs: { id: 'message', role: 'alert' } });
  const labels: Array<[HTMLElement, Parameters<typeof t>[0]]> = [];
  const label = (key: Parameters<typeof t>[0], input: HTMLElement): HTMLElement => {
    const span = h('span');
    labels.push([span, key]);
    return h('label', {}, span, input);
  };
  const text = (tag: 'h1' | 'p' | 'button' | 'span', key: Parameters<typeof t>[0], props: Parameters<typeof h>[1] = {}): HTMLElement => {
    const el = h(tag, props);
    labels.push([el, key]);
    return el;
  };
  const loginForm = h(
    'form',
    { attrs: { id: 'login-form', autocomplete: 'on' } },
    label('username', user),
    label('password', pass),
    text('button', 'login', { class: 'btn btn-primary', attrs: { type: 'submit' } }),
  );
  const changeForm = h(
    'form',
    { attrs: { id: 'change-form' } },
    text('p', 'mustChange'),
    label('currentPassword', current),
    label('newPassword', next),
    label('repeatPassword', repeat),
    text('button', 'changePassword', { class: 'btn btn-primary', attrs: { type: 'submit' } }),
  );
  changeForm.hidden = true;
  const langBtn = h('button', { class: 'btn btn-small', attrs: { id: 'lang', type: 'button' }, on: { click: () => toggleLang() } });
  app.replaceChildren(
    h(
      'main',
      { class: 'login' },
      h('div', { class: 'login-brand' }, h('span', { class: 'brand-mark', text: 'SafeGrid' }), text('span', 'appTitle', { class: 'brand-sub' })),
      loginForm,
      changeForm,
      message,
      langBtn,
    ),
  );
  const render = (): void => {
    for (const [el, key] of labels) el.textContent = t(key);
    langBtn.textContent = t('langSwitch');
    document.title = `SafeGrid · ${t('login')}`;
  };
  onLangChange(render);
  render();
  const say = (s: string): void => {
    message.textContent = s;
  };
  // Guards go straight to their phone page; everyone else to the console.
  let role = '';
  const goOn = (): void => location.replace(role === 'guard' ? '/guard' : role === 'installer' ? '/installer' : '/');
  const showChange = (): void => {
    loginForm.hidden = true;
    changeForm.hidden = false;
    current.focus();
  };
  loginForm.addEventListener('submit', (e) => {
    e.preventDefault();
    say('');
    login(user.value, pass.value).then(
      (r) => {
        role = r.role;
        if (r.mustChangePassword) {
          current.value = pass.value;
          return showChange();
        }
        goOn();
      },
      (err: unknown) => {
        if (err instanceof HttpError && err.status === 429) say(t('rateLimited', { s: 60 }));
        else if (err instanceof HttpError) say(t('badLogin'));
        else say(t('serverUnreachable'));
      },
    );
  });
  changeForm.addEventListener('submit', (e) => {
    e.preventDefault();
    say('');
    if (next.value !== repeat.value) return say(t('mismatch'));
    postJson('/api/password', { current: current.value, next: next.value }).then(goOn, (err: unknown) =>
      say(err instanceof HttpError ? passwordRefusal(err) : t('serverUnreachable')),
    );
  });
  // Already signed in (or in the middle of a first login): go on, or finish the password change.
  fetchSession().then(
    (s) => {
      if (!s) return;
      role = s.role;
      if (s.mustChangePassword) showChange();
      else goOn();
    },
    () => undefined, // offline: the form stays, and submitting says so
  );
  user.focus();
}

main();

/** A refused password change in the page's language; the server's words for anything unforeseen. */
function passwordRefusal(err: HttpError): string {
  const byRule: Record<string, Parameters<typeof t>[0]> = {
    too_short: 'pwTooShort',
    too_long: 'pwTooLong',
    contains_username: 'pwContainsUsername',
    same_as_current: 'pwSame',
  };
  if (err.code === 'bad_password') return t('pwCurrentWrong');
  if (err.status === 429) return t('rateLimited', { s: 60 });
  const key = err.rule ? byRule[err.rule] : undefined;
  return key ? t(key) : t('failed', { error: err.message });
}
