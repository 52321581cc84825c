/**
 * Issue 16's video figures. Run alone: `npx tsx bench/video.ts` (needs ffmpeg, and Debian's
 * gst-rtsp-server for the H.264 cameras: see test/helpers/gst-rtsp.ts).
 *
 *  1. Snapshot latency from incident open (alarm received → snapshot attached), median and p95,
 *     for an ONVIF camera with an HTTP snapshot URI (our simulator, 320×240), an RTSP-only H.264
 *     camera (gst-rtsp-server, Digest, 640×360 25 fps, GOP 2 s) and an RTSP-only Motion JPEG camera
 *     (gst-rtsp-server, 640×360 15 fps). gst-rtsp-server builds a new encoder per session, so its
 *     first key frame comes at once (as on cameras that start a session with an IDR).
 *  2. Live view of one H.264 camera (1280×720, 25 fps, GOP 2 s) for 1, 5 and 20 viewers: fMP4 (stream copy, this issue)
 *     against the MJPEG transcoding every camera used before. First picture (first viewer: cold,
 *     the others join a running feed) and CPU over a fixed window: ffmpeg's (from /proc) and the
 *     hub process's (which here also runs the viewers' HTTP clients, so it is an upper bound).
 *
 * The hub runs in this process (test/helpers/hub.ts). BENCH_VIDEO_SNAPSHOTS (10) alarms per
 * camera kind, BENCH_VIDEO_SECONDS (10) of CPU per live phase. Prints a table on stderr and JSON
 * on stdout. The machine is shared: figures are indicative, compare rows run together.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { SimCamera } from '../src/simulate/onvif-camera/camera.js';
import { readParts } from '../web/src/multipart.js';
import { startGstCamera } from '../test/helpers/gst-rtsp.js';
import { startTestHub, type TestHub } from '../test/helpers/hub.js';
import { makeTree } from '../test/helpers/tree.js';
import { cameraSiteYaml, nativeAlarm } from '../test/sim/onvif-camera/site.js';

const N = Number(process.env.BENCH_VIDEO_SNAPSHOTS ?? 10);
const CPU_SECONDS = Number(process.env.BENCH_VIDEO_SECONDS ?? 10);
const VIEWERS = [1, 5, 20];
const PASS = 'Bench-Cam-61';
const TICKS = 100; // USER_HZ on Linux

const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => T | null | undefined | false, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error('bench: condition not met in time');
    await sleep(5);
  }
}

/** CPU seconds (user + system) of each ffmpeg process this process started, by PID. */
function ffmpegCpu(): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8').trim();
      const m = /^\d+ \((.*)\) (.*)$/.exec(stat);
      if (m?.[1] !== 'ffmpeg') continue;
      const f = m[2]!.split(' ');
      if (Number(f[1]) !== process.pid) continue;
      out.set(Number(d), (Number(f[11]) + Number(f[12])) / TICKS);
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/** CPU seconds spent between two readings by the processes present in both. */
function cpuBetween(a: Map<number, number>, b: Map<number, number>): number {
  let s = 0;
  for (const [pid, v] of b) if (a.has(pid)) s += v - a.get(pid)!;
  return s;
}

async function snapshots(t: TestHub, kinds: string[]): Promise<Record<string, { median: number; p95: number; failed: number }>> {
  const out: Record<string, { median: number; p95: number; failed: number }> = {};
  for (const kind of kinds) {
    const ms: number[] = [];
    let failed = 0;
    for (let i = 0; i < N; i++) {
      const site = `bench-${kind}-${i}`;
      const start = performance.now();
      await t.hub.ingest.receive(nativeAlarm(site, 'intrusion', 1, `bench-${kind}-${i}`));
      const m = await until(
        () =>
          t.hub.incidents
            .snapshot()
            .find((x) => x.siteId === site)
            ?.media.find((x) => x.kind === 'snapshot'),
        30_000,
      );
      if (m.error) failed++;
      else ms.push(performance.now() - start);
    }
    ms.sort((a, b) => a - b);
    out[kind] = { median: Math.round(pct(ms, 50)), p95: Math.round(pct(ms, 95)), failed };
  }
  return out;
}

interface LivePhase {
  mode: 'fmp4' | 'mjpeg';
  viewers: number;
  firstPictureMs: number;
  joinPictureMs: number | null;
  ffmpegCpuPct: number;
  hubCpuPct: number;
  perViewerCpuPct: number;
  ffmpegSessions: number;
  /** Pictures per second the first viewer received in the CPU window (fMP4: fragments of 100 ms; MJPEG: 5 fps by design). */
  partsPerSecond: number;
}

