/** Size bounds for untrusted input. One place so the README and the checks agree. */
export const LIMITS = {
  /** Largest MQTT payload the hub decodes; bigger ones are rejected as `oversize`. */
  maxPayloadBytes: 64 * 1024,
  /** Raw payload kept with a stored event. */
  maxStoredRawBytes: 4 * 1024,
  /** Longest free text (detail, notes) kept from a device. */
  maxDetailChars: 500,
  /** Deepest JSON nesting a decoder walks. */
  maxJsonDepth: 32,
  /** MQTT topic levels accepted. */
  maxTopicLevels: 16,
  maxTopicLength: 512,
} as const;
