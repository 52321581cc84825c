/**
 * The guard page (`/guard`), phone-sized: only the incidents of the guard's sites (namespace
 * /guard), a sound and a notification (through the service worker, so it also shows while the page
 * is in the background) for each new one, and one tap for 签收 / 到场 / 误报 with an optional note.
 * Each card carries what the guard needs on the way: zone, the site's phones, a map link, and
 * where the 110 side stands.
 */
import './styles/base.css';
import './styles/guard.css';
import type { Priority } from '../../src/contract/alarm-event.js';
import type { Incident } from '../../src/contract/incident.js';
import type { CommandReply } from '../../src/contract/socket.js';
import type { PropertyStatus } from '../../src/contract/incident.js';
import { guardActionApplies } from '../../src/contract/workflow.js';
import { fetchSession } from './api.js';
import { amapUrl, geoUrl, telUrl } from './guard-links.js';
import { GuardNotifier } from './guard-notify.js';
import { Alerter } from './alert.js';
import { loadDirectory, refreshDirectory, type SiteInfo } from './directory.js';
import { refusalText, useDirectoryNames } from './messages.js';
import { byId, h } from './dom.js';
import { formatAge, formatTime } from './format.js';
import { TopBar } from './header.js';
import { IncidentState } from './incidents.js';
import { onLangChange, t, words } from './i18n/index.js';
import { LiveLink } from './live.js';
import { roleGate } from './role-gate.js';
import { SessionKeeper } from './session-keeper.js';
import { installSteadyClicks } from './steady-click.js';

const PROPERTY_WORD = {
  waiting: 'propWaiting',
  acknowledged: 'propAcknowledged',
  on_scene: 'propOnScene',
  verified: 'propVerified',
} as const satisfies Record<PropertyStatus, string>;

