/**
 * Printing from the incident detail (issue 13): the 出警单 (dispatch slip) a unit takes to the
 * scene, and the incident report (处警报告) for the file. Both are built here as a print-only
 * section of the console page (print.css hides everything else on paper), then window.print().
 *
 * The timeline is the detail's own (passed in, cloned), so the paper words every entry exactly as
 * the screen does. All text goes in through textContent (dom.ts): site and device text is untrusted.
 */
import type { Incident } from '../../src/contract/incident.js';
import type { CellProps, SiteInfo } from './directory.js';
import { h } from './dom.js';
import { formatTime } from './format.js';
import { pick, t, words } from './i18n/index.js';
import './styles/print.css';

export type PrintKind = 'slip' | 'report';

export interface PrintContext {
  site: SiteInfo | null;
  cell: CellProps | null;
  stationName: (id: string | null) => string;
  /** Camera id → name, for the snapshot captions. */
  cameraName: (id: string) => string;
  natureName: (code: string) => string;
  /** The detail's rendered timeline (`#timeline`), cloned onto the paper. */
  timeline: HTMLElement | null;
  /** Who prints (打印人). */
  by: string;
}

/** Snapshots on the paper: enough to recognise the scene, few enough to keep the slip on one sheet. */
const SLIP_SNAPSHOTS = 2;
const REPORT_SNAPSHOTS = 6;
const SHEET_ID = 'print-sheet';
/** The longest the print dialog waits for the snapshots to load. */
const PICTURE_WAIT_MS = 5000;

/** Builds the sheet, waits for its pictures, and opens the browser's print dialog. */
export async function printIncident(kind: PrintKind, i: Incident, ctx: PrintContext): Promise<void> {
  const sheet = buildSheet(kind, i, ctx);
  document.getElementById(SHEET_ID)?.remove();
  document.body.append(sheet);
  // A snapshot that has not loaded would print as an empty box; one that fails prints its caption;
  // one that hangs must not hold the slip back: the dialog opens after PICTURE_WAIT_MS at the latest.
  const pictures = Promise.all([...sheet.querySelectorAll('img')].map((img) => img.decode().catch(() => undefined)));
  await Promise.race([pictures, new Promise((resolve) => setTimeout(resolve, PICTURE_WAIT_MS))]);
  window.print();
}

