/** The daily reports the hub generated at `reports.daily_at` and stored unchanged, newest first; one opens as it was stored. */
import type { StoredDailyList, StoredDailySummary } from '../../../src/contract/reports.js';
import { h } from '../dom.js';
import { formatTime } from '../format.js';
import { stationName, type View, type ViewContext } from './context.js';
import { rt } from './text.js';
import { section, table } from './ui.js';

/** The first hex digits of a hash: enough to compare by eye with the audit log. */
const HASH_SHOWN = 16;

export function storedListView(list: StoredDailyList, ctx: ViewContext, open: (s: StoredDailySummary) => void): View {
  const rows = [...list.reports].sort((a, b) => b.date.localeCompare(a.date) || a.generatedAt.localeCompare(b.generatedAt));
  const el = h(
    'article',
    { class: 'report', attrs: { id: 'report-stored' } },
    h('h1', { text: rt('tabStored') }),
    section(
      rt('storedTitle'),
      rows.length
        ? table(
            'stored-list',
            [rt('colDate'), rt('colScope'), rt('colGeneratedAt'), rt('colHash'), ''],
            rows.map((s) => [
              s.date,
              s.station ? stationName(ctx, s.station) : rt('scopeAll'),
              formatTime(s.generatedAt),
              h('code', { text: s.hash.slice(0, HASH_SHOWN), title: s.hash }),
              h('button', {
                class: 'btn btn-small',
                text: rt('open'),
                attrs: { type: 'button', 'data-open': `${s.date}/${s.station ?? ''}` },
                on: { click: () => open(s) },
              }),
            ]),
          )
        : h('p', { class: 'muted', attrs: { id: 'stored-empty' }, text: rt('storedEmpty') }),
    ),
  );
  return { el, mounted: () => undefined };
}
