/**
 * RTP payload format for JPEG (RFC 2435): a baseline JFIF frame → the fragments a camera sends.
 * Pure functions; no I/O.
 *
 * §3.1 main JPEG header (8 bytes): type-specific(8)=0 | fragment offset(24) | type(8) | Q(8) |
 * width/8 (8) | height/8 (8). Type 0 is 4:2:2 (Y sampled 2×1), type 1 is 4:2:0 (Y 2×2); both with
 * three components; the receiver applies the first table sent to Y and the second to Cb and Cr. Q = 255 (§3.1.8: dynamic tables)
 * puts a Quantization Table header (§3.1.8: MBZ | precision | length(16) | tables) before the data
 * of the first fragment of every frame. The payload is the entropy-coded scan only: the receiver
 * rebuilds the JFIF headers, with the *standard* Huffman tables of ITU T.81 Annex K (§3.1.9), so a
 * frame encoded with other Huffman tables (ffmpeg's `-huffman optimal`, its default since 4.x)
 * decodes as garbage on the other side. frames.ts therefore encodes with `-huffman default`.
 *
 * Not supported (refused, like cameras that never send them): restart markers (types 64–127 need a
 * restart header; ffmpeg 5.1's depacketizer refuses them too), progressive or 12-bit JPEG, other
 * sampling layouts, sizes that are not multiples of 8 or above 2040 pixels.
 */

export interface JpegFrame {
  /** RFC 2435 type: 0 = 4:2:2, 1 = 4:2:0. */
  type: 0 | 1;
  width: number;
  height: number;
  /** Bit i set: table i is 16-bit. */
  precision: number;
  /** Y's table then the Cb/Cr table, as in the DQT segments (zig-zag order). */
  qtables: Buffer;
  /** The entropy-coded segment after the SOS header, without the EOI marker. */
  scan: Buffer;
}

export class JpegError extends Error {
  override name = 'JpegError';
}

/** Read the parts of a baseline JFIF frame that RFC 2435 carries. Throws JpegError otherwise. */
export function parseJpeg(jpeg: Buffer): JpegFrame {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new JpegError('not a JPEG (no SOI)');
  const tables: Array<Buffer | undefined> = [];
  let precision = 0;
  let sof: { width: number; height: number; comps: Array<{ hv: number; tq: number }> } | null = null;
  let pos = 2;
  while (pos < jpeg.length) {
    if (jpeg[pos] !== 0xff) throw new JpegError(`expected a marker at byte ${pos}`);
    while (pos < jpeg.length && jpeg[pos] === 0xff) pos++; // fill bytes
    const marker = jpeg[pos++];
    if (marker === undefined) break;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // no length
    if (marker === 0xd9) throw new JpegError('EOI before any scan');
    if (pos + 2 > jpeg.length) throw new JpegError('truncated segment');
    const len = jpeg.readUInt16BE(pos);
    if (len < 2 || pos + len > jpeg.length) throw new JpegError('segment length out of range');
    const seg = jpeg.subarray(pos + 2, pos + len);
    pos += len;
    switch (marker) {
      case 0xdb: {
        for (let i = 0; i < seg.length; ) {
          const pq = seg[i]! >> 4;
          const tq = seg[i]! & 0x0f;
          const size = pq ? 128 : 64;
          if (tq > 3 || i + 1 + size > seg.length) throw new JpegError('bad DQT');
          tables[tq] = Buffer.from(seg.subarray(i + 1, i + 1 + size));
          if (pq) precision |= 1 << tq;
          else precision &= ~(1 << tq);
          i += 1 + size;
        }
        break;
      }
      case 0xc0: {
        if (seg.length < 6 || seg[0] !== 8) throw new JpegError('only 8-bit baseline JPEG is carried');
        const height = seg.readUInt16BE(1);
        const width = seg.readUInt16BE(3);
        const nf = seg[5]!;
        if (seg.length < 6 + nf * 3) throw new JpegError('bad SOF0');
        const comps = [];
        for (let c = 0; c < nf; c++) comps.push({ hv: seg[6 + c * 3 + 1]!, tq: seg[6 + c * 3 + 2]! });
        sof = { width, height, comps };
        break;
      }
      case 0xc1:
      case 0xc2:
      case 0xc3:
      case 0xc5:
      case 0xc6:
      case 0xc7:
      case 0xc9:
      case 0xca:
      case 0xcb:
      case 0xcd:
      case 0xce:
      case 0xcf:
        throw new JpegError(`SOF${marker - 0xc0} is not baseline JPEG`);
      case 0xdd:
        if (seg.length >= 2 && seg.readUInt16BE(0) !== 0) throw new JpegError('restart markers are not carried');
        break;
      case 0xda: {
        if (!sof) throw new JpegError('SOS before SOF0');
        const end = jpeg.length >= 2 && jpeg[jpeg.length - 2] === 0xff && jpeg[jpeg.length - 1] === 0xd9 ? jpeg.length - 2 : jpeg.length;
        return frameOf(sof, tables, precision, jpeg.subarray(pos, end));
      }
      default:
        break; // APPn, COM, DHT (assumed standard, see header)
    }
  }
  throw new JpegError('no scan');
}

