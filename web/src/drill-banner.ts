/**
 * 演练进行中: the console's reminder that a drill (issue 15) is running — how many, until when, and
 * which sites or station — so an operator reading the queue knows exercises are in it. Filled from
 * GET /api/drills on every (re)connect and kept current by the `drill:started` / `drill:ended` pushes.
 */
import type { Drill } from '../../src/contract/drill.js';
import { getJson } from './api.js';
import { h } from './dom.js';
import { formatTime, serverNow } from './format.js';
import { t } from './i18n/index.js';

export class DrillBanner {
  readonly el: HTMLElement;
  private active = new Map<string, Drill>();
  /** Told when the set of active drills changed (a push, a refresh): the 演练 form's list follows it. */
  private readonly listeners: Array<() => void> = [];

  constructor() {
    this.el = h('span', { class: 'badge badge-drill drill-banner', attrs: { id: 'drill-banner', role: 'status', hidden: '' } });
    // A drill that ran out while no push arrived (the page was cut off) leaves the banner on its own.
    setInterval(() => this.render(), 5000);
  }

  /** Reads the active drills again (after a connect or reconnect: pushes missed meanwhile are gone). */
  async refresh(): Promise<void> {
    try {
      const { drills } = await getJson<{ drills: Drill[] }>('/api/drills');
      this.active = new Map(drills.filter((d) => d.endedAt === null).map((d) => [d.id, d]));
      this.changed();
    } catch {
      // A role without drills:read, or the hub away: the banner stays as it was.
    }
  }

  started(d: Drill): void {
    this.active.set(d.id, d);
    this.changed();
  }

  ended(d: Drill): void {
    this.active.delete(d.id);
    this.changed();
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** The drills running now, the one ending first at the top. */
  running(): Drill[] {
    const now = serverNow();
    return [...this.active.values()].filter((d) => d.endedAt === null && Date.parse(d.endsAt) > now).sort((a, b) => a.endsAt.localeCompare(b.endsAt));
  }

  private changed(): void {
    this.render();
    for (const fn of this.listeners) fn();
  }

  render(): void {
    const live = this.running();
    this.el.hidden = live.length === 0;
    if (live.length === 0) return;
    const until = live.map((d) => d.endsAt).sort()[live.length - 1]!;
    this.el.textContent = t('drillBanner', { n: live.length, time: formatTime(until, false) });
    // textContent-only title: names and ids are data.
    this.el.title = live.map((d) => `${d.name ?? d.id}: ${d.stationId ?? d.siteIds.join(', ')} → ${formatTime(d.endsAt)}`).join('\n');
  }
}
