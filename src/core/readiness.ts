/**
 * Whether this replica can take alarms now, for a load balancer (`GET /api/health/ready`, issue 18).
 * A replica is not ready while it starts (open incidents not recovered yet, the broker not
 * listening), while it drains (SIGTERM), and while a check it depends on fails (storage does not
 * answer; the cluster adds Redis). The answer is a list of codes, never a message with a host name,
 * a URL or a password: anyone who can reach the port may read it.
 */

/** Why a replica is not ready. Codes are stable: a load balancer's log and an alert rule match on them. */
export type NotReadyReason = 'starting' | 'draining' | 'storage_unavailable' | (string & {});

/**
 * One condition a replica needs: null when it holds, else the reason code. It may answer later (a
 * PostgreSQL or Redis round trip); one that has not answered within CHECK_CEILING_MS counts as failed.
 */
export type ReadinessCheck = () => NotReadyReason | null | Promise<NotReadyReason | null>;

/** A load balancer's probe times out after a few seconds; a check that hangs must say no before that. */
export const CHECK_CEILING_MS = 2_000;

export class Readiness {
  private phase: 'starting' | 'serving' | 'draining' = 'starting';
  private readonly checks: ReadinessCheck[] = [];

  /** Recovery finished and every listener is open: from now on the checks decide. */
  markServing(): void {
    if (this.phase === 'starting') this.phase = 'serving';
  }

  /** Stopping: not ready from this moment on, whatever the checks say; there is no way back. */
  markDraining(): void {
    this.phase = 'draining';
  }

  get draining(): boolean {
    return this.phase === 'draining';
  }

  /**
   * Adds a condition (the store's ping here; the cluster's Redis link is added where it is built).
   * Returns its disposer.
   */
  addCheck(check: ReadinessCheck): () => void {
    this.checks.push(check);
    return () => {
      const i = this.checks.indexOf(check);
      if (i >= 0) this.checks.splice(i, 1);
    };
  }

  /** Every reason this replica is not ready; empty when it is. A check that throws or hangs counts as failed. */
  async reasons(): Promise<NotReadyReason[]> {
    const out: NotReadyReason[] = [];
    if (this.phase !== 'serving') out.push(this.phase);
    const answers = await Promise.all(this.checks.map(answerOf));
    for (const reason of answers) if (reason !== null && !out.includes(reason)) out.push(reason);
    return out;
  }
}

async function answerOf(check: ReadinessCheck): Promise<NotReadyReason | null> {
  let timer: NodeJS.Timeout | undefined;
  const ceiling = new Promise<NotReadyReason>((ok) => {
    timer = setTimeout(() => ok('check_timeout'), CHECK_CEILING_MS);
  });
  try {
    // A check that cannot answer is as good as one that says no; its error may name a host, so only the code goes out.
    return await Promise.race([Promise.resolve().then(check), ceiling]);
  } catch {
    return 'check_failed';
  } finally {
    clearTimeout(timer);
  }
}
