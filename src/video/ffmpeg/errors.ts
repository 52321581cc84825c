/**
 * ffmpeg's failures in words an operator can act on. ffmpeg says why in its log (`method DESCRIBE
 * failed: 401 Unauthorized`, `Connection refused`); this turns the (already scrubbed) log into a
 * typed error naming the cause. It never sees or repeats a password: callers scrub first.
 */

export type FfmpegErrorCode = 'no_binary' | 'bad_url' | 'timeout' | 'failed' | 'too_large' | 'not_authorized' | 'unreachable' | 'ended';

export class FfmpegError extends Error {
  constructor(
    readonly code: FfmpegErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FfmpegError';
  }
}

const RTSP_CAUSES: Array<[RegExp, FfmpegErrorCode, (m: RegExpExecArray) => string]> = [
  [/401 Unauthorized/i, 'not_authorized', () => 'the camera refused the user name or password (401 Unauthorized)'],
  [/403 Forbidden/i, 'not_authorized', () => 'the camera refused this user access to the stream (403 Forbidden)'],
  [/method (\w+) failed: 404\b/i, 'failed', (m) => `the camera has no stream at that address (${m[1]} answered 404 Not Found)`],
  [/method SETUP failed: 461\b/i, 'failed', () => 'the camera refused RTP over TCP (461 Unsupported Transport)'],
  [/method (\w+) failed: (\d{3}[^\n\r]*)/i, 'failed', (m) => `the camera answered ${m[1]} with ${m[2]!.trim()}`],
  [/Server returned 4\d\d[^\n\r]*/i, 'failed', (m) => `the camera answered ${m[0].replace(/^Server returned /i, '').trim()}`],
  [/Connection refused/i, 'unreachable', () => 'the camera refused the connection (nothing listens on its stream port)'],
  [
    /No route to host|Network is unreachable|Name or service not known|Temporary failure in name resolution/i,
    'unreachable',
    (m) => `the camera cannot be reached (${m[0]})`,
  ],
  [/Connection timed out|Operation timed out|timed out/i, 'timeout', () => 'the camera did not answer in time'],
  [/Connection reset by peer|End of file|Broken pipe/i, 'ended', () => 'the camera closed the connection'],
  // What ffmpeg 5.1 says when an RTSP camera accepts the connection and then answers nothing
  // within the input timeout (it has no words for that timeout), or answers with something else.
  [/Invalid data found when processing input/i, 'failed', () => 'the camera sent no usable answer in time (or the address is not a stream)'],
];

/** A failed run (exit status ≠ 0) → the most specific cause found in its scrubbed log. */
export function explainFailure(code: number | null, scrubbedLog: string): FfmpegError {
  for (const [re, kind, words] of RTSP_CAUSES) {
    const m = re.exec(scrubbedLog);
    if (m) return new FfmpegError(kind, words(m));
  }
  const tail = scrubbedLog.trim().split('\n').slice(-2).join(' ').slice(0, 300);
  return new FfmpegError('failed', `ffmpeg exited ${code}${tail ? `: ${tail}` : ''}`);
}