async function main(): Promise<void> {
  installSteadyClicks();
  const app = byId('app');
  const session = await fetchSession();
  if (!session || session.mustChangePassword) return void location.replace('/login');
  if (session.role !== 'guard' && session.role !== 'admin') return roleGate(app, session);
  const dir = await loadDirectory();
  useDirectoryNames(dir);
  const sites = new Map<string, SiteInfo>(dir.sites.map((s) => [s.id, s]));

  const state = new IncidentState();
  const alerter = new Alerter();
  const messages = new Map<string, { text: string; ok: boolean }>();
  const notes = loadNotes();
  const busy = new Set<string>();

  const notifyBtn = h('button', { class: 'btn btn-small', attrs: { id: 'notify', type: 'button' }, on: { click: () => void askNotify() } });
  const notifier = new GuardNotifier((id) => showCard(id));
  const keeper = new SessionKeeper(session, () => link.resume());
  const top = new TopBar(session, alerter, 'guardTitle', null);
  const heading = h('h1', { class: 'guard-heading' });
  const list = h('div', { class: 'cards', attrs: { id: 'guard-list' } });
  const empty = h('p', { class: 'empty', attrs: { id: 'guard-empty' } });
  const link: LiveLink = new LiveLink({
    namespace: '/guard',
    state,
    // A site added or edited while the page is open (config reload): its card shows the new address.
    onDirectoryStale: () =>
      void refreshDirectory(dir)
        .then(() => {
          sites.clear();
          for (const s of dir.sites) sites.set(s.id, s);
        })
        // The hub is unreachable: the cards keep what they had; the next reconnect reads it again.
        .catch(() => undefined),
    onState: (s, since) => {
      top.setState(s);
      keeper.setLinkState(s, since);
    },
    onNew: (i) => {
      const w = words();
      alerter.alert(Math.min(i.priority, 2) as Priority, t('flashTitle', { priority: w.priorities[i.priority], kind: w.kinds[i.kind] }));
      notify(i);
    },
  });
  app.replaceChildren(top.el, keeper.banner, h('main', { class: 'guard' }, h('div', { class: 'guard-bar' }, heading, notifyBtn), list, empty));

  function notify(i: Incident): void {
    const w = words();
    const site = sites.get(i.siteId);
    // Notification text is plain text: no markup is interpreted.
    // 演练 first: the phone's notification must not read as a real alarm (issue 15).
    const title = `${i.drill ? `[${t('badgeDrill')}] ` : ''}${t('newIncident')} · ${w.priorities[i.priority]} ${w.kinds[i.kind]}`;
    const body = [i.siteName, site?.address ?? '', zoneLine(i)].filter(Boolean).join('\n');
    void notifier.show(i.id, title, body, i.priority <= 2).catch(() => undefined);
  }

  function showCard(id: string): void {
    document.querySelector(`[data-incident="${CSS.escape(id)}"]`)?.scrollIntoView({ block: 'center' });
  }

  async function askNotify(): Promise<void> {
    await notifier.ask();
    renderNotify();
  }

  function renderNotify(): void {
    const p = notifier.state;
    notifyBtn.dataset.state = p;
    notifyBtn.textContent =
      p === 'granted' ? t('guardNotifyOn') : p === 'insecure' ? t('guardNotifyInsecure') : p === 'default' ? t('guardNotify') : t('guardNotifyDenied');
    notifyBtn.disabled = p !== 'default';
  }

  /** 防区 1 前门, 防区 2 仓库红外: the zones that fired, named as the site file names them. */
  function zoneLine(i: Incident): string {
    const names = new Map<number, string | null>();
    for (const e of i.timeline) if (e.type === 'event' && e.zone !== undefined && e.zone !== null && !names.get(e.zone)) names.set(e.zone, e.zoneName ?? null);
    for (const z of i.zones) if (!names.has(z)) names.set(z, null);
    return [...names].map(([n, name]) => `${t('zone', { n })}${name ? ` ${name}` : ''}`).join('，');
  }

  type GuardStep = 'guard_ack' | 'guard_onscene' | 'false_alarm' | 'confirmed';

  /** One tap from 待物业签收 acknowledges the property track first and then reports on scene. */
  function oneTapOnScene(i: Incident): boolean {
    return guardActionApplies('guard_ack', i.property) || guardActionApplies('guard_onscene', i.property);
  }

  /** The guard's steps are the property track (物业响应): they never take or close the 110 incident. */
  async function act(i: Incident, what: GuardStep): Promise<void> {
    if (busy.has(i.id)) return;
    busy.add(i.id);
    render();
    const note = notes.get(i.id)?.trim() || undefined;
    let reply: CommandReply;
    if (what === 'guard_ack') reply = await link.command('incident:guard_ack', { id: i.id });
    else if (what === 'guard_onscene') {
      reply = guardActionApplies('guard_ack', i.property) ? await link.command('incident:guard_ack', { id: i.id }) : { ok: true, incident: i };
      if (reply.ok) reply = await link.command('incident:guard_onscene', { id: i.id });
    } else reply = await link.command('incident:guard_verify', { id: i.id, finding: what, ...(note ? { note } : {}) });
    busy.delete(i.id);
    if (reply.ok) {
      // The note goes with 核实 (guard_verify); 签收 and 到场 carry none, so it is kept for then.
      if (what === 'false_alarm' || what === 'confirmed') {
        notes.delete(i.id);
        saveNotes(notes);
      }
      // Say where the property track stands, not "done": the 110 incident is still the station's.
      messages.set(i.id, { text: t(PROPERTY_WORD[reply.incident.property?.status ?? 'waiting']), ok: true });
    } else messages.set(i.id, { text: t('failed', { error: refusalText(reply) }), ok: false });
    render();
  }

  function card(i: Incident): HTMLElement {
    const w = words();
    const site = sites.get(i.siteId);
    const note = h('textarea', {
      class: 'note',
      attrs: { rows: '2', maxlength: '1000', placeholder: t('guardNotePlaceholder'), 'aria-label': t('noteLabel') },
    });
    note.value = notes.get(i.id) ?? '';
    note.addEventListener('input', () => {
      notes.set(i.id, note.value);
      saveNotes(notes);
    });
    const button = (what: GuardStep, label: string, enabled: boolean): HTMLButtonElement => {
      const b = h('button', {
        class: `btn big act-${what}`,
        text: label,
        attrs: { type: 'button', 'data-action': what },
        on: { click: () => void act(i, what) },
      });
      b.disabled = !enabled || busy.has(i.id);
      return b;
    };
    const msg = messages.get(i.id);
    const zones = zoneLine(i);
    const phones = (site?.contacts ?? [])
      .map((c) => ({ c, url: telUrl(c.phone) }))
      .filter((x): x is { c: { name: string; phone: string }; url: string } => x.url !== null)
      .map(({ c, url }) => h('a', { class: 'btn tel', text: `${c.name} ${c.phone}`, attrs: { href: url, 'aria-label': t('guardCall', { name: c.name }) } }));
    const label = site?.doorPlate ? `${i.siteName} ${site.doorPlate}` : i.siteName;
    const location = site?.location ?? i.location;
    const shots = i.media.filter((m) => m.url && m.kind === 'snapshot').slice(-2);
    return h(
      'article',
      { class: `card p${i.priority} st-${i.status}`, dataset: { incident: i.id, priority: String(i.priority) }, attrs: { id: `incident-${i.id}` } },
      h(
        'header',
        {},
        h('span', { class: `prio-chip p${i.priority}`, text: w.priorities[i.priority] }),
        h('strong', { class: 'kind', text: w.kinds[i.kind] }),
        i.drill ? h('span', { class: 'badge badge-drill', text: t('badgeDrill'), title: t('badgeDrillTitle') }) : null,
      ),
      h(
        'div',
        { class: 'police' },
        h('span', { class: `status-chip st-${i.status}`, attrs: { 'data-status110': i.status }, text: `110 ${w.statuses[i.status]}` }),
        i.number ? h('span', { class: 'number', text: i.number }) : null,
        i.unit ? h('span', { class: 'unit', text: `${t('fieldUnit')} ${i.unit.name}` }) : null,
      ),
      h('div', { class: 'site', text: i.siteName }),
      site?.address ? h('div', { class: 'addr', text: site.address }) : null,
      h(
        'div',
        { class: 'meta' },
        site?.doorPlate ? h('span', { text: `${t('fieldDoorPlate')} ${site.doorPlate}` }) : null,
        h('span', { class: 'age', dataset: { since: i.openedAt }, text: formatAge(i.openedAt), title: formatTime(i.openedAt) }),
      ),
      zones ? h('div', { class: 'zones', text: zones }) : null,
      i.owner ? h('div', { class: 'owner', text: `${t('fieldOwner')}: ${i.owner}` }) : null,
      phones.length ? h('div', { class: 'phones' }, ...phones) : null,
      h(
        'div',
        { class: 'nav-links' },
        h('a', { class: 'btn nav-amap', text: t('guardNavAmap'), attrs: { href: amapUrl(location, label), target: '_blank', rel: 'noopener noreferrer' } }),
        h('a', { class: 'btn nav-geo', text: t('guardNavMap'), attrs: { href: geoUrl(location, label) } }),
      ),
      h('div', { class: 'property', attrs: { 'data-property': i.property?.status ?? 'waiting' }, text: propertyLine(i) }),
      shots.length ? h('div', { class: 'shots' }, ...shots.map((m) => h('img', { attrs: { src: m.url!, alt: m.cameraId, loading: 'lazy' } }))) : null,
      note,
      h(
        'div',
        { class: 'card-actions' },
        button('guard_ack', t('guardAck'), guardActionApplies('guard_ack', i.property)),
        button('guard_onscene', t('guardOnScene'), oneTapOnScene(i)),
        button('false_alarm', t('guardVerifyFalse'), guardActionApplies('guard_verify', i.property)),
        button('confirmed', t('guardVerifyReal'), guardActionApplies('guard_verify', i.property)),
      ),
      msg ? h('p', { class: `action-message ${msg.ok ? 'ok' : 'err'}`, text: msg.text }) : null,
    );
  }

  function propertyLine(i: Incident): string {
    const p = i.property;
    const finding = p?.finding ? t(p.finding === 'false_alarm' ? 'findingFalse' : 'findingConfirmed') : '';
    return [`${t('fieldProperty')}: ${t(PROPERTY_WORD[p?.status ?? 'waiting'])}`, p?.owner ?? '', finding].filter(Boolean).join(' · ');
  }

  function render(): void {
    heading.textContent = t('guardMine');
    const focused =
      document.activeElement instanceof HTMLTextAreaElement ? document.activeElement.closest<HTMLElement>('[data-incident]')?.dataset.incident : undefined;
    const items = state.sorted();
    list.replaceChildren(...items.map(card));
    if (focused) list.querySelector<HTMLTextAreaElement>(`[data-incident="${CSS.escape(focused)}"] textarea`)?.focus();
    empty.textContent = t('guardEmpty');
    empty.hidden = items.length > 0;
    renderNotify();
  }
  state.onChange(() => render());
  onLangChange(() => {
    top.render();
    render();
  });
  setInterval(() => {
    for (const el of list.querySelectorAll<HTMLElement>('.age')) if (el.dataset.since) el.textContent = formatAge(el.dataset.since);
  }, 1000);
  render();
  keeper.start();
}

const NOTES_KEY = 'sg-guard-notes';

/** Notes typed and not yet sent, kept across re-renders and a reload of the page (this tab only). */
function loadNotes(): Map<string, string> {
  try {
    const raw = JSON.parse(sessionStorage.getItem(NOTES_KEY) ?? '{}') as unknown;
    if (raw && typeof raw === 'object') return new Map(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    // storage blocked or unreadable: notes last as long as the page
  }
  return new Map();
}

function saveNotes(notes: Map<string, string>): void {
  try {
    sessionStorage.setItem(NOTES_KEY, JSON.stringify(Object.fromEntries([...notes].filter(([, v]) => v.trim()))));
  } catch {
    // storage blocked: notes last as long as the page
  }
}

void main();
