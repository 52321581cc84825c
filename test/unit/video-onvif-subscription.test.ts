/** ONVIF event subscriptions (issue 16): WS-Addressing, MessageLimit, renew timing, back-off, bounded state. Pure. */
import { describe, expect, it } from 'vitest';
import { EventInterpreter } from '../../src/video/onvif/events.js';
import { ACTIONS, parseCreatePullPoint, parsePullMessages, parseRenew, requests } from '../../src/video/onvif/messages.js';
import { envelope } from '../../src/video/onvif/soap.js';
import { backoffMs, parseDeviceTime, remainingLifetimeMs, renewDelayMs } from '../../src/video/onvif/subscription-timing.js';
import { at, parseXml, text } from '../../src/video/onvif/xml.js';

const ENV = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>` +
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema" ` +
  `xmlns:tev="http://www.onvif.org/ver10/events/wsdl" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa5="http://www.w3.org/2005/08/addressing">` +
  `<s:Body>${body}</s:Body></s:Envelope>`;

const motion = (i: number, value = 'true', op = 'Changed') =>
  `<wsnt:NotificationMessage><wsnt:Topic>tns1:RuleEngine/CellMotionDetector/Motion</wsnt:Topic><wsnt:Message>` +
  `<tt:Message UtcTime="2026-12-03T07:00:00Z" PropertyOperation="${op}"><tt:Source><tt:SimpleItem Name="Rule" Value="rule-${i}"/></tt:Source><tt:Data>` +
  `<tt:SimpleItem Name="IsMotion" Value="${value}"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>`;

describe('WS-Addressing on subscription requests', () => {
  it('a Renew carries Action, a fresh MessageID, an anonymous ReplyTo and To the subscription', () => {
    const to = 'http://192.0.2.10/onvif/subscription/7';
    const one = envelope(requests.renew(60), { credentials: { username: 'admin', password: 'p' }, addressing: { action: ACTIONS.renew, to } });
    const two = envelope(requests.renew(60), { addressing: { action: ACTIONS.renew, to } });
    const h = at(parseXml(one), 'Envelope', 'Header');
    expect(text(at(h, 'Action'))).toBe('http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/RenewRequest');
    expect(text(at(h, 'To'))).toBe(to);
    expect(text(at(h, 'ReplyTo', 'Address'))).toBe('http://www.w3.org/2005/08/addressing/anonymous');
    const id = text(at(h, 'MessageID'));
    expect(id).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(text(at(parseXml(two), 'Envelope', 'Header', 'MessageID'))).not.toBe(id);
    expect(at(h, 'Security')).toBeDefined();
  });
});

describe('replies', () => {
  it('a PullMessages reply with 600 messages gives the first MessageLimit and counts the rest', () => {
    const raw = ENV(
      `<tev:PullMessagesResponse><tev:CurrentTime>2026-12-03T07:00:00Z</tev:CurrentTime>` +
        `<tev:TerminationTime>2026-12-03T07:01:00Z</tev:TerminationTime>` +
        `${Array.from({ length: 600 }, (_, i) => motion(i)).join('')}</tev:PullMessagesResponse>`,
    );
    const r = parsePullMessages(raw, 32);
    expect(r.messages).toHaveLength(32);
    expect(r.dropped).toBe(568);
    expect(r).toMatchObject({ currentTime: '2026-12-03T07:00:00Z', terminationTime: '2026-12-03T07:01:00Z' });
  });

  it('reads CurrentTime and TerminationTime of CreatePullPointSubscription and Renew', () => {
    const created = parseCreatePullPoint(
      ENV(
        '<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference><wsa5:Address>http://192.0.2.10/sub/1</wsa5:Address>' +
          '</tev:SubscriptionReference><wsnt:CurrentTime>2020-01-01T00:00:00Z</wsnt:CurrentTime>' +
          '<wsnt:TerminationTime>2020-01-01T00:01:00Z</wsnt:TerminationTime></tev:CreatePullPointSubscriptionResponse>',
      ),
    );
    expect(created).toEqual({
      address: 'http://192.0.2.10/sub/1',
      currentTime: '2020-01-01T00:00:00Z',
      terminationTime: '2020-01-01T00:01:00Z',
      referenceParameters: [],
    });
    expect(parseRenew(ENV('<wsnt:RenewResponse><wsnt:TerminationTime>2020-01-01T00:02:00Z</wsnt:TerminationTime></wsnt:RenewResponse>'))).toEqual({
      currentTime: null,
      terminationTime: '2020-01-01T00:02:00Z',
    });
  });
});

