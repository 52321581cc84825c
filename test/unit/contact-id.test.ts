/**
 * Contact ID parser on real message strings. Sources:
 *  - "1234 18 1137 01 015 2" and "1234 18 3137 01 015 F": Cooper/Scantronic M2000 engineering
 *    manual, "3 – Contact ID" (system tamper on zone 15 and its restore).
 *  - Account 7777 E110/R110 zone 1: the Fire-Lite MS-10UD manual's Appendix A printout (printed
 *    without checksum; the checksum here is computed by the DC-05 rule and checked below).
 *  - Field layout, MT 18/98, qualifiers 1/3/6, hex digits B-F: SIA DC-05-1999.09 as restated in the
 *    Climax Mobile Lite R15 manual p. 56.
 */
import { describe, expect, it } from 'vitest';
import { contactIdChecksumDigit, contactIdDigitValue, interpretContactId, parseContactId, type ContactIdMessage } from '../../src/profiles/code/contact-id.js';
import { builtinProfiles } from '../../src/profiles/index.js';
import type { DecodeInput } from '../../src/profiles/types.js';

function parsed(text: string): ContactIdMessage {
  const r = parseContactId(text);
  if (!r.ok) throw new Error(`${r.code}: ${r.reason}`);
  return r.message;
}

describe('Contact ID parser', () => {
  it('reads the fields of the M2000 manual sample', () => {
    expect(parsed('1234 18 1137 01 015 2')).toEqual({
      account: '1234',
      messageType: '18',
      qualifier: 1,
      code: '137',
      group: '01',
      zoneOrUser: 15,
      checksum: '2',
      digits: '1234181137010152',
    });
  });

  it('accepts the restore sample whose checksum 15 is sent as F', () => {
    const m = parsed('1234 18 3137 01 015 F');
    expect(m.qualifier).toBe(3);
    expect(m.checksum).toBe('F');
  });

  it('computes the checksum the manual shows (digit 0 counts as 10)', () => {
    expect(contactIdChecksumDigit('123418113701015')).toBe('2');
    expect(contactIdChecksumDigit('123418313701015')).toBe('F');
    expect(contactIdDigitValue('0')).toBe(10);
    expect(contactIdDigitValue('B')).toBe(11);
    expect(contactIdDigitValue('A')).toBeNull();
  });

  it('accepts digits without spaces, lower-case hex, and a trailing newline', () => {
    expect(parsed('1234181130010037').code).toBe('130');
    expect(parsed('beef181121000020\r\n').account).toBe('BEEF');
  });

  it('accepts message type 98 like 18 (DC-05: receivers shall accept either)', () => {
    expect(parsed('5678981132010045').messageType).toBe('98');
  });

  it('rejects a wrong checksum with the digit it expected', () => {
    const r = parseContactId('1234 18 1137 01 015 3');
    expect(r).toEqual({
      ok: false,
      code: 'SG_INGEST_BAD_CHECKSUM',
      reason: 'checksum digit "3" gives a digit sum of 61, not a multiple of 15; expected "2" (digit 0 counts as 10)',
    });
  });

  it('rejects "0" sent for a checksum of 15 (DC-05 values 0 as 10)', () => {
    const r = parseContactId('1234 18 3137 01 015 0');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe('SG_INGEST_BAD_CHECKSUM');
  });

  it('rejects a bad length, a bad character, a bad message type and a bad qualifier', () => {
    const reason = (t: string) => {
      const r = parseContactId(t);
      return r.ok ? 'ok' : `${r.code}: ${r.reason}`;
    };
    expect(reason('1234 18 1130 01 003')).toBe(
      'SG_INGEST_UNDECODABLE: got 15 digits ("123418113001003"); expected 16: ACCT(4) MT(2) Q(1) XYZ(3) GG(2) CCC(3) S(1)',
    );
    expect(reason('12A4181130010037')).toBe('SG_INGEST_UNDECODABLE: character "A" at position 3 is not a Contact ID digit (0-9, B-F)');
    expect(reason('1234171130010038')).toMatch(/^SG_INGEST_UNDECODABLE: message type "17"/);
    // Qualifier 2 with a checksum that is right for it: the qualifier is what is wrong.
    const q2 = '123418213001003';
    expect(reason(q2 + contactIdChecksumDigit(q2))).toMatch(/^SG_INGEST_UNDECODABLE: event qualifier "2"/);
    expect(reason('x'.repeat(1000))).toMatch(/^SG_INGEST_UNDECODABLE: got 1000 characters/);
  });
});

