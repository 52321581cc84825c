/**
 * config/hub.yaml — the hub itself. Every section has a default so a two-line hub.yaml works;
 * every key is still checked strictly (a typo is an error, not a silently ignored setting).
 */
import { z } from 'zod';
import { duration, envName, id, mqttCredentials, port, profileId, subscriptionTopic, text, crs, type CustomIssueParams } from './common.js';

const HOST_EXPECTED = 'a host name or IP address, e.g. 0.0.0.0';
const host = () => z.string({ error: HOST_EXPECTED }).min(1, { error: HOST_EXPECTED });
const path = (what: string) => z.string({ error: `a file path (${what})` }).min(1, { error: `a file path (${what})` });

export const httpSchema = z
  .strictObject({
    host: host().default('0.0.0.0').describe('Address the HTTP server and Socket.IO listen on.'),
    port: port().default(8080).describe('HTTP port.'),
  })
  .prefault({});

const MQTT_URL_EXPECTED = 'a broker URL such as mqtt://broker.local:1883 or mqtts://broker.local:8883';

export const mqttTlsSchema = z
  .strictObject({
    cert: path('PEM certificate').describe('Server certificate (PEM).'),
    key: path('PEM private key').describe('Server private key (PEM).'),
    ca: path('PEM CA bundle').nullish().describe('CA used to verify client certificates.'),
    port: port().default(8883).describe('TLS listen port of the embedded broker.'),
    require_client_cert: z
      .boolean({ error: 'true or false' })
      .default(false)
      .describe('Refuse devices that present no client certificate signed by `ca`.'),
  })
  .superRefine((t, ctx) => {
    // Without a CA there is nothing to check a client certificate against: every device would be refused.
    if (t.require_client_cert && !t.ca) {
      ctx.addIssue({
        code: 'custom',
        path: ['ca'],
        message: 'missing; require_client_cert is true, so the hub needs the CA that signs the device certificates (a PEM file)',
        params: { code: 'SG_CONFIG_MISSING_KEY', whole: true } satisfies CustomIssueParams,
      });
    }
  });

export const mqttSchema = z
  .strictObject({
    mode: z.enum(['embedded', 'external'], { error: 'embedded or external' }).default('embedded'),
    host: host().default('0.0.0.0').describe('Embedded broker listen address.'),
    port: port().default(1883).describe('Embedded broker listen port.'),
    url: z
      .string({ error: MQTT_URL_EXPECTED })
      .regex(/^(mqtts?|wss?|tcp|tls):\/\/[^\s]+$/, { error: MQTT_URL_EXPECTED })
      .nullish()
      .describe('External broker URL (mode: external).'),
    username: text('a user name').nullish().describe('External broker user name.'),
    password_env: envName().nullish().describe('Environment variable holding the external broker password.'),
    client_id: text('an MQTT client id').default('safegrid-hub').describe('Client id the hub uses.'),
    tls: mqttTlsSchema.nullish().describe('TLS listener of the embedded broker.'),
    auth: z
      .enum(['required', 'off'], { error: 'required or off' })
      .default('required')
      .describe('Embedded broker: devices must log in and keep to their topics (required), or anyone may publish anything (off, lab only).'),
  })
  .prefault({})
  .superRefine((m, ctx) => {
    // External mode without a URL would "start" and then never receive an alarm.
    if (m.mode === 'external' && !m.url) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: `missing; mode is external, so the hub needs the broker URL (${MQTT_URL_EXPECTED})`,
        params: { code: 'SG_CONFIG_MISSING_KEY', whole: true },
      });
    }
  });

export const storageSchema = z
  .strictObject({
    path: path('SQLite database').default('data/safegrid.db').describe('SQLite database file.'),
    media_path: path('directory for snapshots and clips').default('data/media').describe('Snapshots and clips.'),
  })
  .prefault({});

const ZOOM_EXPECTED = 'a map zoom level 1–20';
const URL_EXPECTED = 'a tile URL template with {z}, {x} and {y}';

export const mapSchema = z
  .strictObject({
    center: z
      .tuple([z.number({ error: '[lat, lng]' }), z.number({ error: '[lat, lng]' })], {
        error: '[lat, lng] in degrees, e.g. [26.594, 104.833]',
      })
      .default([26.594, 104.833])
      .describe('Initial map centre [lat, lng].'),
    zoom: z
      .number({ error: ZOOM_EXPECTED })
      .int({ error: ZOOM_EXPECTED })
      .min(1, { error: ZOOM_EXPECTED })
      .max(20, { error: ZOOM_EXPECTED })
      .default(14)
      .describe('Initial zoom.'),
    tiles: z
      .strictObject({
        url: z
          .string({ error: URL_EXPECTED })
          .refine((u) => u.includes('{z}') && u.includes('{x}') && u.includes('{y}'), { error: URL_EXPECTED })
          .default('https://tile.openstreetmap.org/{z}/{x}/{y}.png'),
        attribution: z.string({ error: 'text' }).default('© OpenStreetMap contributors'),
        crs: crs().default('wgs84').describe('Datum of the tiles; gcj02 for AMap/Tencent tiles.'),
      })
      .prefault({}),
  })
  .prefault({});

const ackTimeout = (dflt: string) => duration().prefault(dflt);

export const triageSchema = z
  .strictObject({
    correlation_window: duration()
      .prefault('120s')
      .describe('Events of one site within this window join its open incident.'),
    ack_timeout: z
      .strictObject({
        p1: ackTimeout('60s'),
        p2: ackTimeout('180s'),
        p3: ackTimeout('600s'),
        p4: ackTimeout('1800s'),
      })
      .prefault({}),
  })
  .prefault({});

export const bridgeSchema = z.strictObject({
  id: id(),
  profile: profileId(),
  topic: subscriptionTopic(),
  /** The bridge's own login to the embedded broker (a Frigate NVR publishes for many sites). */
  mqtt: mqttCredentials('this bridge').nullish(),
});

export const hubSchema = z
  .strictObject({
    http: httpSchema,
    mqtt: mqttSchema,
    storage: storageSchema,
    map: mapSchema,
    triage: triageSchema,
    users: path('accounts file').default('config/users.yaml').describe('Accounts file.'),
    secrets: path('secrets file').default('config/secrets.yaml').describe('Secrets file (never under devices/).'),
    bridges: z.array(bridgeSchema, { error: 'a list of bridges' }).default([]),
  })
  .prefault({});

export type HubFile = z.output<typeof hubSchema>;
