/**
 * The simulated camera's event service: ONVIF Events ver10 PullPoint subscriptions (Events §9.1.x,
 * Core §9.2.2.1: Initialized first) over WS-BaseNotification 1.3 (faults §6.1) — CreatePullPointSubscription
 * and GetEventProperties on `/onvif/event_service`; PullMessages (long poll), Renew and Unsubscribe on the subscription's own
 * address or, with `referenceParameters`, on one shared address naming it by a WS-Addressing 1.0
 * reference parameter (SOAP Binding §3.3, faults §6.4). `strictAddressing` faults requests without
 * wsa:Action, MessageID and To (§6.4.1). Notifications: motion, tamper, digital input.
 * Keeps the subscriptions; answers as SOAP Bodies, the camera sends them (camera.ts).
 */
import { durationMs, escapeXml, fault, get, NS, nsParser, type Obj, ok, type SoapReply, str, unescapeXml } from './soap-xml.js';

export type EventName = 'motion' | 'tamper' | 'input';

/** What the event service has seen (tests read it). */
export interface SubscriptionStats {
  created: number;
  /** Refused for want of a slot. */
  refusedNoSlot: number;
  /** Requests faulted for missing WS-Addressing headers, by operation. */
  refusedAddressing: Record<string, number>;
  renewed: number;
  unsubscribed: number;
  /** Dropped by the camera because nobody renewed them in time. */
  expired: number;
  /** The most subscriptions alive at once. */
  maxLive: number;
  /** Notification messages handed out by PullMessages (Changed ones, not Initialized). */
  delivered: number;
  /** Requests faulted for a missing or wrong reference parameter (`referenceParameters`), by operation. */
  refusedReferenceParameters: Record<string, number>;
  /** Subscription ids (reference parameters) that reached each operation, in order (`referenceParameters`). */
  referenced: Array<{ op: string; id: number }>;
}

interface Subscription {
  id: number;
  expires: number;
  queue: string[];
  wake: (() => void) | null;
}

const SIM_REF_NS = 'urn:safegrid:sim:subscription';

/** What the event service needs of its camera. */
export interface EventHost {
  readonly o: {
    booleans: 'word' | 'digit';
    maxSubscriptions?: number | undefined;
    referenceParameters: boolean | 'impersonating';
    strictAddressing: boolean;
    timeScale: number;
  };
  readonly state: { ignoreMessageLimit: boolean };
  /** The camera's clock, ms. */
  clockMs(): number;
  /** False once the camera went offline: a long poll then drops its connection. */
  online(): boolean;
  /** The base URL a SubscriptionReference names (`reportHost` where the options ask for it in `subscription`). */
  subscriptionBase(): string;
  /** Takes one of the Renews to fault (`failRenews`); false when none is left. */
  failRenew(): boolean;
}

export class EventService {
  readonly stats: SubscriptionStats = {
    created: 0,
    refusedNoSlot: 0,
    refusedAddressing: {},
    renewed: 0,
    unsubscribed: 0,
    expired: 0,
    maxLive: 0,
    delivered: 0,
    refusedReferenceParameters: {},
    referenced: [],
  };
  private readonly subs = new Map<number, Subscription>();
  private nextSub = 1;
  private readonly properties: Record<EventName, boolean> = { motion: false, tamper: false, input: false };

  constructor(private readonly host: EventHost) {}

  private now(): Date {
    return new Date(this.host.clockMs());
  }

  /** Live (unexpired) subscriptions; expired ones are dropped on the way, as the device would. */
  live(): number {
    const now = this.host.clockMs();
    for (const [id, sub] of this.subs) {
      if (sub.expires < now) {
        this.subs.delete(id);
        this.stats.expired++;
        sub.wake?.();
      }
    }
    return this.subs.size;
  }

  /** Raise (or clear) an event: every live PullPoint subscription gets a Changed message. */
  trigger(what: EventName, active: boolean): void {
    this.properties[what] = active;
    const msg = this.notification(what, active, 'Changed');
    for (const sub of this.subs.values()) {
      sub.queue.push(msg);
      sub.wake?.();
    }
  }

