/** ONVIF / WS-Discovery / HTTP Digest protocol code on fixed bytes: no network. */
import { describe, expect, it } from 'vitest';
import { digestAuthorization, parseChallenges, pickDigest } from '../../src/video/onvif/digest.js';
import { buildProbe, parseProbeMatches } from '../../src/video/onvif/discovery.js';
import { OnvifError } from '../../src/video/onvif/errors.js';
import { EventInterpreter, interpretNotification } from '../../src/video/onvif/events.js';
import {
  parseCapabilities,
  parseCreatePullPoint,
  parseDeviceInformation,
  parseProfiles,
  parsePullMessages,
  parseServices,
  parseSnapshotUri,
  parseStreamUri,
  parseSystemDateAndTime,
  requests,
} from '../../src/video/onvif/messages.js';
import { envelope, passwordDigest } from '../../src/video/onvif/soap.js';
import { parseXml } from '../../src/video/onvif/xml.js';
import { inputArgs, parseFfmpegVersion, redact, scrub, validateMediaUrl } from '../../src/video/ffmpeg/ffmpeg.js';
import { AXIS_PIR_CHANGE, AXIS_PIR_INIT } from '../fixtures/onvif/axis-pir.js';

const ENV = (body: string, ns = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>` +
  `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema" ` +
  `xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" ` +
  `xmlns:tev="http://www.onvif.org/ver10/events/wsdl" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa5="http://www.w3.org/2005/08/addressing" ` +
  `${ns}><SOAP-ENV:Header></SOAP-ENV:Header><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof OnvifError) return e.code;
    throw e;
  }
  return 'no error';
};

describe('WS-UsernameToken PasswordDigest', () => {
  it('is Base64(SHA-1(nonce bytes + Created + password)) per UsernameToken Profile 1.0 §3.1', () => {
    // Computed independently: printf '%s' <nonce bytes><created><password> | sha1sum | xxd -r -p | base64
    const nonce = Buffer.from('LKqI6G/AikKCQrN0zqZFlg==', 'base64');
    expect(passwordDigest(nonce, '2010-09-16T07:50:45Z', 'userpassword')).toBe('tuOSpGlFlIXsozq4HFNeeGeFLEI=');
  });

  it('puts the username escaped, the digest, the nonce and Created into the header', () => {
    const xml = envelope(requests.getDeviceInformation(), { credentials: { username: 'a<b', password: 'p' }, now: new Date('2024-01-02T03:04:05.678Z') });
    expect(xml).toContain('<wsse:Username>a&lt;b</wsse:Username>');
    expect(xml).toContain('<wsu:Created>2024-01-02T03:04:05Z</wsu:Created>');
    expect(xml).toMatch(/#PasswordDigest">[A-Za-z0-9+/=]{28}<\/wsse:Password>/);
    expect(() => parseXml(xml)).not.toThrow();
  });
});

describe('HTTP Digest (RFC 7616)', () => {
  const challenge = (algo: string) =>
    pickDigest(
      parseChallenges([
        `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algo}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", ` +
          `opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
      ]),
    )!;
  const input = {
    username: 'Mufasa',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    nc: 1,
  };

  it('answers the RFC 7616 §3.9.1 example with MD5', () => {
    expect(digestAuthorization({ ...input, challenge: challenge('MD5') })).toContain('response="8ca523f5e9506fed4657c9700eebdbec"');
  });

  it('answers the RFC 7616 §3.9.1 example with SHA-256', () => {
    expect(digestAuthorization({ ...input, challenge: challenge('SHA-256') })).toContain(
      'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"',
    );
  });

  it('answers the RFC 2617 §3.5 example (MD5 without an algorithm parameter)', () => {
    const c = pickDigest(
      parseChallenges([
        'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
      ]),
    )!;
    const h = digestAuthorization({
      challenge: c,
      username: 'Mufasa',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      cnonce: '0a4f113b',
      nc: 1,
    });
    expect(h).toContain('response="6629fae49393a05397450978507c4ef1"');
  });

  it('prefers SHA-256 when a device offers both, and ignores Basic and unknown algorithms', () => {
    const c = pickDigest(
      parseChallenges([
        'Basic realm="x"',
        'Digest realm="r", nonce="n1", algorithm=MD5, qop="auth"',
        'Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth"',
        'Digest realm="r", nonce="n3", algorithm=SHA-512-256',
      ]),
    );
    expect(c?.params.nonce).toBe('n2');
    expect(pickDigest(parseChallenges(['Basic realm="x"']))).toBeNull();
  });
});

describe('ONVIF replies', () => {
  it('reads device information, and says which field is missing', () => {
    const ok = ENV(
      '<tds:GetDeviceInformationResponse><tds:Manufacturer>HIKVISION</tds:Manufacturer><tds:Model>DS-2CD2143G0-I</tds:Model>' +
        '<tds:FirmwareVersion>V5.5.0 build 170725</tds:FirmwareVersion><tds:SerialNumber>DS-2CD2143G0-I20170823AAWR</tds:SerialNumber>' +
        '<tds:HardwareId>88</tds:HardwareId></tds:GetDeviceInformationResponse>',
    );
    expect(parseDeviceInformation(ok)).toMatchObject({ manufacturer: 'HIKVISION', model: 'DS-2CD2143G0-I', hardwareId: '88' });
    const missing = ENV('<tds:GetDeviceInformationResponse><tds:Model>X</tds:Model></tds:GetDeviceInformationResponse>');
    expect(() => parseDeviceInformation(missing)).toThrow(/Manufacturer/);
    expect(code(() => parseDeviceInformation(missing))).toBe('missing_field');
  });

  it('reads service addresses from GetServices and GetCapabilities', () => {
    const services = ENV(
      '<tds:GetServicesResponse><tds:Service><tds:Namespace>http://www.onvif.org/ver10/media/wsdl</tds:Namespace>' +
        '<tds:XAddr>http://192.0.2.10/onvif/Media</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>' +
        '<tds:Service><tds:Namespace>http://www.onvif.org/ver10/events/wsdl</tds:Namespace><tds:XAddr>http://192.0.2.10/onvif/Events</tds:XAddr>' +
        '</tds:Service></tds:GetServicesResponse>',
    );
    expect(parseServices(services)).toMatchObject({ media: 'http://192.0.2.10/onvif/Media', events: 'http://192.0.2.10/onvif/Events', pullPoint: true });
    const caps = ENV(
      '<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Media><tt:XAddr>http://192.0.2.10/onvif/media_service</tt:XAddr></tt:Media><tt:Events>' +
        '<tt:XAddr>http://192.0.2.10/onvif/event_service</tt:XAddr><tt:WSPullPointSupport>false</tt:WSPullPointSupport></tt:Events></tds:Capabilities>' +
        '</tds:GetCapabilitiesResponse>',
    );
    expect(parseCapabilities(caps)).toMatchObject({ media: 'http://192.0.2.10/onvif/media_service', pullPoint: false });
  });

  it('reads profiles, stream and snapshot URIs (with &amp; in the query), and the device clock', () => {
    const profiles = ENV(
      '<trt:GetProfilesResponse><trt:Profiles token="Profile_1" fixed="true"><tt:Name>mainStream</tt:Name><tt:VideoEncoderConfiguration token="VEC_1">' +
        '<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>2560</tt:Width><tt:Height>1440</tt:Height></tt:Resolution></tt:VideoEncoderConfiguration>' +
        '</trt:Profiles></trt:GetProfilesResponse>',
    );
    expect(parseProfiles(profiles)).toEqual([{ token: 'Profile_1', name: 'mainStream', encoding: 'H264', width: 2560, height: 1440 }]);
    expect(code(() => parseProfiles(ENV('<trt:GetProfilesResponse/>')))).toBe('missing_field');
    expect(code(() => parseProfiles(ENV('<trt:GetProfilesResponse><trt:Profiles><tt:Name>x</tt:Name></trt:Profiles></trt:GetProfilesResponse>')))).toBe(
      'missing_field',
    );
    const stream = ENV(
      '<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>rtsp://192.0.2.10:554/cam/realmonitor?channel=1&amp;subtype=0</tt:Uri>' +
        '<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect></trt:MediaUri></trt:GetStreamUriResponse>',
    );
    expect(parseStreamUri(stream)).toBe('rtsp://192.0.2.10:554/cam/realmonitor?channel=1&subtype=0');
    expect(code(() => parseSnapshotUri(ENV('<trt:GetSnapshotUriResponse><trt:MediaUri></trt:MediaUri></trt:GetSnapshotUriResponse>')))).toBe('missing_field');
    const clock = ENV(
      '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:UTCDateTime><tt:Time><tt:Hour>3</tt:Hour><tt:Minute>4</tt:Minute>' +
        '<tt:Second>5</tt:Second></tt:Time><tt:Date><tt:Year>2024</tt:Year><tt:Month>1</tt:Month><tt:Day>2</tt:Day></tt:Date></tt:UTCDateTime>' +
        '</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>',
    );
    expect(parseSystemDateAndTime(clock)?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
  });

  it('turns a NotAuthorized fault into not_authorized and other faults into soap_fault', () => {
    const fault = (sub: string) =>
      ENV(
        `<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:Sender</SOAP-ENV:Value><SOAP-ENV:Subcode><SOAP-ENV:Value>${sub}</SOAP-ENV:Value>` +
          `</SOAP-ENV:Subcode></SOAP-ENV:Code><SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">Sender not Authorized</SOAP-ENV:Text></SOAP-ENV:Reason>` +
          `</SOAP-ENV:Fault>`,
        'xmlns:ter="http://www.onvif.org/ver10/error"',
      );
    expect(code(() => parseDeviceInformation(fault('ter:NotAuthorized')))).toBe('not_authorized');
    expect(code(() => parseDeviceInformation(fault('ter:InvalidArgVal').replace('Sender not Authorized', 'bad arg')))).toBe('soap_fault');
  });

  it('reads a PullPoint subscription and its messages', () => {
    const sub = ENV(
      '<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference><wsa5:Address>http://192.0.2.10/onvif/Events/PullSubManager_2024</wsa5:Address>' +
        '</tev:SubscriptionReference><wsnt:CurrentTime>2024-01-02T03:04:05Z</wsnt:CurrentTime>' +
        '<wsnt:TerminationTime>2024-01-02T03:05:05Z</wsnt:TerminationTime></tev:CreatePullPointSubscriptionResponse>',
    );
    expect(parseCreatePullPoint(sub).address).toBe('http://192.0.2.10/onvif/Events/PullSubManager_2024');
    const pulled = ENV(
      `<tev:PullMessagesResponse><tev:CurrentTime>2024-01-02T03:04:05Z</tev:CurrentTime>${AXIS_PIR_INIT}${AXIS_PIR_CHANGE}</tev:PullMessagesResponse>`,
    );
    expect(parsePullMessages(pulled).messages).toHaveLength(2);
  });
});

