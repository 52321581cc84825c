/**
 * Building blocks shared by the section schemas. Every leaf carries its own "expected ..." text
 * (the zod `error` param) because that text is what an installer reads after `got <value>;`.
 * Keeping it on the schema means the schema stays the single source of truth for bounds and
 * wording (CONVENTIONS.md "Config: strict, complete, helpful").
 */
import { z } from 'zod';
import { LIMITS } from '../../core/limits.js';
import type { ErrorCode } from '../../core/errors.js';

/**
 * Params attached to custom issues so the report can pick the right code and keep the message
 * as written. `whole: true` means the message is complete (no "got ...; expected ..." framing).
 */
export interface CustomIssueParams {
  code: ErrorCode;
  whole?: boolean;
  hint?: string;
  severity?: 'error' | 'warning';
}

export const DURATION_EXPECTED = 'a duration such as "120s", "2m" or "1h"';
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "120s" / "2m" / "1h" / "500ms" into milliseconds; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

/**
 * A duration written with its unit. A bare number is refused on purpose: "60" could mean
 * seconds or milliseconds, and guessing wrong makes a heartbeat alarm fire 1000× too early.
 */
export function duration() {
  return (
    z
      .string({ error: DURATION_EXPECTED })
      .refine(
        (s) => {
          const ms = parseDuration(s);
          return ms !== null && ms > 0;
        },
        { error: DURATION_EXPECTED },
      )
      .transform((s) => parseDuration(s) as number)
      // For the generated JSON Schema (src/config/json-schema.ts): the refine above has no JSON form.
      .meta({ pattern: String.raw`^\s*\d+(\.\d+)?\s*(ms|s|m|h)\s*$` })
  );
}

export function text(expected = 'text') {
  return z.string({ error: expected }).min(1, { error: `${expected} (not empty)` });
}

/**
 * Text that YAML would happily read as a number when unquoted (phone numbers, account numbers).
 * We refuse numbers instead of converting them: YAML turns `08581234567` into 8581234567 and the
 * leading zero is gone before we ever see it.
 */
export function quotedText(expected: string) {
  return z.string({ error: `${expected} in quotes, e.g. "13800000000" (unquoted digits lose leading zeros)` }).min(1, {
    error: `${expected} (not empty)`,
  });
}

/** Ids are used in MQTT topics and URLs: keep them to one path segment of plain characters. */
export const ID_EXPECTED = 'an id of letters, digits, "-", "_" or "." (no spaces or "/")';
export function id() {
  return z.string({ error: ID_EXPECTED }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: ID_EXPECTED });
}

/** Profile ids: built-in (`zigbee2mqtt`) or `vendor/model` for installer profiles. */
export const PROFILE_ID_EXPECTED = 'a profile id such as "zigbee2mqtt" or "acme/pir-100"';
export function profileId() {
  return z.string({ error: PROFILE_ID_EXPECTED }).regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)?$/i, { error: PROFILE_ID_EXPECTED });
}

export const PORT_EXPECTED = 'a whole number 1–65535';
export function port() {
  return z.number({ error: PORT_EXPECTED }).int({ error: PORT_EXPECTED }).min(1, { error: PORT_EXPECTED }).max(65535, {
    error: PORT_EXPECTED,
  });
}

export const TOPIC_EXPECTED = `an MQTT topic without wildcards (+ #), not starting with "$", at most ${LIMITS.maxTopicLevels} levels`;
/** A concrete topic a device publishes on; wildcards belong to subscriptions, not to devices. */
export function topic() {
  return z
    .string({ error: TOPIC_EXPECTED })
    .min(1, { error: TOPIC_EXPECTED })
    .max(LIMITS.maxTopicLength, { error: TOPIC_EXPECTED })
    .refine((t) => !/[+#\u0000]/.test(t) && !t.startsWith('$') && t.split('/').length <= LIMITS.maxTopicLevels, { error: TOPIC_EXPECTED });
}

/** Bridge topics are subscriptions (e.g. `frigate/events`); a trailing `#` is allowed there. */
export function subscriptionTopic() {
  const expected = 'an MQTT topic filter such as "frigate/events"';
  return z.string({ error: expected }).min(1, { error: expected }).max(LIMITS.maxTopicLength, { error: expected });
}

export const ENV_NAME_EXPECTED = 'an environment variable name such as CAM_SHOP12_PASS';
export function envName() {
  return z.string({ error: ENV_NAME_EXPECTED }).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: ENV_NAME_EXPECTED });
}

