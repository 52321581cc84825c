/**
 * The installer page (`/installer`, issue 15): the sites in the installer's scope with each
 * device's commissioning state (待安装 · 在用 · 维护), last message, battery, signal and supervision;
 * the walk test (步测) with its checklist filling as zones are tripped; maintenance; the problems
 * of the site's file as `safegrid check` words them; the recent rejected messages per device; and
 * the stored walk tests, each printable as the 验收记录. Installers have no socket namespace: the
 * shown site is read again every second (one site per request, GET /api/commissioning?site=).
 * Every device and site text is untrusted and set as text (dom.ts), never as HTML.
 */
import './styles/base.css';
import './styles/installer.css';
import type { WalkTest } from '../../src/contract/commissioning.js';
import { fetchSession, getJson, HttpError, logout, postJson } from './api.js';
import { byId, h } from './dom.js';
import { formatTime } from './format.js';
import { lang, onLangChange, t, toggleLang, words } from './i18n/index.js';
import { refusalText } from './messages.js';
import { roleGate } from './role-gate.js';
import { type InstallerAnswer, type InstallerSite, secondsLeft, seenCount, STATE_KEY, type WordedProblem } from './installer-view.js';

const POLL_MS = 1000;

async function main(): Promise<void> {
  const app = byId('app');
  const session = await fetchSession();
  if (!session || session.mustChangePassword) return void location.replace('/login');
  if (session.role !== 'installer' && session.role !== 'admin') return roleGate(app, session);
  const me = session;

  let sites: InstallerSite[] = [];
  /** Problems of files that hold no loaded site (a new file held back whole). */
  let fileProblems: WordedProblem[] = [];
  let current: InstallerSite | null = null;
  let records: WalkTest[] = [];
  let message: { text: string; ok: boolean } | null = null;

  const siteList = h('nav', { class: 'inst-sites', attrs: { id: 'inst-sites' } });
  const panel = h('main', { class: 'inst-panel', attrs: { id: 'inst-panel' } });
  const record = h('section', { class: 'inst-record', attrs: { id: 'inst-record' } });
  const langBtn = h('button', { class: 'btn btn-small', attrs: { id: 'lang', type: 'button' }, on: { click: () => toggleLang() } });
  const logoutBtn = h('button', {
    class: 'btn btn-small',
    attrs: { id: 'logout', type: 'button' },
    on: { click: () => void logout().then(() => location.replace('/login')) },
  });
  const title = h('span', { class: 'brand-sub' });
  const user = h('span', { class: 'user' });
  app.replaceChildren(
    h(
      'header',
      { class: 'topbar' },
      h('div', { class: 'brand' }, h('span', { class: 'brand-mark', text: 'SafeGrid' }), title),
      h('div', { class: 'spacer' }),
      h('div', { class: 'status-area' }, user, langBtn, logoutBtn),
    ),
    h('div', { class: 'inst-layout' }, siteList, panel),
    record,
  );

  const say = (ok: boolean, text: string): void => {
    message = { ok, text };
    render();
  };

  async function command(path: string, body: unknown): Promise<void> {
    if (!current) return;
    try {
      await postJson<InstallerSite>(`/api/sites/${encodeURIComponent(current.siteId)}/${path}`, body);
      message = { ok: true, text: t('instDone') };
      await refresh();
      if (path.startsWith('walktest/stop')) await loadRecords();
    } catch (err) {
      say(false, err instanceof HttpError ? refusalText({ code: err.code, error: err.message }) : String(err));
    }
  }

  async function loadList(): Promise<void> {
    const answer = await getJson<InstallerAnswer>('/api/commissioning');
    sites = answer.sites;
    fileProblems = answer.problems;
    if (!current && sites[0]) await pick(sites[0].siteId);
    else render();
  }

  async function refresh(): Promise<void> {
    if (!current) return;
    const answer = await getJson<InstallerAnswer>(`/api/commissioning?site=${encodeURIComponent(current.siteId)}`);
    const fresh = answer.sites[0];
    if (fresh && fresh.siteId === current.siteId) {
      const ended = current.walkTest !== null && fresh.walkTest === null;
      current = fresh;
      sites = sites.map((s) => (s.siteId === fresh.siteId ? fresh : s));
      if (ended) await loadRecords();
    }
    render();
  }

  async function loadRecords(): Promise<void> {
    if (!current) return;
    records = (await getJson<{ walkTests: WalkTest[] }>(`/api/sites/${encodeURIComponent(current.siteId)}/walktests`)).walkTests;
    render();
  }

  async function pick(siteId: string): Promise<void> {
    current = sites.find((s) => s.siteId === siteId) ?? null;
    message = null;
    records = [];
    await refresh();
    await loadRecords();
  }

  function render(): void {
    title.textContent = t('instTitle');
    document.title = `SafeGrid ${t('instTitle')}`;
    user.textContent = t('user', { name: me.name ?? me.user, role: words().roles[me.role] });
    langBtn.textContent = t('langSwitch');
    logoutBtn.textContent = t('logout');
    siteList.replaceChildren(
      h('h2', { text: t('instSites') }),
      ...sites.map((s) =>
        h(
          'button',
          {
            class: `inst-site${current?.siteId === s.siteId ? ' active' : ''}`,
            attrs: { type: 'button' },
            dataset: { site: s.siteId },
            on: { click: () => void pick(s.siteId) },
          },
          h('span', { text: s.name }),
          ' ',
          h('span', { class: `badge st-${s.site.state}`, text: t(STATE_KEY[s.site.state]) }),
        ),
      ),
    );
    if (fileProblems.length)
      siteList.append(h('section', { attrs: { id: 'inst-file-problems' } }, h('h3', { text: t('instHeldBack') }), problemList(fileProblems)));
    panel.replaceChildren(...(current ? sitePanel(current) : [h('p', { class: 'muted', text: t('instNoSites') })]).filter((e): e is HTMLElement => e !== null));
  }

  function sitePanel(s: InstallerSite): Array<HTMLElement | null> {
    const minutes = h('input', { attrs: { id: 'walk-minutes', type: 'number', min: '1', max: '240', value: '15' } });
    const w = s.walkTest;
    const walk = h(
      'section',
      { class: 'inst-card', attrs: { id: 'walk-test' } },
      h('h3', { text: t('instWalkTest') }),
      w
        ? h(
            'p',
            { attrs: { id: 'walk-status' }, dataset: { running: 'true' } },
            t('instWalkRunning', { ...seenCount(w), left: secondsLeft(w, Date.now()), ends: formatTime(w.endsAt, false) }),
            ' ',
            h('button', {
              class: 'btn',
              attrs: { id: 'walk-stop', type: 'button' },
              text: t('instWalkStop'),
              on: { click: () => void command('walktest/stop', {}) },
            }),
          )
        : h(
            'p',
            { attrs: { id: 'walk-status' }, dataset: { running: 'false' } },
            h('label', { attrs: { for: 'walk-minutes' }, text: t('instMinutes') }),
            ' ',
            minutes,
            ' ',
            h('button', {
              class: 'btn btn-primary',
              attrs: { id: 'walk-start', type: 'button' },
              text: t('instWalkStart'),
              on: { click: () => void command('walktest/start', { minutes: Number(minutes.value) || 15 }) },
            }),
          ),
      w ? checklist(w, 'walk-checklist') : null,
    );
    const maintMinutes = h('input', { attrs: { id: 'maint-minutes', type: 'number', min: '1', value: '60' } });
    const maintTarget = h(
      'select',
      { attrs: { id: 'maint-target', 'aria-label': t('instMaintTarget') } },
      h('option', { attrs: { value: '' }, text: t('instWholeSite') }),
      ...s.devices.map((d) => h('option', { attrs: { value: d.deviceId ?? '' }, text: d.deviceId ?? '' })),
    );
    const target = (): { device?: string } => (maintTarget.value ? { device: maintTarget.value } : {});
    const note = h('input', { attrs: { id: 'service-note', type: 'text', maxlength: '500', placeholder: t('instServiceNote') } });
    return [
      h(
        'h2',
        { attrs: { id: 'site-heading' } },
        h('span', { text: s.name }),
        ' ',
        h('span', { class: `badge st-${s.site.state}`, attrs: { id: 'site-state' }, text: t(STATE_KEY[s.site.state]) }),
        s.site.maintenanceUntil ? h('span', { class: 'muted', text: ` ${t('instUntil', { time: formatTime(s.site.maintenanceUntil, false) })}` }) : null,
      ),
      message ? h('p', { class: message.ok ? 'inst-ok' : 'inst-error', attrs: { id: 'inst-message', role: 'status' }, text: message.text }) : null,
      walk,
      h(
        'section',
        { class: 'inst-card' },
        h('h3', { text: t('instDevices') }),
        table(
          'inst-devices',
          ['instColDevice', 'instColState', 'instColLastSeen', 'instColBattery', 'instColSignal', 'instColSupervision'],
          s.devices.map((d) =>
            h(
              'tr',
              { dataset: { device: d.deviceId ?? '', state: d.state } },
              h('td', { text: d.deviceId ?? '' }),
              h('td', {}, t(STATE_KEY[d.state]), d.maintenanceUntil ? ` ${t('instUntil', { time: formatTime(d.maintenanceUntil, false) })}` : ''),
              h('td', { text: d.lastSeenAt ? formatTime(d.lastSeenAt, false) : t('none') }),
              h('td', { text: d.battery === null ? t('none') : `${d.battery}%` }),
              h('td', { text: d.signal === null ? t('none') : String(d.signal) }),
              h('td', { text: supervisionText(d.supervision) }),
            ),
          ),
        ),
        h(
          'p',
          { class: 'inst-actions' },
          maintTarget,
          ' ',
          h('label', { attrs: { for: 'maint-minutes' }, text: t('instMinutes') }),
          ' ',
          maintMinutes,
          ' ',
          h('button', {
            class: 'btn',
            attrs: { id: 'maint-start', type: 'button' },
            text: t('instMaintStart'),
            on: { click: () => void command('maintenance/start', { minutes: Number(maintMinutes.value) || 60, ...target() }) },
          }),
          ' ',
          h('button', {
            class: 'btn',
            attrs: { id: 'maint-end', type: 'button' },
            text: t('instMaintEnd'),
            on: { click: () => void command('maintenance/end', target()) },
          }),
        ),
        s.site.state === 'pending_install'
          ? h(
              'p',
              { class: 'inst-actions' },
              note,
              ' ',
              h('button', {
                class: 'btn',
                attrs: { id: 'mark-service', type: 'button' },
                text: t('instMarkService'),
                on: { click: () => void command('in-service', { note: note.value }) },
              }),
            )
          : null,
      ),
      h('section', { class: 'inst-card', attrs: { id: 'inst-problems' } }, h('h3', { text: t('instProblems') }), problemList(s.problems)),
      h(
        'section',
        { class: 'inst-card' },
        h('h3', { text: t('instRejected') }),
        s.rejected.length === 0
          ? h('p', { class: 'muted', text: t('instNoRejected') })
          : table(
              'inst-rejected',
              ['instColTime', 'instColDevice', 'instColTopic', 'instColReason', 'instColPayload'],
              s.rejected.map((r) =>
                h(
                  'tr',
                  { dataset: { code: r.code } },
                  h('td', { text: formatTime(r.at, false) }),
                  h('td', { text: r.deviceId ?? t('none') }),
                  h('td', {}, h('code', { text: r.topic })),
                  h('td', {}, h('code', { text: r.code }), ' ', r.reason),
                  h('td', {}, h('code', { class: 'inst-payload', text: r.payload })),
                ),
              ),
            ),
      ),
      h(
        'section',
        { class: 'inst-card' },
        h('h3', { text: t('instDiverted') }),
        s.diverted.length === 0
          ? h('p', { class: 'muted', text: t('none') })
          : table(
              'inst-diverted',
              ['instColTime', 'instColDevice', 'instColZone', 'instColKind', 'instColWhere'],
              s.diverted.map((e) =>
                h(
                  'tr',
                  { dataset: { destination: e.destination } },
                  h('td', { text: formatTime(e.receivedAt, false) }),
                  h('td', { text: e.deviceId }),
                  h('td', { text: e.zone === null ? t('none') : `${e.zone} ${e.zoneName ?? ''}` }),
                  h('td', { text: kindWord(e.kind) }),
                  h('td', { text: t(e.destination === 'walk_test' ? 'instWalkTest' : 'instMaintenance') }),
                ),
              ),
            ),
      ),
      h(
        'section',
        { class: 'inst-card', attrs: { id: 'inst-records' } },
        h('h3', { text: t('instRecords') }),
        records.length === 0
          ? h('p', { class: 'muted', text: t('none') })
          : h(
              'ul',
              {},
              ...records.map((r) =>
                h(
                  'li',
                  { dataset: { record: r.id } },
                  `${formatTime(r.startedAt, false)} · ${t('instSeen', seenCount(r))} · ` +
                    `${r.passed === null ? t('instWalkTest') : t(r.passed ? 'instPassed' : 'instFailed')} `,
                  h('button', {
                    class: 'btn btn-small',
                    attrs: { type: 'button' },
                    dataset: { print: r.id },
                    text: t('instPrint'),
                    on: { click: () => printRecord(s, r) },
                  }),
                ),
              ),
            ),
      ),
    ];
  }

  /** The 验收记录: filled into its own section, which alone is printed (styles/installer.css). */
  function printRecord(s: InstallerSite, r: WalkTest): void {
    record.replaceChildren(
      h('h1', { text: t('instRecordTitle') }),
      h(
        'dl',
        {},
        h('dt', { text: t('instColSite') }),
        h('dd', { text: `${s.name} (${s.siteId})` }),
        h('dt', { text: t('instColTime') }),
        h('dd', { text: `${formatTime(r.startedAt)} – ${r.endedAt ? formatTime(r.endedAt) : ''}` }),
        h('dt', { text: t('instColBy') }),
        h('dd', { text: r.startedBy }),
        h('dt', { text: t('instResult') }),
        h('dd', { attrs: { id: 'record-result' }, text: `${t(r.passed ? 'instPassed' : 'instFailed')} · ${t('instSeen', seenCount(r))}` }),
      ),
      checklist(r, 'record-checklist'),
      h('p', { class: 'inst-sign', text: t('instSignature') }),
    );
    record.dataset.shown = 'true';
    window.print();
  }

  function checklist(w: WalkTest, id: string): HTMLElement {
    return table(
      id,
      ['instColZone', 'instColName', 'instColSeen', 'instColTime', 'instColKind', 'instColDevice', 'instColSignal', 'instColBattery'],
      w.zones.map((z) =>
        h(
          'tr',
          { class: z.seen ? 'seen' : 'missing', dataset: { zone: String(z.zone), seen: String(z.seen) } },
          h('td', { text: String(z.zone) }),
          h('td', { text: z.name }),
          h('td', { class: 'inst-seen', text: t(z.seen ? 'instZoneSeen' : 'instZoneMissing') }),
          h('td', { text: z.seenAt ? formatTime(z.seenAt, false) : '' }),
          h('td', { text: z.kind ? kindWord(z.kind) : '' }),
          h('td', { text: z.deviceId ?? '' }),
          h('td', { text: z.signal === null ? '' : String(z.signal) }),
          h('td', { text: z.battery === null ? '' : `${z.battery}%` }),
        ),
      ),
    );
  }

  onLangChange(render);
  document.documentElement.lang = lang();
  render();
  await loadList();
  // Reads the shown site again; a failed read (hub restarting) just tries again next time.
  setInterval(() => void refresh().catch(() => undefined), POLL_MS);
}

function table(id: string, cols: Parameters<typeof t>[0][], rows: HTMLElement[]): HTMLElement {
  return h('table', { class: 'inst-table', attrs: { id } }, h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { text: t(c) })))), h('tbody', {}, ...rows));
}

function problemList(problems: WordedProblem[]): HTMLElement {
  if (problems.length === 0) return h('p', { class: 'muted', text: t('instNoProblems') });
  return h(
    'ul',
    { class: 'inst-problem-list' },
    ...problems.map((p) => h('li', { class: `sev-${p.severity}` }, h('code', { text: lang() === 'en' ? p.en : p.zh }))),
  );
}

function supervisionText(s: { offline: boolean; testMissed: boolean }): string {
  const parts = [s.offline ? t('boardTroubleOffline') : '', s.testMissed ? t('boardTroubleTest') : ''].filter(Boolean);
  return parts.length ? parts.join(' · ') : t('boardSupervisionOk');
}

function kindWord(kind: string): string {
  const kinds: Readonly<Record<string, string>> = words().kinds;
  return Object.hasOwn(kinds, kind) ? kinds[kind]! : kind;
}

void main();