async function livePhase(t: TestHub, path: string, mode: 'fmp4' | 'mjpeg', viewers: number): Promise<LivePhase> {
  const admin = await t.login('admin');
  const aborts: AbortController[] = [];
  const firsts: number[] = [];
  let firstViewerParts = 0;
  const sessionsBefore = t.hub.video.live.sessionsStarted;
  const open = async (index: number): Promise<void> => {
    const a = new AbortController();
    aborts.push(a);
    const start = performance.now();
    const res = await admin.fetch(path, { headers: mode === 'fmp4' ? { Accept: 'video/mp4' } : {}, signal: a.signal });
    const boundary = /boundary=([^;\s]+)/.exec(res.headers.get('content-type') ?? '')?.[1];
    if (!res.ok || !res.body || !boundary) throw new Error(`bench: live view answered ${res.status}`);
    let seen = false;
    const first = new Promise<void>((ok) => {
      void readParts(res.body!.getReader(), boundary, (body) => {
        if (index === 0) firstViewerParts++;
        // fMP4: the first picture is the first fragment (moof), not the init segment.
        if (!seen && (mode === 'mjpeg' || Buffer.from(body.subarray(4, 8)).toString('latin1') === 'moof')) {
          seen = true;
          firsts.push(performance.now() - start);
          ok();
        }
      }).catch(() => undefined);
    });
    await first;
  };
  await open(0);
  for (let i = 1; i < viewers; i++) await open(i);
  const cpu0 = ffmpegCpu();
  const parts0 = firstViewerParts;
  const hub0 = process.cpuUsage();
  await sleep(CPU_SECONDS * 1000);
  const ffmpegCpuPct = (cpuBetween(cpu0, ffmpegCpu()) / CPU_SECONDS) * 100;
  const hubUsage = process.cpuUsage(hub0);
  const hubCpuPct = ((hubUsage.user + hubUsage.system) / 1e6 / CPU_SECONDS) * 100;
  const sessions = t.hub.video.live.sessionsStarted - sessionsBefore;
  const partsPerSecond = round((firstViewerParts - parts0) / CPU_SECONDS, 1);
  for (const a of aborts) a.abort();
  await until(() => t.hub.video.live.active === 0, 30_000);
  const joins = firsts.slice(1);
  return {
    mode,
    viewers,
    firstPictureMs: Math.round(firsts[0]!),
    joinPictureMs: joins.length ? Math.round(joins.reduce((a, b) => a + b, 0) / joins.length) : null,
    ffmpegCpuPct: round(ffmpegCpuPct, 1),
    hubCpuPct: round(hubCpuPct, 1),
    perViewerCpuPct: round((ffmpegCpuPct + hubCpuPct) / viewers, 2),
    ffmpegSessions: sessions,
    partsPerSecond,
  };
}

export async function benchVideo(): Promise<{ snapshots: Awaited<ReturnType<typeof snapshots>>; live: LivePhase[] }> {
  const [h264, h264Live, mjpeg, sim] = await Promise.all([
    startGstCamera({ digest: { username: 'admin', password: PASS }, fps: 25, gop: 50, width: 640, height: 360 }),
    startGstCamera({ digest: { username: 'admin', password: PASS }, fps: 25, gop: 50, width: 1280, height: 720 }),
    startGstCamera({ codec: 'mjpeg', fps: 15, width: 640, height: 360 }),
    new SimCamera({ name: 'BenchHttp', password: PASS }).start(),
  ]);
  const files: Record<string, string> = {};
  for (let i = 0; i < N; i++) {
    files[`bench-http-${i}.yaml`] = cameraSiteYaml(`bench-http-${i}`, [{ id: 'cam', xaddr: sim.xaddr, zones: [1] }]);
    files[`bench-h264-${i}.yaml`] = cameraSiteYaml(`bench-h264-${i}`, [{ id: 'cam', rtsp: h264.url, zones: [1], rtspLoginEnv: 'SIM_CAM_PASS' }]);
    if (i === 0) files['bench-live.yaml'] = cameraSiteYaml('bench-live', [{ id: 'cam', rtsp: h264Live.url, zones: [1], rtspLoginEnv: 'SIM_CAM_PASS' }]);
    files[`bench-mjpeg-${i}.yaml`] = cameraSiteYaml(`bench-mjpeg-${i}`, [{ id: 'cam', rtsp: mjpeg.url, zones: [1] }]);
  }
  const t = await startTestHub({ tree: makeTree(files), env: { SIM_CAM_PASS: PASS }, video: { pollIntervalMs: 600_000, clips: false } });
  try {
    // Every camera has answered its first health poll (ONVIF probe, or DESCRIBE), as on a running hub.
    await until(
      () =>
        t.hub.video
          .status()
          .filter((c) => c.siteId.startsWith('bench-'))
          .every((c) => c.availability === 'online'),
      60_000,
    );
    const snaps = await snapshots(t, ['http', 'h264', 'mjpeg']);
    const live: LivePhase[] = [];
    for (const viewers of VIEWERS)
      for (const mode of ['fmp4', 'mjpeg'] as const) live.push(await livePhase(t, '/api/sites/bench-live/cameras/cam/live', mode, viewers));
    return { snapshots: snaps, live };
  } finally {
    await t.close();
    await Promise.all([h264.stop(), h264Live.stop(), mjpeg.stop(), sim.stop()]);
  }
}

const r = await benchVideo();
console.error(
  `load average at the end: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${os.cpus().length} cores`,
);
console.error('snapshot from incident open (ms):');
for (const [k, v] of Object.entries(r.snapshots)) console.error(`  ${k.padEnd(6)} median ${v.median}  p95 ${v.p95}  failed ${v.failed}/${N}`);
console.error('live view of one H.264 camera (1280x720, 25 fps, GOP 2 s):');
for (const p of r.live)
  console.error(
    `  ${p.mode.padEnd(5)} ${String(p.viewers).padStart(2)} viewers: first picture ${p.firstPictureMs} ms, join ${p.joinPictureMs ?? '-'} ms, ffmpeg ` +
      `${p.ffmpegCpuPct} %, hub ${p.hubCpuPct} %, per viewer ${p.perViewerCpuPct} %, ffmpeg sessions ${p.ffmpegSessions}, ${p.partsPerSecond} parts/s`,
  );
console.log(JSON.stringify(r));
process.exit(0);
