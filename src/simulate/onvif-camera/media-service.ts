/**
 * The simulated camera's media service (`/onvif/media_service`, ONVIF Media Service ver10, Profile S
 * subset): the SOAP Body of each answer; an unknown profile token is faulted as §5.15 says.
 * Two fixed JPEG profiles, `main` and `sub`. Pure (no I/O).
 */
import { escapeXml, fault, get, ok, type SoapReply, str } from './soap-xml.js';

/** Where the media service says the streams and snapshots are. */
export interface MediaFacts {
  /** `http://host:port`. */
  base: string;
  /** What GetStreamUri returns: the RTSP URL, or the HTTP multipart stream. */
  streamUri: 'rtsp' | 'mjpeg';
  rtspUrl: (profile: string) => string;
  /** The URL as reported (`reportHost` in place of ours where the options ask for it in `media`). */
  reported: (url: string) => string;
}

function profileXml(token: string, name: string, w: number, h: number): string {
  return (
    `<trt:Profiles token="${token}" fixed="true"><tt:Name>${name}</tt:Name>` +
    `<tt:VideoSourceConfiguration token="vsc0"><tt:Name>vsc0</tt:Name><tt:UseCount>2</tt:UseCount><tt:SourceToken>vs0</tt:SourceToken>` +
    `<tt:Bounds x="0" y="0" width="${w}" height="${h}"/></tt:VideoSourceConfiguration>` +
    `<tt:VideoEncoderConfiguration token="vec_${token}"><tt:Name>vec_${token}</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>JPEG</tt:Encoding>` +
    `<tt:Resolution><tt:Width>${w}</tt:Width><tt:Height>${h}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality>` +
    `<tt:RateControl><tt:FrameRateLimit>5</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>2048</tt:BitrateLimit>` +
    `</tt:RateControl>` +
    `<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>1</tt:TTL>` +
    `<tt:AutoStart>false</tt:AutoStart></tt:Multicast>` +
    `<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration></trt:Profiles>`
  );
}

export function mediaService(op: string, req: unknown, m: MediaFacts): SoapReply {
  const token = str(get(req, 'ProfileToken'));
  const known = token === 'main' || token === 'sub';
  switch (op) {
    case 'GetProfiles':
      return ok(
        `<trt:GetProfilesResponse>` + `${profileXml('main', 'MainStream', 320, 240)}${profileXml('sub', 'SubStream', 320, 240)}</trt:GetProfilesResponse>`,
      );
    case 'GetProfile':
      if (!known) return fault(true, 'ter:InvalidArgVal', 'no such profile');
      return ok(
        `<trt:GetProfileResponse>` +
          `${profileXml(token, token === 'main' ? 'MainStream' : 'SubStream', 320, 240).replace(/trt:Profiles/g, 'trt:Profile')}` +
          `</trt:GetProfileResponse>`,
      );
    case 'GetVideoSources':
      return ok(
        `<trt:GetVideoSourcesResponse><trt:VideoSources token="vs0"><tt:Framerate>5</tt:Framerate><tt:Resolution><tt:Width>320</tt:Width>` +
          `<tt:Height>240</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`,
      );
    case 'GetStreamUri':
    case 'GetSnapshotUri': {
      // Media ver10 §5.15: an unknown profile token is env:Sender/ter:InvalidArgVal/ter:NoProfile.
      if (!known) return fault(true, 'ter:InvalidArgVal', 'no such profile');
      const own = op === 'GetSnapshotUri' ? `${m.base}/snapshot.jpg` : m.streamUri === 'mjpeg' ? `${m.base}/mjpeg` : m.rtspUrl(token);
      const uri = m.reported(own);
      return ok(
        `<trt:${op}Response><trt:MediaUri><tt:Uri>${escapeXml(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
          `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:${op}Response>`,
      );
    }
    default:
      return fault(false, 'ter:ActionNotSupported', `${op} is not supported`);
  }
}
