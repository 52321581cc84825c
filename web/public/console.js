// Minimal live queue (the full console with the map arrives with issue 5), behind the login: the
// session cookie goes with every request and the socket handshake (same origin). All device text is
// untrusted: it is put on the page with textContent only.
(function () {
  'use strict';
  var TEXT = {
    'zh-CN': {
      title: '技防联网接处警', connecting: '连接中…', online: '已连接', offline: '连接中断，正在重连…',
      priority: '级别', kind: '警情类型', site: '报警单位', cell: '网格', zones: '防区', age: '时长', status: '状态', reason: '定级依据',
      empty: '当前无待处理警情', lang: 'English', logout: '退出',
      status_new: '待受理', status_acknowledged: '已签收', status_dispatched: '已派警', status_on_scene: '已到场', status_closed: '已结警',
      p: ['', '一级', '二级', '三级', '四级'],
    },
    en: {
      title: 'Networked alarm dispatch', connecting: 'Connecting…', online: 'Connected', offline: 'Disconnected, reconnecting…',
      priority: 'Priority', kind: 'Kind', site: 'Site', cell: 'Grid cell', zones: 'Zones', age: 'Age', status: 'Status', reason: 'Why this priority',
      empty: 'No open incidents', lang: '中文', logout: 'Log out',
      status_new: 'New', status_acknowledged: 'Acknowledged', status_dispatched: 'Dispatched', status_on_scene: 'On scene', status_closed: 'Closed',
      p: ['', 'P1', 'P2', 'P3', 'P4'],
    },
  };
  var lang = localStorage.getItem('sg-lang') || 'zh-CN';
  var session = null;
  var incidents = new Map();
  var connected = false;
  var skew = 0;

  function t(key) { return TEXT[lang][key]; }
  function cell(tr, text) { var td = document.createElement('td'); td.textContent = text; tr.appendChild(td); }
  function age(iso) {
    var s = Math.max(0, Math.round((Date.now() + skew - Date.parse(iso)) / 1000));
    var m = Math.floor(s / 60);
    return m > 0 ? m + ':' + String(s % 60).padStart(2, '0') : s + 's';
  }
  function render() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach(function (el) { el.textContent = t(el.getAttribute('data-i18n')); });
    var conn = document.getElementById('conn');
    conn.textContent = connected ? t('online') : t('offline');
    conn.className = 'conn ' + (connected ? 'conn-up' : 'conn-down');
    document.getElementById('lang').textContent = t('lang');
    document.getElementById('user').textContent = session ? session.name + ' (' + session.roleName[lang === 'en' ? 'en' : 'zh'] + ')' : '';
    var list = Array.from(incidents.values()).sort(function (a, b) {
      return a.priority - b.priority || a.openedAt.localeCompare(b.openedAt);
    });
    var body = document.querySelector('#queue tbody');
    body.replaceChildren();
    list.forEach(function (i) {
      var tr = document.createElement('tr');
      tr.className = 'p' + i.priority;
      tr.dataset.incident = i.id;
      cell(tr, TEXT[lang].p[i.priority]);
      cell(tr, i.kind);
      cell(tr, i.siteName);
      cell(tr, i.gridCellName || '—');
      cell(tr, i.zones.join(', '));
      cell(tr, age(i.openedAt));
      cell(tr, t('status_' + i.status) + (i.owner ? ' · ' + i.owner : ''));
      cell(tr, lang === 'en' ? i.priorityReason : i.priorityReasonZh);
      body.appendChild(tr);
    });
    document.getElementById('empty').hidden = list.length > 0;
  }
  document.getElementById('lang').addEventListener('click', function () {
    lang = lang === 'en' ? 'zh-CN' : 'en';
    localStorage.setItem('sg-lang', lang);
    render();
  });
  function toLogin() { location.replace('/login'); }
  document.getElementById('logout').addEventListener('click', function () {
    fetch('/api/logout', { method: 'POST', headers: { 'X-CSRF-Token': session ? session.csrfToken : '' }, credentials: 'same-origin' })
      .then(toLogin, toLogin);
  });
  function upsert(i) {
    var old = incidents.get(i.id);
    if (old && old.version > i.version) return;
    if (i.status === 'closed') incidents.delete(i.id); else incidents.set(i.id, i);
    render();
  }
  function connect() {
    // Guards get their own namespace with the same events, scoped to their sites.
    var socket = io(session.role === 'guard' ? '/guard' : '/console');
    socket.on('connect', function () { connected = true; render(); });
    socket.on('disconnect', function (reason) {
      connected = false;
      render();
      // The server cut us (logout elsewhere, session expired): check, and go to the login page if so.
      if (reason === 'io server disconnect') fetch('/api/session', { credentials: 'same-origin' }).then(function (r) { if (!r.ok) toLogin(); else socket.connect(); });
    });
    socket.on('connect_error', function (err) { if (err && err.data && (err.data.code === 401 || err.data.code === 428)) toLogin(); });
    socket.on('queue:snapshot', function (s) {
      skew = Date.parse(s.serverTime) - Date.now();
      incidents = new Map(s.incidents.map(function (i) { return [i.id, i]; }));
      render();
    });
    socket.on('incident:new', upsert);
    socket.on('incident:update', upsert);
  }
  fetch('/api/session', { credentials: 'same-origin' }).then(function (r) {
    if (!r.ok) return toLogin();
    return r.json().then(function (s) {
      if (s.mustChangePassword) return toLogin();
      session = s;
      render();
      connect();
    });
  }, function () { connected = false; render(); });
  setInterval(render, 1000);
  render();
})();
