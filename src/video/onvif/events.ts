/**
 * ONVIF event notifications (Core §9, Events ver10) → SafeGrid kinds. Pure.
 *
 * A NotificationMessage carries a topic (e.g. `tns1:RuleEngine/CellMotionDetector/Motion`) and a
 * tt:Message with `PropertyOperation` (Initialized | Changed | Deleted, Core §9.2.2.1) and Source /
 * Data SimpleItems. `Initialized` reports the current state when the subscription starts: it is not
 * something that just happened, so it primes the state and raises nothing. Vendors disagree on
 * booleans: Axis sends `<tt:SimpleItem Name="state" Value="1"/>`, Hikvision and the ONVIF
 * profile examples `Value="true"`.
 */
import type { EventKind } from '../../contract/alarm-event.js';
import { attr, child, children, text, type XmlNode } from './xml.js';

export type OnvifEventKind = Extract<EventKind, 'video_motion' | 'tamper' | 'intrusion'>;

export interface OnvifNotification {
  /** Topic without namespace prefixes: `RuleEngine/CellMotionDetector/Motion`. */
  topic: string;
  kind: OnvifEventKind | null;
  /** The state the message reports; null when no recognisable boolean was found. */
  active: boolean | null;
  operation: 'Initialized' | 'Changed' | 'Deleted' | null;
  utcTime: string | null;
  /** Source items as `Name=Value` (which input, which video source). */
  source: string;
}

/** Topic → kind. Order matters: tamper topics may mention "Motion" in some vendors' trees. */
const TOPIC_KINDS: Array<[RegExp, OnvifEventKind]> = [
  [/Tamper|GlobalSceneChange|SignalLoss/i, 'tamper'],
  [/DigitalInput|Device\/IO\/(Digital)?Input|Device\/Trigger\/Input/i, 'intrusion'],
  [/Motion/i, 'video_motion'],
];

const STATE_ITEMS = ['IsMotion', 'State', 'LogicalState', 'IsTamper', 'IsGlobalSceneChange', 'Motion', 'state', 'Value'];

function toBool(v: string | undefined): boolean | null {
  if (v === undefined) return null;
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '1' || s === 'active' || s === 'on') return true;
  if (s === 'false' || s === '0' || s === 'inactive' || s === 'off') return false;
  return null;
}

function items(node: unknown): Array<{ name: string; value: string }> {
  return children(node, 'SimpleItem')
    .map((i) => ({ name: attr(i, 'Name') ?? '', value: attr(i, 'Value') ?? '' }))
    .filter((i) => i.name !== '');
}

export function interpretNotification(m: XmlNode): OnvifNotification {
  const rawTopic = text(child(m, 'Topic')) ?? '';
  const topic = rawTopic
    .split('/')
    .map((seg) => seg.replace(/^[^:]*:/, ''))
    .join('/')
    .slice(0, 200);
  // wsnt:Message wraps tt:Message; both local names are "Message".
  const outer = child(m, 'Message');
  const msg = child(outer, 'Message') ?? outer;
  const op = attr(msg, 'PropertyOperation');
  const data = items(child(msg, 'Data'));
  const src = items(child(msg, 'Source'));
  let active: boolean | null = null;
  for (const name of STATE_ITEMS) {
    const hit = data.find((d) => d.name === name);
    if (hit) {
      active = toBool(hit.value);
      break;
    }
  }
  if (active === null && data.length === 1) active = toBool(data[0]!.value);
  const kind = TOPIC_KINDS.find(([re]) => re.test(topic))?.[1] ?? null;
  return {
    topic,
    kind,
    active,
    operation: op === 'Initialized' || op === 'Changed' || op === 'Deleted' ? op : null,
    utcTime: attr(msg, 'UtcTime') ?? null,
    source: src
      .map((s) => `${s.name}=${s.value}`)
      .join(',')
      .slice(0, 200),
  };
}

/**
 * Per-camera memory of property states: turns notifications into SafeGrid events on an
 * inactive → active edge. Initialized primes (and raises only when the property was known inactive
 * before, i.e. after a re-subscription); Deleted forgets; a repeated "active" raises nothing.
 *
 * Bounded (issue 16): the key is topic + source, both chosen by the device, so a camera naming a
 * new source in every message would grow the map without end. At most `maxEntries` are kept, the
 * least recently touched forgotten first (a forgotten property's next "active" raises again, which
 * is the safe side for an alarm hub). `evicted` counts them.
 */
export class EventInterpreter {
  private readonly state = new Map<string, boolean>();
  evicted = 0;

  constructor(readonly maxEntries = 256) {}

  get size(): number {
    return this.state.size;
  }

  /** The notifications that should become SafeGrid events. */
  feed(messages: readonly XmlNode[]): OnvifNotification[] {
    const out: OnvifNotification[] = [];
    for (const m of messages) {
      const n = interpretNotification(m);
      if (!n.kind || n.active === null) continue;
      const key = `${n.topic}|${n.source}`;
      const before = this.state.get(key);
      // Delete then set: Map keeps insertion order, so the first key is the least recently touched.
      this.state.delete(key);
      if (n.operation === 'Deleted') continue;
      this.state.set(key, n.active);
      if (this.state.size > this.maxEntries) {
        this.state.delete(this.state.keys().next().value as string);
        this.evicted++;
      }
      // Initialized reports the state at subscription start: news only if we knew the property
      // inactive before (a re-subscription after a gap, during which it became active).
      if (n.operation === 'Initialized' && before !== false) continue;
      if (n.active && before !== true) out.push(n);
    }
    return out;
  }
}