describe('Contact ID meaning', () => {
  const meaning = (text: string) => {
    const r = interpretContactId(parsed(text));
    if (!r.ok) throw new Error(r.reason);
    return r.meaning;
  };

  it('a new burglary is burglary in its zone', () => {
    expect(meaning('1234181130010037')).toEqual({
      kind: 'burglary',
      zone: 3,
      user: null,
      detail: 'CID E130 burglary, group 01, zone 3',
      message: { code: 'cid', params: { q: 'E', code: '130', name: 'burglary', zone: 3, user: null, group: '01', still: null } },
    });
  });

  it('qualifier 3 on an alarm code restores that zone', () => {
    expect(meaning('1234183130010035')).toMatchObject({ kind: 'restore', zone: 3 });
  });

  it('qualifier 6 (still present) raises nothing but says so', () => {
    expect(meaning('1234186130010032')).toMatchObject({ kind: null, zone: 3, detail: 'CID S130 burglary, group 01, zone 3 (still present)' });
  });

  it('401 by user: opening disarms and closing arms, and CCC is the user, not a zone', () => {
    expect(meaning('123418140100003C')).toMatchObject({ kind: 'disarm', zone: null, user: 3 });
    expect(meaning('1234183401000030')).toMatchObject({ kind: 'arm', zone: null, user: 3 });
  });

  it('maps the DC-05 table the dispatch centre needs', () => {
    const kindOf = (q: 1 | 3, code: string, zone = '001') => {
      const first = `123418${q}${code}00${zone}`;
      return meaning(first + contactIdChecksumDigit(first)).kind;
    };
    expect(kindOf(1, '100')).toBe('medical');
    expect(kindOf(1, '101')).toBe('medical');
    expect(kindOf(1, '110')).toBe('fire');
    expect(kindOf(1, '111')).toBe('smoke');
    expect(kindOf(1, '120')).toBe('panic');
    expect(kindOf(1, '121')).toBe('duress');
    expect(kindOf(1, '122')).toBe('panic');
    expect(kindOf(1, '123')).toBe('panic');
    expect(kindOf(1, '131')).toBe('perimeter');
    expect(kindOf(1, '132')).toBe('intrusion');
    expect(kindOf(1, '133')).toBe('burglary');
    expect(kindOf(1, '134')).toBe('intrusion');
    expect(kindOf(1, '137')).toBe('tamper');
    expect(kindOf(1, '150')).toBe('gas');
    expect(kindOf(1, '151')).toBe('gas');
    expect(kindOf(1, '154')).toBe('water');
    expect(kindOf(1, '301', '000')).toBe('trouble.ac_loss');
    expect(kindOf(3, '301', '000')).toBe('restore');
    expect(kindOf(1, '302', '000')).toBe('trouble.low_battery');
    expect(kindOf(1, '350', '000')).toBe('trouble.comm');
    expect(kindOf(1, '354', '000')).toBe('trouble.comm');
    expect(kindOf(1, '383')).toBe('tamper');
    expect(kindOf(1, '384')).toBe('trouble.low_battery');
    expect(kindOf(1, '570')).toBeNull();
    expect(kindOf(1, '602', '000')).toBe('test');
    expect(kindOf(3, '602', '000')).toBeNull();
  });

  it('a system report (zone 000) has no zone', () => {
    expect(meaning('1234181602000002').zone).toBeNull();
  });

  it('an unknown code is rejected as SG_INGEST_UNKNOWN_CODE', () => {
    expect(interpretContactId(parsed('1234181999000012'))).toEqual({
      ok: false,
      code: 'SG_INGEST_UNKNOWN_CODE',
      reason: "Contact ID event code 999 (E999, account 1234) is not in SafeGrid's table",
    });
  });
});

describe('contact-id profile', () => {
  const profile = builtinProfiles().get('contact-id')!;
  const input = (payload: string, account: string | null = null): DecodeInput => ({
    topic: 'alarms/shop-12/cid',
    channel: 'state',
    payload: Buffer.from(payload),
    state: {},
    device: { id: 'panel-1', zone: null, zones: [], account },
  });

  it('decodes the manual sample into a tamper signal with a readable detail', () => {
    expect(profile.decode(input('1234 18 1137 01 015 2'))).toMatchObject({
      ok: true,
      signals: [{ kind: 'tamper', zone: 15, detail: 'CID E137 tamper, group 01, zone 15' }],
    });
  });

  it('rejects a message whose account is not the device account, saying both', () => {
    expect(profile.decode(input('1234 18 1137 01 015 2', '5678'))).toEqual({
      ok: false,
      code: 'SG_INGEST_ACCOUNT_MISMATCH',
      reason: "Contact ID account 1234 is not this device's account 5678; check the panel's account number or the device's topic",
    });
  });

  it('accepts the configured account in lower case', () => {
    expect(profile.decode(input('BEEF181121000020', 'beef')).ok).toBe(true);
  });
});
