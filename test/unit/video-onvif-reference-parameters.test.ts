/**
 * wsa:ReferenceParameters of a subscription reference (issue 16): read from the
 * CreatePullPointSubscription reply, echoed as SOAP headers with wsa:IsReferenceParameter="true"
 * (WS-Addressing 1.0 SOAP Binding §3.3), rebuilt by our own writer — hostile content escaped,
 * oversized or impersonating parameters refused. Pure.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { OnvifError } from '../../src/video/onvif/errors.js';
import { ACTIONS, parseCreatePullPoint, requests } from '../../src/video/onvif/messages.js';
import { envelope } from '../../src/video/onvif/soap.js';

const WSA = 'http://www.w3.org/2005/08/addressing';

/** A CreatePullPointSubscription reply whose SubscriptionReference carries `params`. */
const created = (params: string, envAttrs = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>` +
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tev="http://www.onvif.org/ver10/events/wsdl" ` +
  `xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa5="${WSA}"${envAttrs}><s:Body>` +
  `<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference>` +
  `<wsa5:Address>http://192.0.2.10/onvif/Subscription</wsa5:Address>${params}</tev:SubscriptionReference>` +
  `<wsnt:CurrentTime>2026-12-03T08:00:00Z</wsnt:CurrentTime><wsnt:TerminationTime>2026-12-03T08:01:00Z</wsnt:TerminationTime>` +
  `</tev:CreatePullPointSubscriptionResponse></s:Body></s:Envelope>`;

/** A namespace-aware reading of the header blocks we send: [namespace URI, local name, element]. */
function headerBlocks(xml: string): Array<{ ns: string; local: string; attrs: Record<string, string>; text: string; raw: unknown }> {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, trimValues: false }).parse(
    xml,
  ) as Array<Record<string, unknown>>;
  const tag = (n: Record<string, unknown>) => Object.keys(n).find((k) => k !== ':@' && k !== '#text')!;
  const attrsOf = (n: Record<string, unknown>) => (n[':@'] ?? {}) as Record<string, string>;
  const envEl = doc.find((n) => tag(n) === 's:Envelope')!;
  const header = (envEl['s:Envelope'] as Array<Record<string, unknown>>).find((n) => tag(n) === 's:Header')!;
  return (header['s:Header'] as Array<Record<string, unknown>>).map((n) => {
    const t = tag(n);
    const [prefix, local] = t.includes(':') ? t.split(':') : ['', t];
    const a = attrsOf(n);
    const ns = a[prefix ? `xmlns:${prefix}` : 'xmlns'] ?? '';
    const kids = n[t] as Array<Record<string, unknown>>;
    const text = kids.map((k) => (typeof k['#text'] === 'string' ? k['#text'] : '')).join('');
    return { ns, local: local!, attrs: a, text, raw: n };
  });
}

const send = (sub: ReturnType<typeof parseCreatePullPoint>) =>
  envelope(requests.renew(60), { addressing: { action: ACTIONS.renew, to: sub.address }, referenceParameters: sub.referenceParameters });

