/**
 * The device-status board (设备状态): every alarm device and camera of the console's sites with its
 * site, state (在线, 离线, 待安装 …), last seen, battery and supervision, filterable by site. It loads
 * from REST (`/api/devices`, the directory's cameras) and stays current with the pushes
 * (`device:status`, `camera:status`); a config reload or a reconnect loads it again. The hub scopes
 * all of these, so an operator sees only their stations' sites.
 */
import type { SiteCommissioning } from '../../src/contract/commissioning.js';
import type { CameraStatusPush, DeviceStatus } from '../../src/contract/socket.js';
import { type BoardRow, type BoardState, boardMode, cameraRow, deviceRow, rowKey, rowShown, sortRows } from './status-rows.js';
import type { CameraInfo, DeviceInfo, SiteInfo } from './directory.js';
import { h } from './dom.js';
import { formatTime } from './format.js';
import type { TextKey } from './i18n/catalogue.js';
import { t } from './i18n/index.js';
import './styles/status-board.css';

const STATE_WORD = {
  online: 'boardOnline',
  offline: 'boardOffline',
  pending: 'boardPending',
  unknown: 'boardUnknown',
  disabled: 'boardDisabled',
} as const satisfies Record<BoardState, TextKey>;

export class StatusBoard {
  readonly el: HTMLElement;
  private readonly rows = new Map<string, BoardRow>();
  private readonly siteSelect: HTMLSelectElement;
  private readonly troubleOnly: HTMLInputElement;
  private readonly body: HTMLTableSectionElement;
  private readonly heading: HTMLElement;
  private readonly count: HTMLElement;
  private readonly labels: HTMLElement[] = [];
  private renderTimer: ReturnType<typeof setTimeout> | null = null;
  /** Counts pushes, so a load can tell which pushes arrived after its request left. */
  private stamp = 0;
  /** The latest push per row, kept until a load that started after it has come back. */
  private readonly pushed = new Map<string, { row: BoardRow; stamp: number }>();
  /** Each site's latest commissioning (issue 15): maintenance and walk tests shown beside the state. */
  private readonly commissioningBySite = new Map<string, SiteCommissioning>();

  constructor(
    private readonly sites: () => SiteInfo[],
    private readonly onPickSite: (site: SiteInfo) => void,
    /** Reads the rows again when the board is opened ("last seen" of quiet heartbeats is not pushed). */
    private readonly onOpen: () => void = () => undefined,
  ) {
    this.heading = h('h2', { text: t('boardTitle') });
    this.count = h('span', { class: 'muted board-count' });
    this.siteSelect = h('select', { attrs: { id: 'board-site', 'aria-label': t('boardSite') }, on: { change: () => this.render() } });
    this.troubleOnly = h('input', { attrs: { id: 'board-trouble', type: 'checkbox' }, on: { change: () => this.render() } });
    const troubleLabel = h('label', { attrs: { for: 'board-trouble' }, text: t('boardTroubleOnly') });
    this.labels.push(troubleLabel);
    this.body = h('tbody');
    const head = h('thead', {}, h('tr'));
    this.el = h(
      'section',
      { class: 'panel status-board', attrs: { id: 'status-board', 'aria-labelledby': 'board-heading' } },
      h(
        'header',
        { class: 'board-head' },
        this.heading,
        this.count,
        h('button', { class: 'btn btn-small', attrs: { type: 'button', id: 'board-close' }, text: '×', on: { click: () => this.toggle(false) } }),
      ),
      h('div', { class: 'board-filters' }, this.siteSelect, h('span', { class: 'board-check' }, this.troubleOnly, troubleLabel)),
      h('div', { class: 'board-scroll' }, h('table', { class: 'board-table', attrs: { id: 'board-table' } }, head, this.body)),
    );
    this.heading.id = 'board-heading';
    this.el.hidden = true;
    this.relabel();
  }

  get visible(): boolean {
    return !this.el.hidden;
  }

  toggle(show = this.el.hidden): void {
    this.el.hidden = !show;
    if (show) {
      this.render();
      this.onOpen();
    }
  }

  /** Call before requesting the rows for `load`: pushes after this mark win over that answer. */
  mark(): number {
    return this.stamp;
  }

  /**
   * Replace every row (first load, a config reload, a reconnect, the board opened) with what the
   * hub answered to a request made at `since` (mark()); a push that came after that is newer.
   */
  load(devices: DeviceInfo[], cameras: CameraInfo[], since = -1): void {
    this.rows.clear();
    for (const d of devices) this.put(deviceRow(d));
    for (const c of cameras) this.put(cameraRow(c));
    for (const [key, p] of this.pushed) {
      if (p.stamp <= since) this.pushed.delete(key);
      else if (this.rows.has(key)) this.put(p.row);
    }
    this.fillSites();
    this.schedule();
  }

