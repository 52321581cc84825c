import * as parser from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { pushParser } from '../../src/api/socket/json-parser.js';

const stock = new parser.Encoder();
const fast = new pushParser.Encoder();
const incident = { id: '01J', version: 3, timeline: [{ at: '2026-12-03T04:00:00Z', type: 'event', text: '门磁 "前门" <打开>' }], zones: [1, 2], owner: null };

describe('push parser', () => {
  it('encodes every pushed event to the bytes the stock encoder makes, in any namespace', () => {
    for (const nsp of ['/', '/console', '/guard']) {
      for (const data of [
        ['incident:update', incident],
        ['incident:new', incident],
        ['event:stored', { events: [{ seq: 1, id: 'x', detail: 'a\u2028b' }], replay: false }],
        ['device:status', { siteId: 's', deviceId: 'd', availability: 'online' }],
        ['queue:snapshot', { incidents: [incident], serverTime: 't', eventSeq: 9 }],
      ]) {
        const packet = { type: parser.PacketType.EVENT, nsp, data };
        expect(fast.encode(packet)).toEqual(stock.encode(packet));
      }
    }
  });

  it('leaves acknowledgements, other events and binary payloads to the stock encoder', () => {
    const ack = { type: parser.PacketType.ACK, nsp: '/console', id: 7, data: [{ ok: true }] };
    expect(fast.encode(ack)).toEqual(stock.encode(ack));
    const binary = { type: parser.PacketType.EVENT, nsp: '/console', data: ['frame', Buffer.from([1, 2, 3])] };
    const encoded = fast.encode(binary);
    expect(encoded).toHaveLength(2);
    expect(encoded[0]).toMatch(/^51-\/console,/);
    const connect = { type: parser.PacketType.CONNECT, nsp: '/console', data: { sid: 'abc' } };
    expect(fast.encode(connect)).toEqual(stock.encode(connect));
  });

  it('decodes what it encodes with the stock decoder, as a browser client does', async () => {
    const decoder = new pushParser.Decoder();
    const got = new Promise<parser.Packet>((ok) => decoder.on('decoded', ok));
    for (const part of fast.encode({ type: parser.PacketType.EVENT, nsp: '/console', data: ['incident:update', incident] })) decoder.add(part);
    expect((await got).data).toEqual(['incident:update', incident]);
  });
});
