/**
 * `npx tsx bench/cpu-profile.ts <dir>`: where a replica's CPU went during a bench phase
 * (bench/replicas.ts with BENCH_PROFILE). Reads every `*.cpuprofile` in <dir> and the phase window of
 * `phase.json`, keeps only the samples inside the window (start-up and shutdown left out), and prints
 * per process: CPU ms per alarm, self time by package (node_modules package, src/<module>, node
 * internals, GC), the top functions by self time, and SafeGrid's functions by inclusive time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const dir = process.argv[2];
if (!dir) throw new Error('usage: bench/cpu-profile.ts <dir with *.cpuprofile and phase.json>');
const phase = JSON.parse(readFileSync(join(dir, 'phase.json'), 'utf8')) as {
  fromUs: number;
  toUs: number;
  result?: { alarmsPerSec: number; setup: string };
};
const seconds = (phase.toUs - phase.fromUs) / 1e6;
const alarms = (phase.result?.alarmsPerSec ?? 0) * seconds;

/** The bucket a frame's self time goes to. */
function packageOf(url: string, name: string): string {
  if (name === '(garbage collector)') return '(gc)';
  if (name === '(idle)' || name === '(program)' || name === '(root)') return name;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = /\/src\/([^/]+)\//.exec(url);
  if (src) return `src/${src[1]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url ? 'other' : '(native)';
}

const ms = (us: number): string => (us / 1000).toFixed(0).padStart(7);
const perAlarm = (us: number): string => (alarms > 0 ? (us / 1000 / alarms).toFixed(4) : '-');

for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const pkg = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let t = p.startTime;
  let busy = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    // A sample stands for the interval up to the next one.
    const span = p.timeDeltas[i + 1] ?? 0;
    if (t < phase.fromUs || t > phase.toUs) continue;
    const node = byId.get(p.samples[i]!)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const bucket = packageOf(url, functionName);
    pkg.set(bucket, (pkg.get(bucket) ?? 0) + span);
    if (bucket === '(idle)') continue;
    busy += span;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/src\//, 'src/')}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + span);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (!/\/src\//.test(f.url) || f.url.includes('node_modules')) continue;
      const k = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/src\//, 'src/')}:${f.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + span);
    }
  }
  console.log(`\n=== ${file}: busy ${ms(busy)} ms in ${seconds.toFixed(1)} s, ${perAlarm(busy)} ms/alarm (${Math.round(alarms)} alarms in the cluster)`);
  console.log('-- self time by package (ms, ms/alarm)');
  for (const [k, v] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 22)) console.log(`${ms(v)} ${perAlarm(v).padStart(8)}  ${k}`);
  console.log('-- top functions by self time');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${ms(v)}  ${k}`);
  console.log('-- SafeGrid functions by inclusive time');
  for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${ms(v)}  ${k}`);
}
