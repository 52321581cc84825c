/**
 * Safe XML for ONVIF and WS-Discovery replies: bounded size, no DOCTYPE (hence no external or
 * internal entities, no billion laughs), well-formedness checked, namespaces prefixes dropped.
 *
 * fast-xml-parser 5.12 never fetches external entities (it throws "External entities are not
 * supported" on a SYSTEM entity) but it does expand internal DOCTYPE entities; ONVIF never needs a
 * DTD, so any DOCTYPE is refused before parsing.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ONVIF_LIMITS, OnvifError } from './errors.js';

/** A parsed element: attributes as `@_name`, text as `#text` when mixed with attributes. */
export type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
  trimValues: true,
  allowBooleanAttributes: false,
});

export function parseXml(input: Buffer | string, maxBytes: number = ONVIF_LIMITS.maxXmlBytes): XmlNode {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > maxBytes) throw new OnvifError('too_large', `reply is ${size} bytes; limit ${maxBytes}`);
  const text = typeof input === 'string' ? input : input.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new OnvifError('doctype', 'reply contains a DOCTYPE or ENTITY declaration; refused');
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new OnvifError('malformed', `not well-formed XML (line ${valid.err.line}: ${valid.err.msg.slice(0, 120)})`);
  }
  try {
    return parser.parse(text) as XmlNode;
  } catch (err) {
    throw new OnvifError('malformed', `XML parse failed: ${(err as Error).message.slice(0, 120)}`);
  }
}

/** Child element(s) by local name; always a list. */
export function children(node: unknown, name: string): unknown[] {
  if (!node || typeof node !== 'object') return [];
  const v = (node as XmlNode)[name];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export function child(node: unknown, name: string): unknown {
  return children(node, name)[0];
}

/** Walk a path of local names, taking the first match at each step. */
export function at(node: unknown, ...path: string[]): unknown {
  let cur = node;
  for (const name of path) {
    cur = child(cur, name);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Text content of an element (string element or `#text`), numeric references decoded, bounded. */
export function text(node: unknown): string | undefined {
  let raw: unknown = node;
  if (node && typeof node === 'object') raw = (node as XmlNode)['#text'];
  if (typeof raw === 'number' || typeof raw === 'boolean') raw = String(raw);
  if (typeof raw !== 'string') return undefined;
  return decodeCharRefs(raw).slice(0, ONVIF_LIMITS.maxFieldChars);
}

export function attr(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const v = (node as XmlNode)[`@_${name}`];
  return typeof v === 'string' ? decodeCharRefs(v).slice(0, ONVIF_LIMITS.maxFieldChars) : undefined;
}

/** A required text field: missing or empty → a typed error naming what was expected. */
export function requireText(node: unknown, what: string, ...path: string[]): string {
  const v = text(at(node, ...path));
  if (v === undefined || v.trim() === '') throw new OnvifError('missing_field', `${what}: no ${path.join('/')} in the reply`);
  return v.trim();
}

/** fast-xml-parser decodes the five predefined entities but leaves `&#NN;` / `&#xNN;` as text. */
export function decodeCharRefs(s: string): string {
  if (!s.includes('&#')) return s;
  return s.replace(/&#(x[0-9a-fA-F]{1,6}|[0-9]{1,7});/g, (m, ref: string) => {
    const cp = ref[0] === 'x' ? parseInt(ref.slice(1), 16) : parseInt(ref, 10);
    // Control characters and invalid code points stay as written (they are not XML Chars).
    if (cp < 0x20 && cp !== 0x9 && cp !== 0xa && cp !== 0xd) return m;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return m;
    return String.fromCodePoint(cp);
  });
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escape text for an element body or attribute. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}
