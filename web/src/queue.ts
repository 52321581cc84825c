/**
 * The 110 queue: open incidents, P1 first, oldest first within a priority (incidents.ts), each row
 * with priority, 警情编号, kind, site, grid cell, station (views of several stations), live-ticking
 * age, time left to escalation (ticking), status and owner, plus "N 次报警" and address-history
 * badges (近期误报, 再次报警). A storm folds into group rows (queue-groups.ts) that open on a click
 * and can be acknowledged in one go.
 *
 * Filters and sort (queue-filter.ts) sit above the table as plain form controls, so Tab and the
 * arrow keys work them; Esc in one returns to the queue's own keys. Columns collapse by the pane's
 * width with CSS container queries (console.css): the grid cell goes first, then 警情编号 moves
 * under the kind; the essential columns are never cut.
 */
import { CATEGORIES, type Category, type Priority } from '../../src/contract/alarm-event.js';
import { type Incident, OPEN_STATUSES } from '../../src/contract/incident.js';
import { h } from './dom.js';
import { tickCountdowns } from './countdowns.js';
import { escalationCountdown, siteMarks } from './escalation-clock.js';
import { formatAge, formatDuration, formatTime, serverNow } from './format.js';
import type { TextKey } from './i18n/catalogue.js';
import { t, words } from './i18n/index.js';
import { groupQueue, type QueueGroupView, type QueueRow } from './queue-groups.js';
import {
  hiddenUrgent,
  isFiltering,
  NO_FILTER,
  QUEUE_SORTS,
  type QueueFilter,
  type QueueSort,
  shortStationName,
  spansStations,
  stationOf,
  viewQueue,
} from './queue-filter.js';

/** Acknowledges every given incident; reports progress; resolves with how many went through. */
export type AckAll = (ids: string[], progress: (done: number) => void) => Promise<{ ok: number; failed: number }>;

type BulkState =
  | { phase: 'confirm'; until: number }
  | { phase: 'running'; done: number; n: number }
  | { phase: 'done'; ok: number; failed: number; until: number };

/** How long the "acknowledge N?" confirmation and the result stay on the button. */
const CONFIRM_MS = 5000;
const RESULT_MS = 6000;

/** Who looks at the queue, and what the station filter offers. */
export interface QueueView {
  /** The operator's username: the "mine" filter. */
  me: string;
  stations: ReadonlyArray<{ id: string; name: string }>;
  /** The operator works for several stations (the city centre, an admin): the station column is always there. */
  multiStation: boolean;
}

const SORT_WORD = { priority: 'sortPriority', age: 'sortAge', station: 'sortStation' } as const satisfies Record<QueueSort, string>;

export class QueuePanel {
  readonly el: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly count: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly head: HTMLTableSectionElement;
  private order: string[] = [];
  private selected: string | null = null;
  private list: Incident[] = [];
  private rows: QueueRow[] = [];
  private readonly expanded = new Set<string>();
  private readonly bulk = new Map<string, BulkState>();
  private filter: QueueFilter = { ...NO_FILTER };
  private sort: QueueSort = 'priority';
  private readonly filters: HTMLElement;
  private readonly filterNote: HTMLElement;
  private showStation = false;

