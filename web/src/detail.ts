/**
 * Incident detail: who and where (site, address, door plate, pole, contacts), the grid cell and its
 * grid leader, the station, zones, why it has its priority, the full timeline (REST: pushes carry
 * only the latest entries), snapshots and live view, and the workflow buttons with their keys.
 */
import type { Incident, SiteHistory, TimelineEntry } from '../../src/contract/incident.js';
import type { CommandEvent, CommandPayload } from '../../src/contract/commands.js';
import type { CommandReply } from '../../src/contract/socket.js';
import type { Role } from '../../src/contract/roles.js';
import { KEYHOLDER_CALL_OUTCOMES, type KeyholderCallOutcome, type PropertyStatus } from '../../src/contract/incident.js';
import {
  actionApplies,
  COMMAND_EVENT_OF,
  nextContact,
  type IncidentAction,
  type OwnershipAction,
  ownershipActionApplies,
} from '../../src/contract/workflow.js';
import { getJson, HttpError } from './api.js';
import type { CameraInfo, Directory, SiteInfo } from './directory.js';
import { h } from './dom.js';
import { tickCountdowns } from './countdowns.js';
import { escalationCountdown } from './escalation-clock.js';
import { formatDuration, formatTime, serverNow } from './format.js';
import { pick, t, words } from './i18n/index.js';
import type { LiveLink } from './live.js';
import { entryText, eventDetail, mediaError, reasonText, refusalText } from './messages.js';
import { printIncident, type PrintKind } from './print.js';
import { LiveViewer } from './live-view.js';

/** The workflow's actions (src/contract/workflow.ts); which apply to an incident is the contract's `actionApplies`. */
export type Action = IncidentAction;

const ACTIONS: ReadonlyArray<{
  action: Action;
  key: string;
  label: 'actAck' | 'actDispatch' | 'actOnScene' | 'actFeedback' | 'actClose' | 'actNote' | 'actTransfer' | 'actCall';
}> = [
  { action: 'ack', key: 'A', label: 'actAck' },
  { action: 'dispatch', key: 'D', label: 'actDispatch' },
  { action: 'onscene', key: 'S', label: 'actOnScene' },
  { action: 'feedback', key: 'F', label: 'actFeedback' },
  { action: 'close', key: 'C', label: 'actClose' },
  { action: 'note', key: 'N', label: 'actNote' },
  { action: 'transfer', key: 'T', label: 'actTransfer' },
  { action: 'call', key: 'L', label: 'actCall' },
];

const CALL_WORD = {
  answered: 'callAnswered',
  no_answer: 'callNoAnswer',
  coming: 'callComing',
  cancelled_by_owner: 'callCancelled',
  wrong_number: 'callWrongNumber',
} as const satisfies Record<KeyholderCallOutcome, string>;

const PROPERTY_WORD = {
  waiting: 'propWaiting',
  acknowledged: 'propAcknowledged',
  on_scene: 'propOnScene',
  verified: 'propVerified',
} as const satisfies Record<PropertyStatus, string>;

/** Seconds as the console shows a duration (`21分08秒`); — until the step happened. */
const secs = (n: number | null): string => (n === null ? t('none') : formatDuration(n));

/**
 * Ownership actions, shown only to whom they apply: the owner hands an incident over (shift change,
 * wrong desk); an admin takes one over from an owner who is away (or from nobody, when it waits).
 */
const OWNER_ACTIONS: ReadonlyArray<{ action: OwnershipAction; label: 'actHandover' | 'actTakeover' | 'actMakeReal' }> = [
  { action: 'handover', label: 'actHandover' },
  { action: 'takeover', label: 'actTakeover' },
  // 转为真实警情: on a drill incident (演练) only, for any operator of its scope (issue 15).
  { action: 'make_real', label: 'actMakeReal' },
];

export interface Me {
  username: string;
  role: Role;
}

function allowed(action: Action, i: Incident): boolean {
  return actionApplies(action, i.status);
}

export class DetailPanel {
  readonly el: HTMLElement;
  private current: Incident | null = null;
  private full: Incident | null = null;
  private site: SiteInfo | null = null;
  private form: Action | null = null;
  /** The open form, built once: a push that re-renders the panel must not wipe what is being typed. */
  private formEl: HTMLFormElement | null = null;
  private message: { text: string; ok: boolean } | null = null;
  private live: LiveViewer | null = null;
  private fetchTimer: ReturnType<typeof setTimeout> | null = null;
  private busy = false;
  /** The shown site's address history (GET /api/sites/:id/incidents); null until it arrives. */
  private history: SiteHistory | null = null;

