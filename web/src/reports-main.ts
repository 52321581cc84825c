/**
 * The reports page (`/reports`, issue 14): the daily 三个一通报, the monthly analysis per grid cell,
 * response times, device and site quality, the community bulletin and the stored daily reports.
 * Operators (their station and those below it) and admins; a guard or installer gets a refusal here,
 * and /api/reports… answers them 403 anyway. What is shown is in the URL (`?report=monthly&month=…`),
 * so a report can be bookmarked, reloaded and printed.
 */
import './styles/base.css';
import './styles/reports.css';
import { HttpError, fetchSession, getJson, logout, type SessionInfo } from './api.js';
import { type Directory, loadDirectory } from './directory.js';
import { byId, h } from './dom.js';
import { formatTime, timeZone, zoneLabel } from './format.js';
import { onLangChange, t, toggleLang, words } from './i18n/index.js';
import { roleGate } from './role-gate.js';
import {
  type AnyReport,
  BULLETIN_PERIODS,
  type ReportKind,
  type StoredDailyList,
  type StoredDailyReport,
  type StoredDailySummary,
  storedDailyPath,
  REPORT_PATHS,
} from '../../src/contract/reports.js';
import { bulletinView } from './reports/bulletin-view.js';
import { disposeCharts } from './reports/charts.js';
import type { View, ViewContext } from './reports/context.js';
import { dailyView } from './reports/daily-view.js';
import { devicesView } from './reports/devices-view.js';
import { lastMonth, type ReportParams, reportUrl, today, yesterday } from './reports/format.js';
import { monthlyView } from './reports/monthly-view.js';
import { responseView } from './reports/response-view.js';
import { storedListView } from './reports/stored-view.js';
import { rt } from './reports/text.js';

const TABS = ['daily', 'monthly', 'response', 'devices', 'bulletin', 'stored'] as const;
type Tab = (typeof TABS)[number];
const TAB_TEXT = {
  daily: 'tabDaily',
  monthly: 'tabMonthly',
  response: 'tabResponse',
  devices: 'tabDevices',
  bulletin: 'tabBulletin',
  stored: 'tabStored',
} as const satisfies Record<Tab, Parameters<typeof rt>[0]>;

/** The roles the page is for; `reports:read` on the hub says the same. */
const REPORT_ROLES = new Set(['admin', 'operator']);

interface PageState {
  tab: Tab;
  date: string;
  month: string;
  station: string;
  community: string;
  period: string;
  /** A stored daily report opened from the list: `date/station`. */
  stored: string;
}

async function main(): Promise<void> {
  const app = byId('app');
  const session = await fetchSession();
  if (!session || session.mustChangePassword) return void location.replace('/login');
  if (!REPORT_ROLES.has(session.role)) return roleGate(app, session);
  const dir = await loadDirectory();
  const state = readState(dir);
  const page = new ReportsPage(app, session, dir, state);
  onLangChange(() => page.relabel());
  page.show();
}

class ReportsPage {
  private readonly tabs = new Map<Tab, HTMLButtonElement>();
  private readonly content = h('div', { class: 'report-content', attrs: { id: 'report-content', 'aria-live': 'polite' } });
  private readonly status = h('p', { class: 'report-status', attrs: { id: 'report-status', role: 'status' } });
  private readonly controls = h('form', { class: 'report-controls no-print', attrs: { id: 'report-controls' } });
  private readonly header = h('header', { class: 'topbar no-print' });
  /** The last answer, redrawn as it is on a language switch. */
  private last: { kind: Tab; data: AnyReport | StoredDailyList | StoredDailyReport } | null = null;
  private request = 0;

  constructor(
    app: HTMLElement,
    private readonly session: SessionInfo,
    private readonly dir: Directory,
    private readonly state: PageState,
  ) {
    const nav = h('nav', { class: 'report-tabs no-print', attrs: { id: 'report-tabs', role: 'tablist' } });
    for (const tab of TABS) {
      const b = h('button', {
        class: 'tab',
        attrs: { type: 'button', role: 'tab', id: `tab-${tab}`, 'data-tab': tab },
        on: {
          click: () => {
            this.state.tab = tab;
            this.state.stored = '';
            this.show();
          },
        },
      });
      this.tabs.set(tab, b);
      nav.append(b);
    }
    this.controls.addEventListener('submit', (e) => {
      e.preventDefault();
      this.readControls();
      this.state.stored = '';
      this.show();
    });
    app.replaceChildren(this.header, nav, this.controls, this.status, this.content);
  }

