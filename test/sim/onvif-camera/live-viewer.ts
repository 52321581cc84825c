/** What a browser watching live view receives, for the video tests. */
import { PassThrough } from 'node:stream';

/** A viewer of LiveHub: collects JPEGs from the multipart stream. */
export function viewer(): { out: PassThrough; frames: Buffer[]; ended: Promise<void> } {
  const out = new PassThrough();
  const frames: Buffer[] = [];
  let buf = Buffer.alloc(0);
  out.on('data', (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    for (;;) {
      const m = /Content-Length: (\d+)\r\n\r\n/.exec(buf.toString('latin1'));
      if (!m || buf.length < m.index + m[0].length + Number(m[1])) break;
      frames.push(buf.subarray(m.index + m[0].length, m.index + m[0].length + Number(m[1])));
      buf = buf.subarray(m.index + m[0].length + Number(m[1]));
    }
  });
  return { out, frames, ended: new Promise((ok) => out.on('end', ok)) };
}
