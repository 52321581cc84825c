/**
 * Fragmented MP4 as ffmpeg writes it for live view (`-movflags frag_keyframe+empty_moov+default_base_moof`),
 * cut into what a viewer needs (ISO/IEC 14496-12): the init segment (`ftyp` + `moov`, once) and
 * media fragments (`moof` + `mdat`, each whole). Pure, no I/O.
 *
 * A viewer who joins a running camera gets the init segment and the fragments since the last key
 * frame, so its decoder starts at once instead of waiting for the camera's next key frame.
 */

export interface Fmp4Piece {
  kind: 'init' | 'fragment';
  bytes: Buffer;
  /** A fragment whose first sample is a sync sample (a key frame): a decoder can start here. */
  key: boolean;
}

/** Largest box accepted; a 1080p H.264 key frame is well under 1 MiB. */
const MAX_BOX = 16 * 1024 * 1024;

/** Splits ffmpeg's fMP4 output into init segment and fragments as bytes arrive. */
export class Fmp4Splitter {
  private buf: Buffer = Buffer.alloc(0);
  private head: Buffer[] = [];
  private moof: Buffer | null = null;
  private initDone = false;

  /** Feed bytes; returns the pieces completed by them. Throws on a box that cannot be MP4. */
  push(chunk: Buffer): Fmp4Piece[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Fmp4Piece[] = [];
    for (;;) {
      if (this.buf.length < 8) break;
      let size = this.buf.readUInt32BE(0);
      const type = this.buf.toString('latin1', 4, 8);
      if (size === 1) {
        if (this.buf.length < 16) break;
        size = Number(this.buf.readBigUInt64BE(8));
      }
      if (size < 8 || size > MAX_BOX) throw new Error(`fMP4 box ${JSON.stringify(type)} of ${size} bytes refused`);
      if (this.buf.length < size) break;
      const box = this.buf.subarray(0, size);
      this.buf = this.buf.subarray(size);
      if (!this.initDone) {
        this.head.push(box);
        if (type === 'moov') {
          this.initDone = true;
          out.push({ kind: 'init', bytes: Buffer.concat(this.head), key: false });
          this.head = [];
        }
        continue;
      }
      if (type === 'moof') this.moof = box;
      else if (type === 'mdat' && this.moof) {
        out.push({ kind: 'fragment', bytes: Buffer.concat([this.moof, box]), key: fragmentStartsWithKey(this.moof) });
        this.moof = null;
      }
      // Other boxes between fragments (styp, sidx, free) are not needed by Media Source Extensions.
    }
    return out;
  }
}

/** Children of a container box's payload: [type, payload] pairs. */
function* children(payload: Buffer): Generator<[string, Buffer]> {
  let at = 0;
  while (at + 8 <= payload.length) {
    const size = payload.readUInt32BE(at);
    if (size < 8 || at + size > payload.length) return;
    yield [payload.toString('latin1', at + 4, at + 8), payload.subarray(at + 8, at + size)];
    at += size;
  }
}

/** sample_is_non_sync_sample (ISO/IEC 14496-12 §8.8.3.1): clear on a key frame. */
const NON_SYNC = 0x10000;

/**
 * Whether a `moof` box's first sample is a key frame: trun's first-sample flags, else its first
 * sample's flags, else tfhd's default flags. Unknown → true (ffmpeg's frag_keyframe starts every
 * fragment at a key frame anyway).
 */
export function fragmentStartsWithKey(moof: Buffer): boolean {
  for (const [type, traf] of children(moof.subarray(8))) {
    if (type !== 'traf') continue;
    let defaultFlags: number | null = null;
    for (const [t, b] of children(traf)) {
      if (t === 'tfhd' && b.length >= 8) {
        const flags = b.readUInt32BE(0) & 0xffffff;
        let at = 8; // version/flags + track_ID
        if (flags & 0x01) at += 8; // base_data_offset
        if (flags & 0x02) at += 4; // sample_description_index
        if (flags & 0x08) at += 4; // default_sample_duration
        if (flags & 0x10) at += 4; // default_sample_size
        if (flags & 0x20 && b.length >= at + 4) defaultFlags = b.readUInt32BE(at);
      }
      if (t === 'trun' && b.length >= 8) {
        const flags = b.readUInt32BE(0) & 0xffffff;
        let at = 8; // version/flags + sample_count
        if (flags & 0x01) at += 4; // data_offset
        if (flags & 0x04 && b.length >= at + 4) return (b.readUInt32BE(at) & NON_SYNC) === 0;
        if (flags & 0x400) {
          if (flags & 0x100) at += 4; // sample_duration
          if (flags & 0x200) at += 4; // sample_size
          if (b.length >= at + 4) return (b.readUInt32BE(at) & NON_SYNC) === 0;
        }
        if (defaultFlags !== null) return (defaultFlags & NON_SYNC) === 0;
      }
    }
  }
  return true;
}