  /** Reads the report the state names and draws it. */
  show(): void {
    writeState(this.state);
    this.relabelChrome();
    const id = ++this.request;
    this.say(rt('loading'));
    disposeCharts();
    this.content.replaceChildren();
    void this.fetch().then(
      (data) => {
        if (id !== this.request) return; // a later request replaced this one
        this.last = { kind: this.state.tab, data };
        this.say('');
        this.draw();
      },
      (err: unknown) => {
        if (id !== this.request) return;
        this.last = null;
        if (err instanceof HttpError && err.status === 401) return void location.replace('/login');
        this.say(
          err instanceof HttpError && err.status === 403
            ? rt('refused', { role: words().roles[this.session.role] })
            : rt('loadFailed', { error: err instanceof Error ? err.message : String(err) }),
          true,
        );
      },
    );
  }

  relabel(): void {
    this.relabelChrome();
    if (this.last) this.draw();
  }

  private params(): ReportParams {
    const s = this.state;
    const station = s.station || undefined;
    switch (s.tab) {
      case 'daily':
        return { date: s.date, station };
      case 'bulletin':
        return { community: s.community, period: s.period, date: s.date };
      case 'stored':
        return { station };
      default:
        return { month: s.month, station };
    }
  }

  private fetch(): Promise<AnyReport | StoredDailyList | StoredDailyReport> {
    const s = this.state;
    if (s.tab === 'stored' && s.stored) {
      const [date = '', station = ''] = s.stored.split('/');
      const q = station ? `?station=${encodeURIComponent(station)}` : '';
      return getJson<StoredDailyReport>(storedDailyPath(date) + q);
    }
    if (s.tab === 'stored') {
      const q = s.station ? `?station=${encodeURIComponent(s.station)}` : '';
      return getJson<StoredDailyList>(REPORT_PATHS.dailyStored + q);
    }
    return getJson<AnyReport>(reportUrl(s.tab as ReportKind, this.params()));
  }

  private draw(): void {
    if (!this.last) return;
    const ctx: ViewContext = { dir: this.dir, params: this.params() };
    const d = this.last.data;
    let view: View;
    if ('report' in d) {
      const badge = h('p', {
        class: d.verified ? 'stored-badge ok' : 'stored-badge bad',
        attrs: { id: 'stored-badge' },
        text: d.verified ? rt('storedVerified', { seq: d.auditSeq }) : rt('storedTampered'),
      });
      view = dailyView(d.report, { ...ctx, params: { date: d.date, station: d.station ?? undefined } }, badge);
    } else if ('reports' in d) {
      view = storedListView(d, ctx, (s) => this.openStored(s));
    } else if (d.kind === 'daily') view = dailyView(d, ctx);
    else if (d.kind === 'monthly') view = monthlyView(d, ctx);
    else if (d.kind === 'response') view = responseView(d, ctx);
    else if (d.kind === 'devices') view = devicesView(d, ctx);
    else view = bulletinView(d, ctx);
    disposeCharts();
    const generated = 'generatedAt' in d ? d.generatedAt : null;
    this.content.replaceChildren(
      view.el,
      h(
        'p',
        { class: 'report-foot muted' },
        rt('zoneNote', { zone: zoneLabel() }),
        generated ? ` · ${rt('generatedAt', { time: formatTime(generated) })}` : '',
      ),
    );
    view.mounted();
    this.content.dataset.report = 'report' in d ? 'stored-daily' : 'reports' in d ? 'stored' : d.kind;
  }

  private openStored(s: StoredDailySummary): void {
    this.state.stored = `${s.date}/${s.station ?? ''}`;
    this.show();
  }

  private say(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
    this.status.hidden = !text;
  }

  private relabelChrome(): void {
    document.title = `SafeGrid · ${rt('pageTitle')}`;
    document.documentElement.lang = t('lang');
    for (const [tab, b] of this.tabs) {
      b.textContent = rt(TAB_TEXT[tab]);
      b.setAttribute('aria-selected', String(tab === this.state.tab));
      b.classList.toggle('active', tab === this.state.tab);
    }
    const langBtn = h('button', { class: 'btn btn-small', text: t('langSwitch'), attrs: { id: 'lang', type: 'button' }, on: { click: () => toggleLang() } });
    const out = h('button', {
      class: 'btn btn-small',
      text: t('logout'),
      attrs: { id: 'logout', type: 'button' },
      on: { click: () => void logout().then(() => location.replace('/login')) },
    });
    this.header.replaceChildren(
      h('div', { class: 'brand' }, h('span', { class: 'brand-mark', text: 'SafeGrid' }), h('span', { class: 'brand-sub', text: rt('pageTitle') })),
      h('div', { class: 'spacer' }),
      h(
        'div',
        { class: 'status-area' },
        h('a', { class: 'btn btn-small', text: rt('navConsole'), attrs: { id: 'nav-console', href: '/' } }),
        h('span', {
          class: 'user',
          attrs: { id: 'user' },
          text: t('user', { name: this.session.name ?? this.session.user, role: words().roles[this.session.role] }),
        }),
        langBtn,
        out,
      ),
    );
    this.buildControls();
  }

