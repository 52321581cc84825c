/**
 * WS-Addressing reference parameters of a subscription reference (issue 16).
 *
 * A CreatePullPointSubscription reply may give the SubscriptionReference `wsa:ReferenceParameters`
 * beside its `wsa:Address` (some firmwares put the subscription id there and share one address
 * among all subscriptions). WS-Addressing 1.0 Core §2.2 / §3.1: each element in it is part of the
 * endpoint reference "including all of its [children], [attributes] and [in-scope namespaces]";
 * SOAP Binding §3.3: every message to that endpoint carries each one as a SOAP header block
 * annotated `wsa:IsReferenceParameter="true"`.
 *
 * The device's XML is never pasted into our envelope. It is read into a small tree (names checked
 * against the XML Name production, prefixes resolved to their namespaces, text and attribute
 * values decoded), bounded in size and depth, and written out again by `writeReferenceParameters`
 * with our own escaping. Parameters that would impersonate a header we write ourselves (SOAP,
 * WS-Security, WS-Addressing namespaces — the risk the WS-Addressing editors noted for LC77) are
 * refused. Pure: no I/O.
 */
import { XMLParser } from 'fast-xml-parser';
import { OnvifError } from './errors.js';
import { decodeCharRefs, esc } from './xml.js';

/** One element of a reference parameter, names as sent (prefix kept) and namespaces resolved. */
export interface RefElement {
  /** Prefix as the device wrote it ('' when unprefixed). */
  prefix: string;
  local: string;
  /** The element's namespace ('' when none). */
  ns: string;
  /** Namespace declarations to write on this element: prefix ('' = default) → URI. */
  declare: Record<string, string>;
  /** Other attributes, qualified names as sent. */
  attrs: Array<{ name: string; value: string }>;
  /** Text, or child elements (mixed content keeps only the elements: ids are text or elements). */
  content: string | RefElement[];
}

export const REF_PARAM_LIMITS = {
  /** Reference parameters kept per subscription (real devices send one or two). */
  maxParameters: 8,
  /** Nesting below each parameter element. */
  maxDepth: 4,
  /** Elements in all parameters together. */
  maxElements: 32,
  /** Characters of text and attribute values together. */
  maxChars: 2048,
} as const;

/** XML 1.0 NCName, restricted to the characters a device id ever uses (no exotic Unicode). */
const NCNAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
/** Namespaces spelled out here rather than imported from soap.ts, which imports this module. */
const WSA = 'http://www.w3.org/2005/08/addressing';
/** Header blocks we write ourselves: a device may not add to them through reference parameters. */
const OWN_NAMESPACES = new Set<string>([
  'http://www.w3.org/2003/05/soap-envelope',
  'http://schemas.xmlsoap.org/soap/envelope/',
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  WSA,
]);

const orderedParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
  trimValues: false,
});

type Ordered = Record<string, unknown>;

/**
 * `unsupported`, not `malformed`: the device made a subscription we cannot address safely, so every
 * retry would leave it one more it cannot free. The events loop stops on `unsupported` (logged
 * `camera events not used` with this reason) until the camera's entry changes.
 */
function bad(reason: string): OnvifError {
  return new OnvifError('unsupported', `SubscriptionReference/ReferenceParameters: ${reason}`);
}

function tagOf(node: Ordered): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text');
}

function splitName(qname: string): { prefix: string; local: string } {
  const i = qname.indexOf(':');
  return i < 0 ? { prefix: '', local: qname } : { prefix: qname.slice(0, i), local: qname.slice(i + 1) };
}

function attrsOf(node: Ordered): Record<string, string> {
  const a = node[':@'];
  const out: Record<string, string> = {};
  if (a && typeof a === 'object') for (const [k, v] of Object.entries(a as Record<string, unknown>)) if (typeof v === 'string') out[k.slice(2)] = v;
  return out;
}

/** Namespace declarations of an element, merged over those in scope. */
function scopeOf(node: Ordered, outer: Record<string, string>): { scope: Record<string, string>; declared: Record<string, string> } {
  const declared: Record<string, string> = {};
  for (const [name, value] of Object.entries(attrsOf(node))) {
    if (name === 'xmlns') declared[''] = value;
    else if (name.startsWith('xmlns:')) declared[name.slice(6)] = value;
  }
  return { scope: { ...outer, ...declared }, declared };
}