export const SECRET_KEY_EXPECTED = 'a key of the secrets file, e.g. cam_shop12';
export function secretKey() {
  return z.string({ error: SECRET_KEY_EXPECTED }).regex(/^[A-Za-z0-9_.-]+$/, { error: SECRET_KEY_EXPECTED });
}

/**
 * How a device, a site or a bridge logs in to the embedded broker: a user name and its password by
 * reference (an environment variable or a key of the secrets file), never inline.
 */
export function mqttCredentials(whose: string) {
  return loginCredentials(`the MQTT user name of ${whose}`);
}

/** A user name and its password by reference: `{ username, password_env | password_file_key }`. */
export function loginCredentials(usernameExpected: string) {
  return z
    .strictObject({
      username: text(usernameExpected),
      password_env: envName().nullish(),
      password_file_key: secretKey().nullish(),
    })
    .superRefine((o, ctx) => checkPasswordRef(o, ctx, true));
}

/**
 * A password is referenced one way: an environment variable or a key of the secrets file, never
 * both; `required` also refuses neither.
 */
export function checkPasswordRef(o: { password_env?: string | null; password_file_key?: string | null }, ctx: z.RefinementCtx, required: boolean): void {
  if (o.password_env && o.password_file_key) {
    bothReferences(ctx, 'password_env', 'password_file_key');
  } else if (required && !o.password_env && !o.password_file_key) {
    ctx.addIssue({
      code: 'custom',
      message: 'no password; expected password_env (an environment variable) or password_file_key (a key of the secrets file)',
      params: { code: 'SG_CONFIG_MISSING_KEY', whole: true } satisfies CustomIssueParams,
    });
  }
}

/** A secret given both ways (`<x>_env` and `<x>_file_key`): one of them must go. */
export function bothReferences(ctx: z.RefinementCtx, envKey: string, fileKey: string): void {
  ctx.addIssue({
    code: 'custom',
    path: [fileKey],
    message: `both ${envKey} and ${fileKey} are given; expected one of them`,
    params: { code: 'SG_CONFIG_INVALID_VALUE', whole: true } satisfies CustomIssueParams,
  });
}

export const LATLNG_EXPECTED = '[lat, lng] in degrees, e.g. [26.5951, 104.8302]';
/**
 * [lat, lng] as the site file and DESIGN.md order them (GeoJSON is the one place that says
 * [lng, lat]). The range check names the likely swap because that is the usual cause.
 */
export function latLng() {
  return (
    z
      .tuple([z.number({ error: LATLNG_EXPECTED }), z.number({ error: LATLNG_EXPECTED })], { error: LATLNG_EXPECTED })
      .superRefine(([lat, lng], ctx) => {
        if (lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180) return;
        const swapped = lng >= -90 && lng <= 90 && lat >= -180 && lat <= 180;
        ctx.addIssue({
          code: 'custom',
          message: `got [${lat}, ${lng}]; expected ${LATLNG_EXPECTED} (lat −90…90, lng −180…180)`,
          params: {
            code: 'SG_CONFIG_INVALID_VALUE',
            whole: true,
            ...(swapped ? { hint: `did you swap them? try [${lng}, ${lat}]` } : {}),
          } satisfies CustomIssueParams,
        });
      })
      // For the generated JSON Schema (src/config/json-schema.ts): the range check above has no JSON form.
      .meta({
        items: [
          { type: 'number', minimum: -90, maximum: 90 },
          { type: 'number', minimum: -180, maximum: 180 },
        ],
      })
  );
}

export function crs() {
  return z.enum(['wgs84', 'gcj02'], { error: 'wgs84 or gcj02' });
}

/**
 * A secret as the runtime model holds it before the loader looks it up: the environment variable
 * or secrets-file key that names it. The model schemas (`…ModelSchema`) put one where the secret
 * goes; the loader's resolve step (config/load-global.ts `resolveHub`) replaces it with the value.
 */
export type SecretRef = { env: string } | { fileKey: string };

/** `<x>_env` or `<x>_file_key` as a reference; null when neither is given. */
export function secretRef(envKey: string | null | undefined, fileKey?: string | null): SecretRef | null {
  return envKey ? { env: envKey } : fileKey ? { fileKey } : null;
}