  constructor(
    private readonly dir: Directory,
    private readonly link: LiveLink,
    private readonly onClose: () => void,
    private readonly me: Me,
  ) {
    this.el = h('section', { class: 'detail panel', attrs: { id: 'detail', 'aria-live': 'polite' } });
    this.render();
    setInterval(() => {
      tickCountdowns(this.el);
      const badge = this.el.querySelector('#waiting-guard');
      if (badge && this.current) this.tickWaiting(badge, this.current);
    }, 1000);
  }

  get incidentId(): string | null {
    return this.current?.id ?? null;
  }

  show(i: Incident | null): void {
    if (i?.id !== this.current?.id) {
      this.stopLive();
      this.full = null;
      this.site = i ? (this.dir.sites.find((s) => s.id === i.siteId) ?? null) : null;
      this.form = null;
      this.formEl = null;
      this.message = null;
      this.loadHistory(i);
    }
    this.current = i;
    this.render();
    if (i) this.fetchFull(0);
  }

  /** A push for the shown incident (or its closing). */
  update(i: Incident): void {
    if (i.id !== this.current?.id || i.version < this.current.version) return;
    this.current = i;
    this.render();
    this.fetchFull(150);
  }

  relabel(): void {
    this.render();
  }

  /** A workflow step from a button or a key. */
  act(action: Action): void {
    const i = this.current;
    if (!i || !allowed(action, i) || this.busy) return;
    // Steps that take no input are sent at once; the others open their form.
    if (action === 'ack' || action === 'onscene' || action === 'takeover' || action === 'make_real')
      return void this.run(COMMAND_EVENT_OF[action], { id: i.id });
    if (action.startsWith('guard_')) return;
    this.form = action;
    this.formEl = null;
    this.message = null;
    this.render();
    this.el.querySelector<HTMLElement>('.action-form input, .action-form select, .action-form textarea')?.focus();
  }

  /** 打印出警单 / 处警报告 (print.ts): the paper carries the timeline exactly as shown here. */
  print(kind: PrintKind): void {
    const i = this.current;
    if (!i) return;
    const cell = this.dir.cells.find((c) => c.properties.id === i.gridCellId)?.properties ?? null;
    void printIncident(kind, i, {
      site: this.site,
      cell,
      stationName: (id) => (id ? (this.dir.stations.find((s) => s.id === id)?.name ?? id) : t('none')),
      cameraName: (id) => this.dir.cameras.find((c) => c.id === id && c.siteId === i.siteId)?.name ?? id,
      natureName: (code) => {
        const n = this.dir.workflow.natures.find((x) => x.code === code);
        return n ? pick(n.zh, n.en) : code;
      },
      timeline: this.el.querySelector<HTMLElement>('#timeline'),
      by: this.me.username,
    });
  }

  cancelForm(): boolean {
    if (!this.form) return false;
    this.form = null;
    this.formEl = null;
    this.render();
    return true;
  }

  private async run<E extends CommandEvent>(event: E, req: CommandPayload<E>): Promise<void> {
    this.busy = true;
    const reply: CommandReply = await this.link.command(event, req);
    this.busy = false;
    if (reply.ok) {
      this.form = null;
      this.formEl = null;
      this.message = { text: t('done'), ok: true };
      if (reply.incident.version >= (this.current?.version ?? 0)) this.current = reply.incident;
    } else {
      this.message = { text: t('failed', { error: refusalText(reply) }), ok: false };
    }
    this.render();
    this.fetchFull(100);
  }

  private fetchFull(delayMs: number): void {
    if (this.fetchTimer) clearTimeout(this.fetchTimer);
    const id = this.current?.id;
    if (!id) return;
    this.fetchTimer = setTimeout(() => {
      getJson<Incident>(`/api/incidents/${encodeURIComponent(id)}`).then(
        (full) => {
          if (full.id !== this.current?.id) return;
          this.full = full;
          if (full.version > this.current.version) this.current = full;
          this.render();
        },
        (err: unknown) => {
          // Closed incidents leave the live list; the last pushed version stays on screen.
          if (!(err instanceof HttpError)) throw err;
        },
      );
    }, delayMs);
  }

