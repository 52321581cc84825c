/**
 * Why an ONVIF exchange failed, as a code the service can act on (offline vs. wrong password vs.
 * hostile reply) and a reason an installer can read. Never carries a password.
 */
export type OnvifErrorCode =
  | 'too_large' // reply bigger than the bound (LIMITS below)
  | 'doctype' // DOCTYPE / ENTITY: refused outright (XXE, billion laughs)
  | 'malformed' // not well-formed XML, or not a SOAP envelope
  | 'missing_field' // a field the spec requires is absent or empty
  | 'soap_fault' // the device answered with a SOAP Fault other than NotAuthorized
  | 'not_authorized' // wrong user name or password (SOAP NotAuthorized or HTTP 401 after digest)
  | 'http_status' // an HTTP status other than 200 (and 401/400/500 with a fault)
  | 'timeout' // no complete answer in time
  | 'unreachable' // connection refused / reset / DNS
  | 'bad_url' // an address we refuse to contact (scheme, credentials, shape)
  | 'foreign_host' // the camera named an address on another host than its own (camera-host.ts); nothing sent
  | 'unsupported'; // the device lacks a service we need (e.g. no Media service)

export class OnvifError extends Error {
  constructor(
    readonly code: OnvifErrorCode,
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'OnvifError';
  }
}

export const ONVIF_LIMITS = {
  /** Largest SOAP / WS-Discovery reply parsed. A GetProfiles of a 16-profile camera is ~60 KiB. */
  maxXmlBytes: 256 * 1024,
  /**
   * Largest PullMessages reply parsed: a camera that ignores MessageLimit (issue 16: 600 messages,
   * ~340 KiB) is still read — its first MessageLimit messages processed, the rest counted.
   */
  maxPullBytes: 1024 * 1024,
  /** Largest snapshot JPEG accepted (a 4K JPEG is 1–3 MiB). */
  maxSnapshotBytes: 8 * 1024 * 1024,
  /** Longest text field kept from a device (names, URIs, scopes). */
  maxFieldChars: 1024,
} as const;
