/**
 * The guard page (`/guard`), phone-sized: only the incidents of the guard's sites (namespace
 * /guard), a sound and a browser notification for each new one, and one tap for 签收 / 到场 / 误报
 * with an optional note.
 */
import './styles/base.css';
import './styles/guard.css';
import type { Priority } from '../../src/contract/alarm-event.js';
import type { Incident } from '../../src/contract/incident.js';
import type { CommandReply } from '../../src/contract/socket.js';
import type { PropertyStatus } from '../../src/contract/incident.js';
import { guardActionApplies } from '../../src/contract/workflow.js';
import { fetchSession } from './api.js';
import { Alerter } from './alert.js';
import { loadDirectory, refreshDirectory, type SiteInfo } from './directory.js';
import { byId, h } from './dom.js';
import { formatAge, formatTime } from './format.js';
import { TopBar } from './header.js';
import { IncidentState } from './incidents.js';
import { onLangChange, t, words } from './i18n/index.js';
import { LiveLink } from './live.js';
import { roleGate } from './role-gate.js';
import { SessionKeeper } from './session-keeper.js';

const PROPERTY_WORD = {
  waiting: 'propWaiting',
  acknowledged: 'propAcknowledged',
  on_scene: 'propOnScene',
  verified: 'propVerified',
} as const satisfies Record<PropertyStatus, string>;

async function main(): Promise<void> {
  const app = byId('app');
  const session = await fetchSession();
  if (!session || session.mustChangePassword) return void location.replace('/login');
  if (session.role !== 'guard' && session.role !== 'admin') return roleGate(app, session);
  const dir = await loadDirectory();
  const sites = new Map<string, SiteInfo>(dir.sites.map((s) => [s.id, s]));

  const state = new IncidentState();
  const alerter = new Alerter();
  const messages = new Map<string, { text: string; ok: boolean }>();
  const notes = new Map<string, string>();
  const busy = new Set<string>();

  const notifyBtn = h('button', { class: 'btn btn-small', attrs: { id: 'notify', type: 'button' }, on: { click: () => void askNotify() } });
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
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    const w = words();
    // Notification text is plain text: no markup is interpreted.
    const n = new Notification(`${t('newIncident')} · ${w.priorities[i.priority]} ${w.kinds[i.kind]}`, {
      body: `${i.siteName}\n${sites.get(i.siteId)?.address ?? ''}`,
      tag: i.id,
    });
    n.onclick = () => {
      window.focus();
      document.querySelector(`[data-incident="${CSS.escape(i.id)}"]`)?.scrollIntoView({ block: 'center' });
    };
  }

  async function askNotify(): Promise<void> {
    if ('Notification' in window && Notification.permission === 'default') await Notification.requestPermission();
    renderNotify();
  }

  function renderNotify(): void {
    const p = 'Notification' in window ? Notification.permission : 'denied';
    notifyBtn.textContent = p === 'granted' ? t('guardNotifyOn') : p === 'denied' ? t('guardNotifyDenied') : t('guardNotify');
    notifyBtn.disabled = p !== 'default';
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
      notes.delete(i.id);
      // Say where the property track stands, not "done": the 110 incident is still the station's.
      messages.set(i.id, { text: t(PROPERTY_WORD[reply.incident.property?.status ?? 'waiting']), ok: true });
    } else messages.set(i.id, { text: t('failed', { error: reply.error }), ok: false });
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
    note.addEventListener('input', () => notes.set(i.id, note.value));
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
    const shots = i.media.filter((m) => m.url && m.kind === 'snapshot').slice(-2);
    return h(
      'article',
      { class: `card p${i.priority} st-${i.status}`, dataset: { incident: i.id, priority: String(i.priority) } },
      h(
        'header',
        {},
        h('span', { class: `prio-chip p${i.priority}`, text: w.priorities[i.priority] }),
        h('strong', { class: 'kind', text: w.kinds[i.kind] }),
        h('span', { class: `status-chip st-${i.status}`, text: w.statuses[i.status] }),
      ),
      h('div', { class: 'site', text: i.siteName }),
      site?.address ? h('div', { class: 'addr', text: site.address }) : null,
      h(
        'div',
        { class: 'meta' },
        site?.doorPlate ? h('span', { text: `${t('fieldDoorPlate')} ${site.doorPlate}` }) : null,
        h('span', { class: 'age', dataset: { since: i.openedAt }, text: formatAge(i.openedAt), title: formatTime(i.openedAt) }),
      ),
      i.owner ? h('div', { class: 'owner', text: `${t('fieldOwner')}: ${i.owner}` }) : null,
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

void main();
