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

/** Why a CONNECT was refused; the label of `sg_mqtt_refused_total{reason}`. */
export type RefusalReason = 'no_credentials' | 'unknown_user' | 'bad_password';

export type AuthResult = { principal: string } | { refused: RefusalReason };

/** Device credentials and topic rights for the embedded broker (device-access.ts implements it). */
export interface DeviceAccess {
  /** The principal a username/password pair logs in as, or why it may not. */
  authenticate(username: string | undefined, password: Buffer | undefined): AuthResult;
  mayPublish(principal: string, topic: string): boolean;
  maySubscribe(principal: string, topicFilter: string): boolean;
}