  /** The site's incidents of the last 90 days, fetched once per shown incident. */
  private loadHistory(i: Incident | null): void {
    this.history = null;
    if (!i) return;
    getJson<SiteHistory>(`/api/sites/${encodeURIComponent(i.siteId)}/incidents?days=90`).then(
      (history) => {
        if (this.current?.siteId !== history.siteId) return;
        this.history = history;
        this.render();
      },
      (err: unknown) => {
        // Out of scope or offline: the detail simply shows no history.
        if (!(err instanceof HttpError)) throw err;
      },
    );
  }

  /** 警情编号 first in the facts, the previous incident of this category, and the community post. */
  private routingRows(i: Incident, stationName: (id: string | null) => string): HTMLElement[] {
    const row = (label: string, value: string): HTMLElement[] => [h('dt', { text: label }), h('dd', { text: value })];
    return [
      ...(i.number ? row(t('fieldNumber'), i.number) : []),
      ...(i.previousId ? row(t('fieldPrevious'), this.history?.incidents.find((p) => p.id === i.previousId)?.number ?? i.previousId) : []),
      ...(i.communityPostId ? row(t('fieldCommunityPost'), stationName(i.communityPostId)) : []),
    ];
  }

  /** Escalated how often, and the time left before the next escalation (ticking, on the hub's clock). */
  private escalationFact(i: Incident): HTMLElement {
    const left = escalationCountdown(i, serverNow());
    return h(
      'span',
      {},
      i.escalationLevel > 0 ? `${t('escalatedTimes', { n: i.escalationLevel })} ` : '',
      left
        ? h('span', {
            class: `esc-countdown${left.due ? ' due' : ''}`,
            dataset: { escalateAt: i.escalateAt ?? '' },
            text: t('escalatesIn', { time: formatDuration(left.seconds) }),
            title: t('escalatesAt', { time: formatTime(i.escalateAt!) }),
          })
        : '',
    );
  }

  /** Address history (地址历史): the site's other incidents of the last 90 days, with disposition and category. */
  private renderHistory(i: Incident): HTMLElement | null {
    const hist = this.history;
    if (!hist || hist.siteId !== i.siteId) return null;
    const w = words();
    const others = hist.incidents.filter((p) => p.id !== i.id);
    const title = h(
      'h3',
      { text: t('historyTitle', { days: hist.days }) },
      hist.falseAlarms > 0 ? h('span', { class: 'badge badge-repeat', text: t('historyFalse', { n: hist.falseAlarms }) }) : '',
    );
    if (others.length === 0) return h('div', { class: 'site-history' }, title, h('p', { class: 'muted', text: t('historyEmpty', { days: hist.days }) }));
    return h(
      'div',
      { class: 'site-history', attrs: { id: 'site-history' } },
      title,
      h(
        'ul',
        {},
        ...others
          .slice(0, 20)
          .map((p) =>
            h(
              'li',
              { dataset: { incident: p.id } },
              h('span', { class: 'muted', text: `${formatTime(p.openedAt)} ` }),
              h('span', { text: `${p.number ?? ''} ${w.categories[p.category]} · ${w.kinds[p.kind]} · ` }),
              h('strong', { text: p.disposition ? w.dispositions[p.disposition] : t('historyOpen') }),
            ),
          ),
      ),
    );
  }

  private stopLive(): void {
    // Ends the stream request, so the hub stops ffmpeg once nobody watches.
    this.live?.close();
    this.live = null;
  }

