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
import { actionApplies } from '../../src/contract/workflow.js';
import { fetchSession } from './api.js';
import { Alerter } from './alert.js';
import { loadDirectory, type SiteInfo } from './directory.js';
import { byId, h } from './dom.js';
import { formatAge, formatTime } from './format.js';
import { TopBar } from './header.js';
import { IncidentState } from './incidents.js';
import { onLangChange, t, words } from './i18n/index.js';
import { LiveLink } from './live.js';
import { roleGate } from './role-gate.js';
import { SessionKeeper } from './session-keeper.js';

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

  /** One tap from 待受理 acknowledges first and then reports on scene (act below), so it applies where either step does. */
  function oneTapOnScene(i: Incident): boolean {
    return actionApplies('ack', i.status) || actionApplies('onscene', i.status);
  }

  async function act(i: Incident, what: 'ack' | 'onscene' | 'false'): Promise<void> {
    if (busy.has(i.id)) return;
    busy.add(i.id);
    render();
    const note = notes.get(i.id)?.trim() || undefined;
    let reply: CommandReply;
    if (what === 'ack') reply = await link.command('incident:ack', { id: i.id });
    else if (what === 'onscene') {
      // One tap from 待受理: acknowledge first (the workflow needs an owner), then on scene.
      reply = i.status === 'new' ? await link.command('incident:ack', { id: i.id }) : { ok: true, incident: i };
      if (reply.ok) reply = await link.command('incident:onscene', { id: i.id, ...(note ? { note } : {}) });
    } else reply = await link.command('incident:close', { id: i.id, disposition: 'false', ...(note ? { note } : {}) });
    busy.delete(i.id);
    if (reply.ok) {
      notes.delete(i.id);
      messages.set(i.id, { text: t('done'), ok: true });
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
    const button = (what: 'ack' | 'onscene' | 'false', label: string, enabled: boolean): HTMLButtonElement => {
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
      shots.length ? h('div', { class: 'shots' }, ...shots.map((m) => h('img', { attrs: { src: m.url!, alt: m.cameraId, loading: 'lazy' } }))) : null,
      note,
      h(
        'div',
        { class: 'card-actions' },
        button('ack', t('actAck'), actionApplies('ack', i.status)),
        button('onscene', t('actOnScene'), oneTapOnScene(i)),
        button('false', t('actFalse'), actionApplies('close', i.status)),
      ),
      msg ? h('p', { class: `action-message ${msg.ok ? 'ok' : 'err'}`, text: msg.text }) : null,
    );
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