  private buildControls(): void {
    const s = this.state;
    const field = (label: string, input: HTMLElement): HTMLElement => h('label', { class: 'control' }, h('span', { text: label }), input);
    const parts: HTMLElement[] = [];
    const usesDate = s.tab === 'daily' || s.tab === 'bulletin';
    const usesMonth = s.tab === 'monthly' || s.tab === 'response' || s.tab === 'devices';
    if (usesDate) parts.push(field(rt('date'), h('input', { attrs: { id: 'ctl-date', name: 'date', type: 'date', value: s.date, required: '' } })));
    if (usesMonth) parts.push(field(rt('month'), h('input', { attrs: { id: 'ctl-month', name: 'month', type: 'month', value: s.month, required: '' } })));
    if (s.tab === 'bulletin') {
      const communities = communitiesOf(this.dir);
      parts.push(
        field(
          rt('community'),
          h(
            'select',
            { attrs: { id: 'ctl-community', name: 'community' } },
            ...(communities.length ? communities : ['']).map((c) => option(c, c || rt('noCommunity'), c === s.community)),
          ),
        ),
        field(
          rt('period'),
          h(
            'select',
            { attrs: { id: 'ctl-period', name: 'period' } },
            ...BULLETIN_PERIODS.map((p) => option(p, rt(p === 'week' ? 'periodWeek' : 'periodMonth'), p === s.period)),
          ),
        ),
      );
    } else {
      const stations = stationsFor(this.dir, this.session);
      if (stations.length > 1)
        parts.push(
          field(
            rt('station'),
            h(
              'select',
              { attrs: { id: 'ctl-station', name: 'station' } },
              option('', rt('allStations'), !s.station),
              ...stations.map((st) => option(st.id, st.name, st.id === s.station)),
            ),
          ),
        );
    }
    parts.push(
      h('button', { class: 'btn btn-primary', text: rt('show'), attrs: { id: 'ctl-show', type: 'submit' } }),
      // Any report prints as the bulletin does: the report alone on A4 (reports.css @media print).
      h('button', { class: 'btn', text: rt('print'), attrs: { id: 'ctl-print', type: 'button' }, on: { click: () => window.print() } }),
    );
    this.controls.replaceChildren(...parts);
  }

  private readControls(): void {
    const value = (id: string): string | null => (document.getElementById(id) as HTMLInputElement | HTMLSelectElement | null)?.value ?? null;
    const s = this.state;
    s.date = value('ctl-date') ?? s.date;
    s.month = value('ctl-month') ?? s.month;
    s.station = value('ctl-station') ?? s.station;
    s.community = value('ctl-community') ?? s.community;
    s.period = value('ctl-period') ?? s.period;
  }
}

function option(value: string, text: string, selected: boolean): HTMLOptionElement {
  const o = h('option', { text, attrs: { value } });
  o.selected = selected;
  return o;
}

/** Communities of the grid (grids.geojson `community`), in the order the file names them. */
function communitiesOf(dir: Directory): string[] {
  return [...new Set(dir.cells.map((c) => c.properties.community).filter(Boolean))];
}

/** The stations a caller may narrow a report to: their own and those below it; all for the city and admins. */
function stationsFor(dir: Directory, session: SessionInfo): Directory['stations'] {
  const policing = dir.stations.filter((s) => s.tier === 'city' || s.tier === 'station' || s.tier === 'community');
  const own = policing.find((s) => s.id === session.station);
  if (!own || own.tier === 'city') return policing;
  const below = (id: string): boolean => {
    for (let s = policing.find((x) => x.id === id); s; s = s.parent ? policing.find((x) => x.id === s!.parent) : undefined) if (s.id === own.id) return true;
    return false;
  };
  return policing.filter((s) => below(s.id));
}

function readState(dir: Directory): PageState {
  const q = new URLSearchParams(location.search);
  const now = Date.now();
  const zone = timeZone();
  const tab = TABS.find((x) => x === q.get('report')) ?? 'daily';
  const period = q.get('period');
  return {
    tab,
    date: q.get('date') ?? (tab === 'bulletin' ? today(now, zone) : yesterday(now, zone)),
    month: q.get('month') ?? lastMonth(now, zone),
    station: q.get('station') ?? '',
    community: q.get('community') ?? communitiesOf(dir)[0] ?? '',
    period: period === 'month' ? 'month' : 'week',
    stored: q.get('stored') ?? '',
  };
}

function writeState(s: PageState): void {
  const q = new URLSearchParams({ report: s.tab });
  if (s.tab === 'daily' || s.tab === 'bulletin') q.set('date', s.date);
  if (s.tab === 'monthly' || s.tab === 'response' || s.tab === 'devices') q.set('month', s.month);
  if (s.station && s.tab !== 'bulletin') q.set('station', s.station);
  if (s.tab === 'bulletin') {
    q.set('community', s.community);
    q.set('period', s.period);
  }
  if (s.stored) q.set('stored', s.stored);
  history.replaceState(null, '', `/reports?${q.toString()}`);
}

void main();
