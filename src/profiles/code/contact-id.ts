/**
 * Ademco Contact ID (SIA DC-05-1999.09), as alarm panels and IP/GSM communicators forward it over
 * MQTT: the 16-digit ASCII string
 *
 *     ACCT MT Q XYZ GG CCC S        e.g.  "1234 18 1137 01 015 2"
 *
 *   ACCT  account (subscriber) number, 4 hex digits 0-9, B-F
 *   MT    message type: 18 (preferred) or 98 — "new receiver implementations shall accept either"
 *   Q     event qualifier: 1 new event / opening, 3 new restore / closing, 6 previously reported
 *         condition still present (status report)
 *   XYZ   event code, 3 hex digits (DC-05 event code table)
 *   GG    group / partition, 00 when none applies
 *   CCC   zone number (event reports) or user number (open/close reports), 000 when none applies
 *   S     checksum digit
 *
 * Sources: SIA DC-05-1999.09 "Ademco Contact ID Protocol"; the field list and the 18/98 rule as
 * restated in the Climax Mobile Lite R15 manual p. 56; the qualifier meanings in the Bosch Conettix
 * D6600 computer interface manual §3.1.4; the checksum rule ("adds another digit so that the grand
 * total is evenly divisible by 15") in the Ademco VISTA XM technical reference manual p. 69.
 *
 * Pure: no I/O, no clock. Spaces between fields are accepted because panels and gateways print it
 * both ways (the Cooper/Scantronic M2000 engineering manual shows "1234 18 1137 01 015 2").
 */
import type { EventKind } from '../../contract/alarm-event.js';
import { message, type Coded } from '../../contract/messages.js';

export type ContactIdQualifier = 1 | 3 | 6;

export interface ContactIdMessage {
  /** Account digits as sent, upper case (may contain B-F). */
  account: string;
  messageType: '18' | '98';
  qualifier: ContactIdQualifier;
  /** Event code, 3 characters (e.g. "130"). */
  code: string;
  /** Group / partition, 2 characters ("00" when none applies). */
  group: string;
  /** Zone (event reports) or user number (open/close reports); 0 when none applies. */
  zoneOrUser: number;
  checksum: string;
  /** The 16 digits without spaces. */
  digits: string;
}

export type ContactIdParse = { ok: true; message: ContactIdMessage } | { ok: false; code: 'SG_INGEST_UNDECODABLE' | 'SG_INGEST_BAD_CHECKSUM'; reason: string };

/**
 * Value of one Contact ID digit in the checksum. DTMF has no digit "zero" of value 0: DC-05 counts
 * the digit 0 as 10, and B-F as 11-15. "A" is not a Contact ID digit (it would collide with 0).
 * Returns null for anything else.
 */
export function contactIdDigitValue(ch: string): number | null {
  if (ch === '0') return 10;
  if (ch >= '1' && ch <= '9') return ch.charCodeAt(0) - 48;
  if (ch >= 'B' && ch <= 'F') return ch.charCodeAt(0) - 55;
  return null;
}

/** Sum of the digit values of a Contact ID digit string (0 counted as 10). */
export function contactIdDigitSum(digits: string): number {
  let sum = 0;
  for (const ch of digits) sum += contactIdDigitValue(ch) ?? 0;
  return sum;
}

/**
 * The checksum digit for the first 15 digits: the digit that brings the total to the next multiple
 * of 15. A checksum value of 10 is sent as "0" and of 15 as "F": the M2000 manual's restore sample
 * "1234 18 3137 01 015 F" totals 60 before the checksum, so its checksum is 15, sent as F. Some
 * encoders send "0" for 15 (they compute (15 − sum mod 15) mod 15); DC-05 values "0" as 10, so such
 * a message fails the check and is rejected with a reason that says so rather than guessed at.
 */
export function contactIdChecksumDigit(first15: string): string {
  const rest = 15 - (contactIdDigitSum(first15) % 15);
  return rest === 10 ? '0' : rest === 15 ? 'F' : rest > 10 ? String.fromCharCode(55 + rest) : String(rest);
}

