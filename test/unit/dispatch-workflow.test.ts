/** workflow.ts without a broker, database or timer: an incident, an actor and a time in; the next incident or a refusal out. */
import { describe, expect, it } from 'vitest';
import { workflowDefaults, type Incident, type IncidentMedia, type IncidentStatus } from '../../src/contract/incident.js';
import * as wf from '../../src/dispatch/workflow.js';
import type { Actor, Change, Decision } from '../../src/dispatch/workflow.js';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const OWNED_BY_OP2 = '已由 op2 签收 (owned by op2)';
const NAME_TARGET = 'name the operator who takes it over';

function incident(status: IncidentStatus, owner: string | null = null): Incident {
  return {
    id: 'i1',
    version: 3,
    siteId: 's1',
    siteName: 'site',
    kind: 'intrusion',
    category: 'police',
    priority: 2,
    priorityReason: 'r',
    priorityReasonZh: 'r',
    status,
    disposition: null,
    owner,
    location: [26.6, 104.8],
    gridCellId: null,
    gridCellName: null,
    stationId: 'ps-1',
    responsibleStationId: 'ps-1',
    escalationLevel: 0,
    escalateAt: status === 'new' ? new Date(NOW + 1000).toISOString() : null,
    repeatOf: null,
    zones: [1],
    eventCount: 1,
    openedAt: new Date(NOW - 60_000).toISOString(),
    updatedAt: new Date(NOW - 60_000).toISOString(),
    lastEventAt: new Date(NOW - 60_000).toISOString(),
    closedAt: status === 'closed' ? new Date(NOW - 1000).toISOString() : null,
    timeline: [],
    timelineOmitted: 0,
    media: [],
    ...workflowDefaults(),
  };
}

const input = (i: Incident | undefined, by: Actor = 'op1') => ({ id: 'i1', incident: i, by, now: NOW });

const ok = (d: Decision): Change => {
  if (wf.isRefusal(d)) throw new Error(`refused: ${d.code} ${d.error}`);
  return d;
};

describe('refusals keep their codes and texts', () => {
  it.each([
    { name: 'ack of a missing incident', d: () => wf.acknowledge(input(undefined)), code: 'not_found', error: 'no open incident i1' },
    { name: 'ack of a closed incident', d: () => wf.acknowledge(input(incident('closed'))), code: 'illegal_transition', error: 'incident is closed (已结警)' },
    { name: 'ack owned by another', d: () => wf.acknowledge(input(incident('acknowledged', 'op2'))), code: 'owned', error: '已由 op2 签收 (owned by op2)' },
    {
      name: 'ack twice by the owner',
      d: () => wf.acknowledge(input(incident('acknowledged', 'op1'))),
      code: 'illegal_transition',
      error: 'cannot go from acknowledged (已签收) to acknowledged (已签收)',
    },
    {
      name: 'dispatch before ack',
      d: () => wf.dispatchUnit({ ...input(incident('new')), unit: 'u' }),
      code: 'illegal_transition',
      error: 'cannot go from new (待受理) to dispatched (已派警)',
    },
    { name: 'dispatch by a non-owner', d: () => wf.dispatchUnit(input(incident('acknowledged', 'op2'))), code: 'owned', error: '已由 op2 签收 (owned by op2)' },
    { name: 'on scene by a non-owner', d: () => wf.onScene(input(incident('dispatched', 'op2'))), code: 'owned', error: '已由 op2 签收 (owned by op2)' },
    {
      name: 'close with an unknown disposition',
      d: () => wf.close({ ...input(incident('new')), disposition: 'maybe' }),
      code: 'bad_disposition',
      error: 'disposition must be one of real, false, test, duplicate, cancelled',
    },
    {
      name: 'close an owned incident by another',
      d: () => wf.close({ ...input(incident('acknowledged', 'op2')), disposition: 'real' }),
      code: 'owned',
      error: '已由 op2 签收 (owned by op2)',
    },
    { name: 'note on a missing incident', d: () => wf.note({ ...input(undefined), text: 'x' }), code: 'not_found', error: 'no open incident i1' },
    { name: 'note on a closed incident', d: () => wf.note({ ...input(incident('closed')), text: 'x' }), code: 'not_found', error: 'no open incident i1' },
    { name: 'an empty note', d: () => wf.note({ ...input(incident('new')), text: '   ' }), code: 'empty_note', error: 'note is empty' },
    {
      name: 'hand over a new incident',
      d: () => wf.handOver({ ...input(incident('new')), to: 'op2' }),
      code: 'not_owned',
      error: 'acknowledge the incident before handing it over',
    },
    { name: 'hand over by a non-owner', d: () => wf.handOver({ ...input(incident('acknowledged', 'op2')), to: 'op3' }), code: 'owned', error: OWNED_BY_OP2 },
    { name: 'hand over to nobody', d: () => wf.handOver({ ...input(incident('acknowledged', 'op1')), to: '  ' }), code: 'bad_target', error: NAME_TARGET },
    { name: 'hand over to oneself', d: () => wf.handOver({ ...input(incident('acknowledged', 'op1')), to: 'op1' }), code: 'bad_target', error: NAME_TARGET },
    { name: 'take over what one owns', d: () => wf.takeOver(input(incident('acknowledged', 'op1'))), code: 'already_owner', error: 'you already own it' },
    { name: 'take over a closed incident', d: () => wf.takeOver(input(incident('closed', 'op2'))), code: 'not_found', error: 'no open incident i1' },
    {
      name: 'media for a missing incident',
      d: () =>
        wf.addMedia({
          id: 'i1',
          incident: undefined,
          media: { id: 'm', cameraId: 'c', siteId: 's1', kind: 'snapshot', at: 'x', url: null, error: null },
        }),
      code: 'not_found',
      error: 'no incident i1',
    },
  ])('$name', ({ d, code, error }) => {
    expect(d()).toEqual({ code, error });
  });
});

