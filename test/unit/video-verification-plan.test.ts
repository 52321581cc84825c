/** The pure verification decision: which snapshots and clips an incident value calls for. */
import { describe, expect, it } from 'vitest';
import type { IncidentMedia } from '../../src/contract/incident.js';
import { planCaptures, type CaptureMemory, type IncidentForCapture, type LinkableCamera } from '../../src/video/verification-plan.js';

const cam = (cameraId: string, zones: number[], extra: Partial<LinkableCamera> = {}): LinkableCamera => ({
  siteId: 'shop-1',
  cameraId,
  zones,
  addressed: true,
  clip: false,
  ...extra,
});
const CAMERAS: LinkableCamera[] = [
  cam('cam1', [1]),
  cam('cam2', [1, 2]),
  cam('cam3', [2], { clip: true }),
  cam('blind', [1], { addressed: false }),
  cam('other', [1], { siteId: 'shop-2' }),
];
const media = (cameraId: string): IncidentMedia => ({
  id: 'm',
  cameraId,
  siteId: 'shop-1',
  kind: 'snapshot',
  at: '2026-01-01T00:00:00Z',
  url: null,
  error: null,
});
const incident = (over: Partial<IncidentForCapture> = {}): IncidentForCapture => ({
  siteId: 'shop-1',
  status: 'new',
  category: 'police',
  zones: [1],
  media: [],
  ...over,
});
const memory = (zones: number[], asked: string[]): CaptureMemory => ({ zones: new Set(zones), asked: new Set(asked.map((c) => `shop-1/${c}`)) });

interface Row {
  name: string;
  incident: IncidentForCapture;
  memory: CaptureMemory | null;
  cameras?: LinkableCamera[];
  /** "cameraId:kind" of each job. */
  jobs: string[];
  /** Memory afterwards: null, or its zones and asked camera ids. */
  after: { zones: number[]; asked: string[] } | null;
}

const rows: Row[] = [
  {
    name: 'a new incident on zone 1 asks the two addressed cameras of zone 1 at its site',
    incident: incident(),
    memory: null,
    jobs: ['cam1:snapshot', 'cam2:snapshot'],
    after: { zones: [1], asked: ['cam1', 'cam2'] },
  },
  {
    name: 'a clip camera gets a snapshot and a clip',
    incident: incident({ zones: [2] }),
    memory: null,
    jobs: ['cam2:snapshot', 'cam3:snapshot', 'cam3:clip'],
    after: { zones: [2], asked: ['cam2', 'cam3'] },
  },
  {
    name: 'an incident without zones asks every addressed camera of the site',
    incident: incident({ zones: [] }),
    memory: null,
    jobs: ['cam1:snapshot', 'cam2:snapshot', 'cam3:snapshot', 'cam3:clip'],
    after: { zones: [], asked: ['cam1', 'cam2', 'cam3'] },
  },
  {
    name: 'an update whose only change is media (video’s own echo) asks nothing',
    incident: incident({ media: [media('cam1'), media('cam2')] }),
    memory: memory([1], ['cam1', 'cam2']),
    jobs: [],
    after: { zones: [1], asked: ['cam1', 'cam2'] },
  },
  {
    name: 'a status step, note or priority raise without a new zone asks nothing',
    incident: incident({ status: 'acknowledged' }),
    memory: memory([1], ['cam1', 'cam2']),
    jobs: [],
    after: { zones: [1], asked: ['cam1', 'cam2'] },
  },
  {
    name: 'a new zone asks only the cameras it links that were not asked yet',
    incident: incident({ zones: [1, 2] }),
    memory: memory([1], ['cam1', 'cam2']),
    jobs: ['cam3:snapshot', 'cam3:clip'],
    after: { zones: [1, 2], asked: ['cam1', 'cam2', 'cam3'] },
  },
  {
    name: 'a new zone with no camera of its own asks nothing but is remembered',
    incident: incident({ zones: [1, 7] }),
    memory: memory([1], ['cam1', 'cam2']),
    jobs: [],
    after: { zones: [1, 7], asked: ['cam1', 'cam2'] },
  },
  {
    name: 'a closed incident is forgotten and asks nothing',
    incident: incident({ status: 'closed', zones: [1, 2] }),
    memory: memory([1], ['cam1', 'cam2']),
    jobs: [],
    after: null,
  },
  {
    name: 'media arriving after the close asks nothing and holds nothing',
    incident: incident({ status: 'closed', media: [media('cam1')] }),
    memory: null,
    jobs: [],
    after: null,
  },
  {
    name: 'a technical incident is not verified by pictures',
    incident: incident({ category: 'technical' }),
    memory: null,
    jobs: [],
    after: null,
  },
  {
    name: 'an incident that becomes an alarm is verified then',
    incident: incident({ category: 'police' }),
    memory: null,
    jobs: ['cam1:snapshot', 'cam2:snapshot'],
    after: { zones: [1], asked: ['cam1', 'cam2'] },
  },
  {
    name: 'an incident first seen with media on it (recovered after a restart) does not ask those cameras again',
    incident: incident({ status: 'acknowledged', media: [media('cam1')] }),
    memory: null,
    jobs: ['cam2:snapshot'],
    after: { zones: [1], asked: ['cam1', 'cam2'] },
  },
  {
    name: 'a site without cameras holds nothing',
    incident: incident({ siteId: 'shop-9' }),
    memory: null,
    jobs: [],
    after: null,
  },
  {
    name: 'cameras of other sites with the same zone are not asked',
    incident: incident({ siteId: 'shop-2' }),
    memory: null,
    jobs: ['other:snapshot'],
    after: { zones: [1], asked: ['other'] },
  },
];

describe('planCaptures', () => {
  it.each(rows)('$name', (row) => {
    const plan = planCaptures(row.incident, row.cameras ?? CAMERAS, row.memory);
    expect(plan.jobs.map((j) => `${j.cameraId}:${j.kind}`)).toEqual(row.jobs);
    if (row.after === null) {
      expect(plan.memory).toBeNull();
    } else {
      expect([...plan.memory!.zones].sort()).toEqual(row.after.zones);
      expect([...plan.memory!.asked].map((k) => k.split('/')[1]).sort()).toEqual(row.after.asked);
    }
  });

  it('feeding its own plan back with the media it led to is a fixed point (no loop through dispatch)', () => {
    let i = incident();
    let mem: CaptureMemory | null = null;
    let asked = 0;
    for (let round = 0; round < 5; round++) {
      const plan = planCaptures(i, CAMERAS, mem);
      mem = plan.memory;
      asked += plan.jobs.length;
      // What the shell does: attach one media per job, which dispatch publishes as an update.
      i = { ...i, media: [...i.media, ...plan.jobs.map((j) => media(j.cameraId))] };
    }
    expect(asked).toBe(2);
  });
});