/** Parses and verifies one message. Never throws. */
export function parseContactId(text: string): ContactIdParse {
  if (text.length > 64) return undecodable(`got ${text.length} characters; expected 16 digits ACCT MT QXYZ GG CCC S`);
  const digits = text.replace(/[ \t\r\n]/g, '').toUpperCase();
  if (digits.length !== 16) {
    return undecodable(`got ${digits.length} digits (${JSON.stringify(printable(digits))}); expected 16: ACCT(4) MT(2) Q(1) XYZ(3) GG(2) CCC(3) S(1)`);
  }
  for (let i = 0; i < digits.length; i++) {
    const ch = digits[i]!;
    if (contactIdDigitValue(ch) === null) {
      return undecodable(`character ${JSON.stringify(printable(ch))} at position ${i + 1} is not a Contact ID digit (0-9, B-F)`);
    }
  }
  const messageType = digits.slice(4, 6);
  if (messageType !== '18' && messageType !== '98') {
    return undecodable(`message type ${JSON.stringify(messageType)}; expected 18 or 98 (Contact ID)`);
  }
  const sum = contactIdDigitSum(digits);
  if (sum % 15 !== 0) {
    const want = contactIdChecksumDigit(digits.slice(0, 15));
    return {
      ok: false,
      code: 'SG_INGEST_BAD_CHECKSUM',
      reason:
        `checksum digit ${JSON.stringify(digits[15])} gives a digit sum of ${sum}, not a multiple of 15; expected ${JSON.stringify(want)} (digit 0 counts ` +
        `as 10)`,
    };
  }
  const q = digits[6]!;
  if (q !== '1' && q !== '3' && q !== '6') {
    return undecodable(`event qualifier ${JSON.stringify(q)}; expected 1 (new event/opening), 3 (restore/closing) or 6 (still present)`);
  }
  const zone = digits.slice(12, 15);
  if (!/^\d{3}$/.test(zone)) return undecodable(`zone/user ${JSON.stringify(zone)} is not a decimal number`);
  return {
    ok: true,
    message: {
      account: digits.slice(0, 4),
      messageType,
      qualifier: Number(q) as ContactIdQualifier,
      code: digits.slice(7, 10),
      group: digits.slice(10, 12),
      zoneOrUser: Number(zone),
      checksum: digits[15]!,
      digits,
    },
  };
}

/**
 * How each event class behaves:
 *  alarm    Q1 → kind, Q3 → restore of that zone
 *  trouble  same as alarm (Q3 → restore: AC back, battery replaced)
 *  openclose  CCC is a user; Q1 opening → disarm, Q3 closing → arm (DC-05 §"Open/Close")
 *  test     Q1 → test; a restore of a test means nothing
 *  info     known and logged in state, no signal (bypass, walk test): SafeGrid has no kind for them
 */
export type ContactIdClass = 'alarm' | 'trouble' | 'openclose' | 'test' | 'info';

export interface ContactIdEventDef {
  name: string;
  cls: ContactIdClass;
  kind: EventKind | null;
}

const a = (name: string, kind: EventKind): ContactIdEventDef => ({ name, cls: 'alarm', kind });
const t = (name: string, kind: EventKind): ContactIdEventDef => ({ name, cls: 'trouble', kind });
const oc = (name: string): ContactIdEventDef => ({ name, cls: 'openclose', kind: null });
const info = (name: string): ContactIdEventDef => ({ name, cls: 'info', kind: null });
const test = (name: string): ContactIdEventDef => ({ name, cls: 'test', kind: 'test' });

/**
 * DC-05 event codes SafeGrid maps (names as DC-05 Appendix A gives them). A code missing here is
 * rejected as SG_INGEST_UNKNOWN_CODE so that it is seen and added, not silently dropped.
 */
