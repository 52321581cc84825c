/**
 * Sites → partitions, and the balance rule that spreads partitions over live replicas.
 * Pure: no I/O, no clock. The lease manager feeds it what PostgreSQL's lock table shows and acts
 * on the plan it returns (src/cluster/README.md explains why partitions rather than per-row locks).
 */

/** Default partition count: many more than replicas (so shares are even), few enough to scan each round. */
export const DEFAULT_PARTITIONS = 64;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * 32-bit FNV-1a over the UTF-8 bytes. Stable across processes, Node versions and machines — every
 * replica must map a site to the same partition, so no `Math.random` seed and no JS string hash.
 */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

/** The partition (0 … count−1) that owns a site. */
export function partitionOf(siteId: string, count: number = DEFAULT_PARTITIONS): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`partition count must be a whole number ≥ 1, got ${count}`);
  return fnv1a32(siteId) % count;
}

/** What one replica sees of the cluster in one round. */
export interface ClusterView {
  /** Partition count (the same on every replica: config). */
  partitions: number;
  /** This replica's id. */
  self: string;
  /** Live replicas (including self) and how many partitions each holds now. */
  replicas: ReadonlyArray<{ id: string; held: number }>;
  /** Partitions this replica holds. */
  mine: ReadonlySet<number>;
  /** Partitions no replica holds. */
  free: ReadonlySet<number>;
}

export interface BalancePlan {
  /** Free partitions to try to lock, best first (another replica may win some: that is fine). */
  acquire: number[];
  /** Partitions to give up this round (to make room for a replica below its share). */
  release: number[];
  /** The most this replica should hold with this many live replicas. */
  cap: number;
}

/**
 * The balance rule. With N live replicas and P partitions, each replica should hold about P/N:
 *
 * - it takes free partitions up to `cap = ceil(P/N)` — the ceiling, not the floor, so the shares
 *   always cover every partition even while replicas disagree for a round about who is alive;
 * - it releases what it holds above `cap` (a newcomer raised N, so the cap fell);
 * - when no partition is free and some replica holds fewer than `floor(P/N)`, a replica above
 *   the floor releases one per round: a newcomer is fed even when every share sits at the cap;
 *   while a replica is starved like that, the others take no more than the floor.
 *
 * Releases are taken from the top partition numbers and acquisitions start at a point derived from
 * the replica id, so replicas that start together mostly try different partitions.
 */
export function planBalance(view: ClusterView): BalancePlan {
  const live = Math.max(1, view.replicas.length + (view.replicas.some((r) => r.id === view.self) ? 0 : 1));
  const cap = Math.ceil(view.partitions / live);
  const floor = Math.floor(view.partitions / live);
  const held = view.mine.size;

  const release: number[] = [];
  const mineDescending = [...view.mine].sort((a, b) => b - a);
  if (held > cap) {
    release.push(...mineDescending.slice(0, held - cap));
  } else if (view.free.size === 0 && held > floor && view.replicas.some((r) => r.id !== view.self && r.held < floor)) {
    // Only when nothing is free: free partitions are the starved replica's to take first.
    release.push(mineDescending[0]!);
  }

  // While another replica is starved, take no more than the floor: otherwise a replica would take
  // back next round the partition it just released for the newcomer.
  const starved = view.replicas.some((r) => r.id !== view.self && r.held < floor);
  const room = Math.max(0, (starved ? floor : cap) - (held - release.length));
  const start = fnv1a32(view.self) % view.partitions;
  const acquire = [...view.free].sort((a, b) => rotated(a, start, view.partitions) - rotated(b, start, view.partitions)).slice(0, room);
  return { acquire, release, cap };
}

function rotated(p: number, start: number, count: number): number {
  return (p - start + count) % count;
}