  /** Pushes are scoped by the hub; a row this page has not loaded (yet) shows once a load lists it. */
  deviceStatus(s: DeviceStatus): void {
    this.pushedRow(deviceRow(s));
  }

  cameraStatus(s: CameraStatusPush): void {
    this.pushedRow(cameraRow({ id: s.cameraId, siteId: s.siteId, availability: s.availability, lastOkAt: s.lastOkAt }));
  }

  /** A site's commissioning (`commissioning:status` push, or the board's load). */
  commissioning(site: SiteCommissioning): void {
    this.commissioningBySite.set(site.siteId, site);
    this.schedule();
  }

  private pushedRow(row: BoardRow): void {
    const key = rowKey(row.kind, row.siteId, row.id);
    this.pushed.set(key, { row, stamp: ++this.stamp });
    if (!this.rows.has(key)) return;
    this.put(row);
    this.schedule();
  }

  relabel(): void {
    this.heading.textContent = t('boardTitle');
    this.siteSelect.setAttribute('aria-label', t('boardSite'));
    this.labels[0]!.textContent = t('boardTroubleOnly');
    const head = this.el.querySelector('thead tr')!;
    const cols: TextKey[] = ['boardColSite', 'boardColDevice', 'boardColState', 'boardColLastSeen', 'boardColBattery', 'boardColSupervision'];
    head.replaceChildren(...cols.map((k) => h('th', { text: t(k) })));
    this.fillSites();
    this.render();
  }

  private put(r: BoardRow): void {
    const key = rowKey(r.kind, r.siteId, r.id);
    const known = this.rows.get(key);
    // A push does not carry a camera's name: keep the one the directory gave.
    this.rows.set(key, known && r.kind === 'camera' ? { ...r, name: known.name } : r);
  }

  private fillSites(): void {
    const chosen = this.siteSelect.value;
    const present = new Set([...this.rows.values()].map((r) => r.siteId));
    const sites = this.sites()
      .filter((s) => present.has(s.id))
      .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    this.siteSelect.replaceChildren(
      h('option', { attrs: { value: '' }, text: t('boardAllSites') }),
      ...sites.map((s) => h('option', { attrs: { value: s.id }, text: s.name })),
    );
    this.siteSelect.value = sites.some((s) => s.id === chosen) ? chosen : '';
  }

  /** The state word, and 维护 / 步测中 beside it while commissioning diverts the device's events. */
  private stateCell(r: BoardRow): HTMLElement {
    const mode = boardMode(r, this.commissioningBySite.get(r.siteId));
    const cell = h('td', { class: 'board-state', dataset: { state: r.state, mode: mode ?? '' } }, t(STATE_WORD[r.state]));
    if (mode) cell.append(' ', h('span', { class: 'board-mode', text: t(mode === 'maintenance' ? 'boardMaintenance' : 'boardWalkTest') }));
    return cell;
  }

  /** Pushes come in bursts (a power cut): redraw at most every 250 ms, and only while shown. */
  private schedule(): void {
    if (this.renderTimer || this.el.hidden) return;
    this.renderTimer = setTimeout(() => {
      this.renderTimer = null;
      this.render();
    }, 250);
  }

  private render(): void {
    if (this.el.hidden) return;
    const site = this.siteSelect.value;
    const troubleOnly = this.troubleOnly.checked;
    const names = new Map(this.sites().map((s) => [s.id, s]));
    const shown = sortRows([...this.rows.values()]).filter((r) => rowShown(r, { site, troubleOnly }));
    this.count.textContent = t('boardCount', { n: shown.length });
    this.body.replaceChildren(
      ...shown.map((r) => {
        const s = names.get(r.siteId);
        return h(
          'tr',
          { class: `board-row st-${r.state}`, dataset: { kind: r.kind, site: r.siteId, id: r.id, state: r.state } },
          h(
            'td',
            {},
            s
              ? h('button', { class: 'link', attrs: { type: 'button' }, text: s.name, on: { click: () => this.onPickSite(s) } })
              : h('span', { text: r.siteId }),
          ),
          h('td', {}, h('span', { class: 'board-kind', text: t(r.kind === 'camera' ? 'boardCamera' : 'boardDevice') }), ' ', h('span', { text: r.name })),
          this.stateCell(r),
          h('td', { class: 'board-seen' }, r.lastSeenAt ? formatTime(r.lastSeenAt, false) : t('none')),
          h('td', { class: 'board-battery' }, r.battery === null ? t('none') : `${r.battery}%`),
          h(
            'td',
            { class: 'board-supervision' },
            r.troubles.length ? r.troubles.map((x) => t(x === 'offline' ? 'boardTroubleOffline' : 'boardTroubleTest')).join(' · ') : t('boardSupervisionOk'),
          ),
        );
      }),
    );
    if (shown.length === 0) this.body.append(h('tr', {}, h('td', { attrs: { colspan: '6' }, class: 'muted', text: t('boardEmpty') })));
  }
}
