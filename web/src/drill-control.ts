/**
 * 演练 control (issue 15): the console's form to start a drill — sites of the directory (the hub
 * sends only the caller's scope) or the caller's own station, a duration, a name or note — and the
 * list of running drills with 结束演练. Commands go over the socket (`drill:start`, `drill:end`)
 * and their refusals are shown in words (refusalText). The running drills come from the banner,
 * which follows GET /api/drills and the `drill:started` / `drill:ended` pushes.
 * Only operators and admins reach the console; guards and installers never load this.
 */
import type { Drill, DrillBody, DrillReply } from '../../src/contract/drill.js';
import type { SessionInfo } from './api.js';
import type { Directory } from './directory.js';
import { h } from './dom.js';
import type { DrillBanner } from './drill-banner.js';
import { formatTime } from './format.js';
import type { TextKey } from './i18n/catalogue.js';
import { t } from './i18n/index.js';
import { refusalText } from './messages.js';
import './styles/drill.css';

/** The offered durations in seconds; `custom` takes minutes up to the contract's 24 h (DRILL_MAX_SECONDS). */
const DURATIONS: ReadonlyArray<{ value: string; key: TextKey }> = [
  { value: '900', key: 'drill15m' },
  { value: '1800', key: 'drill30m' },
  { value: '3600', key: 'drill1h' },
  { value: '7200', key: 'drill2h' },
  { value: 'custom', key: 'drillCustom' },
];
const MAX_MINUTES = 24 * 60;
/** Sites named in a list row before "+n". */
const SITES_SHOWN = 3;

type Send = {
  start(body: DrillBody<'start'>): Promise<DrillReply>;
  end(id: string): Promise<DrillReply>;
};

export class DrillControl {
  /** The top bar's button that opens the panel. */
  readonly button: HTMLButtonElement;
  readonly panel: HTMLElement;
  private readonly heading = h('h2', { attrs: { id: 'drill-heading' } });
  private readonly targetSites: HTMLInputElement;
  private readonly targetStation: HTMLInputElement | null;
  private readonly sites: HTMLSelectElement;
  private readonly duration: HTMLSelectElement;
  private readonly custom: HTMLInputElement;
  private readonly name: HTMLInputElement;
  private readonly startBtn: HTMLButtonElement;
  private readonly message = h('p', { class: 'action-message', attrs: { id: 'drill-msg', role: 'status' } });
  private readonly listHeading = h('h3');
  private readonly list = h('ul', { class: 'drill-list', attrs: { id: 'drill-list' } });
  /** Labels keyed by catalogue text, relabelled on a language change. */
  private readonly labels: Array<[HTMLElement, TextKey]> = [];
  private messageKey: { key: TextKey; params?: Record<string, string | number>; ok: boolean } | null = null;
  private messageRaw: { text: string; ok: boolean } | null = null;
  private busy = false;
  /** The caller's own station, when the directory knows it. */
  private readonly stationId: string | null;