  private render(): void {
    const i = this.current;
    // What the panel shows, so a button pressed before a redraw and released after it is the same
    // button of the same incident (steady-click.ts).
    if (i) this.el.dataset.detailOf = i.id;
    else delete this.el.dataset.detailOf;
    if (!i) {
      this.el.replaceChildren(h('p', { class: 'empty', text: t('detailEmpty') }));
      return;
    }
    const w = words();
    const cell = this.dir.cells.find((c) => c.properties.id === i.gridCellId)?.properties;
    const stationName = (id: string | null): string => (id ? (this.dir.stations.find((s) => s.id === id)?.name ?? id) : t('none'));
    const site = this.site;
    const timeline = this.full && this.full.version >= i.version ? this.full.timeline : i.timeline;
    const omitted = this.full && this.full.version >= i.version ? this.full.timelineOmitted : i.timelineOmitted;
    const zoneNames = new Map<number, string>();
    for (const e of timeline) if (e.zone !== undefined && e.zone !== null && e.zoneName) zoneNames.set(e.zone, e.zoneName);

    const head = h(
      'header',
      { class: `detail-head p${i.priority}` },
      h(
        'div',
        { class: 'detail-title' },
        h('span', { class: `prio-chip big p${i.priority}`, text: w.priorities[i.priority] }),
        h('h2', { class: 'detail-kind', text: w.kinds[i.kind] }),
        h('span', { class: 'category', text: w.categories[i.category] }),
        i.drill ? h('span', { class: 'badge badge-drill', attrs: { id: 'detail-drill' }, text: t('badgeDrill'), title: t('badgeDrillTitle') }) : null,
      ),
      h('div', { class: 'detail-site', attrs: { id: 'detail-site' }, text: i.siteName }),
      h(
        'div',
        { class: 'detail-state' },
        h('span', { class: `status-chip st-${i.status}`, attrs: { id: 'detail-status' }, text: w.statuses[i.status] }),
        i.disposition ? h('span', { class: 'badge', text: w.dispositions[i.disposition] }) : null,
        i.owner ? h('span', { class: 'owner', attrs: { id: 'detail-owner' }, text: `${t('fieldOwner')}: ${i.owner}` }) : null,
        i.escalationLevel > 0 ? h('span', { class: 'badge badge-esc', text: t('badgeEscalated') }) : null,
        i.repeatOf ? h('span', { class: 'badge badge-repeat', text: t('badgeRepeat') }) : null,
        h('button', {
          class: 'btn btn-ghost close-detail',
          text: '×',
          title: t('detailClose'),
          attrs: { type: 'button' },
          on: { click: () => this.onClose() },
        }),
      ),
    );

    const actions = h(
      'div',
      { class: 'actions', attrs: { role: 'toolbar' } },
      ...ACTIONS.map(({ action, key, label }) => {
        const b = h(
          'button',
          { class: `btn act act-${action}`, attrs: { type: 'button', 'data-action': action }, on: { click: () => this.act(action) } },
          h('span', { text: t(label) }),
          h('kbd', { text: key }),
        );
        b.disabled = !allowed(action, i) || this.busy;
        return b;
      }),
      ...OWNER_ACTIONS.filter(({ action }) => ownershipActionApplies(action, i, this.me)).map(({ action, label }) => {
        const b = h(
          'button',
          { class: `btn act act-${action}`, attrs: { type: 'button', 'data-action': action }, on: { click: () => this.act(action) } },
          h('span', { text: t(label) }),
        );
        b.disabled = this.busy;
        return b;
      }),
      ...(['slip', 'report'] as const).map((kind) =>
        h('button', {
          class: 'btn act-print',
          text: t(kind === 'slip' ? 'actPrintSlip' : 'actPrintReport'),
          attrs: { type: 'button', 'data-print': kind },
          on: { click: () => this.print(kind) },
        }),
      ),
    );
    const msg = this.message
      ? h('p', { class: `action-message ${this.message.ok ? 'ok' : 'err'}`, attrs: { id: 'action-message', role: 'status' }, text: this.message.text })
      : null;

    const row = (label: string, value: Node | string | null): HTMLElement[] => [h('dt', { text: label }), h('dd', {}, value ?? t('none'))];
    const info = h(
      'dl',
      { class: 'facts' },
      ...row(t('fieldAddress'), site?.address ?? null),
      ...row(t('fieldDoorPlate'), site?.doorPlate ?? null),
      ...row(t('fieldPole'), site?.pole ?? null),
      ...row(
        t('fieldContacts'),
        site?.contacts.length
          ? h(
              'span',
              {},
              ...site.contacts.flatMap((c, k) => [
                k ? '；' : '',
                h('span', { text: `${c.name} ` }),
                h('a', { class: 'phone', text: c.phone, attrs: { href: `tel:${c.phone.replace(/[^0-9+]/g, '')}` } }),
              ]),
            )
          : null,
      ),
      ...row(t('fieldCell'), i.gridCellName ? `${i.gridCellName}${cell?.community ? ` · ${cell.community}` : ''}` : t('noCell')),
      ...row(
        t('fieldLeader'),
        cell?.leader
          ? h(
              'span',
              {},
              `${cell.leader} `,
              cell.phone ? h('a', { class: 'phone', text: cell.phone, attrs: { href: `tel:${cell.phone.replace(/[^0-9+]/g, '')}` } }) : '',
            )
          : null,
      ),
      ...row(t('fieldStation'), stationName(i.stationId)),
      ...(i.responsibleStationId && i.responsibleStationId !== i.stationId ? row(t('fieldResponsible'), stationName(i.responsibleStationId)) : []),
      ...row(t('fieldZones'), i.zones.length ? i.zones.map((z) => (zoneNames.get(z) ? `${z} ${zoneNames.get(z)}` : t('zone', { n: z }))).join('，') : null),
      ...row(t('fieldOpened'), formatTime(i.openedAt)),
      ...row(t('fieldReason'), reasonText(i)),
      ...(i.escalationLevel > 0 || i.escalateAt ? row(t('fieldEscalation'), this.escalationFact(i)) : []),
      ...this.routingRows(i, stationName),
      ...(i.repeatOf ? row(t('fieldRepeat'), t('repeatOf', { id: i.repeatOf })) : []),
      ...this.workflowRows(i, row),
    );

    // Re-attaching the open form moves it, which drops the focus: give the focus (and caret) back.
    const active = document.activeElement;
    const refocus = active instanceof HTMLElement && this.formEl?.contains(active) ? active : null;
    const caret = refocus instanceof HTMLInputElement || refocus instanceof HTMLTextAreaElement ? [refocus.selectionStart, refocus.selectionEnd] : null;
    this.el.replaceChildren(
      head,
      actions,
      this.renderForm(i) ?? '',
      msg ?? '',
      h(
        'div',
        { class: 'detail-body' },
        info,
        this.renderHistory(i),
        this.renderMedia(i),
        h('h3', { text: t('timeline') }),
        this.renderTimeline(timeline, omitted),
      ),
    );
    if (refocus) {
      refocus.focus();
      if (caret && (refocus instanceof HTMLInputElement || refocus instanceof HTMLTextAreaElement))
        refocus.setSelectionRange(caret[0] ?? null, caret[1] ?? null);
    }
  }