  constructor(
    private readonly onSelect: (id: string) => void,
    private readonly stationName: (id: string | null) => string,
    private readonly ackAll: AckAll | null,
    private readonly view: QueueView,
  ) {
    this.body = h('tbody');
    this.head = h('thead');
    this.count = h('span', { class: 'count', attrs: { id: 'queue-count' } });
    this.empty = h('p', { class: 'empty', attrs: { id: 'queue-empty' } });
    this.filters = h('form', { class: 'queue-filters', attrs: { id: 'queue-filters', role: 'search' } });
    this.filterNote = h('p', { class: 'filter-note', attrs: { id: 'queue-filter-note', role: 'status' } });
    this.el = h(
      'section',
      { class: 'queue panel', attrs: { id: 'queue-panel', 'aria-label': 'queue' } },
      h('header', { class: 'panel-head' }, h('h2', { class: 'queue-title' }), this.count),
      this.filters,
      this.filterNote,
      h('div', { class: 'table-wrap' }, h('table', { class: 'queue-table', attrs: { id: 'queue' } }, this.head, this.body)),
      this.empty,
    );
    this.filters.addEventListener('submit', (e) => e.preventDefault());
    this.filters.addEventListener('change', () => this.readFilters());
    // Esc in a filter gives the keys back to the queue (j/k, a, d …) instead of cancelling a form.
    this.filters.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      (e.target as HTMLElement).blur();
    });
    this.filters.addEventListener('click', (e) => {
      if ((e.target as HTMLElement).closest('#qf-clear')) this.clearFilters();
    });
    this.body.addEventListener('click', (e) => {
      const target = e.target as HTMLElement;
      const bulk = target.closest<HTMLElement>('button.group-ack');
      if (bulk?.dataset.groupAck) return void this.bulkClick(bulk.dataset.groupAck);
      const row = target.closest('tr');
      if (row?.dataset.incident) this.onSelect(row.dataset.incident);
      else if (row?.dataset.group) this.toggle(row.dataset.group);
    });
    setInterval(() => this.tick(), 1000);
  }

  render(list: Incident[]): void {
    this.list = list;
    (this.el.querySelector('.queue-title') as HTMLElement).textContent = t('queueTitle');
    this.count.textContent = t('queueCount', { n: list.length });
    this.showStation = this.view.multiStation || spansStations(list);
    this.renderFilters();
    const shown = viewQueue(list, this.filter, this.sort, this.view.me, this.stationName);
    this.renderFilterNote(list, shown.length);
    const cols = this.columns();
    this.head.replaceChildren(
      h(
        'tr',
        {},
        ...cols.map(([cls, key]) =>
          // On a narrow pane the owner sits under the status (console.css writes data-owner after it):
          // the status header names both the same way.
          h('th', { class: cls, text: t(key), attrs: { scope: 'col' }, ...(cls === 'status' ? { dataset: { owner: t('colOwner') } } : {}) }),
        ),
      ),
    );
    this.rows = groupQueue(shown, this.expanded);
    // A group that broke up (fewer than GROUP_MIN left) forgets that it was open.
    const live = new Set(this.rows.flatMap((r) => (r.type === 'group' ? [r.group.key] : [])));
    for (const k of this.expanded) if (!live.has(k)) this.expanded.delete(k);
    this.order = this.rows.flatMap((r) => (r.type === 'incident' ? [r.incident.id] : []));
    this.body.replaceChildren(
      ...this.rows.map((r) =>
        r.type === 'incident' ? this.incidentRow(r.incident, r.inGroup) : r.type === 'group' ? this.groupRow(r.group, r.expanded) : this.moreRow(r.hidden),
      ),
    );
    this.empty.textContent = list.length > 0 ? t('queueEmptyFiltered') : t('queueEmpty');
    this.empty.hidden = shown.length > 0;
  }

  /** Moves the keyboard to the first filter (the console's Q key). */
  focusFilters(): void {
    this.filters.querySelector<HTMLElement>('select, input')?.focus();
  }

  /** The columns in order, as [class, header word]; the station column only for views of several stations. */
  private columns(): Array<[string, TextKey]> {
    return [
      ['prio', 'colPriority'],
      ['number', 'colNumber'],
      ['kind', 'colKind'],
      ['site', 'colSite'],
      ['cell', 'colCell'],
      ...(this.showStation ? ([['station', 'colStation']] as Array<[string, TextKey]>) : []),
      ['age', 'colAge'],
      ['esc', 'colEscalation'],
      ['status', 'colStatus'],
      ['owner', 'colOwner'],
    ];
  }

  /** The filter controls, rebuilt only when the language or the station column changes (a rebuild would drop the focus). */
  private renderFilters(): void {
    const stamp = `${t('filterAllPriorities')}|${this.showStation}`;
    if (this.filters.dataset.stamp === stamp) return;
    this.filters.dataset.stamp = stamp;
    const w = words();
    const f = this.filter;
    const option = (value: string, text: string, on: boolean): HTMLOptionElement => {
      const o = h('option', { text, attrs: { value } });
      o.selected = on;
      return o;
    };
    // Each select names itself by its first option (全部级别, 全部类别 …), so the bar fits one line of a 640-px pane.
    const select = (id: string, label: TextKey, options: HTMLOptionElement[]): HTMLElement =>
      h('select', { class: 'qf', attrs: { id, name: id, 'aria-label': t(label) }, title: t(label) }, ...options);
    const check = (id: string, label: TextKey, on: boolean): HTMLElement => {
      const box = h('input', { attrs: { id, name: id, type: 'checkbox' } });
      box.checked = on;
      return h('label', { class: 'qf qf-check' }, box, h('span', { text: t(label) }));
    };
    this.filters.setAttribute('aria-label', t('filtersLabel'));
    this.filters.replaceChildren(
      select('qf-priority', 'colPriority', [
        option('', t('filterAllPriorities'), f.priority === null),
        ...([1, 2, 3, 4] as const).map((p) => option(String(p), w.priorities[p], f.priority === p)),
      ]),
      select('qf-category', 'filterCategory', [
        option('', t('filterAllCategories'), f.category === null),
        ...CATEGORIES.map((c) => option(c, w.categories[c], f.category === c)),
      ]),
      select('qf-status', 'colStatus', [
        option('', t('filterAllStatuses'), f.status === null),
        ...OPEN_STATUSES.map((s) => option(s, w.statuses[s], f.status === s)),
      ]),
      this.showStation
        ? select('qf-station', 'colStation', [
            option('', t('filterAllStations'), f.station === null),
            ...this.view.stations.map((s) => option(s.id, shortStationName(s.name), f.station === s.id)),
          ])
        : '',
      check('qf-mine', 'filterMine', f.mine),
      check('qf-unacked', 'filterUnacked', f.unacknowledged),
      select(
        'qf-sort',
        'sortLabel',
        QUEUE_SORTS.filter((s) => s !== 'station' || this.showStation).map((s) => option(s, t(SORT_WORD[s]), this.sort === s)),
      ),
      h('button', { class: 'btn btn-small', text: t('filterClear'), attrs: { id: 'qf-clear', type: 'button' } }),
    );
    this.syncClear();
  }

  private syncClear(): void {
    const clear = this.filters.querySelector<HTMLButtonElement>('#qf-clear');
    if (clear) clear.disabled = !isFiltering(this.filter) && this.sort === 'priority';
  }

  /** Shown while a filter hides incidents: how many are shown, and any P1 left out. */
  private renderFilterNote(list: Incident[], shown: number): void {
    const on = isFiltering(this.filter);
    this.filterNote.hidden = !on;
    if (!on) return;
    const urgent = hiddenUrgent(list, this.filter, this.view.me);
    this.filterNote.classList.toggle('urgent', urgent > 0);
    this.filterNote.textContent = `${t('filterShown', { shown, n: list.length })}${urgent > 0 ? ` ${t('filterHiddenP1', { n: urgent })}` : ''}`;
  }

  private readFilters(): void {
    const val = (id: string): string => this.filters.querySelector<HTMLSelectElement>(`#${id}`)?.value ?? '';
    const on = (id: string): boolean => this.filters.querySelector<HTMLInputElement>(`#${id}`)?.checked ?? false;
    this.filter = {
      priority: val('qf-priority') ? (Number(val('qf-priority')) as Priority) : null,
      category: (val('qf-category') || null) as Category | null,
      status: (val('qf-status') || null) as QueueFilter['status'],
      station: val('qf-station') || null,
      mine: on('qf-mine'),
      unacknowledged: on('qf-unacked'),
    };
    this.sort = (QUEUE_SORTS as readonly string[]).includes(val('qf-sort')) ? (val('qf-sort') as QueueSort) : 'priority';
    this.syncClear();
    this.render(this.list);
    this.select(this.selected);
  }

  private clearFilters(): void {
    this.filter = { ...NO_FILTER };
    this.sort = 'priority';
    delete this.filters.dataset.stamp;
    this.render(this.list);
    this.select(this.selected);
    this.focusFilters();
  }

  select(id: string | null): void {
    this.selected = id;
    // Selecting an incident folded in a group (from the map, or search) opens its group.
    if (id && !this.order.includes(id)) {
      const g = this.rows.find((r) => r.type === 'group' && !r.expanded && r.group.incidents.some((i) => i.id === id));
      if (g && g.type === 'group') {
        this.expanded.add(g.group.key);
        this.render(this.list);
      }
    }
    for (const row of this.body.rows) {
      const on = row.dataset.incident === id;
      row.classList.toggle('selected', on);
      if (on) row.scrollIntoView({ block: 'nearest' });
    }
  }

  /** The incident `step` rows away from the selected one (keyboard navigation). */
  neighbour(step: number): string | null {
    if (this.order.length === 0) return null;
    const at = this.selected ? this.order.indexOf(this.selected) : -1;
    const next = at < 0 ? 0 : Math.min(this.order.length - 1, Math.max(0, at + step));
    return this.order[next] ?? null;
  }

  private incidentRow(i: Incident, inGroup?: string): HTMLTableRowElement {
    const w = words();
    const badges = h('span', { class: 'badges' });
    if (i.drill) badges.append(h('span', { class: 'badge badge-drill', text: t('badgeDrill'), title: t('badgeDrillTitle') }));
    if (i.escalationLevel > 0) badges.append(h('span', { class: 'badge badge-esc', text: t('badgeEscalated') }));
    badges.append(...this.siteBadges(i));
    const station = stationOf(i);
    return h(
      'tr',
      {
        class: `p${i.priority} st-${i.status}${i.id === this.selected ? ' selected' : ''}${inGroup ? ' in-group' : ''}${i.drill ? ' drill' : ''}`,
        dataset: { incident: i.id, priority: String(i.priority), status: i.status, ...(inGroup ? { member: inGroup } : {}) },
      },
      h('td', { class: 'prio' }, h('span', { class: `prio-chip p${i.priority}`, text: w.priorities[i.priority] })),
      h('td', { class: 'number', text: i.number ?? '' }),
      // 警情编号 again under the kind, shown only when the pane is too narrow for its own column.
      h(
        'td',
        { class: 'kind' },
        h('span', { class: 'kind-name', text: w.kinds[i.kind] }),
        i.number ? h('span', { class: 'num-inline', text: i.number }) : null,
        badges,
      ),
      h('td', { class: 'site', text: i.siteName, title: i.gridCellName ? `${i.siteName} · ${i.gridCellName}` : i.siteName }),
      h('td', { class: 'cell', text: i.gridCellName ?? t('noCell') }),
      this.showStation ? this.stationCell(station) : null,
      h('td', { class: 'age', dataset: { since: i.openedAt }, text: formatAge(i.openedAt), title: formatTime(i.openedAt) }),
      h('td', { class: 'esc' }, this.escalation(i)),
      h(
        'td',
        { class: 'status', ...(i.owner ? { dataset: { owner: i.owner } } : {}) },
        h('span', { class: `status-chip st-${i.status}`, text: w.statuses[i.status] }),
      ),
      h('td', { class: 'owner', text: i.owner ?? '' }),
    );
  }

  private stationCell(id: string | null): HTMLElement {
    const name = this.stationName(id);
    return h('td', { class: 'station', dataset: { station: id ?? '' }, text: shortStationName(name), title: name });
  }

  /** The time left before it escalates (升级上报), ticking; empty once acknowledged. */
  private escalation(i: Incident): HTMLElement | null {
    const left = escalationCountdown(i, serverNow());
    if (!left) return null;
    return h('span', {
      class: `esc-countdown${left.due ? ' due' : ''}`,
      dataset: { escalateAt: i.escalateAt ?? '', short: '1' },
      text: formatDuration(left.seconds),
      title: t('escalatesAt', { time: formatTime(i.escalateAt!) }),
    });
  }

  /** N 次报警, 近期误报 / 再次报警 (address history). */
  private siteBadges(i: Incident): HTMLElement[] {
    return siteMarks(i).map((m) =>
      m === 'alarms'
        ? h('span', { class: 'badge badge-alarms', text: t('badgeAlarms', { n: i.eventCount }) })
        : m === 'recentFalse'
          ? h('span', { class: 'badge badge-repeat', text: t('badgeRecentFalse'), title: t('badgeRepeat') })
          : h('span', { class: 'badge badge-previous', text: t('badgePrevious') }),
    );
  }

  private groupRow(g: QueueGroupView, expanded: boolean): HTMLTableRowElement {
    const w = words();
    const n = g.incidents.length;
    const station = this.stationName(g.stationId);
    return h(
      'tr',
      {
        class: `group p${g.priority}${expanded ? ' expanded' : ''}`,
        title: t(expanded ? 'groupCollapse' : 'groupExpand'),
        dataset: { group: g.key, priority: String(g.priority), count: String(n), unacked: String(g.unacknowledged) },
        attrs: { 'aria-expanded': String(expanded) },
      },
      h('td', { class: 'prio' }, h('span', { class: `prio-chip p${g.priority}`, text: w.priorities[g.priority] })),
      h('td', { class: 'number' }),
      h(
        'td',
        { class: 'kind' },
        h('span', { class: 'fold', text: expanded ? '▾' : '▸' }),
        h('span', { text: w.kinds[g.kind] }),
        h('span', { class: 'badge badge-group', text: `× ${n}` }),
        g.drill ? h('span', { class: 'badge badge-drill', text: t('badgeDrill'), title: t('badgeDrillTitle') }) : null,
      ),
      h('td', { class: 'site', text: t('groupSites', { n: g.sites }), title: t('groupTitle', { kind: w.kinds[g.kind], station, n }) }),
      h('td', { class: 'cell', text: station }),
      this.showStation ? this.stationCell(g.stationId) : null,
      h('td', { class: 'age', dataset: { since: g.oldestOpenedAt }, text: formatAge(g.oldestOpenedAt), title: formatTime(g.oldestOpenedAt) }),
      h('td', { class: 'esc' }),
      // The bulk button sits under the count, in the status column: it never depends on the
      // owner column, which a narrow pane folds under the status.
      h(
        'td',
        { class: 'status' },
        h('span', { class: 'group-count', text: g.unacknowledged > 0 ? t('groupUnacked', { n: g.unacknowledged }) : t('groupAllAcked') }),
        this.bulkButton(g),
      ),
      h('td', { class: 'owner' }),
    );
  }

  private moreRow(hidden: number): HTMLTableRowElement {
    return h('tr', { class: 'group-more' }, h('td', { attrs: { colspan: String(this.columns().length) }, text: t('groupMore', { n: hidden }) }));
  }

  private bulkButton(g: QueueGroupView): HTMLElement | null {
    if (!this.ackAll) return null;
    const state = this.bulk.get(g.key);
    const now = Date.now();
    if (state?.phase === 'running') return h('span', { class: 'group-ack-progress', text: t('groupAckProgress', { done: state.done, n: state.n }) });
    if (state?.phase === 'done' && state.until > now)
      return h('span', { class: 'group-ack-result', text: t('groupAckDone', { ok: state.ok, failed: state.failed }) });
    if (g.unacknowledged === 0) return null;
    const confirming = state?.phase === 'confirm' && state.until > now;
    return h('button', {
      class: `btn group-ack${confirming ? ' confirming' : ''}`,
      attrs: { type: 'button' },
      dataset: { groupAck: g.key },
      text: confirming ? t('groupAckConfirm', { n: g.unacknowledged }) : t('groupAckAll'),
    });
  }

  /** First click asks, second click (within CONFIRM_MS) acknowledges every unacknowledged member. */
  private bulkClick(key: string): void {
    const row = this.rows.find((r) => r.type === 'group' && r.group.key === key);
    if (row?.type !== 'group' || !this.ackAll) return;
    const state = this.bulk.get(key);
    if (state?.phase !== 'confirm' || state.until < Date.now()) {
      this.bulk.set(key, { phase: 'confirm', until: Date.now() + CONFIRM_MS });
      setTimeout(() => this.render(this.list), CONFIRM_MS + 50);
      return this.render(this.list);
    }
    const ids = row.group.incidents.filter((i) => i.status === 'new').map((i) => i.id);
    const running: BulkState = { phase: 'running', done: 0, n: ids.length };
    this.bulk.set(key, running);
    this.render(this.list);
    void this.ackAll(ids, (done) => {
      running.done = done;
      const label = this.body.querySelector<HTMLElement>(`tr[data-group="${CSS.escape(key)}"] .group-ack-progress`);
      if (label) label.textContent = t('groupAckProgress', { done, n: ids.length });
    }).then(({ ok, failed }) => {
      this.bulk.set(key, { phase: 'done', ok, failed, until: Date.now() + RESULT_MS });
      this.render(this.list);
      setTimeout(() => this.render(this.list), RESULT_MS + 50);
    });
  }

  private toggle(key: string): void {
    if (this.expanded.has(key)) this.expanded.delete(key);
    else this.expanded.add(key);
    this.render(this.list);
    this.select(this.selected);
  }

  private tick(): void {
    for (const cell of this.body.querySelectorAll<HTMLElement>('td.age')) {
      if (cell.dataset.since) cell.textContent = formatAge(cell.dataset.since);
    }
    tickCountdowns(this.body);
  }
}