describe('allowed steps: the next incident and its audit row', () => {
  it.each([
    {
      name: 'acknowledge: owner set, escalation stopped',
      d: () => wf.acknowledge(input(incident('new'), { username: 'op1', origin: 'console' })),
      next: { status: 'acknowledged', owner: 'op1', escalateAt: null },
      audit: { action: 'acknowledged', from: 'new', to: 'acknowledged', note: null },
      line: '待受理 → 已签收',
    },
    {
      name: 'dispatch with a unit and a note',
      d: () => wf.dispatchUnit({ ...input(incident('acknowledged', 'op1')), unit: '巡逻车3', note: '快' }),
      next: { status: 'dispatched', owner: 'op1' },
      audit: { action: 'dispatched', from: 'acknowledged', to: 'dispatched', note: '出警单位 unit: 巡逻车3; 快' },
      line: '已签收 → 已派警: 出警单位 unit: 巡逻车3; 快',
    },
    {
      name: 'on scene straight after acknowledge',
      d: () => wf.onScene(input(incident('acknowledged', 'op1'))),
      next: { status: 'on_scene' },
      audit: { action: 'on_scene', from: 'acknowledged', to: 'on_scene', note: null },
      line: '已签收 → 已到场',
    },
    {
      name: 'anyone closes a new incident as false',
      d: () => wf.close({ ...input(incident('new'), 'op9'), disposition: 'false', note: '业主误触' }),
      next: { status: 'closed', disposition: 'false', closedAt: new Date(NOW).toISOString(), escalateAt: null },
      audit: { action: 'closed', from: 'new', to: 'closed', note: 'disposition false; 业主误触' },
      line: '待受理 → 已结警: 业主误触',
    },
    {
      name: 'take over a new incident: acknowledged by the taker',
      d: () => wf.takeOver(input(incident('new'), 'admin')),
      next: { status: 'acknowledged', owner: 'admin', escalateAt: null },
      audit: { action: 'takeover', from: 'new', to: 'acknowledged', note: 'from nobody' },
      line: '接管 taken over from —',
    },
    {
      name: 'hand over keeps the status',
      d: () => wf.handOver({ ...input(incident('dispatched', 'op1')), to: ' op2 ' }),
      next: { status: 'dispatched', owner: 'op2' },
      audit: { action: 'handover', from: 'dispatched', to: 'dispatched', note: 'op1 → op2' },
      line: '移交 handed over: op1 → op2',
    },
    {
      name: 'a note by anyone',
      d: () => wf.note({ ...input(incident('acknowledged', 'op2')), text: ' 现场有人 ' }),
      next: { status: 'acknowledged', owner: 'op2' },
      audit: { action: 'note', from: 'acknowledged', to: 'acknowledged', note: '现场有人' },
      line: '现场有人',
    },
  ])('$name', ({ d, next, audit, line }) => {
    const c = ok(d());
    expect(c.next).toMatchObject({ ...next, version: 3 }); // the shell stamps the version
    expect(c.audit).toMatchObject(audit);
    expect(c.next.timeline.at(-1)).toMatchObject({ at: new Date(NOW).toISOString(), text: line });
  });

  it('a failed camera adds a note; a snapshot only the media; a closed incident still takes media', () => {
    const media = (error: string | null): IncidentMedia => ({
      id: 'm1',
      cameraId: 'door',
      siteId: 's1',
      kind: 'snapshot',
      at: 't',
      url: error ? null : '/api/media/m1',
      error,
    });
    const failed = ok(wf.addMedia({ id: 'i1', incident: incident('closed'), media: media('offline') }));
    expect(failed.audit).toMatchObject({ actor: 'hub', action: 'media_failed', note: 'offline', from: 'closed', to: 'closed' });
    expect(failed.next.timeline.at(-1)).toMatchObject({ type: 'note', by: 'hub', text: 'camera door: offline' });
    const shot = ok(wf.addMedia({ id: 'i1', incident: incident('new'), media: media(null) }));
    expect(shot.audit).toMatchObject({ action: 'media_snapshot', note: 'm1' });
    expect(shot.next.timeline).toHaveLength(0);
    expect(shot.next.media).toHaveLength(1);
  });
});
