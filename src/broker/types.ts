import type { InboundMessage } from '../ingest/ingest.js';

/**
 * What the broker layer gives ingest: every message, one at a time, with a promise that resolves
 * once the message is durable (or rejected for a reason). The broker holds the QoS 1
 * acknowledgement until then.
 */
export type MessageSink = (msg: InboundMessage) => Promise<unknown>;

export interface BrokerLink {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Port actually bound (embedded; 0 in options means "pick one"). */
  readonly port: number | null;
  readonly connectedClients: number;
}

/** Device credentials and topic rights for the embedded broker (issue 3 fills this in). */
export interface DeviceAccess {
  /** null when the username/password pair is unknown. */
  authenticate(username: string | undefined, password: Buffer | undefined): { principal: string } | null;
  mayPublish(principal: string, topic: string): boolean;
  maySubscribe(principal: string, topicFilter: string): boolean;
}