  /** The camera stops: long polls end, subscriptions are gone. */
  stop(): void {
    for (const sub of this.subs.values()) sub.wake?.();
    this.subs.clear();
  }

  /** With `strictAddressing`, the fault for a request without the WS-Addressing headers; null when it has them. */
  addressingFault(env: unknown, op: string): SoapReply | null {
    if (this.host.o.strictAddressing) {
      // WS-Addressing 1.0 SOAP Binding §6.4.1: a required header missing is a Sender fault.
      const h = (name: string): string => str(get(env, 'Envelope', 'Header', name)).trim();
      const missing = ['Action', 'MessageID', 'To'].filter((name) => h(name) === '');
      if (missing.length > 0) {
        this.stats.refusedAddressing[op] = (this.stats.refusedAddressing[op] ?? 0) + 1;
        return fault(
          true,
          'wsa5:MessageAddressingHeaderRequired',
          `A required header representing a Message Addressing Property is not present: wsa:${missing.join(', wsa:')}`,
        );
      }
    }
    return null;
  }

  /** The reference parameter as this camera hands it out: the id, then characters that need escaping. */
  private referenceId(id: number): string {
    return `${id}&<sub id="${id}">'`;
  }

  /**
   * The subscription a request names by its echoed reference parameter, or null after faulting it
   * (WS-Addressing 1.0 SOAP Binding §3.3 / §6.4).
   */
  referencedSubscription(body: string, op: string): number | SoapReply {
    const refuse = (subcode: string, reason: string): SoapReply => {
      this.stats.refusedReferenceParameters[op] = (this.stats.refusedReferenceParameters[op] ?? 0) + 1;
      return fault(true, subcode, reason);
    };
    let env: unknown;
    try {
      env = nsParser.parse(body);
    } catch {
      return refuse('ter:WellFormed', 'request is not well-formed XML');
    }
    const root = (env && typeof env === 'object' ? Object.entries(env as Obj).find(([k]) => k.endsWith('Envelope')) : undefined) as [string, Obj] | undefined;
    const envEl = root?.[1] ?? {};
    const headerEntry = Object.entries(envEl).find(([k]) => k.endsWith(':Header') || k === 'Header');
    const header = (headerEntry?.[1] ?? {}) as Obj;
    const entry = Object.entries(header).find(([k]) => k === 'SubscriptionId' || k.endsWith(':SubscriptionId'));
    if (!entry) return refuse('wsa5:MessageAddressingHeaderRequired', "the subscription's reference parameter SubscriptionId is not present");
    const [qname, raw] = entry;
    const el = (Array.isArray(raw) ? raw[0] : raw) as Obj | string;
    const attrs = (typeof el === 'object' ? el : {}) as Obj;
    const prefix = qname.includes(':') ? qname.slice(0, qname.indexOf(':')) : '';
    const nsOf = (p: string): unknown =>
      attrs[p ? `@_xmlns:${p}` : '@_xmlns'] ?? header[p ? `@_xmlns:${p}` : '@_xmlns'] ?? envEl[p ? `@_xmlns:${p}` : '@_xmlns'];
    if (nsOf(prefix) !== SIM_REF_NS) return refuse('wsa5:InvalidAddressingHeader', 'SubscriptionId is not in the namespace this camera gave it');
    const marked = Object.entries(attrs).some(
      ([k, v]) => k.endsWith(':IsReferenceParameter') && (v === 'true' || v === '1') && nsOf(k.slice(2, k.indexOf(':'))) === NS.wsa5,
    );
    if (!marked) return refuse('wsa5:InvalidAddressingHeader', 'SubscriptionId is not marked wsa:IsReferenceParameter="true"');
    const value = unescapeXml(str(el));
    const id = Number(/^(\d+)&/.exec(value)?.[1] ?? NaN);
    if (!Number.isInteger(id) || value !== this.referenceId(id)) return refuse('wsa5:DestinationUnreachable', 'no subscription with this SubscriptionId');
    this.stats.referenced.push({ op, id });
    return id;
  }