describe('wsa:ReferenceParameters of a subscription reference', () => {
  it('a subscription id is echoed as a header in its own namespace, marked IsReferenceParameter', () => {
    const sub = parseCreatePullPoint(
      created(
        '<wsa5:ReferenceParameters><dom0:SubscriptionId xmlns:dom0="http://www.example-vendor.com/ver10/event">42</dom0:SubscriptionId>' +
          '</wsa5:ReferenceParameters>',
      ),
    );
    expect(sub.address).toBe('http://192.0.2.10/onvif/Subscription');
    const blocks = headerBlocks(send(sub));
    const id = blocks.find((b) => b.local === 'SubscriptionId');
    expect(id).toBeDefined();
    expect(id!.ns).toBe('http://www.example-vendor.com/ver10/event');
    expect(id!.text).toBe('42');
    // The attribute's prefix is bound to the WS-Addressing 1.0 namespace on the element itself.
    const [p] = Object.entries(id!.attrs)
      .find(([k, v]) => k.endsWith(':IsReferenceParameter') && v === 'true')![0]
      .split(':');
    expect(id!.attrs[`xmlns:${p}`]).toBe(WSA);
    // The other WS-Addressing headers are still there, and the parameter is not one of them.
    expect(blocks.map((b) => b.local)).toEqual(expect.arrayContaining(['Action', 'MessageID', 'ReplyTo', 'To', 'SubscriptionId']));
  });

  it('no ReferenceParameters: nothing extra in the envelope', () => {
    const sub = parseCreatePullPoint(created(''));
    expect(sub.referenceParameters).toEqual([]);
    expect(send(sub)).not.toContain('IsReferenceParameter');
  });

  it('several parameters, nested elements, attributes and a prefix declared on the Envelope keep their names, namespaces and values', () => {
    const sub = parseCreatePullPoint(
      created(
        '<wsa5:ReferenceParameters><v:Ref k="a b" v:scope="cam&amp;1"><v:Part>one</v:Part><v:Part>two</v:Part></v:Ref><Plain>7</Plain>' +
          '</wsa5:ReferenceParameters>',
        ' xmlns:v="urn:vendor:ref"',
      ),
    );
    expect(sub.referenceParameters).toHaveLength(2);
    const xml = send(sub);
    const blocks = headerBlocks(xml);
    const ref = blocks.find((b) => b.local === 'Ref')!;
    expect(ref.ns).toBe('urn:vendor:ref');
    expect(ref.attrs.k).toBe('a b');
    expect(ref.attrs['v:scope']).toBe('cam&1');
    expect(xml).toContain('<v:Part>one</v:Part><v:Part>two</v:Part>');
    expect(blocks.find((b) => b.local === 'Plain')).toMatchObject({ ns: '', text: '7' });
  });

  it('hostile text and attribute values are escaped: no element or attribute of the device’s making appears', () => {
    const sub = parseCreatePullPoint(
      created(
        '<wsa5:ReferenceParameters>' +
          '<x:Id xmlns:x="urn:x" note="&quot;/&gt;&lt;wsse:Security/&gt;">1&lt;/x:Id&gt;&lt;wsse:Security&gt;evil&lt;/wsse:Security&gt;&#38;&#x3C;</x:Id>' +
          '</wsa5:ReferenceParameters>',
      ),
    );
    const xml = send(sub);
    const blocks = headerBlocks(xml);
    const id = blocks.find((b) => b.local === 'Id')!;
    // The value arrives intact as text (a receiver decodes it back to what the device sent), never as markup.
    expect(id.text).toBe('1</x:Id><wsse:Security>evil</wsse:Security>&<');
    expect(id.attrs.note).toBe('"/><wsse:Security/>');
    expect(xml).toContain('1&lt;/x:Id&gt;&lt;wsse:Security&gt;evil&lt;/wsse:Security&gt;&amp;&lt;</x:Id>');
    expect(blocks.filter((b) => b.local === 'Security')).toHaveLength(0);
    expect(blocks.map((b) => b.local).sort()).toEqual(['Action', 'Id', 'MessageID', 'ReplyTo', 'To']);
  });

  it('a parameter that would stand in for a header the hub writes (WS-Security, WS-Addressing) is refused', () => {
    for (const evil of [
      '<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken/></wsse:Security>',
      '<wsa5:To>http://attacker.invalid/</wsa5:To>',
    ]) {
      const err = catchErr(() => parseCreatePullPoint(created(`<wsa5:ReferenceParameters>${evil}</wsa5:ReferenceParameters>`)));
      expect(err).toBeInstanceOf(OnvifError);
      expect((err as OnvifError).code).toBe('unsupported');
      expect((err as OnvifError).reason).toMatch(/ReferenceParameters: .*would stand in for a header the hub writes/);
    }
  });

  it('bounded: too many parameters, too deep, too much text and undeclared prefixes are refused with a specific reason', () => {
    const cases: Array<[string, RegExp]> = [
      [Array.from({ length: 9 }, (_, i) => `<p:I${i} xmlns:p="urn:p">${i}</p:I${i}>`).join(''), /9 parameters; at most 8/],
      ['<a>'.repeat(7) + 'x' + '</a>'.repeat(7), /nested deeper than 4/],
      [`<p:Id xmlns:p="urn:p">${'A'.repeat(3000)}</p:Id>`, /more than 2048 characters/],
      ['<q:Id>1</q:Id>', /prefix "q" is not declared/],
      ['<p:Id xmlns:p="">1</p:Id>', /bound to the empty namespace/],
    ];
    for (const [params, reason] of cases) {
      const err = catchErr(() => parseCreatePullPoint(created(`<wsa5:ReferenceParameters>${params}</wsa5:ReferenceParameters>`)));
      expect(err, String(reason)).toBeInstanceOf(OnvifError);
      expect((err as OnvifError).reason, String(reason)).toMatch(reason);
    }
  });

  it('a default-namespace parameter, and one that binds the prefix wsa to another namespace, keep their meaning', () => {
    const sub = parseCreatePullPoint(
      created('<wsa5:ReferenceParameters><Id xmlns="urn:dflt">3</Id><wsa:Key xmlns:wsa="urn:not-addressing">k</wsa:Key></wsa5:ReferenceParameters>'),
    );
    const blocks = headerBlocks(send(sub));
    expect(blocks.find((b) => b.local === 'Id')).toMatchObject({ ns: 'urn:dflt', text: '3' });
    const key = blocks.find((b) => b.local === 'Key')!;
    expect(key.ns).toBe('urn:not-addressing');
    // The marker's prefix is another one, bound to WS-Addressing 1.0.
    expect(key.attrs['wsa1:IsReferenceParameter']).toBe('true');
    expect(key.attrs['xmlns:wsa1']).toBe(WSA);
  });

  it('a device’s own IsReferenceParameter attribute is not duplicated', () => {
    const sub = parseCreatePullPoint(
      created('<wsa5:ReferenceParameters><p:Id xmlns:p="urn:p" wsa5:IsReferenceParameter="true">5</p:Id></wsa5:ReferenceParameters>'),
    );
    const xml = send(sub);
    expect(xml.match(/IsReferenceParameter/g)).toHaveLength(1);
    expect(headerBlocks(xml).find((b) => b.local === 'Id')!.text).toBe('5');
  });
});

function catchErr(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return null;
}
