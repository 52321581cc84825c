import type { ErrorCode } from '../core/errors.js';

/** One MQTT message as the broker layer hands it over. */
export interface InboundMessage {
  topic: string;
  payload: Buffer;
  /**
   * A retained message replayed at subscribe time (external broker). It is the device's current
   * state, not something that just happened: it primes on-change decoding and raises no alarm.
   */
  retained: boolean;
  /** MQTT client id of the publisher when known (embedded broker). */
  clientId?: string | null;
}

/**
 * What the sink made of a message. Both answers are final — the broker acknowledges either (a
 * rejected message would be rejected again on resend); only a thrown error withholds the PUBACK.
 */
export type SinkOutcome = { status: 'accepted'; events: number } | { status: 'rejected'; code: ErrorCode; reason: string };

/**
 * Where the broker delivers: every message, one at a time, with a promise that settles once the
 * message is durable (or rejected for a reason). The broker holds the QoS 1 acknowledgement until
 * then. Ingest implements it; the broker defines it, so the import runs with the data flow.
 */
export interface MessageSink {
  receive(msg: InboundMessage): Promise<SinkOutcome>;
}

export interface BrokerLink {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Port actually bound (embedded; 0 in options means "pick one"). */
  readonly port: number | null;
  readonly connectedClients: number;
  /** Drain (issue 18): stop taking new device connections, keep the open ones. Absent: nothing to stop before stop(). */
  stopAccepting?(): void;
  /** Drain: take no new message; resolves when every message taken is committed and acknowledged (or refused). */
  quiesce?(): Promise<void>;
}

/** Why a CONNECT was refused; the label of `sg_mqtt_refused_total{reason}`. */
export type RefusalReason = 'no_credentials' | 'unknown_user' | 'bad_password';

/** Why a CONNECT with a right password was still refused (issue 17); also `sg_mqtt_refused_total{reason}`. */
export type BindingRefusal = 'client_id_taken' | 'client_cert_required' | 'cert_login_mismatch';

export type AuthResult = { principal: string } | { refused: RefusalReason };

/** Device credentials and topic rights for the embedded broker (device-access.ts implements it). */
export interface DeviceAccess {
  /** The principal a username/password pair logs in as, or why it may not. */
  authenticate(username: string | undefined, password: Buffer | undefined): AuthResult;
  mayPublish(principal: string, topic: string): boolean;
  maySubscribe(principal: string, topicFilter: string): boolean;
  /**
   * May this login use this client id (login-binding.ts)? Binds an unnamed id to it on success.
   * A promise when the binding is shared by replicas (issue 18).
   */
  mayUseClientId(principal: string, clientId: string): boolean | Promise<boolean>;
}