/**
 * The reference parameters in a CreatePullPointSubscription reply (already size-checked and
 * validated by parseXml). None → []. Too many, too deep, unbound prefixes, odd names or a
 * parameter in a namespace of our own headers → `unsupported` with the reason (see bad()).
 */
export function parseReferenceParameters(xml: string): RefElement[] {
  let doc: unknown;
  try {
    doc = orderedParser.parse(xml);
  } catch (err) {
    throw bad(`XML parse failed: ${(err as Error).message.slice(0, 120)}`);
  }
  // Walk Envelope/Body/CreatePullPointSubscriptionResponse/SubscriptionReference/ReferenceParameters by local name.
  const path = ['Envelope', 'Body', 'CreatePullPointSubscriptionResponse', 'SubscriptionReference', 'ReferenceParameters'];
  let level: unknown = doc;
  let scope: Record<string, string> = {};
  let found: Ordered | undefined;
  for (const step of path) {
    const list = Array.isArray(level) ? (level as Ordered[]) : [];
    found = list.find((n) => {
      const t = tagOf(n);
      return t !== undefined && splitName(t).local === step;
    });
    if (!found) return [];
    scope = scopeOf(found, scope).scope;
    level = found[tagOf(found)!];
  }
  const budget = { elements: 0, chars: 0 };
  const params = (Array.isArray(level) ? (level as Ordered[]) : []).filter((n) => tagOf(n) !== undefined);
  if (params.length > REF_PARAM_LIMITS.maxParameters) throw bad(`${params.length} parameters; at most ${REF_PARAM_LIMITS.maxParameters} are echoed`);
  return params.map((p) => {
    const el = readElement(p, scope, 0, budget);
    if (OWN_NAMESPACES.has(el.ns))
      throw bad(`a parameter named ${el.prefix ? `${el.prefix}:` : ''}${el.local} in ${el.ns} would stand in for a header the hub writes; refused`);
    // WS-Addressing keeps a parameter's "[in-scope namespaces] ... as is": the top element declares
    // every prefix the parameter uses from outside it — in names, and in text that reads as a QName
    // (`tns:Motion`) — so that they keep their meaning in our envelope. Only those: a reply may
    // declare dozens on its Envelope.
    const inherited: Record<string, string> = {};
    for (const p of usedPrefixes(el)) if (scope[p] !== undefined && (p === '' || NCNAME.test(p))) inherited[p] = scope[p]!;
    el.declare = { ...inherited, ...el.declare };
    return el;
  });
}

