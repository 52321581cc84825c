import type { Incident } from '../contract/incident.js';
import type { EventBus } from '../core/event-bus.js';
import type { HubEvents } from '../core/hub-events.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';

/** An incident a batch changed, and whether the batch opened it. */
export interface Changed {
  incident: Incident;
  how: 'new' | 'update';
}

/**
 * Puts the incidents a batch changed on the bus (`incident:new`, `incident:update`: consoles, the
 * notifier, video) in the order the batches were correlated, also when a batch must wait for its
 * write first (replica mode writes new incidents before announcing them), and counts the openings.
 */
export class Announcer {
  /** Announcements waiting for a write, so later ones queue behind them; null: none. */
  private waiting: Promise<void> | null = null;
  private readonly countOpened;
  private readonly countDrillOpened;

  constructor(
    private readonly bus: EventBus<HubEvents>,
    private readonly log: Logger,
    metrics: Metrics,
  ) {
    this.countOpened = metrics.counter('sg_incidents_opened_total', 'Incidents opened, by category (drills not included)');
    this.countDrillOpened = metrics.counter('sg_drill_incidents_opened_total', 'Drill incidents (演练) opened, by category');
  }

  /** Announces now, or after the announcements still waiting for their write (order kept). */
  inOrder(changed: Changed[] | Promise<Changed[]>): void {
    if (this.waiting === null && Array.isArray(changed)) {
      this.announce(changed);
      return;
    }
    const tail: Promise<void> = (this.waiting ?? Promise.resolve())
      .then(() => changed)
      .then((list) => this.announce(list))
      .catch((err: unknown) => this.log.error({ err }, 'could not announce incidents'))
      .finally(() => {
        if (this.waiting === tail) this.waiting = null;
      });
    this.waiting = tail;
  }

  /** Resolves when no announcement waits for its write. */
  async idle(): Promise<void> {
    while (this.waiting !== null) await this.waiting;
  }

  private announce(changed: readonly Changed[]): void {
    for (const { incident, how } of changed) {
      if (how === 'new') {
        // Drills are counted apart, never in the figure of real incidents (issue 15).
        if (incident.drill) this.countDrillOpened({ category: incident.category });
        else this.countOpened({ category: incident.category });
        this.bus.emit('incident:new', incident);
      } else {
        this.bus.emit('incident:update', incident);
      }
    }
  }
}