describe('hostile replies are refused with a reason, never parsed', () => {
  it('refuses a DOCTYPE with an external entity (XXE)', () => {
    const xxe =
      `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
      ENV('<tds:GetDeviceInformationResponse><tds:Manufacturer>&xxe;</tds:Manufacturer><tds:Model>m</tds:Model></tds:GetDeviceInformationResponse>');
    expect(code(() => parseDeviceInformation(xxe))).toBe('doctype');
  });

  it('refuses an internal-entity bomb (billion laughs)', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><a>&lol2;</a>`;
    expect(code(() => parseXml(bomb))).toBe('doctype');
  });

  it('refuses a 10 MB body before parsing it', () => {
    const huge = ENV(
      `<tds:GetDeviceInformationResponse><tds:Manufacturer>${'A'.repeat(10 * 1024 * 1024)}</tds:Manufacturer></tds:GetDeviceInformationResponse>`,
    );
    expect(code(() => parseDeviceInformation(huge))).toBe('too_large');
    // Before parsing, shown without a stopwatch: a huge body that is also broken XML (or carries a
    // DOCTYPE) is refused for its size, not for what a parser would have found in it.
    expect(code(() => parseDeviceInformation(`${huge}<unclosed>`))).toBe('too_large');
    expect(code(() => parseXml(`<!DOCTYPE x>${huge}`))).toBe('too_large');
  });

  it('refuses malformed XML and a non-SOAP document', () => {
    expect(code(() => parseDeviceInformation('<Envelope><Body><x></Body>'))).toBe('malformed');
    expect(code(() => parseDeviceInformation('<html><body>login</body></html>'))).toBe('malformed');
    expect(code(() => parseDeviceInformation(''))).toBe('malformed');
  });
});

