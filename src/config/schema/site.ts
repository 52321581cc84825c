/**
 * devices/<site>.yaml — one file per site: the site, its alarm devices and its cameras
 * (DESIGN.md "Files an installer writes"). Secrets appear only as references; an inline
 * `password:` is reported as SG_CONFIG_SECRET_INLINE by the report layer (it is an unknown key
 * here on purpose, so its value never enters the parsed model).
 */
import { z } from 'zod';
import { ZONE_TYPES } from '../../contract/zones.js';
import {
  crs,
  duration,
  envName,
  id,
  latLng,
  loginCredentials,
  mqttCredentials,
  profileId,
  quotedText,
  secretKey,
  text,
  topic,
  type CustomIssueParams,
  checkPasswordRef,
  bothReferences,
  secretRef,
} from './common.js';

export { ZONE_TYPES };

/** Contact ID carries zones as three digits (001–999); other panels stay well inside that. */
const ZONE_NUMBER_EXPECTED = 'a zone number 1–999';
export function zoneNumber() {
  return z
    .number({ error: ZONE_NUMBER_EXPECTED })
    .int({ error: ZONE_NUMBER_EXPECTED })
    .min(1, { error: ZONE_NUMBER_EXPECTED })
    .max(999, { error: ZONE_NUMBER_EXPECTED });
}

export const zoneSchema = z.strictObject({
  name: text('the zone name, e.g. 前门'),
  type: z.enum(ZONE_TYPES, { error: ZONE_TYPES.join(', ') }),
});

export const contactSchema = z.strictObject({
  name: text('the contact name'),
  phone: quotedText('a phone number'),
});

export const deviceSchema = z.strictObject({
  id: id(),
  profile: profileId(),
  topic: topic().nullish(),
  // At least 20 s: shorter intervals turn one lost packet on a busy mobile link into an offline
  // alarm; silence is noticed within the interval plus 10 s (ingest/liveness.ts).
  heartbeat: duration()
    .refine((ms) => ms >= 20_000, { error: 'a heartbeat interval of at least 20s, e.g. "60s"' })
    .nullish(),
  // Expected periodic test report interval (Contact ID E602): a test missing past it plus grace
  // raises one trouble.comm (test_missed) for the device (ingest/supervision.ts).
  test_interval: duration()
    .refine((ms) => ms >= 20_000, { error: 'a test interval of at least 20s, e.g. "24h"' })
    .nullish(),
  // The installer's word that the device is in place: supervised from the hub's start even before
  // its first message. Without it a device never heard from is pending install (待安装), not offline.
  installed: z.boolean({ error: 'true or false' }).nullish(),
  zones: z
    .record(z.string().regex(/^[1-9]\d{0,2}$/, { error: ZONE_NUMBER_EXPECTED }), zoneSchema, { error: 'a mapping of zone number → { name, type }' })
    .nullish(),
  zone: zoneNumber().nullish(),
  account: quotedText('a Contact ID account number').nullish(),
  mqtt: mqttCredentials('this device').nullish(),
});

const RTSP_EXPECTED = 'an RTSP URL such as rtsp://192.0.2.10:554/stream1';

export const onvifSchema = z
  .strictObject({
    xaddr: z
      .string({ error: 'the ONVIF device service URL, e.g. http://192.0.2.10/onvif/device_service' })
      .regex(/^https?:\/\/\S+$/, { error: 'the ONVIF device service URL, e.g. http://192.0.2.10/onvif/device_service' }),
    username: text('the camera user name').nullish(),
    password_env: envName().nullish(),
    password_file_key: secretKey().nullish(),
  })
  .superRefine((o, ctx) => checkPasswordRef(o, ctx, false));

const ALLOWED_HOST_EXPECTED = 'a host name or IP address without scheme or port, e.g. 192.0.2.11 or nvr.shop-12.lan';