function readElement(node: Ordered, outer: Record<string, string>, depth: number, budget: { elements: number; chars: number }): RefElement {
  if (depth > REF_PARAM_LIMITS.maxDepth) throw bad(`nested deeper than ${REF_PARAM_LIMITS.maxDepth}`);
  if (++budget.elements > REF_PARAM_LIMITS.maxElements) throw bad(`more than ${REF_PARAM_LIMITS.maxElements} elements`);
  const tag = tagOf(node)!;
  const { prefix, local } = splitName(tag);
  if (!NCNAME.test(local) || (prefix !== '' && !NCNAME.test(prefix))) throw bad(`element name "${tag.slice(0, 60)}" refused`);
  const { scope, declared } = scopeOf(node, outer);
  for (const [p, uri] of Object.entries(declared)) {
    if ((p !== '' && !NCNAME.test(p)) || /^xml/i.test(p)) throw bad(`namespace prefix "${p.slice(0, 60)}" refused`);
    // Undeclaring a prefix (xmlns:p="") is XML 1.1 only; it could not be written back in 1.0.
    if (p !== '' && uri === '') throw bad(`prefix "${p}" bound to the empty namespace`);
    count(budget, uri);
  }
  const ns = scope[prefix];
  if (prefix !== '' && ns === undefined) throw bad(`prefix "${prefix}" is not declared`);
  const attrs: RefElement['attrs'] = [];
  for (const [name, raw] of Object.entries(attrsOf(node))) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    const a = splitName(name);
    if (!NCNAME.test(a.local) || (a.prefix !== '' && !NCNAME.test(a.prefix))) throw bad(`attribute name "${name.slice(0, 60)}" refused`);
    if (a.prefix !== '' && a.prefix !== 'xml' && scope[a.prefix] === undefined) throw bad(`prefix "${a.prefix}" is not declared`);
    // We add IsReferenceParameter ourselves; a device's own copy would be a duplicate attribute.
    if (a.local === 'IsReferenceParameter' && a.prefix !== '' && scope[a.prefix] === WSA) continue;
    if (a.prefix === 'xml' && a.local !== 'lang' && a.local !== 'space') throw bad(`attribute ${name} refused`);
    const value = decodeCharRefs(raw);
    count(budget, value);
    attrs.push({ name, value });
  }
  const kids = (node[tag] as Ordered[] | undefined) ?? [];
  const elements = kids.filter((k) => tagOf(k) !== undefined);
  let content: RefElement['content'];
  if (elements.length > 0) content = elements.map((k) => readElement(k, scope, depth + 1, budget));
  else {
    content = decodeCharRefs(kids.map((k) => (typeof k['#text'] === 'string' ? k['#text'] : '')).join(''));
    count(budget, content);
  }
  return { prefix, local, ns: ns ?? '', declare: declared, attrs, content };
}

function usedPrefixes(e: RefElement, out = new Set<string>()): Set<string> {
  out.add(e.prefix);
  for (const a of e.attrs) {
    const p = splitName(a.name).prefix;
    if (p !== '' && p !== 'xml') out.add(p);
  }
  if (typeof e.content === 'string') {
    const q = /^\s*([A-Za-z_][A-Za-z0-9_.-]*):[A-Za-z_]/.exec(e.content);
    if (q) out.add(q[1]!);
  } else for (const c of e.content) usedPrefixes(c, out);
  return out;
}

function count(budget: { chars: number }, s: string): void {
  budget.chars += s.length;
  if (budget.chars > REF_PARAM_LIMITS.maxChars) throw bad(`more than ${REF_PARAM_LIMITS.maxChars} characters of text`);
  // Characters XML 1.0 does not allow could not be written back (and have no business in an id).
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(s)) throw bad('a control character in a value');
}

/**
 * The SOAP header blocks for these parameters (WS-Addressing 1.0 SOAP Binding §3.3), written by
 * us: names as checked on the way in, every value escaped, `wsa:IsReferenceParameter="true"` on
 * each top element. The `wsa` prefix is declared for it unless the parameter binds `wsa` to
 * something else, in which case another prefix is used.
 */
export function writeReferenceParameters(params: readonly RefElement[]): string {
  return params
    .map((p) => {
      let wsaPrefix = 'wsa';
      for (let i = 1; p.declare[wsaPrefix] !== undefined && p.declare[wsaPrefix] !== WSA; i++) wsaPrefix = `wsa${i}`;
      const extra = p.declare[wsaPrefix] === WSA ? '' : ` xmlns:${wsaPrefix}="${WSA}"`;
      return writeElement(p, `${extra} ${wsaPrefix}:IsReferenceParameter="true"`);
    })
    .join('');
}

function writeElement(e: RefElement, extraAttrs = ''): string {
  const name = e.prefix ? `${e.prefix}:${e.local}` : e.local;
  const decls = Object.entries(e.declare)
    .map(([p, uri]) => (p === '' ? ` xmlns="${esc(uri)}"` : ` xmlns:${p}="${esc(uri)}"`))
    .join('');
  const attrs = e.attrs.map((a) => ` ${a.name}="${escAttr(a.value)}"`).join('');
  const inner = typeof e.content === 'string' ? esc(e.content) : e.content.map((c) => writeElement(c)).join('');
  return `<${name}${decls}${attrs}${extraAttrs}>${inner}</${name}>`;
}

/** Attribute values: also keep tabs and line breaks (attribute-value normalisation would eat them). */
function escAttr(s: string): string {
  return esc(s).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}