describe('ONVIF events', () => {
  const n = (topic: string, op: string, name: string, value: string, source = '<tt:SimpleItem Name="InputToken" Value="DI_1"/>') =>
    parseXml(
      `<wsnt:NotificationMessage xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tt="http://www.onvif.org/ver10/schema" ` +
        `xmlns:tns1="http://www.onvif.org/ver10/topics">` +
        `<wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">${topic}</wsnt:Topic><wsnt:Message>` +
        `<tt:Message UtcTime="2024-01-02T03:04:05Z" PropertyOperation="${op}"><tt:Source>${source}</tt:Source><tt:Data>` +
        `<tt:SimpleItem Name="${name}" Value="${value}"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>`,
    ).NotificationMessage as Record<string, unknown>;

  it('maps motion, tamper and digital input topics to SafeGrid kinds', () => {
    expect(interpretNotification(n('tns1:RuleEngine/CellMotionDetector/Motion', 'Changed', 'IsMotion', 'true'))).toMatchObject({
      kind: 'video_motion',
      active: true,
      operation: 'Changed',
    });
    expect(interpretNotification(n('tns1:VideoSource/MotionAlarm', 'Changed', 'State', 'true')).kind).toBe('video_motion');
    expect(interpretNotification(n('tns1:RuleEngine/TamperDetector/Tamper', 'Changed', 'IsTamper', 'true')).kind).toBe('tamper');
    expect(interpretNotification(n('tns1:VideoSource/GlobalSceneChange/ImagingService', 'Changed', 'State', 'true')).kind).toBe('tamper');
    expect(interpretNotification(n('tns1:Device/Trigger/DigitalInput', 'Changed', 'LogicalState', 'true')).kind).toBe('intrusion');
  });

  it('reads 0/1 and true/false alike', () => {
    expect(interpretNotification(n('tns1:Device/Trigger/DigitalInput', 'Changed', 'LogicalState', '1')).active).toBe(true);
    expect(interpretNotification(n('tns1:Device/Trigger/DigitalInput', 'Changed', 'LogicalState', '0')).active).toBe(false);
    expect(interpretNotification(n('tns1:Device/Trigger/DigitalInput', 'Changed', 'LogicalState', 'false')).active).toBe(false);
  });

  it('treats Initialized as current state: an input already active at subscription raises nothing', () => {
    const it = new EventInterpreter();
    expect(it.feed([n('tns1:Device/Trigger/DigitalInput', 'Initialized', 'LogicalState', 'true')])).toHaveLength(0);
    // Still active: no new event. Goes inactive, then active again: one event.
    expect(it.feed([n('tns1:Device/Trigger/DigitalInput', 'Changed', 'LogicalState', 'true')])).toHaveLength(0);
    expect(it.feed([n('tns1:Device/Trigger/DigitalInput', 'Changed', 'LogicalState', 'false')])).toHaveLength(0);
    expect(it.feed([n('tns1:Device/Trigger/DigitalInput', 'Changed', 'LogicalState', 'true')])).toHaveLength(1);
  });

  it('reads an Axis PIR (Value="0"/"1", vendor topic) as motion on its change only', () => {
    const it = new EventInterpreter();
    const init = parseXml(AXIS_PIR_INIT).NotificationMessage as Record<string, unknown>;
    const change = parseXml(AXIS_PIR_CHANGE).NotificationMessage as Record<string, unknown>;
    expect(interpretNotification(change)).toMatchObject({ topic: 'Device/Sensor/PIR', active: true });
    expect(it.feed([init])).toHaveLength(0);
    // PIR is not a topic we map (no "Motion" in it): nothing, rather than a guess.
    expect(it.feed([change])).toHaveLength(0);
  });
});