  constructor(
    private readonly dir: Directory,
    session: SessionInfo,
    private readonly banner: DrillBanner,
    private readonly send: Send,
  ) {
    this.button = h('button', {
      class: 'btn btn-small',
      attrs: { type: 'button', id: 'drill-open', 'aria-controls': 'drill-panel' },
      on: { click: () => this.toggle() },
    });
    const label = (key: TextKey, forId: string): HTMLLabelElement => {
      const el = h('label', { attrs: { for: forId } });
      this.labels.push([el, key]);
      return el;
    };
    this.targetSites = h('input', {
      attrs: { type: 'radio', name: 'drill-target', value: 'sites', id: 'drill-target-sites' },
      on: { change: () => this.syncTarget() },
    });
    this.targetSites.checked = true;
    // The caller's own station (an operator's binding); an admin, bound to none, drills sites.
    const station = session.station ? dir.stations.find((s) => s.id === session.station) : undefined;
    this.stationId = station?.id ?? null;
    this.targetStation = station
      ? h('input', { attrs: { type: 'radio', name: 'drill-target', value: 'station', id: 'drill-target-station' }, on: { change: () => this.syncTarget() } })
      : null;
    this.sites = h('select', { attrs: { id: 'drill-sites', multiple: '', size: '6' } });
    for (const s of [...dir.sites].sort((a, b) => a.id.localeCompare(b.id)))
      this.sites.append(h('option', { text: `${s.name} (${s.id})`, attrs: { value: s.id } }));
    this.duration = h('select', { attrs: { id: 'drill-duration' }, on: { change: () => this.syncDuration() } });
    for (const d of DURATIONS) this.duration.append(h('option', { attrs: { value: d.value } }));
    this.duration.value = '3600';
    this.custom = h('input', { attrs: { id: 'drill-custom', type: 'number', min: '1', max: String(MAX_MINUTES), step: '1', inputmode: 'numeric' } });
    this.name = h('input', { attrs: { id: 'drill-name', type: 'text', maxlength: '200', autocomplete: 'off' } });
    this.startBtn = h('button', { class: 'btn btn-primary', attrs: { type: 'submit', id: 'drill-start' } });
    const stationName = h('span', { class: 'muted', text: station ? station.name : '' });
    const form = h(
      'form',
      {
        class: 'drill-form',
        attrs: { id: 'drill-form', novalidate: '' },
        on: {
          submit: (e) => {
            e.preventDefault();
            void this.start();
          },
        },
      },
      h(
        'div',
        { class: 'drill-targets' },
        h('span', { class: 'drill-choice' }, this.targetSites, label('drillTargetSites', 'drill-target-sites')),
        this.targetStation && h('span', { class: 'drill-choice' }, this.targetStation, label('drillTargetStation', 'drill-target-station'), stationName),
      ),
      this.sites,
      h('div', { class: 'drill-row' }, label('drillDuration', 'drill-duration'), this.duration, this.custom, label('drillMinutes', 'drill-custom')),
      h('div', { class: 'drill-row' }, label('drillName', 'drill-name'), this.name),
      h('div', { class: 'drill-row' }, this.startBtn),
      this.message,
    );
    this.panel = h(
      'section',
      { class: 'panel drill-panel', attrs: { id: 'drill-panel', 'aria-labelledby': 'drill-heading' } },
      h(
        'header',
        { class: 'board-head' },
        this.heading,
        h('button', { class: 'btn btn-small', attrs: { type: 'button', id: 'drill-close' }, text: '×', on: { click: () => this.toggle(false) } }),
      ),
      h('div', { class: 'drill-body' }, form, this.listHeading, this.list),
    );
    this.panel.hidden = true;
    banner.onChange(() => this.renderList());
    this.syncTarget();
    this.syncDuration();
    this.relabel();
  }

  toggle(show = this.panel.hidden): void {
    this.panel.hidden = !show;
    this.button.setAttribute('aria-expanded', String(show));
    if (show) this.renderList();
  }

  relabel(): void {
    this.heading.textContent = t('drillTitle');
    this.button.textContent = t('drillOpen');
    for (const [el, key] of this.labels) el.textContent = t(key);
    DURATIONS.forEach((d, n) => {
      const o = this.duration.options[n];
      if (o) o.textContent = t(d.key);
    });
    this.sites.setAttribute('aria-label', t('drillSites'));
    this.startBtn.textContent = t('drillStart');
    this.listHeading.textContent = t('drillRunning');
    this.showMessage();
    this.renderList();
  }

  private syncTarget(): void {
    this.sites.disabled = this.targetStation?.checked === true;
  }

  private syncDuration(): void {
    const custom = this.duration.value === 'custom';
    this.custom.hidden = !custom;
    const unit = this.labels.find(([, k]) => k === 'drillMinutes')?.[0];
    if (unit) unit.hidden = !custom;
  }