  private renderForm(i: Incident): HTMLElement | null {
    if (!this.form) return null;
    if (this.formEl) return this.formEl;
    const note = h('textarea', { attrs: { id: 'form-note', rows: '2', maxlength: '1000', placeholder: t('notePlaceholder') } });
    const fields: HTMLElement[] = [];
    let submit: () => void;
    const withNote = (): { note?: string } => (note.value.trim() ? { note: note.value.trim() } : {});
    const natureSelect = (id: string, blank: boolean): HTMLSelectElement =>
      h(
        'select',
        { attrs: { id } },
        ...(blank ? [h('option', { text: t('natureKeep'), attrs: { value: '' } })] : []),
        ...this.dir.workflow.natures.map((n) => h('option', { text: pick(n.zh, n.en), attrs: { value: n.code } })),
      );
    if (this.form === 'dispatch') {
      // 派警 picks one of the responsible station's units (config/stations.yaml `units:`).
      const units = this.dir.stations.find((s) => s.id === i.responsibleStationId)?.units ?? [];
      const unit = h(
        'select',
        { attrs: { id: 'form-unit', required: '' } },
        ...units.map((u) =>
          h('option', { text: `${u.name}${u.officers.length ? `（${u.officers.map((o) => o.name).join('、')}）` : ''}`, attrs: { value: u.id } }),
        ),
      );
      fields.push(
        units.length ? h('label', {}, h('span', { text: t('unitLabel') }), unit) : h('p', { class: 'action-message err', text: t('noUnits') }),
        h('label', {}, h('span', { text: t('noteLabel') }), note),
      );
      submit = () => {
        // guard_first: 派警 before the guard's verification is allowed, after a confirmation.
        if (i.guardFirst && i.property?.status !== 'verified' && !window.confirm(t('dispatchBeforeGuard'))) return;
        void this.run('incident:dispatch', { id: i.id, unit: unit.value, ...withNote() });
      };
    } else if (this.form === 'feedback') {
      const text = h('textarea', { attrs: { id: 'form-feedback', rows: '2', maxlength: '1000', required: '' } });
      const nature = natureSelect('form-nature', false);
      fields.push(h('label', {}, h('span', { text: t('feedbackLabel') }), text), h('label', {}, h('span', { text: t('natureLabel') }), nature));
      submit = () => void this.run('incident:feedback', { id: i.id, text: text.value.trim(), nature: nature.value });
    } else if (this.form === 'close') {
      const sel = h(
        'select',
        { attrs: { id: 'form-disposition' } },
        ...(['real', 'false', 'test', 'duplicate', 'cancelled'] as const).map((d) => h('option', { text: words().dispositions[d], attrs: { value: d } })),
      );
      const nature = natureSelect('form-close-nature', true);
      fields.push(
        h('label', {}, h('span', { text: t('dispositionLabel') }), sel),
        h('label', {}, h('span', { text: t('natureLabel') }), nature),
        h('label', {}, h('span', { text: t('noteLabel') }), note),
      );
      submit = () => void this.run('incident:close', { id: i.id, disposition: sel.value, ...(nature.value ? { nature: nature.value } : {}), ...withNote() });
    } else if (this.form === 'transfer') {
      const targets = this.dir.stations.filter((s) => s.tier !== 'community' && s.id !== i.responsibleStationId);
      const to = h('select', { attrs: { id: 'form-transfer', required: '' } }, ...targets.map((s) => h('option', { text: s.name, attrs: { value: s.id } })));
      fields.push(h('label', {}, h('span', { text: t('transferLabel') }), to), h('label', {}, h('span', { text: t('noteLabel') }), note));
      submit = () => void this.run('incident:transfer', { id: i.id, to: to.value, ...withNote() });
    } else if (this.form === 'call') {
      const contacts = this.site?.contacts ?? [];
      const suggested = nextContact(i.calls, contacts.length);
      const who = h(
        'select',
        { attrs: { id: 'form-contact' } },
        ...contacts.map((c, k) => h('option', { text: `${c.name} ${c.phone}${k === suggested ? ` · ${t('nextContact')}` : ''}`, attrs: { value: String(k) } })),
      );
      if (suggested !== null) who.value = String(suggested);
      const outcome = h(
        'select',
        { attrs: { id: 'form-outcome' } },
        ...KEYHOLDER_CALL_OUTCOMES.map((o) => h('option', { text: t(CALL_WORD[o]), attrs: { value: o } })),
      );
      // The password is typed, sent once and checked by the hub; it is never shown back.
      const password = h('input', { attrs: { id: 'form-password', type: 'password', autocomplete: 'off', maxlength: '100' } });
      fields.push(
        h('label', {}, h('span', { text: t('contactLabel') }), who),
        h('label', {}, h('span', { text: t('outcomeLabel') }), outcome),
        h('label', {}, h('span', { text: t('verbalPasswordLabel') }), password),
        h('label', {}, h('span', { text: t('noteLabel') }), note),
      );
      submit = () =>
        void this.run('incident:call', {
          id: i.id,
          contact: Number(who.value),
          outcome: outcome.value as KeyholderCallOutcome,
          ...(outcome.value === 'cancelled_by_owner' && password.value ? { password: password.value } : {}),
          ...withNote(),
        });
    } else if (this.form === 'handover') {
      const to = h('input', { attrs: { id: 'form-handover', maxlength: '64', placeholder: t('handoverPlaceholder'), required: '', autocomplete: 'off' } });
      fields.push(h('label', {}, h('span', { text: t('handoverLabel') }), to));
      submit = () => void this.run('incident:handover', { id: i.id, to: to.value.trim() });
    } else {
      note.required = true;
      fields.push(h('label', {}, h('span', { text: t('noteLabel') }), note));
      submit = () => void this.run('incident:note', { id: i.id, text: note.value.trim() });
    }
    const form = h(
      'form',
      { class: 'action-form', attrs: { id: 'action-form', 'data-form': this.form } },
      ...fields,
      h(
        'div',
        { class: 'form-buttons' },
        h('button', { class: 'btn btn-primary', text: t('confirm'), attrs: { type: 'submit' } }),
        h('button', { class: 'btn', text: t('cancel'), attrs: { type: 'button' }, on: { click: () => this.cancelForm() } }),
      ),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submit();
    });
    this.formEl = form;
    // Enter in the note sends (Shift+Enter for a new line), as in the other fields.
    note.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    return form;
  }

  /** The 110 workflow on the incident: unit, 反馈 and nature, durations, calls, the guard's track and the guard_first wait. */
  private workflowRows(i: Incident, row: (label: string, value: Node | string | null) => HTMLElement[]): HTMLElement[] {
    const out: HTMLElement[] = [];
    if (i.unit) {
      const officers = i.unit.officers.map((o) => `${o.name}${o.phone ? ` ${o.phone}` : ''}`).join('、');
      out.push(...row(t('fieldUnit'), `${i.unit.name}${officers ? `（${officers}）` : ''}`));
    }
    const nature = i.nature ? this.dir.workflow.natures.find((n) => n.code === i.nature) : undefined;
    if (i.nature) out.push(...row(t('fieldNature'), nature ? pick(nature.zh, nature.en) : i.nature));
    if (i.feedback) out.push(...row(t('fieldFeedback'), `${i.feedback.text} · ${i.feedback.by} ${formatTime(i.feedback.at, false)}`));
    const tm = i.times;
    if (tm.acknowledgedAt) {
      const text = t('durations', {
        ack: secs(tm.ackSeconds),
        dispatch: secs(tm.dispatchSeconds),
        onscene: secs(tm.onSceneSeconds),
        total: secs(tm.totalSeconds),
      });
      out.push(...row(t('fieldDurations'), h('span', { attrs: { id: 'detail-durations' }, text })));
    }
    if (i.calls.length) {
      const calls = i.calls.map((c) => {
        const check = c.passwordOk === null ? '' : `（${t(c.passwordOk ? 'passwordOk' : 'passwordWrong')}）`;
        return `${c.contactName}: ${t(CALL_WORD[c.outcome])}${check}`;
      });
      out.push(...row(t('fieldCalls'), h('span', { attrs: { id: 'detail-calls' }, text: calls.join('；') })));
    }
    if (i.property || i.guardFirst) {
      const p = i.property;
      const parts = [
        t(PROPERTY_WORD[p?.status ?? 'waiting']),
        p?.owner ?? '',
        p?.finding ? t(p.finding === 'false_alarm' ? 'findingFalse' : 'findingConfirmed') : '',
        p?.note ?? '',
      ];
      const cell = h('span', { attrs: { id: 'detail-property' } }, parts.filter(Boolean).join(' · '));
      if (i.guardFirst && p?.status !== 'verified' && i.status !== 'closed') {
        // 等待物业核实 with its timer (triage.guard_first_timeout): the operator sees how long the guard has had.
        const badge = h('span', { class: 'badge', attrs: { id: 'waiting-guard' } });
        this.tickWaiting(badge, i);
        cell.append(badge);
      }
      if (p?.finding === 'false_alarm' && i.status !== 'closed') {
        // The guard's 误报 is a finding: the operator confirms it and closes as false in one step.
        const b = h('button', {
          class: 'btn btn-small',
          text: t('confirmFalse'),
          attrs: { type: 'button', id: 'confirm-false' },
          on: { click: () => void this.run('incident:close', { id: i.id, disposition: 'false', note: p.note ?? '' }) },
        });
        b.disabled = this.busy;
        cell.append(' ', b);
      }
      out.push(...row(t('fieldProperty'), cell));
    }
    return out;
  }

  /** 等待物业核实 and how long, marked once past `triage.guard_first_timeout`; ticks every second (constructor). */
  private tickWaiting(badge: Element, i: Incident): void {
    const waited = Math.max(0, Math.round((Date.now() - Date.parse(i.openedAt)) / 1000));
    const overdue = waited * 1000 > this.dir.workflow.guardFirstTimeoutMs;
    badge.className = `badge ${overdue ? 'badge-esc' : ''}`;
    badge.textContent = t(overdue ? 'waitingGuardOverdue' : 'waitingGuard', { s: secs(waited) });
  }

  private linkedCameras(i: Incident): CameraInfo[] {
    const atSite = this.dir.cameras.filter((c) => c.siteId === i.siteId);
    const seeing = atSite.filter((c) => c.zones.some((z) => i.zones.includes(z)));
    return seeing.length ? seeing : atSite;
  }

  private renderMedia(i: Incident): HTMLElement {
    const box = h('div', { class: 'media' }, h('h3', { text: t('media') }));
    const shots = i.media.filter((m) => m.url || m.error);
    if (shots.length === 0) box.append(h('p', { class: 'muted', text: t('mediaNone') }));
    const grid = h('div', { class: 'shots' });
    for (const m of shots.slice(-6)) {
      const cam = this.dir.cameras.find((c) => c.siteId === i.siteId && c.id === m.cameraId);
      const caption = h('figcaption', { text: `${cam?.name ?? m.cameraId} · ${formatTime(m.at, false)}` });
      if (m.url && m.kind === 'snapshot')
        grid.append(h('figure', {}, h('img', { attrs: { src: m.url, alt: cam?.name ?? m.cameraId, loading: 'lazy' } }), caption));
      else if (m.url) grid.append(h('figure', {}, h('video', { attrs: { src: m.url, controls: '', preload: 'none' } }), caption));
      else grid.append(h('figure', { class: 'media-error' }, h('p', { text: mediaError(m), title: m.error ?? '' }), caption));
    }
    box.append(grid);
    const cams = this.linkedCameras(i);
    const liveBar = h('div', { class: 'live-bar' });
    if (cams.length === 0) liveBar.append(h('span', { class: 'muted', text: t('camerasNone') }));
    for (const c of cams) {
      const on = this.live?.cameraId === c.id;
      liveBar.append(
        h('button', {
          class: `btn btn-small ${on ? 'btn-primary' : ''}`,
          text: `${on ? t('liveStop') : t('liveView')} · ${c.name ?? c.id}`,
          attrs: { type: 'button', 'data-camera': c.id },
          on: { click: () => this.toggleLive(c) },
        }),
      );
    }
    box.append(liveBar);
    if (this.live) {
      this.live.relabel();
      box.append(this.live.el);
    }
    return box;
  }

  private toggleLive(c: CameraInfo): void {
    const same = this.live?.siteId === c.siteId && this.live.cameraId === c.id;
    this.stopLive();
    // MJPEG over HTTP by site and camera (ids repeat across sites); the viewer says why when it cannot play.
    if (!same) this.live = new LiveViewer(c.siteId, c.id, c.name ?? c.id);
    this.render();
  }

  private renderTimeline(entries: TimelineEntry[], omitted: number): HTMLElement {
    const typeWord = {
      event: 'tlEvent',
      status: 'tlStatus',
      note: 'tlNote',
      priority: 'tlPriority',
      escalation: 'tlEscalation',
      feedback: 'tlFeedback',
      call: 'tlCall',
      guard: 'tlGuard',
      transfer: 'tlTransfer',
      route: 'tlRoute',
    } as const satisfies Record<TimelineEntry['type'], string>;
    const w = words();
    const list = h('ol', { class: 'timeline', attrs: { id: 'timeline' } });
    for (const e of [...entries].reverse()) {
      const what =
        e.type === 'event'
          ? [
              e.kind ? w.kinds[e.kind] : '',
              e.zone !== undefined && e.zone !== null ? `${t('zone', { n: e.zone })}${e.zoneName ? ` ${e.zoneName}` : ''}` : '',
              eventDetail(e),
            ]
              .filter(Boolean)
              .join(' · ')
          : entryText(e);
      // The stored text (English for the hub's own entries, the decoder's line for events) stays at hand as a tooltip.
      const raw = e.type === 'event' ? (e.code ? (e.detail ?? '') : '') : e.code ? (e.text ?? '') : '';
      list.append(
        h(
          'li',
          { class: `tl tl-${e.type}` },
          h('time', { text: formatTime(e.at, false) }),
          h('span', { class: 'tl-type', text: t(typeWord[e.type]) }),
          h('span', { class: 'tl-text', text: what, ...(raw ? { title: raw } : {}) }),
          // The hub's own entries (escalation, routing, video) are signed `hub`: the page says 系统.
          e.by ? h('span', { class: 'tl-by', text: e.by === 'hub' ? t('byHub') : e.by }) : null,
        ),
      );
    }
    if (omitted > 0) list.append(h('li', { class: 'muted', text: t('timelineOmitted', { n: omitted }) }));
    return list;
  }
}
