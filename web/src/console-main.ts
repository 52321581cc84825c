/** The dispatch console (`/`): map, queue, incident detail, search, sound, keys. */
import './styles/base.css';
import './styles/console.css';
import { fetchSession } from './api.js';
import { Alerter } from './alert.js';
import { DetailPanel, type Action } from './detail.js';
import { loadDirectory } from './directory.js';
import { byId, h } from './dom.js';
import { TopBar } from './header.js';
import { IncidentState } from './incidents.js';
import { DrillBanner } from './drill-banner.js';
import { DrillControl } from './drill-control.js';
import { onLangChange, t, words } from './i18n/index.js';
import { LiveLink } from './live.js';
import { useDirectoryNames } from './messages.js';
import { LiveStatus } from './live-status.js';
import { EventLog } from './event-log.js';
import { DistrictMap } from './map.js';
import { QueuePanel } from './queue.js';
import { SearchBox } from './search.js';
import { SessionKeeper } from './session-keeper.js';
import { roleGate } from './role-gate.js';
import { rt } from './reports/text.js';
import { installSteadyClicks } from './steady-click.js';

/** Least time between two redraws of the queue and the map. */
const REDRAW_MIN_MS = 150;
/** Acknowledgements a bulk "acknowledge all" keeps in flight. */
const BULK_ACK_PARALLEL = 8;
/**
 * Acknowledgements a bulk "acknowledge all" starts per second: under the hub's command rate limit
 * (src/api/socket/command-rate.ts: 150 a second per socket after a burst), which answers only a few
 * refusals a second — a bulk action that outran it would wait for answers that never come.
 */
const BULK_ACK_PER_SECOND = 100;
/**
 * A refused acknowledgement that did not happen and may simply be sent again is tried again after
 * this long, this many times: `rate_limited`, and `owner_changed` (replica mode: the site moved to
 * another replica while the command ran, nothing committed; the new owner has it within a lease
 * round or two, ~2–4 s). Not `owner_unreachable`: the command may have run there.
 */
const BULK_RETRY_MS = 1500;
const BULK_RETRIES = 3;
const BULK_RETRY_CODES: ReadonlySet<string> = new Set(['rate_limited', 'owner_changed']);

const pause = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

/** Acknowledges each incident (a storm group); each is its own command with its own audit row. */
async function acknowledgeAll(link: LiveLink, ids: string[], progress: (done: number) => void): Promise<{ ok: number; failed: number }> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const n = next++;
      const id = ids[n]!;
      const due = started + (n * 1000) / BULK_ACK_PER_SECOND - performance.now();
      if (due > 0) await pause(due);
      let r = await link.command('incident:ack', { id });
      for (let retry = 0; !r.ok && BULK_RETRY_CODES.has(r.code) && retry < BULK_RETRIES; retry++) {
        await pause(BULK_RETRY_MS);
        r = await link.command('incident:ack', { id });
      }
      if (r.ok) ok++;
      else failed++;
      progress(ok + failed);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BULK_ACK_PARALLEL, ids.length) }, worker));
  return { ok, failed };
}