export const cameraSchema = z
  .strictObject({
    id: id(),
    name: text('the camera name').nullish(),
    onvif: onvifSchema.nullish(),
    rtsp: z
      .string({ error: RTSP_EXPECTED })
      .regex(/^rtsps?:\/\/\S+$/, { error: RTSP_EXPECTED })
      .superRefine((url, ctx) => {
        // A password inside the URL would travel to logs and the console with the URL itself.
        if (/^rtsps?:\/\/[^/@\s]*:[^/@\s]*@/.test(url)) {
          ctx.addIssue({
            code: 'custom',
            message: 'the URL contains a password (not shown); secrets must be references, never inline',
            params: {
              code: 'SG_CONFIG_SECRET_INLINE',
              whole: true,
              hint:
                'remove "user:password@" from the URL and give the credentials as rtsp_login: { username, password_env } (or onvif.username and ' +
                'onvif.password_env when the camera speaks ONVIF)',
            } satisfies CustomIssueParams,
          });
        }
      })
      .nullish(),
    rtsp_login: loginCredentials('the user name for the camera stream').nullish(),
    frigate: text('the camera name in Frigate').nullish(),
    zones: z.array(zoneNumber(), { error: 'a list of zone numbers, e.g. [1, 2]' }).default([]),
    location: latLng().nullish(),
    clip: z.boolean({ error: 'true or false' }).nullish(),
    // As for devices: the installer's word that the camera is in place, so that one that never
    // answers is offline from the start. Without it a camera never heard from is pending install.
    installed: z.boolean({ error: 'true or false' }).nullish(),
    // Issue 16: a camera may hand out addresses only on its own host (src/video/camera-host.ts);
    // this lists the other hosts it may name (a separate stream server or NVR of the same camera).
    allowed_hosts: z
      .array(
        z
          .string({ error: ALLOWED_HOST_EXPECTED })
          .regex(/^(\[?[0-9A-Fa-f:.]+\]?|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.?)$/, { error: ALLOWED_HOST_EXPECTED }),
        { error: 'a list of host names or IP addresses, e.g. [192.0.2.11]' },
      )
      .max(16, { error: 'at most 16 hosts' })
      .describe(
        "more hosts (name or IP address, no port, no scheme) on which the camera's stream, snapshot, service and event addresses may be; the camera's " +
          'login is sent to them',
      )
      .nullish(),
  })
  .superRefine((c, ctx) => {
    if (!c.onvif && !c.rtsp && !c.frigate) {
      ctx.addIssue({
        code: 'custom',
        message: 'a camera needs a way to reach it; expected onvif, rtsp or frigate',
        params: { code: 'SG_CONFIG_MISSING_KEY', whole: true } satisfies CustomIssueParams,
      });
    }
  });

export const siteSchema = z.strictObject({
  id: id(),
  name: text('the site name'),
  kind: z.enum(['home', 'shop', 'unit'], { error: 'home, shop or unit' }),
  address: text('the street address'),
  door_plate: text('the door-plate number (门牌号)'),
  pole: text('the utility-pole number (电线杆编号)').nullish(),
  location: latLng(),
  crs: crs().default('wgs84'),
  contacts: z
    .array(contactSchema, { error: 'a list of contacts, e.g. [{ name: 王店主, phone: "13800000000" }]' })
    .min(1, { error: 'at least one contact the operator can call' }),
  guard_group: id().nullish(),
  /** The operator expects the guard's verification (物业核实) before 派警 (issue 12). */
  guard_first: z.boolean({ error: 'true or false' }).default(false),
  /** The verbal password (口令) an owner says to cancel an alarm (业主撤警), as a secret reference. */
  verbal_password_env: envName().nullish(),
  verbal_password_file_key: secretKey().nullish(),
  /** One login for every device of the site (a site gateway, a zigbee2mqtt instance). */
  mqtt: mqttCredentials('this site').nullish(),
});

export const siteFileSchema = z.strictObject({
  site: siteSchema.superRefine((s, ctx) => {
    if (s.verbal_password_env && s.verbal_password_file_key) bothReferences(ctx, 'verbal_password_env', 'verbal_password_file_key');
  }),
  devices: z.array(deviceSchema, { error: 'a list of devices' }).default([]),
  cameras: z.array(cameraSchema, { error: 'a list of cameras' }).default([]),
});

export type SiteFile = z.output<typeof siteFileSchema>;
export type DeviceEntry = z.output<typeof deviceSchema>;
export type CameraEntry = z.output<typeof cameraSchema>;

/*
 * The runtime model of a site file: the site, its devices and cameras as the hub runs on them,
 * renamed to camelCase, durations in ms, an absent key as null (config/model.ts Site, Device,
 * Camera). Secrets are still references (SecretRef). What needs more than the file is added by the
 * loader's resolve step (load-site.ts `resolveSite`): the grid cell and station, the secrets, the
 * WGS-84 locations, the native topic (built from the site id), the zones numbered from their keys,
 * the source file. The file schemas above stay as written: the parse cache keeps their output
 * (parse-cache.ts), and `siteModel` is applied after reading it, so the cache's format is theirs.
 */

