/**
 * Code decoders: the escape hatch for formats the declarative blocks cannot express (a model says
 * `decoder: contact-id`). Each is a pure function of the DecodeInput, like a block.
 */
import type { DecodeInput, DecodeOutcome, DecodedSignal } from '../types.js';
import { interpretContactId, parseContactId } from './contact-id.js';

export interface CodeDecoder {
  description: string;
  decode(input: DecodeInput): DecodeOutcome;
}

const contactId: CodeDecoder = {
  description: 'Ademco Contact ID (SIA DC-05) 16-digit string ACCT MT QXYZ GG CCC S',
  decode(input) {
    const parsed = parseContactId(input.payload.toString('utf8'));
    if (!parsed.ok) return parsed;
    const msg = parsed.message;
    const expected = input.device.account?.trim().toUpperCase();
    if (expected && expected !== msg.account) {
      return {
        ok: false,
        code: 'SG_INGEST_ACCOUNT_MISMATCH',
        reason: `Contact ID account ${msg.account} is not this device's account ${expected}; check the panel's account number or the device's topic`,
      };
    }
    const meaning = interpretContactId(msg);
    if (!meaning.ok) return meaning;
    const { kind, zone, detail, message } = meaning.meaning;
    const signals: DecodedSignal[] = kind ? [{ kind, zone, detail, message }] : [];
    // Contact ID is event-by-event (the panel sends each change once and retries until the
    // receiver acknowledges), so there is no on-change filtering; the state only remembers the last.
    const state = Object.assign(Object.create(null) as Record<string, never>, input.state, {
      last_cid: `${msg.qualifier === 1 ? 'E' : msg.qualifier === 3 ? 'R' : 'S'}${msg.code}`,
    });
    return { ok: true, signals, state };
  },
};

export const CODE_DECODERS: Readonly<Record<string, CodeDecoder>> = {
  'contact-id': contactId,
};

export function isCodeDecoder(name: string): boolean {
  return Object.hasOwn(CODE_DECODERS, name);
}
