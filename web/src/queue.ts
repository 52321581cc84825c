/**
 * The 110 queue: open incidents, P1 first, oldest first within a priority (incidents.ts), each row
 * with priority, kind, site, grid cell, live-ticking age, status and owner, plus escalation (time
 * left, ticking), "N 次报警" and address-history badges (近期误报, 再次报警). A storm folds into group rows (queue-groups.ts) that open on a click and can be
 * acknowledged in one go.
 */
import type { Incident } from '../../src/contract/incident.js';
import { h } from './dom.js';
import { tickCountdowns } from './countdowns.js';
import { escalationCountdown, siteMarks } from './escalation-clock.js';
import { formatAge, formatDuration, formatTime, serverNow } from './format.js';
import { t, words } from './i18n/index.js';
import { groupQueue, type QueueGroupView, type QueueRow } from './queue-groups.js';

/** Acknowledges every given incident; reports progress; resolves with how many went through. */
export type AckAll = (ids: string[], progress: (done: number) => void) => Promise<{ ok: number; failed: number }>;

type BulkState =
  | { phase: 'confirm'; until: number }
  | { phase: 'running'; done: number; n: number }
  | { phase: 'done'; ok: number; failed: number; until: number };

/** How long the "acknowledge N?" confirmation and the result stay on the button. */
const CONFIRM_MS = 5000;
const RESULT_MS = 6000;

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

  constructor(
    private readonly onSelect: (id: string) => void,
    private readonly stationName: (id: string | null) => string,
    private readonly ackAll: AckAll | null,
  ) {
    this.body = h('tbody');
    this.head = h('thead');
    this.count = h('span', { class: 'count', attrs: { id: 'queue-count' } });
    this.empty = h('p', { class: 'empty', attrs: { id: 'queue-empty' } });
    this.el = h(
      'section',
      { class: 'queue panel', attrs: { id: 'queue-panel', 'aria-label': 'queue' } },
      h('header', { class: 'panel-head' }, h('h2', { class: 'queue-title' }), this.count),
      h('div', { class: 'table-wrap' }, h('table', { class: 'queue-table', attrs: { id: 'queue' } }, this.head, this.body)),
      this.empty,
    );
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
    this.head.replaceChildren(
      h('tr', {}, ...(['colPriority', 'colKind', 'colSite', 'colCell', 'colAge', 'colStatus', 'colOwner'] as const).map((k) => h('th', { text: t(k) }))),
    );
    this.rows = groupQueue(list, this.expanded);
    // A group that broke up (fewer than GROUP_MIN left) forgets that it was open.
    const live = new Set(this.rows.flatMap((r) => (r.type === 'group' ? [r.group.key] : [])));
    for (const k of this.expanded) if (!live.has(k)) this.expanded.delete(k);
    this.order = this.rows.flatMap((r) => (r.type === 'incident' ? [r.incident.id] : []));
    this.body.replaceChildren(
      ...this.rows.map((r) =>
        r.type === 'incident' ? this.incidentRow(r.incident, r.inGroup) : r.type === 'group' ? this.groupRow(r.group, r.expanded) : this.moreRow(r.hidden),
      ),
    );
    this.empty.textContent = t('queueEmpty');
    this.empty.hidden = list.length > 0;
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
    if (i.escalationLevel > 0) badges.append(h('span', { class: 'badge badge-esc', text: t('badgeEscalated') }));
    badges.append(...this.siteBadges(i));
    return h(
      'tr',
      {
        class: `p${i.priority} st-${i.status}${i.id === this.selected ? ' selected' : ''}${inGroup ? ' in-group' : ''}`,
        dataset: { incident: i.id, priority: String(i.priority), status: i.status, ...(inGroup ? { member: inGroup } : {}) },
      },
      h('td', { class: 'prio' }, h('span', { class: `prio-chip p${i.priority}`, text: w.priorities[i.priority] })),
      h('td', { class: 'kind' }, h('span', { text: w.kinds[i.kind] }), badges),
      h('td', { class: 'site', text: i.siteName, title: i.siteName }),
      h('td', { class: 'cell', text: i.gridCellName ?? t('noCell') }),
      h('td', { class: 'age', dataset: { since: i.openedAt }, text: formatAge(i.openedAt), title: formatTime(i.openedAt) }),
      h('td', { class: 'status' }, h('span', { class: `status-chip st-${i.status}`, text: w.statuses[i.status] })),
      h('td', { class: 'owner', text: i.owner ?? '' }),
    );
  }

  /** N 次报警, 近期误报 / 再次报警 (address history), and the time left to escalation, ticking. */
  private siteBadges(i: Incident): HTMLElement[] {
    const out = siteMarks(i).map((m) =>
      m === 'alarms'
        ? h('span', { class: 'badge badge-alarms', text: t('badgeAlarms', { n: i.eventCount }) })
        : m === 'recentFalse'
          ? h('span', { class: 'badge badge-repeat', text: t('badgeRecentFalse'), title: t('badgeRepeat') })
          : h('span', { class: 'badge badge-previous', text: t('badgePrevious') }),
    );
    const left = escalationCountdown(i, serverNow());
    if (left) {
      out.push(
        h('span', {
          class: `badge esc-countdown${left.due ? ' due' : ''}`,
          dataset: { escalateAt: i.escalateAt ?? '' },
          text: t('escalatesIn', { time: formatDuration(left.seconds) }),
          title: t('escalatesAt', { time: formatTime(i.escalateAt!) }),
        }),
      );
    }
    return out;
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
      h(
        'td',
        { class: 'kind' },
        h('span', { class: 'fold', text: expanded ? '▾' : '▸' }),
        h('span', { text: w.kinds[g.kind] }),
        h('span', { class: 'badge badge-group', text: `× ${n}` }),
      ),
      h('td', { class: 'site', text: t('groupSites', { n: g.sites }), title: t('groupTitle', { kind: w.kinds[g.kind], station, n }) }),
      h('td', { class: 'cell', text: station }),
      h('td', { class: 'age', dataset: { since: g.oldestOpenedAt }, text: formatAge(g.oldestOpenedAt), title: formatTime(g.oldestOpenedAt) }),
      // The bulk button sits under the count, not in the owner column, so it is never cut off.
      h(
        'td',
        { class: 'status', attrs: { colspan: '2' } },
        h('span', { class: 'group-count', text: g.unacknowledged > 0 ? t('groupUnacked', { n: g.unacknowledged }) : t('groupAllAcked') }),
        this.bulkButton(g),
      ),
    );
  }

  private moreRow(hidden: number): HTMLTableRowElement {
    return h('tr', { class: 'group-more' }, h('td', { attrs: { colspan: '7' }, text: t('groupMore', { n: hidden }) }));
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
