/**
 * hub.yaml `drain`: how the hub stops on SIGTERM (issue 18). It turns not-ready at once, stops
 * taking new connections, lets the alarms in flight commit and be acknowledged, then closes the
 * rest and exits — within `timeout`, whatever happens.
 */
import { z } from 'zod';
import { duration } from './common.js';

export const drainSchema = z
  .strictObject({
    timeout: duration()
      .prefault('10s')
      .describe(
        'The longest an orderly stop (SIGTERM) may take before the process exits anyway; keep it below the supervisor’s grace period (Docker ' +
          '`stop_grace_period`, 10 s by default).',
      ),
    unready_delay: duration()
      .nullish()
      .describe(
        'Behind a load balancer: how long /api/health/ready answers 503 while this replica still serves, before it closes its listeners — a little more ' +
          'than the balancer’s check interval × fall count. Absent: close at once (one hub, nothing in front).',
      ),
  })
  .prefault({});

/** `drain` as the hub runs on it (config/model.ts DrainSettings), ms. */
export const drainModelSchema = drainSchema.transform((d) => ({
  /** The whole stop, after which the process exits anyway. */
  timeoutMs: d.timeout,
  /** How long the replica answers not-ready while still serving, before it closes its listeners; 0: at once. */
  unreadyDelayMs: d.unready_delay ?? 0,
}));
