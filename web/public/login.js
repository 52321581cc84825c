// Login and first-login password change. No inline script (the CSP forbids it); text goes on the
// page with textContent only.
(function () {
  'use strict';
  var TEXT = {
    'zh-CN': {
      title: '技防联网接处警', username: '用户名', password: '密码', login: '登录', lang: 'English',
      mustChange: '首次登录：请先设置新密码。', current: '当前密码', next: '新密码（至少10位）', repeat: '再次输入新密码', change: '修改密码',
      bad: '用户名或密码错误', limited: '失败次数过多，请 {s} 秒后再试', mismatch: '两次输入的新密码不一致', failed: '操作失败：', offline: '无法连接服务器',
    },
    en: {
      title: 'Networked alarm dispatch', username: 'User name', password: 'Password', login: 'Log in', lang: '中文',
      mustChange: 'First login: set a new password first.', current: 'Current password', next: 'New password (10+ characters)', repeat: 'New password again', change: 'Change password',
      bad: 'Wrong user name or password', limited: 'Too many failed attempts; try again in {s} s', mismatch: 'The new passwords differ', failed: 'Failed: ', offline: 'Cannot reach the server',
    },
  };
  var lang = localStorage.getItem('sg-lang') || 'zh-CN';
  var csrf = null;
  function t(k) { return TEXT[lang][k]; }
  function $(id) { return document.getElementById(id); }
  function say(text) { $('message').textContent = text || ''; }
  function render() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach(function (el) { el.textContent = t(el.getAttribute('data-i18n')); });
    $('lang').textContent = t('lang');
  }
  function post(path, body) {
    var headers = { 'Content-Type': 'application/json' };
    if (csrf) headers['X-CSRF-Token'] = csrf;
    return fetch(path, { method: 'POST', headers: headers, body: JSON.stringify(body), credentials: 'same-origin' });
  }
  function showChange() {
    $('login-form').hidden = true;
    $('change-form').hidden = false;
    $('current').focus();
  }
  $('lang').addEventListener('click', function () {
    lang = lang === 'en' ? 'zh-CN' : 'en';
    localStorage.setItem('sg-lang', lang);
    render();
  });
  $('login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    say('');
    post('/api/login', { username: $('username').value, password: $('password').value }).then(function (r) {
      return r.json().then(function (body) {
        if (r.status === 429) return say(t('limited').replace('{s}', body.retryAfterSeconds || r.headers.get('Retry-After')));
        if (!r.ok) return say(t('bad'));
        csrf = body.csrfToken;
        if (body.mustChangePassword) { $('current').value = $('password').value; return showChange(); }
        location.replace('/');
      });
    }, function () { say(t('offline')); });
  });
  $('change-form').addEventListener('submit', function (e) {
    e.preventDefault();
    say('');
    if ($('next').value !== $('repeat').value) return say(t('mismatch'));
    post('/api/password', { current: $('current').value, next: $('next').value }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) return say(t('failed') + (body.error || r.status));
        location.replace('/');
      });
    }, function () { say(t('offline')); });
  });
  // Already signed in (or mid first login): go on, or finish the password change.
  fetch('/api/session', { credentials: 'same-origin' }).then(function (r) {
    if (!r.ok) return;
    return r.json().then(function (s) {
      csrf = s.csrfToken;
      if (s.mustChangePassword) showChange(); else location.replace('/');
    });
  }, function () { /* offline: the form stays; submitting says so */ });
  render();
})();
