/**
 * The 110 queue: open incidents, P1 first, oldest first within a priority (incidents.ts), each row
 * with priority, kind, site, grid cell, live-ticking age, status and owner, plus escalation and
 * repeat badges.
 */
import type { Incident } from '../../src/contract/incident.js';
import { h } from './dom.js';
import { formatAge, formatTime } from './format.js';
import { t, words } from './i18n/index.js';

export class QueuePanel {
  readonly el: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly count: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly head: HTMLTableSectionElement;
  private order: string[] = [];
  private selected: string | null = null;

  constructor(private readonly onSelect: (id: string) => void) {
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
      const row = (e.target as HTMLElement).closest('tr');
      if (row?.dataset.incident) this.onSelect(row.dataset.incident);
    });
    setInterval(() => this.tick(), 1000);
  }

  render(list: Incident[]): void {
    const w = words();
    (this.el.querySelector('.queue-title') as HTMLElement).textContent = t('queueTitle');
    this.count.textContent = t('queueCount', { n: list.length });
    this.head.replaceChildren(
      h(
        'tr',
        {},
        ...(['colPriority', 'colKind', 'colSite', 'colCell', 'colAge', 'colStatus', 'colOwner'] as const).map((k) => h('th', { text: t(k) })),
      ),
    );
    this.order = list.map((i) => i.id);
    this.body.replaceChildren(
      ...list.map((i) => {
        const badges = h('span', { class: 'badges' });
        if (i.escalationLevel > 0) badges.append(h('span', { class: 'badge badge-esc', text: t('badgeEscalated') }));
        if (i.repeatOf) badges.append(h('span', { class: 'badge badge-repeat', text: t('badgeRepeat') }));
        return h(
          'tr',
          { class: `p${i.priority} st-${i.status}${i.id === this.selected ? ' selected' : ''}`, dataset: { incident: i.id, priority: String(i.priority), status: i.status } },
          h('td', { class: 'prio' }, h('span', { class: `prio-chip p${i.priority}`, text: w.priorities[i.priority] })),
          h('td', { class: 'kind' }, h('span', { text: w.kinds[i.kind] }), badges),
          h('td', { class: 'site', text: i.siteName, title: i.siteName }),
          h('td', { class: 'cell', text: i.gridCellName ?? t('noCell') }),
          h('td', { class: 'age', dataset: { since: i.openedAt }, text: formatAge(i.openedAt), title: formatTime(i.openedAt) }),
          h('td', { class: 'status' }, h('span', { class: `status-chip st-${i.status}`, text: w.statuses[i.status] })),
          h('td', { class: 'owner', text: i.owner ?? '' }),
        );
      }),
    );
    this.empty.textContent = t('queueEmpty');
    this.empty.hidden = list.length > 0;
  }

  select(id: string | null): void {
    this.selected = id;
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

  private tick(): void {
    for (const cell of this.body.querySelectorAll<HTMLElement>('td.age')) {
      if (cell.dataset.since) cell.textContent = formatAge(cell.dataset.since);
    }
  }
}