/** One `devices:` item as the hub runs on it (config/model.ts Device before its resolve step). */
export function deviceModel(d: DeviceEntry) {
  return {
    id: d.id,
    profile: d.profile,
    /** The file's topic; null: the native one, which the loader builds from the site id. */
    topic: d.topic ?? null,
    /** Expected heartbeat interval, ms; null when the device sends none. */
    heartbeatMs: d.heartbeat ?? null,
    /** Expected periodic test interval, ms (`test_interval`); null: tests are not supervised. */
    testIntervalMs: d.test_interval ?? null,
    /** `installed: true`: supervised from the hub's start even if never heard from (else pending install until its first message). */
    installed: d.installed ?? false,
    /** The `zones:` mapping as written (zone number → zone); the loader numbers and sorts them. */
    zones: d.zones ?? {},
    zone: d.zone ?? null,
    account: d.account ?? null,
    /** MQTT credentials for the embedded broker (issue 3). */
    mqttUsername: d.mqtt?.username ?? null,
    mqttPassword: secretRef(d.mqtt?.password_env, d.mqtt?.password_file_key),
  };
}

/** One `cameras:` item as the hub runs on it (config/model.ts Camera before its resolve step). */
export function cameraModel(c: CameraEntry) {
  const { onvif: o, rtsp_login: r } = c;
  return {
    id: c.id,
    name: c.name ?? null,
    onvif: o ? { xaddr: o.xaddr, username: o.username ?? null, password: secretRef(o.password_env, o.password_file_key) } : null,
    rtsp: c.rtsp ?? null,
    /** Credentials for the stream (`rtsp_login`); null: the ONVIF ones, if any. */
    rtspLogin: r ? { username: r.username, password: secretRef(r.password_env, r.password_file_key) } : null,
    /** Camera name used by Frigate in `frigate/events`. */
    frigateName: c.frigate ?? null,
    zones: [...c.zones],
    /** As written, in the site's `crs`; null: the site's location (the loader converts both to WGS-84). */
    location: c.location ?? null,
    /** Record a clip with each incident; absent: the hub's `video.clips`. */
    ...(typeof c.clip === 'boolean' ? { clip: c.clip } : {}),
    /** `installed: true`: a camera that never answers goes offline (else pending install until its first answer). */
    ...(c.installed ? { installed: c.installed } : {}),
    /** `allowed_hosts`: more hosts the camera may name in its addresses (src/video/camera-host.ts). */
    ...(c.allowed_hosts?.length ? { allowedHosts: [...c.allowed_hosts] } : {}),
  };
}

/** A site file as the hub runs on it (config/model.ts Site before its resolve step). */
export function siteModel(f: SiteFile) {
  const s = f.site;
  return {
    id: s.id,
    name: s.name,
    kind: s.kind,
    address: s.address,
    doorPlate: s.door_plate,
    pole: s.pole ?? null,
    /** As written, in `sourceCrs`; the loader converts it to WGS-84. */
    location: s.location,
    /** What the file said, for the config reference and the console. */
    sourceCrs: s.crs,
    contacts: s.contacts.map((c) => ({ name: c.name, phone: c.phone })),
    guardGroup: s.guard_group ?? null,
    /** `guard_first`: the operator waits for the guard's verification before 派警. */
    guardFirst: s.guard_first,
    /** The verbal password (口令) for 业主撤警; never sent to a page or logged. */
    verbalPassword: secretRef(s.verbal_password_env, s.verbal_password_file_key),
    /** One MQTT login for every device of the site (issue 3). */
    mqttUsername: s.mqtt?.username ?? null,
    mqttPassword: secretRef(s.mqtt?.password_env, s.mqtt?.password_file_key),
    devices: f.devices.map(deviceModel),
    cameras: f.cameras.map(cameraModel),
  };
}

/** The site file parsed straight to its model: same checks, same messages as siteFileSchema. */
export const siteModelSchema = siteFileSchema.transform(siteModel);
export const deviceModelSchema = deviceSchema.transform(deviceModel);
export const cameraModelSchema = cameraSchema.transform(cameraModel);

export type SiteModel = z.output<typeof siteModelSchema>;
export type DeviceModel = z.output<typeof deviceModelSchema>;
export type CameraModel = z.output<typeof cameraModelSchema>;