  private notification(what: EventName, active: boolean, operation: 'Initialized' | 'Changed'): string {
    const v = this.host.o.booleans === 'digit' ? (active ? '1' : '0') : active ? 'true' : 'false';
    const [topic, source, item] =
      what === 'motion'
        ? [
            'tns1:RuleEngine/CellMotionDetector/Motion',
            `<tt:SimpleItem Name="VideoSourceConfigurationToken" Value="vsc0"/><tt:SimpleItem Name="Rule" Value="MyMotionDetectorRule"/>`,
            'IsMotion',
          ]
        : what === 'tamper'
          ? [
              'tns1:RuleEngine/TamperDetector/Tamper',
              `<tt:SimpleItem Name="VideoSourceConfigurationToken" Value="vsc0"/><tt:SimpleItem Name="Rule" Value="MyTamperDetectorRule"/>`,
              'IsTamper',
            ]
          : ['tns1:Device/Trigger/DigitalInput', `<tt:SimpleItem Name="InputToken" Value="DI_1"/>`, 'LogicalState'];
    return (
      `<wsnt:NotificationMessage><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">${topic}</wsnt:Topic>` +
      `<wsnt:Message><tt:Message UtcTime="${this.now().toISOString()}" PropertyOperation="${operation}"><tt:Source>${source}</tt:Source>` +
      `<tt:Data><tt:SimpleItem Name="${item}" Value="${v}"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>`
    );
  }

  /** The inside of a SubscriptionReference: the address, and the id as a reference parameter in that mode. */
  private subscriptionReference(id: number): string {
    const base = this.host.subscriptionBase();
    if (!this.host.o.referenceParameters) return `<wsa5:Address>${base}/onvif/subscription/${id}</wsa5:Address>`;
    return (
      `<wsa5:Address>${base}/onvif/subscription</wsa5:Address><wsa5:ReferenceParameters>` +
      `<sim:SubscriptionId xmlns:sim="${SIM_REF_NS}">${escapeXml(this.referenceId(id))}</sim:SubscriptionId>` +
      (this.host.o.referenceParameters === 'impersonating'
        ? `<wsse:Security xmlns:wsse="${NS.wsse}"><wsse:UsernameToken><wsse:Username>planted</wsse:Username></wsse:UsernameToken></wsse:Security>`
        : '') +
      `</wsa5:ReferenceParameters>`
    );
  }

  eventService(op: string, req: unknown): SoapReply {
    switch (op) {
      case 'CreatePullPointSubscription': {
        const max = this.host.o.maxSubscriptions;
        if (max !== undefined && this.live() >= max) {
          this.stats.refusedNoSlot++;
          // WS-BaseNotification 1.3 §6.1: SubscribeCreationFailedFault; the device is out of slots.
          return fault(false, 'wsnt:SubscribeCreationFailedFault', `no free subscription slot (${max} in use)`);
        }
        const id = this.nextSub++;
        const asked = durationMs(str(get(req, 'InitialTerminationTime')));
        const lifetime = asked ?? 120_000;
        const sub: Subscription = { id, expires: this.host.clockMs() + lifetime, queue: [], wake: null };
        this.stats.created++;
        // Events ver10 §9.1.x / Core §9.2.2.1: a property's current state is sent first, as Initialized.
        for (const what of ['motion', 'tamper', 'input'] as const) sub.queue.push(this.notification(what, this.properties[what], 'Initialized'));
        this.subs.set(id, sub);
        this.stats.maxLive = Math.max(this.stats.maxLive, this.subs.size);
        const now = this.now();
        return ok(
          `<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference>${this.subscriptionReference(id)}</tev:SubscriptionReference>` +
            `<wsnt:CurrentTime>${now.toISOString()}</wsnt:CurrentTime><wsnt:TerminationTime>${new Date(sub.expires).toISOString()}</wsnt:TerminationTime>` +
            `</tev:CreatePullPointSubscriptionResponse>`,
        );
      }
      case 'GetEventProperties':
        return ok(
          `<tev:GetEventPropertiesResponse><tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml</tev:TopicNamespaceLocation>` +
            `<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet>` +
            `<wstop:TopicSet xmlns:wstop="http://docs.oasis-open.org/wsn/t-1"><tns1:RuleEngine><CellMotionDetector><Motion wstop:topic="true"/>` +
            `</CellMotionDetector><TamperDetector><Tamper wstop:topic="true"/></TamperDetector></tns1:RuleEngine>` +
            `<tns1:Device><Trigger><DigitalInput wstop:topic="true"/></Trigger></tns1:Device></wstop:TopicSet>` +
            `<wsnt:TopicExpressionDialect>http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet</wsnt:TopicExpressionDialect>` +
            `<tev:MessageContentFilterDialect>http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter</tev:MessageContentFilterDialect>` +
            `<tev:MessageContentSchemaLocation>http://www.onvif.org/onvif/ver10/schema/onvif.xsd</tev:MessageContentSchemaLocation>` +
            `</tev:GetEventPropertiesResponse>`,
        );
      default:
        return fault(false, 'ter:ActionNotSupported', `${op} is not supported`);
    }
  }

