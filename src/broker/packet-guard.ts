/**
 * Limits on raw MQTT connections that must hold before anyone has logged in (issue 17, item 1).
 *
 * aedes' parser (mqtt-packet) buffers a packet until its announced remaining length has arrived,
 * and it does so before `authenticate` runs: a client without credentials could announce a
 * 256 MiB CONNECT and stream it, and the hub would hold every byte. The 64 KiB payload cap of
 * ingest comes too late for that. `PacketSizeScanner` reads only the fixed header of each packet
 * as the bytes pass (MQTT 3.1.1 §2.2: one byte of type and flags, then the remaining length in
 * 1–4 bytes of 7 bits each, least significant first [MQTT-2.2.3]) and says "too big" as soon as a
 * header announces more than the limit, so the connection is closed after the first chunk.
 *
 * Pure: no I/O, no clock. `AddressCounter` keeps the number of open connections per remote
 * address, the other cheap way to exhaust a broker before login.
 */

/** `first`: the offending packet is the connection's first one (its CONNECT, before any login). */
export type ScanResult = { ok: true } | { ok: false; announced: number; reason: 'too_big' | 'bad_length'; first: boolean };

/** Bytes of one fixed header: the type byte and at most four length bytes [MQTT-2.2.3]. */
const MAX_LENGTH_BYTES = 4;

export class PacketSizeScanner {
  /** Bytes of the current packet's body still to skip. */
  private skip = 0;
  /** Inside a fixed header: -1 before the type byte; else how many length bytes were read. */
  private lengthBytes = -1;
  private length = 0;
  private multiplier = 1;
  private inHeader = false;
  /** Packets whose header has been read completely. */
  private packets = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Feeds the next bytes of the stream; the first violation is final (the caller closes). */
  feed(chunk: Uint8Array): ScanResult {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++] as number;
      if (!this.inHeader) {
        // The type and flags byte; the remaining length follows.
        this.inHeader = true;
        this.lengthBytes = 0;
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        // A fifth length byte is a malformed packet; aedes' parser would refuse it as well.
        if (this.lengthBytes >= MAX_LENGTH_BYTES) return { ok: false, announced: this.length, reason: 'bad_length', first: this.packets === 0 };
        continue;
      }
      // Decided on the whole length (at most four bytes), so the log shows what was announced.
      if (this.length > this.maxPacketBytes) return { ok: false, announced: this.length, reason: 'too_big', first: this.packets === 0 };
      this.packets++;
      this.inHeader = false;
      this.skip = this.length;
    }
    return { ok: true };
  }
}

/** Open connections per remote address, with a cap; `release` must be called once per `admit`. */
export class AddressCounter {
  private readonly open = new Map<string, number>();

  constructor(private readonly maxPerAddress: number) {}

  /** True when one more connection from `address` is allowed (and counts it). */
  admit(address: string): boolean {
    const n = this.open.get(address) ?? 0;
    if (n >= this.maxPerAddress) return false;
    this.open.set(address, n + 1);
    return true;
  }

  release(address: string): void {
    const n = (this.open.get(address) ?? 0) - 1;
    if (n > 0) this.open.set(address, n);
    else this.open.delete(address);
  }

  count(address: string): number {
    return this.open.get(address) ?? 0;
  }
}

/**
 * Addresses that just sent an oversize first packet (a CONNECT nobody could have logged in with),
 * with the time until which their new connections are held unread, then closed. Without it, each attempt costs
 * the hub an accept, a read of up to 64 KiB and a parser: 50 clients retrying at once made the RSS
 * climb by tens of MiB of garbage. Connections already open from that address are left alone.
 */
export class CoolOff {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ms: number,
    private readonly maxAddresses = 10_000,
  ) {}

  start(address: string, now: number): void {
    if (this.until.size >= this.maxAddresses) {
      for (const [a, t] of this.until) if (t <= now) this.until.delete(a);
      if (this.until.size >= this.maxAddresses) this.until.delete(this.until.keys().next().value as string);
    }
    this.until.set(address, now + this.ms);
  }

  /** Milliseconds of cool-off left for `address` (0: none). */
  remaining(address: string, now: number): number {
    const t = this.until.get(address);
    if (t === undefined) return 0;
    if (t > now) return t - now;
    this.until.delete(address);
    return 0;
  }
}