  /** What the form asks for, or the words saying what is missing (checked again by the hub). */
  private body(): DrillBody<'start'> | TextKey {
    let durationSeconds: number;
    if (this.duration.value === 'custom') {
      const minutes = Number(this.custom.value);
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MINUTES) return 'drillBadDuration';
      durationSeconds = minutes * 60;
    } else durationSeconds = Number(this.duration.value);
    const name = this.name.value.trim();
    const base = { durationSeconds, ...(name ? { name } : {}) };
    if (this.targetStation?.checked && this.stationId) return { ...base, station: this.stationId };
    const sites = [...this.sites.selectedOptions].map((o) => o.value);
    if (sites.length === 0) return 'drillPickSites';
    return { ...base, sites };
  }

  private async start(): Promise<void> {
    if (this.busy) return;
    const body = this.body();
    if (typeof body === 'string') return this.say(body, undefined, false);
    this.busy = true;
    this.startBtn.disabled = true;
    try {
      const reply = await this.send.start(body);
      if (reply.ok) {
        this.banner.started(reply.drill);
        this.say('drillStartedMsg', { name: this.describe(reply.drill) }, true);
        for (const o of [...this.sites.options]) o.selected = false;
        this.name.value = '';
      } else this.sayRaw(t('failed', { error: refusalText(reply) }), false);
    } finally {
      this.busy = false;
      this.startBtn.disabled = false;
    }
  }

  private async end(d: Drill, btn: HTMLButtonElement): Promise<void> {
    btn.disabled = true;
    const reply = await this.send.end(d.id);
    if (reply.ok) {
      this.banner.ended(reply.drill);
      this.say('drillEndedMsg', { name: this.describe(reply.drill) }, true);
      return;
    }
    this.sayRaw(t('failed', { error: refusalText(reply) }), false);
    // Already ended, or gone from the caller's scope: the list was stale (a missed push); read it again.
    if (reply.code === 'drill_ended' || reply.code === 'not_found') void this.banner.refresh();
    else btn.disabled = false;
  }

  /** A drill in a line: its name (or 演练), then its station or sites. */
  private describe(d: Drill): string {
    const name = d.name ?? t('badgeDrill');
    let where: string;
    if (d.stationId !== null) where = this.dir.stations.find((s) => s.id === d.stationId)?.name ?? d.stationId;
    else {
      const names = d.siteIds.slice(0, SITES_SHOWN).map((id) => this.dir.sites.find((s) => s.id === id)?.name ?? id);
      where = names.join('、') + (d.siteIds.length > SITES_SHOWN ? ` +${d.siteIds.length - SITES_SHOWN}` : '');
    }
    return `${name} · ${where}`;
  }

  private renderList(): void {
    const running = this.banner.running();
    if (running.length === 0) {
      this.list.replaceChildren(h('li', { class: 'muted drill-none', text: t('drillNone') }));
      return;
    }
    this.list.replaceChildren(
      ...running.map((d) => {
        const btn = h('button', { class: 'btn btn-small drill-end', attrs: { type: 'button', 'data-drill-end': d.id }, text: t('drillEnd') });
        btn.addEventListener('click', () => void this.end(d, btn));
        return h(
          'li',
          { dataset: { drill: d.id } },
          h('span', { class: 'drill-what', text: this.describe(d) }),
          h('span', { class: 'muted', text: t('drillUntil', { time: formatTime(d.endsAt, false), by: d.startedBy }) }),
          btn,
        );
      }),
    );
  }

  private say(key: TextKey, params: Record<string, string | number> | undefined, ok: boolean): void {
    this.messageRaw = null;
    this.messageKey = { key, ...(params ? { params } : {}), ok };
    this.showMessage();
  }

  /** A refusal: the hub's words are already in the page's language when shown (not re-said on a switch). */
  private sayRaw(text: string, ok: boolean): void {
    this.messageKey = null;
    this.messageRaw = { text, ok };
    this.showMessage();
  }

  private showMessage(): void {
    const m = this.messageKey ? { text: t(this.messageKey.key, this.messageKey.params), ok: this.messageKey.ok } : this.messageRaw;
    this.message.textContent = m?.text ?? '';
    this.message.classList.toggle('ok', m?.ok === true);
    this.message.classList.toggle('err', m !== null && !m.ok);
  }
}