describe('renew timing', () => {
  const base = { requestedMs: 120_000, localNowMs: Date.parse('2026-12-03T07:00:00Z'), deviceOffsetMs: 0 };

  it('uses TerminationTime − CurrentTime, so a camera clock years off still renews in time', () => {
    const left = remainingLifetimeMs({ ...base, currentTime: '2020-01-01T00:00:00Z', terminationTime: '2020-01-01T00:01:00Z' });
    expect(left).toBe(60_000);
    expect(renewDelayMs(left)).toBe(45_000);
  });

  it('without CurrentTime, uses the device clock offset from GetSystemDateAndTime', () => {
    const deviceNow = base.localNowMs - 3600_000; // camera an hour behind
    const term = new Date(deviceNow + 90_000).toISOString();
    expect(remainingLifetimeMs({ ...base, deviceOffsetMs: -3600_000, currentTime: null, terminationTime: term })).toBe(90_000);
  });

  it('falls back to what was asked for when the reply has no time, a past one, or one far ahead', () => {
    expect(remainingLifetimeMs({ ...base, currentTime: null, terminationTime: null })).toBe(120_000);
    expect(remainingLifetimeMs({ ...base, currentTime: '2026-12-03T07:00:00Z', terminationTime: '2026-12-03T06:00:00Z' })).toBe(120_000);
    expect(remainingLifetimeMs({ ...base, currentTime: '2026-12-03T07:00:00Z', terminationTime: '2027-12-03T07:00:00Z' })).toBe(120_000);
    expect(remainingLifetimeMs({ ...base, currentTime: 'soon', terminationTime: 'later' })).toBe(120_000);
  });

  it('renews at least 10 s before the end, never later than halfway', () => {
    expect(renewDelayMs(120_000)).toBe(90_000);
    expect(renewDelayMs(20_000)).toBe(10_000);
    expect(renewDelayMs(8_000)).toBe(4_000);
  });

  it('reads device times with or without a zone', () => {
    expect(parseDeviceTime('2026-12-03T07:00:00')).toBe(Date.parse('2026-12-03T07:00:00Z'));
    expect(parseDeviceTime('2026-12-03T15:00:00+08:00')).toBe(Date.parse('2026-12-03T07:00:00Z'));
    expect(parseDeviceTime('PT60S')).toBeNull();
  });
});

describe('back-off', () => {
  it('grows exponentially, is bounded, and jitters within the upper half', () => {
    const o = { baseMs: 1000, maxMs: 30_000 };
    expect(backoffMs(1, { ...o, random: () => 0 })).toBe(500);
    expect(backoffMs(1, { ...o, random: () => 1 })).toBe(1000);
    expect(backoffMs(4, { ...o, random: () => 1 })).toBe(8000);
    expect(backoffMs(50, { ...o, random: () => 1 })).toBe(30_000);
    expect(backoffMs(50, { ...o, random: () => 0 })).toBe(15_000);
  });
});

describe('interpreter state', () => {
  const node = (xml: string) => parseXml(xml).NotificationMessage as Record<string, unknown>;

  it('keeps at most its cap of sources, forgetting the least recently seen', () => {
    const it = new EventInterpreter(100);
    for (let i = 0; i < 1_000; i++) it.feed([node(motion(i, 'false'))]);
    expect(it.size).toBe(100);
    expect(it.evicted).toBe(900);
    // A source still remembered keeps its state: its "active" is an edge.
    expect(it.feed([node(motion(999, 'true'))])).toHaveLength(1);
  });

  it('after a re-subscription, Initialized "active" for a property known inactive is the event missed in the gap', () => {
    const it = new EventInterpreter();
    expect(it.feed([node(motion(1, 'false', 'Initialized'))])).toHaveLength(0);
    expect(it.feed([node(motion(1, 'true', 'Initialized'))])).toHaveLength(1);
    expect(it.feed([node(motion(1, 'true', 'Initialized'))])).toHaveLength(0);
  });
});