export function buildSheet(kind: PrintKind, i: Incident, ctx: PrintContext): HTMLElement {
  const w = words();
  const site = ctx.site;
  const station = ctx.stationName(i.responsibleStationId ?? i.stationId);
  const row = (label: string, value: string | Node | null | undefined, cls = ''): HTMLElement =>
    h(
      'tr',
      { class: cls },
      h('th', { text: label, attrs: { scope: 'row' } }),
      h('td', {}, value === null || value === undefined || value === '' ? t('none') : value),
    );
  // Zone names as the events named them (the detail shows them the same way).
  const zoneNames = new Map<number, string>();
  for (const e of i.timeline) if (e.zone !== undefined && e.zone !== null && e.zoneName) zoneNames.set(e.zone, e.zoneName);
  const contacts = site?.contacts.length ? site.contacts.map((c) => `${c.name} ${c.phone}`).join('；') : null;
  const leader = ctx.cell?.leader ? `${ctx.cell.leader}${ctx.cell.phone ? ` ${ctx.cell.phone}` : ''}` : null;
  const unit = i.unit
    ? `${i.unit.name}${i.unit.officers.length ? `（${i.unit.officers.map((o) => `${o.name}${o.phone ? ` ${o.phone}` : ''}`).join('、')}）` : ''}`
    : null;

  const facts = h(
    'table',
    { class: 'print-facts' },
    h(
      'tbody',
      {},
      row(t('fieldNumber'), i.number ?? i.id, 'print-number'),
      row(t('fieldOpened'), formatTime(i.openedAt)),
      row(t('printPriorityKind'), `${w.priorities[i.priority]} · ${w.kinds[i.kind]} · ${w.categories[i.category]}`),
      row(t('fieldStatus'), w.statuses[i.status]),
      row(t('colSite'), i.siteName, 'print-site'),
      row(t('fieldAddress'), site?.address),
      row(t('fieldDoorPlate'), site?.doorPlate, 'print-door-plate'),
      row(t('fieldPole'), site?.pole, 'print-pole'),
      row(t('printLocation'), `${i.location[0].toFixed(5)}, ${i.location[1].toFixed(5)} (WGS-84)`),
      row(t('fieldCell'), i.gridCellName ? `${i.gridCellName}${ctx.cell?.community ? ` · ${ctx.cell.community}` : ''}` : t('noCell')),
      row(t('fieldLeader'), leader),
      row(t('fieldStation'), ctx.stationName(i.stationId)),
      row(t('fieldContacts'), contacts, 'print-contacts'),
      row(t('fieldZones'), i.zones.length ? i.zones.map((z) => (zoneNames.get(z) ? `${z} ${zoneNames.get(z)}` : t('zone', { n: z }))).join('，') : null),
      row(t('fieldReason'), pick(i.priorityReasonZh, i.priorityReason)),
      row(t('fieldOwner'), i.owner),
      row(t('fieldUnit'), unit),
      ...(kind === 'report'
        ? [
            row(t('fieldFeedback'), i.feedback ? `${i.feedback.text} · ${i.feedback.by} ${formatTime(i.feedback.at, false)}` : null),
            row(t('fieldNature'), i.nature ? ctx.natureName(i.nature) : null),
            row(t('dispositionLabel'), i.disposition ? w.dispositions[i.disposition] : null),
            row(
              t('fieldDurations'),
              i.times.acknowledgedAt
                ? t('durations', {
                    ack: secs(i.times.ackSeconds),
                    dispatch: secs(i.times.dispatchSeconds),
                    onscene: secs(i.times.onSceneSeconds),
                    total: secs(i.times.totalSeconds),
                  })
                : null,
            ),
          ]
        : []),
    ),
  );

  const shots = i.media.filter((m) => m.kind === 'snapshot' && m.url).slice(-(kind === 'slip' ? SLIP_SNAPSHOTS : REPORT_SNAPSHOTS));
  const snapshots = h(
    'section',
    { class: 'print-snapshots' },
    h('h2', { text: t('printSnapshots') }),
    shots.length
      ? h(
          'div',
          { class: 'print-shots' },
          ...shots.map((m) =>
            h(
              'figure',
              {},
              h('img', { attrs: { src: m.url!, alt: ctx.cameraName(m.cameraId) } }),
              h('figcaption', { text: `${ctx.cameraName(m.cameraId)} · ${formatTime(m.at, false)}` }),
            ),
          ),
        )
      : h('p', { text: t('mediaNone') }),
  );

  const timeline = ctx.timeline ? (ctx.timeline.cloneNode(true) as HTMLElement) : h('p', { text: t('none') });
  timeline.removeAttribute('id');
  timeline.classList.add('print-timeline');

  const signatures =
    kind === 'slip'
      ? [t('printSignOfficer'), t('printSignArrived'), t('printSignResult')]
      : [t('printSignOperator'), t('printSignReviewer'), t('printSignDate')];

  return h(
    'section',
    { class: 'print-sheet', attrs: { id: SHEET_ID, lang: document.documentElement.lang || 'zh-CN' }, dataset: { print: kind, incident: i.id } },
    h(
      'header',
      { class: 'print-head' },
      h('div', { class: 'print-station', text: station }),
      h('h1', { text: t(kind === 'slip' ? 'printSlipTitle' : 'printReportTitle') }),
      h('div', { class: 'print-no', text: `${t('fieldNumber')}：${i.number ?? i.id}` }),
    ),
    facts,
    snapshots,
    h('section', { class: 'print-timeline-box' }, h('h2', { text: t('timeline') }), timeline),
    h(
      'section',
      { class: 'print-sign' },
      ...signatures.map((s) => h('div', { class: 'print-sign-line' }, h('span', { text: s }), h('span', { class: 'blank' }))),
    ),
    h('footer', { class: 'print-foot', text: t('printFooter', { time: formatTime(Date.now()), by: ctx.by }) }),
  );
}

const secs = (n: number | null): string => (n === null ? t('none') : t('seconds', { n }));