describe('WS-Discovery', () => {
  const match = (xaddrs: string, relates = 'urn:uuid:1') =>
    `<?xml version="1.0"?>` +
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ` +
    `xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action>` +
    `<a:RelatesTo>${relates}</a:RelatesTo></s:Header><s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:abc</a:Address>` +
    `</a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types>` +
    `<d:Scopes>onvif://www.onvif.org/name/%E9%97%A8%E5%8F%A3 onvif://www.onvif.org/hardware/DS-2CD2143G0-I ` +
    `onvif://www.onvif.org/location/city/liupanshui</d:Scopes>${xaddrs}</d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`;

  it('builds a Probe for NetworkVideoTransmitter with a fresh MessageID', () => {
    const p = buildProbe();
    expect(p.xml).toContain('<d:Types>dn:NetworkVideoTransmitter</d:Types>');
    expect(p.messageId).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(() => parseXml(p.xml)).not.toThrow();
  });

  it('reads name (URL-decoded), hardware and addresses from ProbeMatches', () => {
    const r = parseProbeMatches(match('<d:XAddrs>http://192.0.2.10/onvif/device_service http://[fe80::1]/onvif/device_service</d:XAddrs>'), 'urn:uuid:1');
    expect(r.devices[0]).toMatchObject({ name: '门口', hardware: 'DS-2CD2143G0-I', location: 'city/liupanshui', endpoint: 'urn:uuid:abc' });
    expect(r.devices[0]!.xaddrs[0]).toBe('http://192.0.2.10/onvif/device_service');
  });

  it('skips a match without usable addresses, with the reason', () => {
    expect(() => parseProbeMatches(match(''), 'urn:uuid:1')).not.toThrow();
    expect(parseProbeMatches(match(''), 'urn:uuid:1')).toEqual({ devices: [], skipped: ['match urn:uuid:abc: no XAddrs'] });
    expect(parseProbeMatches(match('<d:XAddrs>file:///etc/passwd -i</d:XAddrs>'), 'urn:uuid:1').skipped[0]).toMatch(/not plain http/);
  });

  it('refuses a reply to another probe, and a DOCTYPE', () => {
    expect(code(() => parseProbeMatches(match('<d:XAddrs>http://h/x</d:XAddrs>', 'urn:uuid:other'), 'urn:uuid:1'))).toBe('malformed');
    expect(code(() => parseProbeMatches(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${match('<d:XAddrs>&e;</d:XAddrs>')}`))).toBe('doctype');
  });
});

describe('ffmpeg wrapper', () => {
  it('accepts only rtsp, rtsps, http and https camera URLs', () => {
    for (const ok of ['rtsp://192.0.2.10:554/s1', 'rtsps://cam/x', 'http://cam/mjpeg', 'https://cam/snap.jpg'])
      expect(() => validateMediaUrl(ok)).not.toThrow();
    for (const bad of [
      '-i /etc/passwd',
      'file:///etc/passwd',
      'concat:/a|/b',
      'pipe:0',
      'subfile,,start,0,end,0,,:/etc/passwd',
      'ftp://x/y',
      'rtsp://h/a b',
      'gopher://x',
      '/etc/passwd',
      'data:image/png;base64,AA',
    ]) {
      expect(() => validateMediaUrl(bad), bad).toThrow();
    }
  });

  it('uses -timeout on ffmpeg 5 and -stimeout on 4 for RTSP', () => {
    const u = new URL('rtsp://h/s');
    expect(inputArgs({ major: 5 }, u, u.toString(), { timeoutMs: 2000 })).toEqual(expect.arrayContaining(['-rtsp_transport', 'tcp', '-timeout', '2000000']));
    expect(inputArgs({ major: 4 }, u, u.toString(), { timeoutMs: 2000 })).toContain('-stimeout');
    expect(inputArgs({ major: 4 }, u, u.toString(), { timeoutMs: 2000 })).not.toContain('-timeout');
    expect(parseFfmpegVersion('ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024')?.major).toBe(5);
    expect(parseFfmpegVersion('ffmpeg version 4.1-static https://johnvansickle.com')?.major).toBe(4);
  });

  it('never lets credentials through to a log line', () => {
    expect(redact('rtsp://admin:s3cret@192.0.2.10/s1')).toBe('rtsp://192.0.2.10/s1');
    expect(scrub('[rtsp @ 0x55] method DESCRIBE failed: 401 rtsp://admin:s3cret@192.0.2.10/s1 (s3cret)', ['s3cret'])).not.toContain('s3cret');
  });
});
