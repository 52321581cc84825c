/**
 * RTP and RTCP packets (RFC 3550) and RTSP interleaved framing (RFC 2326 §10.12), for the
 * simulated camera's RTSP server. Pure functions; no I/O.
 *
 *   RTP fixed header (§5.1): V=2 P=0 X=0 CC=0 | M | PT(7) | sequence(16) | timestamp(32) | SSRC(32)
 *   RTCP SR (§6.4.1) + SDES CNAME (§6.5.1) as one compound packet (§6.1: every compound packet
 *   starts with SR/RR and carries a CNAME).
 *   Interleaved: '$' | channel(8) | length(16) | packet.
 */

export interface RtpHeader {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
}

export function rtpHeader(h: RtpHeader): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0x80; // version 2, no padding, no extension, no CSRC
  b[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  b.writeUInt16BE(h.sequence & 0xffff, 2);
  b.writeUInt32BE(h.timestamp >>> 0, 4);
  b.writeUInt32BE(h.ssrc >>> 0, 8);
  return b;
}

/** Seconds between 1900-01-01 (NTP epoch) and 1970-01-01 (Unix epoch). */
const NTP_UNIX_OFFSET = 2_208_988_800;

/** 64-bit NTP timestamp (§4) of a Unix time in milliseconds: [seconds, fraction]. */
export function ntpTime(unixMs: number): [number, number] {
  const secs = Math.floor(unixMs / 1000);
  const frac = Math.floor(((unixMs - secs * 1000) / 1000) * 2 ** 32);
  return [(secs + NTP_UNIX_OFFSET) >>> 0, frac >>> 0];
}

export interface SenderReport {
  ssrc: number;
  unixMs: number;
  rtpTimestamp: number;
  packets: number;
  octets: number;
  cname: string;
}

/** SR without report blocks, then SDES with one CNAME item, padded to 32 bits (§6.5). */
export function senderReport(r: SenderReport): Buffer {
  const sr = Buffer.alloc(28);
  sr[0] = 0x80; // V=2, P=0, RC=0
  sr[1] = 200; // SR
  sr.writeUInt16BE(28 / 4 - 1, 2);
  sr.writeUInt32BE(r.ssrc >>> 0, 4);
  const [sec, frac] = ntpTime(r.unixMs);
  sr.writeUInt32BE(sec, 8);
  sr.writeUInt32BE(frac, 12);
  sr.writeUInt32BE(r.rtpTimestamp >>> 0, 16);
  sr.writeUInt32BE(r.packets >>> 0, 20);
  sr.writeUInt32BE(r.octets >>> 0, 24);
  const name = Buffer.from(r.cname.slice(0, 255), 'utf8').subarray(0, 255);
  // SSRC(4) + item type(1) + length(1) + text + at least one null octet ending the item list.
  const body = 4 + 2 + name.length;
  const padded = Math.ceil((body + 1) / 4) * 4;
  const sdes = Buffer.alloc(4 + padded);
  sdes[0] = 0x81; // V=2, P=0, SC=1
  sdes[1] = 202; // SDES
  sdes.writeUInt16BE(sdes.length / 4 - 1, 2);
  sdes.writeUInt32BE(r.ssrc >>> 0, 4);
  sdes[8] = 1; // CNAME
  sdes[9] = name.length;
  name.copy(sdes, 10);
  return Buffer.concat([sr, sdes]);
}

/** RFC 2326 §10.12: one RTP or RTCP packet on the RTSP connection. */
export function interleave(channel: number, packet: Buffer): Buffer {
  if (packet.length > 0xffff) throw new RangeError('interleaved packet longer than 65535 bytes');
  const head = Buffer.alloc(4);
  head[0] = 0x24; // '$'
  head[1] = channel & 0xff;
  head.writeUInt16BE(packet.length, 2);
  return Buffer.concat([head, packet]);
}
