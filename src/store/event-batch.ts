import type { AlarmEvent } from '../contract/alarm-event.js';
import type { DedupeCandidate, DeviceStateRepository, DeviceStateRow, EventRepository } from './ports.js';

/** One group-commit batch as the ingest journal hands it over. */
export interface EventBatch {
  /** In commit order; duplicates are dropped here (see EventRepository.commitBatch). */
  events: readonly DedupeCandidate[];
  /** Device state rows; the last one per device is saved. */
  states: readonly DeviceStateRow[];
}

export interface EventBatchResult {
  /** What was inserted, each with its `seq`, in commit order. */
  stored: AlarmEvent[];
  duplicates: number;
}

/** The parts of the store a batch touches. */
export interface EventBatchStore {
  events: Pick<EventRepository, 'commitBatch' | 'lastSeq' | 'commitBatchWithStates'>;
  deviceState: Pick<DeviceStateRepository, 'saveLatest'>;
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Writes a batch in one durable transaction (one fsync): device state, dedupe, insert. Resolves
 * once committed; rejects (and writes nothing) when the transaction fails. Calls nothing outside
 * the store, so announcing what was stored is the caller's job, after this resolves.
 */
export function writeEventBatch(store: EventBatchStore, batch: EventBatch): Promise<EventBatchResult> {
  // PostgreSQL: one statement, so the events lock shared by all replicas is never held across a
  // round trip to this (busy) process (postgres/migrations/004_commit_event_batch.sql).
  if (store.events.commitBatchWithStates) return store.events.commitBatchWithStates(batch.events, batch.states);
  return store.transaction(async () => {
    const result = await store.events.commitBatch(batch.events);
    await store.deviceState.saveLatest(batch.states);
    return result;
  });
}