  async subscription(id: number, op: string, req: unknown): Promise<SoapReply | null> {
    this.live(); // expire what is due, on the camera's clock
    const sub = this.subs.get(id);
    if (!sub) return fault(true, 'ter:InvalidArgVal', 'subscription does not exist or has expired');
    switch (op) {
      case 'PullMessages': {
        const m = /^PT(\d+(?:\.\d+)?)S$/.exec(str(get(req, 'Timeout')));
        const timeoutMs = Math.min(60_000, m ? Number(m[1]) * 1000 : 10_000);
        const asked = Math.max(1, Number(str(get(req, 'MessageLimit'))) || 10);
        if (sub.queue.length === 0) {
          // Long poll (Events ver10 §9.1.x): answer when a message arrives or the timeout passes
          // (on the camera's clock, so a fast camera's polls are short in real time).
          await new Promise<void>((ok) => {
            const t = setTimeout(ok, timeoutMs / this.host.o.timeScale);
            sub.wake = () => {
              clearTimeout(t);
              ok();
            };
          });
          sub.wake = null;
        }
        if (!this.host.online()) return null;
        const msgs = sub.queue.splice(0, this.host.state.ignoreMessageLimit ? sub.queue.length : asked);
        this.stats.delivered += msgs.filter((x) => x.includes('PropertyOperation="Changed"')).length;
        const now = this.now();
        return ok(
          `<tev:PullMessagesResponse><tev:CurrentTime>${now.toISOString()}</tev:CurrentTime>` +
            `<tev:TerminationTime>${new Date(sub.expires).toISOString()}</tev:TerminationTime>${msgs.join('')}</tev:PullMessagesResponse>`,
          `<wsa5:Action>${NS.tev}/PullPointSubscription/PullMessagesResponse</wsa5:Action>`,
        );
      }
      case 'Renew': {
        if (this.host.failRenew()) return fault(false, 'wsrf-rw:UnableToRenewFault', 'renew refused (simulated)');
        sub.expires = this.host.clockMs() + (durationMs(str(get(req, 'TerminationTime'))) ?? 120_000);
        this.stats.renewed++;
        return ok(
          `<wsnt:RenewResponse><wsnt:TerminationTime>${new Date(sub.expires).toISOString()}</wsnt:TerminationTime>` +
            `<wsnt:CurrentTime>${this.now().toISOString()}</wsnt:CurrentTime></wsnt:RenewResponse>`,
        );
      }
      case 'Unsubscribe':
        this.subs.delete(id);
        this.stats.unsubscribed++;
        sub.wake?.();
        return ok(`<wsnt:UnsubscribeResponse/>`);
      default:
        return fault(false, 'ter:ActionNotSupported', `${op} is not supported`);
    }
  }
}