export const CONTACT_ID_EVENTS: Readonly<Record<string, ContactIdEventDef>> = {
  // 100 medical alarms
  '100': a('medical', 'medical'),
  '101': a('personal emergency', 'medical'),
  '102': t('fail to report in', 'trouble.comm'),
  // 110 fire alarms
  '110': a('fire', 'fire'),
  '111': a('smoke', 'smoke'),
  '112': a('combustion', 'fire'),
  '113': a('water flow', 'fire'), // sprinkler water flow: a fire signal, not a leak
  '114': a('heat', 'fire'),
  '115': a('pull station', 'fire'),
  '116': a('duct', 'fire'),
  '117': a('flame', 'fire'),
  // 120 panic alarms
  '120': a('panic', 'panic'),
  '121': a('duress', 'duress'),
  '122': a('silent panic', 'panic'),
  '123': a('audible panic', 'panic'),
  '124': a('duress – access granted', 'duress'),
  '125': a('duress – egress granted', 'duress'),
  // 130 burglar alarms
  '130': a('burglary', 'burglary'),
  '131': a('perimeter', 'perimeter'),
  '132': a('interior', 'intrusion'),
  '133': a('24 hour (safe)', 'burglary'),
  '134': a('entry/exit', 'intrusion'),
  '135': a('day/night', 'intrusion'),
  '136': a('outdoor', 'perimeter'),
  '137': a('tamper', 'tamper'),
  '139': a('intrusion verifier', 'intrusion'),
  // 140 general alarms
  '140': a('general alarm', 'burglary'),
  '144': a('sensor tamper', 'tamper'),
  '145': a('expansion module tamper', 'tamper'),
  // 150/160 24-hour non-burglary. DC-05 names 150 "24 hour non-burglary"; the panels sold here
  // wire it to the gas detector zone, so it maps to gas (the dispatch consequence is the same: 119).
  '150': a('24 hour non-burglary (gas zone)', 'gas'),
  '151': a('gas detected', 'gas'),
  '154': a('water leakage', 'water'),
  '162': a('carbon monoxide detected', 'gas'),
  // 300 system troubles
  '301': t('AC loss', 'trouble.ac_loss'),
  '302': t('low system battery', 'trouble.low_battery'),
  '309': t('battery test failure', 'trouble.low_battery'),
  '311': t('battery missing/dead', 'trouble.low_battery'),
  // 350 communication troubles
  '350': t('communication trouble', 'trouble.comm'),
  '351': t('telco 1 fault', 'trouble.comm'),
  '352': t('telco 2 fault', 'trouble.comm'),
  '353': t('long range radio trouble', 'trouble.comm'),
  '354': t('failure to communicate event', 'trouble.comm'),
  '355': t('loss of radio supervision', 'trouble.comm'),
  '356': t('loss of central polling', 'trouble.comm'),
  // 380 sensor troubles
  '381': t('loss of supervision – RF', 'trouble.comm'),
  '383': a('sensor tamper', 'tamper'),
  '384': t('RF low battery', 'trouble.low_battery'),
  // 400 open/close
  '400': oc('open/close'),
  '401': oc('open/close by user'),
  '402': oc('group open/close'),
  '403': oc('automatic open/close'),
  '406': oc('cancel'),
  '407': oc('remote arm/disarm'),
  '408': oc('quick arm'),
  '409': oc('keyswitch open/close'),
  '441': oc('armed stay'),
  '442': oc('keyswitch armed stay'),
  // 570 bypasses
  '570': info('zone bypass'),
  '571': info('fire bypass'),
  '572': info('24 hour zone bypass'),
  '573': info('burglar bypass'),
  '574': info('group bypass'),
  // 600 test/misc
  '601': test('manual trigger test'),
  '602': test('periodic test report'),
  '603': test('periodic RF transmission'),
  '607': info('walk test mode'),
};

export interface ContactIdMeaning {
  /** null: nothing to signal (a status report, a bypass, a restore of a test). */
  kind: EventKind | null;
  /** Zone for event reports; null for open/close (CCC is a user) and system reports (CCC 000). */
  zone: number | null;
  user: number | null;
  detail: string;
  /** The detail as a code for the page (src/contract/messages.ts). */
  message: Coded;
}

export type ContactIdInterpretation = { ok: true; meaning: ContactIdMeaning } | { ok: false; code: 'SG_INGEST_UNKNOWN_CODE'; reason: string };

/**
 * What a parsed message means to SafeGrid. Qualifier 6 ("previously reported condition still
 * present", DC-05) yields no signal: it restates an alarm the hub already stored, and a second
 * signal would re-open or re-raise the incident for a condition the operator is already handling.
 */
export function interpretContactId(msg: ContactIdMessage): ContactIdInterpretation {
  const def = CONTACT_ID_EVENTS[msg.code];
  const q = msg.qualifier === 1 ? 'E' : msg.qualifier === 3 ? 'R' : 'S';
  if (!def) {
    return {
      ok: false,
      code: 'SG_INGEST_UNKNOWN_CODE',
      reason: `Contact ID event code ${msg.code} (${q}${msg.code}, account ${msg.account}) is not in SafeGrid's table`,
    };
  }
  const isUser = def.cls === 'openclose';
  const zone = !isUser && msg.zoneOrUser !== 0 ? msg.zoneOrUser : null;
  const user = isUser && msg.zoneOrUser !== 0 ? msg.zoneOrUser : null;
  let kind: EventKind | null = null;
  if (msg.qualifier === 1) {
    kind = def.cls === 'openclose' ? 'disarm' : def.kind;
  } else if (msg.qualifier === 3) {
    if (def.cls === 'openclose') kind = 'arm';
    else if (def.cls === 'alarm' || def.cls === 'trouble') kind = 'restore';
  }
  const where = isUser ? (user !== null ? `, user ${user}` : '') : zone !== null ? `, zone ${zone}` : '';
  const group = msg.group !== '00' ? `, group ${msg.group}` : '';
  const status = msg.qualifier === 6 ? ' (still present)' : '';
  const coded = message('cid', {
    q,
    code: msg.code,
    name: def.name,
    zone: isUser ? null : zone,
    user,
    group: msg.group !== '00' ? msg.group : null,
    still: msg.qualifier === 6 ? 'true' : null,
  });
  return { ok: true, meaning: { kind, zone, user, detail: `CID ${q}${msg.code} ${def.name}${group}${where}${status}`, message: coded } };
}

function undecodable(reason: string): ContactIdParse {
  return { ok: false, code: 'SG_INGEST_UNDECODABLE', reason };
}

function printable(s: string): string {
  const cut = s.length > 24 ? s.slice(0, 24) + '…' : s;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