async function main(): Promise<void> {
  installSteadyClicks();
  const app = byId('app');
  const session = await fetchSession();
  if (!session || session.mustChangePassword) return void location.replace('/login');
  if (session.role === 'guard') return void location.replace('/guard');
  if (session.role === 'installer') return roleGate(app, session);
  const dir = await loadDirectory();
  useDirectoryNames(dir);

  const state = new IncidentState();
  const alerter = new Alerter();
  let selected: string | null = null;

  const mapEl = h('div', { class: 'map', attrs: { id: 'map' } });
  const search = new SearchBox(
    () => dir,
    (hit) => {
      if (hit.type === 'site') map.flyToSite(hit.site);
      else map.flyToCell(hit.cell.properties.id);
    },
  );
  const keeper = new SessionKeeper(session, () => link.resume());
  // Device-status board, camera markers and directory refresh (issue 13); the map comes later.
  let mapBuilt: DistrictMap | null = null;
  const status = new LiveStatus(
    dir,
    () => mapBuilt,
    () => (siteNames = new Map(dir.sites.map((s) => [s.id, s.name]))),
  );
  const drills = new DrillBanner();
  // 演练 form and running list (operators and admins: the only roles that reach this far).
  const drillControl = new DrillControl(dir, session, drills, {
    start: (body) => link.drillCommand('start', body),
    end: (id) => link.drillCommand('end', { id }),
  });
  // The reports page is for operators and admins (the only roles that reach this far, guards and installers left above).
  const reportsLink = h('a', { class: 'btn btn-small', attrs: { id: 'nav-reports', href: '/reports' } });
  const labelReportsLink = (): void => {
    reportsLink.textContent = rt('navReports');
  };
  labelReportsLink();
  const top = new TopBar(
    session,
    alerter,
    'consoleTitle',
    h('div', { class: 'top-tools' }, drills.el, drillControl.button, search.el, status.button, reportsLink),
  );
  const keys = h('footer', { class: 'keys', attrs: { id: 'shortcuts' } });
  const stationNames = new Map(dir.stations.map((s) => [s.id, s.name]));
  // The city centre (and an admin, bound to no station) sees every station's incidents: a station column.
  const ownStation = dir.stations.find((s) => s.id === session.station);
  const queue = new QueuePanel(
    (id) => select(id),
    (id) => (id ? (stationNames.get(id) ?? id) : t('noCell')),
    (ids, progress) => acknowledgeAll(link, ids, progress),
    {
      me: session.user,
      stations: dir.stations.filter((s) => s.tier !== 'community').map((s) => ({ id: s.id, name: s.name })),
      multiStation: !ownStation || ownStation.tier === 'city',
    },
  );
  let siteNames = new Map(dir.sites.map((s) => [s.id, s.name]));
  const eventLog = new EventLog(
    (id) => siteNames.get(id) ?? id,
    (siteId) => {
      const open = state.sorted().find((i) => i.siteId === siteId);
      if (open) return select(open.id);
      const site = dir.sites.find((s) => s.id === siteId);
      if (site) map.flyToSite(site);
    },
  );
  const link: LiveLink = new LiveLink({
    namespace: '/console',
    state,
    onEvents: (events, replay) => eventLog.add(events, replay),
    onGap: (afterSeq) => eventLog.gap(afterSeq),
    onDeviceStatus: (st) => status.deviceStatus(st),
    onCameraStatus: (st) => status.cameraStatus(st),
    onCommissioning: (st) => status.commissioning(st),
    onDirectoryStale: () => void status.directoryStale(),
    onDrill: (d, started) => (started ? drills.started(d) : drills.ended(d)),
    onState: (s, since) => {
      if (s === 'online') void drills.refresh();
      top.setState(s);
      keeper.setLinkState(s, since);
      document.body.classList.toggle('is-offline', s !== 'online');
    },
    onNew: (i) => alerter.alert(i.priority, t('flashTitle', { priority: words().priorities[i.priority], kind: words().kinds[i.kind] })),
  });
  const detail = new DetailPanel(dir, link, () => select(null), { username: session.user, role: session.role });
  app.replaceChildren(
    top.el,
    keeper.banner,
    h('main', { class: 'layout' }, h('div', { class: 'left-col' }, queue.el, eventLog.el), h('div', { class: 'map-wrap' }, mapEl), detail.el),
    keys,
    status.board.el,
    drillControl.panel,
  );
  const map = new DistrictMap(mapEl, dir, (id) => select(id));
  mapBuilt = map;

  function select(id: string | null): void {
    selected = id;
    queue.select(id);
    map.select(id);
    const i = id ? state.get(id) : undefined;
    detail.show(i ?? null);
    if (i) map.showIncident(i);
  }

  const renderKeys = (): void => {
    keys.replaceChildren(
      h('strong', { text: t('shortcuts') }),
      ...(
        [
          'keyNav',
          'keyAck',
          'keyDispatch',
          'keyOnScene',
          'keyFeedback',
          'keyClose',
          'keyNote',
          'keyTransfer',
          'keyCall',
          'keySearch',
          'keyFilter',
          'keyPrint',
          'keyBoard',
          'keyMute',
          'keyEsc',
        ] as const
      ).map((k) => h('span', { class: 'key', text: t(k) })),
    );
  };
  renderKeys();

  const redraw = (): void => {
    const list = state.sorted();
    queue.render(list);
    queue.select(selected);
    map.setIncidents(list);
  };
  // A storm pushes thousands of updates a second; the queue and the map redraw at most every
  // REDRAW_MIN_MS with everything that arrived meanwhile, so the page stays responsive.
  let redrawTimer: ReturnType<typeof setTimeout> | null = null;
  let lastRedraw = 0;
  const scheduleRedraw = (): void => {
    if (redrawTimer) return;
    redrawTimer = setTimeout(
      () => {
        redrawTimer = null;
        lastRedraw = performance.now();
        redraw();
      },
      Math.max(0, lastRedraw + REDRAW_MIN_MS - performance.now()),
    );
  };
  state.onChange((i, change) => {
    scheduleRedraw();
    if (i && i.id === detail.incidentId) detail.update(i);
    if (change === 'snapshot' && selected) {
      const again = state.get(selected);
      if (again) detail.update(again);
    }
  });
  onLangChange(() => {
    drills.render();
    drillControl.relabel();
    top.render();
    labelReportsLink();
    renderKeys();
    search.relabel();
    status.relabel();
    detail.relabel();
    eventLog.relabel();
    queue.render(state.sorted());
    queue.select(selected);
    map.relabel(state.sorted());
  });

  const KEY_ACTIONS: Record<string, Action> = { a: 'ack', d: 'dispatch', s: 'onscene', f: 'feedback', c: 'close', n: 'note', t: 'transfer', l: 'call' };
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target as HTMLElement;
    const typing = target.closest('input, textarea, select, dialog');
    if (e.key === 'Escape') {
      if (!drillControl.panel.hidden && !typing) drillControl.toggle(false);
      else if (status.board.visible && !typing) status.board.toggle(false);
      else if (!detail.cancelForm() && !typing) select(null);
      return;
    }
    if (typing) return;
    const key = e.key.toLowerCase();
    if (key === 'arrowdown' || key === 'j') select(queue.neighbour(1));
    else if (key === 'arrowup' || key === 'k') select(queue.neighbour(-1));
    else if (key === '/') search.focus();
    else if (key === 'q') queue.focusFilters();
    else if (key === 'p') detail.print('slip');
    else if (key === 'm') alerter.toggleMute();
    else if (key === 'b') status.board.toggle();
    else if (KEY_ACTIONS[key]) detail.act(KEY_ACTIONS[key]);
    else return;
    e.preventDefault();
  });
  keeper.start();
}

void main();
