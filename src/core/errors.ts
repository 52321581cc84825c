/**
 * Every kind of problem SafeGrid reports has a code. Each code has an entry in docs/errors.md;
 * test/unit/error-codes.test.ts fails when one is missing.
 */
export const ERROR_CODES = {
  // Config (safegrid check, start-up, reload)
  SG_CONFIG_PARSE: 'A config file is not valid YAML/JSON.',
  SG_CONFIG_UNKNOWN_KEY: 'A key that the schema does not know (usually a typo).',
  SG_CONFIG_INVALID_VALUE: 'A value of the wrong type, format or range.',
  SG_CONFIG_MISSING_KEY: 'A required key is absent.',
  SG_CONFIG_FILE_MISSING: 'A required config file does not exist.',
  SG_CONFIG_DUPLICATE_ID: 'Two sites, devices, cameras, cells or stations share an id, or two MQTT logins a user name.',
  SG_CONFIG_DUPLICATE_TOPIC: 'Two devices are bound to the same MQTT topic.',
  SG_CONFIG_UNKNOWN_REFERENCE: 'A reference (station, profile, zone, parent) names nothing that exists.',
  SG_CONFIG_OUTSIDE_GRID: 'A site location falls outside every grid cell.',
  SG_CONFIG_GRID_GEOMETRY: 'A grid cell polygon is malformed (unclosed ring, too few points, bad coordinates).',
  SG_CONFIG_GRID_OVERLAP: 'Two grid cells overlap; alarms in the overlap go to one of them only (safegrid check).',
  SG_CONFIG_SECRET_INLINE: 'A secret written inline where a reference (env or secrets file) is required.',
  SG_CONFIG_SECRET_MISSING: 'A secret reference points to an unset environment variable or missing entry.',
  SG_CONFIG_NO_MQTT_LOGIN: "A device that no MQTT login covers (its own or its site's) cannot connect while mqtt.auth is required.",
  // safegrid broker-config mosquitto
  SG_MOSQUITTO_NO_HUB_LOGIN: 'hub.yaml gives the hub no MQTT login of its own, which a Mosquitto refusing anonymous clients needs.',
  SG_MOSQUITTO_UNEXPRESSIBLE: "A user name, topic or password that Mosquitto's password file or ACL cannot express.",
  SG_PROFILE_EXAMPLE_FAILED: "A profile example's payload did not produce the events it promises.",
  // Ingest rejections (counted in /metrics as sg_ingest_rejected_total{reason})
  SG_INGEST_OVERSIZE: 'Payload larger than the limit.',
  SG_INGEST_BAD_UTF8: 'Payload is not valid UTF-8.',
  SG_INGEST_BAD_JSON: 'Payload is not valid JSON where JSON is expected.',
  SG_INGEST_UNKNOWN_TOPIC: 'No device is bound to the topic.',
  SG_INGEST_BAD_TOPIC: 'Topic is empty, too long, too deep or contains wildcards.',
  SG_MQTT_PROTOCOL_ERROR: 'A malformed MQTT packet; the broker closed that connection.',
  // Replicas on Redis (issue 18)
  SG_CLUSTER_REDIS_LOST: 'A replica lost a Redis connection; it is not ready until every connection is back (ioredis reconnects by itself).',
  SG_CLUSTER_PUSH_LOST: 'A push could not be published to the other replicas; their consoles recover it by catch-up when they reconnect.',
  SG_AUTH_LIMITER_LOCAL: 'Redis did not answer the login limiter; failed logins are counted on this replica alone until it does.',
  SG_MQTT_CLUSTER_ERROR: "A Redis command of the embedded broker's message bus or session state failed; that client reconnects, the broker goes on.",
  SG_INGEST_UNDECODABLE: 'The profile could not decode the payload (wrong shape or types).',
  SG_INGEST_UNKNOWN_ZONE: 'The payload names a zone the device file does not list.',
  SG_INGEST_BAD_CHECKSUM: 'A Contact ID message failed its checksum.',
  SG_INGEST_UNKNOWN_CODE: 'A Contact ID event code that the table does not know.',
  SG_INGEST_ACCOUNT_MISMATCH: "A Contact ID message carries an account number other than the device's configured account.",
  SG_INGEST_UNKNOWN_KIND: 'A native event names a kind that SafeGrid does not know.',
  SG_INGEST_BAD_TIME: 'The payload time is not a valid ISO 8601 time.',
  SG_INGEST_SITE_DISABLED: 'The device belongs to a site whose file is currently invalid.',
  SG_INGEST_STORE_FAILED: 'The event could not be written to storage; the device will resend it.',
  SG_INGEST_UNKNOWN_CAMERA: 'A bridge (Frigate) names a camera that no site file links.',
  SG_INGEST_UNAUTHORIZED_TOPIC: "A device published to a topic outside its rights (another device's, or nobody's); the broker closed its connection.",
  // Video (issue 16): counted in /metrics as sg_camera_uri_refused_total{kind}
  SG_CAMERA_FOREIGN_HOST:
    'A camera named an address (stream, snapshot, service, event subscription) on a host other than its own or its allowed_hosts; nothing was sent there.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error crossing a module boundary: a code, a message for people, and details for logs. */
export class SafeGridError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SafeGridError';
  }
}
