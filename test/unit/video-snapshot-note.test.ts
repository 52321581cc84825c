/** The note an operator reads beside the alarm when a camera gave no snapshot. */
import { describe, expect, it } from 'vitest';
import { FfmpegError } from '../../src/video/ffmpeg/ffmpeg.js';
import { OnvifError } from '../../src/video/onvif/errors.js';
import { snapshotFailureNote } from '../../src/video/describe-error.js';

describe('snapshotFailureNote', () => {
  it.each([
    { name: 'ONVIF timeout, default budget', err: new OnvifError('timeout', 'x'), limitMs: 2000, elapsedMs: 2001, note: 'cam3 did not answer within 2 s' },
    { name: 'ffmpeg timeout', err: new FfmpegError('timeout', 'x'), limitMs: 2000, elapsedMs: 300, note: 'cam3 did not answer within 2 s' },
    {
      name: 'any failure once the budget is spent',
      err: new Error('socket hang up'),
      limitMs: 1500,
      elapsedMs: 1500,
      note: 'cam3 did not answer within 1.5 s',
    },
    {
      name: 'refused connection, named',
      err: new OnvifError('unreachable', 'ECONNREFUSED'),
      limitMs: 2000,
      elapsedMs: 5,
      note: 'cam3 did not answer within 2 s (cannot be reached (ECONNREFUSED))',
    },
    {
      name: 'wrong password',
      err: new OnvifError('not_authorized', 'x'),
      limitMs: 2000,
      elapsedMs: 40,
      note: 'cam3: no snapshot, refused the user name or password',
    },
    {
      name: 'anything else, in its own words',
      err: new Error('the camera has no snapshot or stream address'),
      limitMs: 2000,
      elapsedMs: 1,
      note: 'cam3: no snapshot, the camera has no snapshot or stream address',
    },
  ])('$name', ({ err, limitMs, elapsedMs, note }) => {
    expect(snapshotFailureNote('cam3', err, { limitMs, elapsedMs })).toBe(note);
  });
});