function frameOf(
  sof: { width: number; height: number; comps: Array<{ hv: number; tq: number }> },
  tables: Array<Buffer | undefined>,
  precision: number,
  scan: Buffer,
): JpegFrame {
  const { width, height, comps } = sof;
  if (comps.length !== 3) throw new JpegError(`${comps.length} components; RFC 2435 carries YCbCr only`);
  const [y, cb, cr] = comps as [{ hv: number; tq: number }, { hv: number; tq: number }, { hv: number; tq: number }];
  const type = y.hv === 0x21 ? 0 : y.hv === 0x22 ? 1 : -1;
  if (type < 0 || cb.hv !== 0x11 || cr.hv !== 0x11) throw new JpegError('sampling is neither 4:2:2 nor 4:2:0');
  // The receiver maps table 0 to Y and table 1 to Cb and Cr (§4.1), so those are the tables sent,
  // whatever their numbers in this file (ffmpeg numbers one shared table 0 for all three).
  if (cb.tq !== cr.tq) throw new JpegError('Cb and Cr use different quantization tables');
  const t0 = tables[y.tq];
  const t1 = tables[cb.tq];
  if (!t0 || !t1) throw new JpegError('quantization table missing');
  if (width % 8 || height % 8 || width < 8 || height < 8 || width > 2040 || height > 2040) throw new JpegError(`size ${width}x${height} cannot be carried`);
  if (scan.length === 0 || scan.length >= 2 ** 24) throw new JpegError('scan empty or larger than 16 MiB');
  return {
    type: type as 0 | 1,
    width,
    height,
    precision: ((precision >> y.tq) & 1) | (((precision >> cb.tq) & 1) << 1),
    qtables: Buffer.concat([t0, t1]),
    scan,
  };
}

/**
 * The RTP payloads of one frame, each at most `maxPayload` bytes (JPEG header included). The caller
 * adds the RTP headers and sets the marker bit on the last one (§3.1: end of frame).
 */
export function packetizeJpeg(f: JpegFrame, maxPayload = 1400): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  do {
    const main = Buffer.alloc(8);
    main.writeUIntBE(off, 1, 3);
    main[4] = f.type;
    main[5] = 255;
    main[6] = f.width / 8;
    main[7] = f.height / 8;
    let head = main;
    if (off === 0) {
      const q = Buffer.alloc(4);
      q[1] = f.precision;
      q.writeUInt16BE(f.qtables.length, 2);
      head = Buffer.concat([main, q, f.qtables]);
    }
    const room = maxPayload - head.length;
    if (room <= 0) throw new RangeError(`maxPayload ${maxPayload} leaves no room for data`);
    const chunk = f.scan.subarray(off, off + room);
    out.push(Buffer.concat([head, chunk]));
    off += chunk.length;
  } while (off < f.scan.length);
  return out;
}
