/**
 * The live event log under the queue (事件流): every stored event of this console's scope, newest
 * on top — alarms, restores and troubles alike, including the ones that only add to an open
 * incident. It is how an operator sees what came in while the link was down: the link replays the
 * missed events on reconnect (live.ts), marked as caught up, each exactly once.
 */
import type { EventBrief } from '../../src/contract/socket.js';
import { h } from './dom.js';
import { formatClock, formatTime } from './format.js';
import { t, words } from './i18n/index.js';

/** Rows kept on the page; older events are one search away. */
export const EVENT_LOG_ROWS = 200;

interface Entry {
  e: EventBrief;
  replay: boolean;
}

export class EventLog {
  readonly el: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly title: HTMLElement;
  private readonly gapNote: HTMLElement;
  private entries: Entry[] = [];
  private gapSeq: number | null = null;
  private pending = false;

  constructor(
    private readonly siteName: (id: string) => string,
    private readonly onSelectSite: (siteId: string) => void,
  ) {
    this.list = h('ol', { class: 'event-log-list', attrs: { id: 'event-log' } });
    this.title = h('h2');
    this.gapNote = h('p', { class: 'event-gap', attrs: { id: 'event-gap', role: 'status' } });
    this.gapNote.hidden = true;
    this.el = h(
      'section',
      { class: 'event-log panel', attrs: { 'aria-label': 'events' } },
      h('header', { class: 'panel-head' }, this.title),
      this.gapNote,
      this.list,
    );
    this.list.addEventListener('click', (e) => {
      const li = (e.target as HTMLElement).closest('li');
      if (li?.dataset.site) this.onSelectSite(li.dataset.site);
    });
    this.relabel();
  }

  add(events: EventBrief[], replay: boolean): void {
    for (const e of events) this.entries.push({ e, replay });
    if (this.entries.length > EVENT_LOG_ROWS) this.entries = this.entries.slice(-EVENT_LOG_ROWS);
    // A storm delivers batches many times a second: draw once per frame's worth of them.
    if (this.pending) return;
    this.pending = true;
    setTimeout(() => {
      this.pending = false;
      this.render();
    }, 100);
  }

  gap(afterSeq: number): void {
    this.gapSeq = afterSeq;
    this.relabel();
  }

  relabel(): void {
    this.title.textContent = t('eventLogTitle');
    this.gapNote.hidden = this.gapSeq === null;
    if (this.gapSeq !== null) this.gapNote.textContent = t('eventGap', { seq: this.gapSeq });
    this.render();
  }

  private render(): void {
    const w = words();
    this.list.replaceChildren(
      ...this.entries
        .slice()
        .reverse()
        .map(({ e, replay }) =>
          h(
            'li',
            {
              class: `ev cat-${e.category}${replay ? ' replayed' : ''}`,
              dataset: { seq: String(e.seq), site: e.siteId, kind: e.kind, destination: e.destination ?? 'queue' },
              title: formatTime(e.receivedAt),
            },
            h('span', { class: 'ev-time', text: formatClock(e.occurredAt) }),
            h('span', { class: 'ev-kind', text: w.kinds[e.kind] }),
            h('span', { class: 'ev-site', text: this.siteName(e.siteId) }),
            h('span', { class: 'ev-zone', text: e.zoneName ?? (e.zone !== null ? String(e.zone) : '') }),
            e.destination ? h('span', { class: 'badge badge-diverted', text: t(e.destination === 'walk_test' ? 'boardWalkTest' : 'boardMaintenance') }) : null,
            replay ? h('span', { class: 'badge badge-replay', text: t('eventReplayed') }) : null,
          ),
        ),
    );
    if (this.entries.length === 0) this.list.append(h('li', { class: 'ev-empty', text: t('eventLogEmpty') }));
  }
}
