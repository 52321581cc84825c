/**
 * config/hub.yaml — the hub itself. Every section has a default so a two-line hub.yaml works;
 * every key is still checked strictly (a typo is an error, not a silently ignored setting).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { DISPOSITIONS } from '../../contract/incident.js';
import { LANGUAGES } from '../../core/installer-messages.js';
import { drainSchema } from './drain.js';
import {
  bothReferences,
  duration,
  envName,
  id,
  mqttCredentials,
  port,
  profileId,
  secretKey,
  subscriptionTopic,
  text,
  crs,
  type CustomIssueParams,
} from './common.js';
import { clusterSchema } from './cluster.js';
import { notifySchema } from './notify.js';

const HOST_EXPECTED = 'a host name or IP address, e.g. 0.0.0.0';
const host = () => z.string({ error: HOST_EXPECTED }).min(1, { error: HOST_EXPECTED });
const TRUST_EXPECTED = 'an IP address, a subnet such as 10.0.0.0/8, or loopback, linklocal, uniquelocal';
const TRUST_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const ALLOWED_HOST_EXPECTED = 'a host name such as safegrid.example.org, or *.example.org for its subdomains';
const path = (what: string) => z.string({ error: `a file path (${what})` }).min(1, { error: `a file path (${what})` });

/**
 * HTTPS for the pages (issue 13): a phone's browser grants notifications and service workers only
 * to a secure context, and `http://<hub-ip>` is not one. Either the installer's PEM files, or a
 * self-signed certificate the hub makes on first start (openssl) and keeps in the data directory.
 */
export const httpTlsSchema = z
  .strictObject({
    cert: path('PEM certificate').nullish().describe('Server certificate (PEM) of the HTTPS listener.'),
    key: path('PEM private key').nullish().describe('Its private key (PEM).'),
    self_signed: z
      .boolean({ error: 'true or false' })
      .default(false)
      .describe('Without cert and key: make a self-signed certificate on first start (kept beside the database, reused) and log its SHA-256 fingerprint.'),
    hosts: z
      .array(host(), { error: 'a list of host names or IP addresses' })
      .default([])
      .describe('self_signed: extra names and addresses the certificate is for (the hub adds localhost, 127.0.0.1 and its own addresses).'),
  })
  .superRefine((t, ctx) => {
    // One without the other cannot serve TLS; neither without self_signed leaves nothing to serve.
    if (!!t.cert !== !!t.key || (!t.cert && !t.self_signed)) {
      ctx.addIssue({
        code: 'custom',
        path: [t.cert ? 'key' : 'cert'],
        message: 'missing; expected cert and key (PEM files), or self_signed: true',
        params: { code: 'SG_CONFIG_MISSING_KEY', whole: true } satisfies CustomIssueParams,
      });
    }
  });

export const httpSchema = z
  .strictObject({
    host: host().default('0.0.0.0').describe('Address the HTTP server and Socket.IO listen on.'),
    port: port().default(8080).describe('HTTP port.'),
    trust_proxy: z
      .array(
        z.string({ error: TRUST_EXPECTED }).refine((v) => TRUST_NAMES.has(v) || isIP(v.split('/')[0]!) !== 0, { error: TRUST_EXPECTED }),
        { error: `a list: ${TRUST_EXPECTED}` },
      )
      .default([])
      .describe(
        'Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (client address for the login limit; HTTPS for HSTS and the Secure cookie).',
      ),
    allowed_hosts: z
      .array(z.string({ error: ALLOWED_HOST_EXPECTED }).regex(/^(\*\.)?[A-Za-z0-9.-]+$/, { error: ALLOWED_HOST_EXPECTED }), {
        error: `a list: ${ALLOWED_HOST_EXPECTED}`,
      })
      .default([])
      .describe('Host names the hub answers to besides IP addresses, localhost and its own name (stops DNS rebinding).'),
    headers_timeout: duration().prefault('10s').describe('A client must send its request headers within this time, or the connection is dropped.'),
    request_timeout: duration().prefault('30s').describe('A client must send its whole request within this time, or the connection is dropped.'),
    tls: httpTlsSchema.nullish().describe('Serve HTTPS on the same port (the pages need it for notifications).'),
  })
  .prefault({});

const PACKET_SIZE_EXPECTED = 'a whole number of bytes 1024–268435455, e.g. 131072';
const CONNECTIONS_EXPECTED = 'a whole number 1–100000';
const MQTT_URL_EXPECTED = 'a broker URL such as mqtt://broker.local:1883 or mqtts://broker.local:8883';

export const mqttTlsSchema = z
  .strictObject({
    cert: path('PEM certificate').describe('Server certificate (PEM).'),
    key: path('PEM private key').describe('Server private key (PEM).'),
    ca: path('PEM CA bundle').nullish().describe('CA used to verify client certificates.'),
    port: port().default(8883).describe('TLS listen port of the embedded broker.'),
    require_client_cert: z.boolean({ error: 'true or false' }).default(false).describe('Refuse devices that present no client certificate signed by `ca`.'),
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
    max_packet_size: z
      .number({ error: PACKET_SIZE_EXPECTED })
      .int({ error: PACKET_SIZE_EXPECTED })
      .min(1024, { error: PACKET_SIZE_EXPECTED })
      .max(268_435_455, { error: PACKET_SIZE_EXPECTED })
      .default(128 * 1024)
      .describe(
        'Embedded broker: largest MQTT packet in bytes; a client announcing more is disconnected before it sends the bytes (also before login). Payloads ' +
          'over 64 KiB are refused by ingest anyway.',
      ),
    max_connections_per_address: z
      .number({ error: CONNECTIONS_EXPECTED })
      .int({ error: CONNECTIONS_EXPECTED })
      .min(1, { error: CONNECTIONS_EXPECTED })
      .max(100_000, { error: CONNECTIONS_EXPECTED })
      // Not 64: a property company's panels behind one carrier-grade NAT or gateway address share it,
      // and refusing a real panel is worse than a bounded number of idle sockets (each is capped at
      // max_packet_size and connect_timeout before login).
      .default(1024)
      .describe('Embedded broker: open MQTT connections allowed from one IP address (devices behind one NAT share it); more are closed at once.'),
    connect_timeout: duration().prefault('10s').describe('Embedded broker: a connection that has not sent its CONNECT within this time is closed.'),
    shared_subscriptions: z
      .boolean({ error: 'true or false' })
      .default(false)
      .describe(
        'External broker, several replicas: subscribe with MQTT 5 shared subscriptions ($share/<shared_group>/…) so each message is taken by one ' +
          'replica; the client id becomes <client_id>-<replica id>.',
      ),
    shared_group: z
      .string({ error: 'a share name of letters, digits, "-" or "_"' })
      .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'a share name of letters, digits, "-" or "_"' })
      .default('safegrid')
      .describe('External broker: the share name of the shared subscriptions (every replica of one centre uses the same).'),
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

const PG_URL_EXPECTED = 'a PostgreSQL URL such as postgres://safegrid@db.example:5432/safegrid';
const POOL_EXPECTED = 'a whole number of connections, 1–100';

export const storageSchema = z
  .strictObject({
    path: path('SQLite database').default('data/safegrid.db').describe('SQLite database file.'),
    media_path: path('directory for snapshots and clips').default('data/media').describe('Snapshots and clips.'),
    audit_anchor: path('append-only file for the audit chain head')
      .nullish()
      .describe('Where the hub appends the audit chain head (default: the database path + ".anchor"); put it on another disk or a log shipper.'),
    audit_key_env: envName().nullish().describe('Environment variable holding the key that signs each audit anchor line (HMAC-SHA256).'),
    audit_key_file_key: secretKey().nullish().describe('… or the key from config/secrets.yaml (one of the two).'),
    backend: z
      .enum(['sqlite', 'postgres'], { error: 'sqlite or postgres' })
      .default('sqlite')
      .describe('Storage engine: sqlite (one hub, the file at `path`) or postgres (several hub replicas on one database at `url`).'),
    url: z
      .string({ error: PG_URL_EXPECTED })
      .regex(/^postgres(ql)?:\/\/[^\s]+$/, { error: PG_URL_EXPECTED })
      // A password written into the URL would sit in hub.yaml and in every copy of it.
      .refine((u) => !/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(u), {
        error: 'a URL without a password; put the password in the variable named by password_env',
      })
      .nullish()
      .describe('PostgreSQL connection URL without the password (backend: postgres).'),
    password_env: envName().nullish().describe('Environment variable holding the PostgreSQL password (PGPASSWORD and ~/.pgpass also work).'),
    pool_size: z
      .number({ error: POOL_EXPECTED })
      .int({ error: POOL_EXPECTED })
      .min(1, { error: POOL_EXPECTED })
      .max(100, { error: POOL_EXPECTED })
      .default(10)
      .describe('PostgreSQL connections per hub replica.'),
  })
  .prefault({})
  .superRefine((s, ctx) => {
    // backend postgres without a URL would have nowhere to store an alarm.
    if (s.backend === 'postgres' && !s.url) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: `missing; backend is postgres, so the hub needs the database URL (${PG_URL_EXPECTED})`,
        params: { code: 'SG_CONFIG_MISSING_KEY', whole: true },
      });
    }
  });

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

/** 警情类别/性质 of 110 practice, counted by 每日发案. */
const DEFAULT_NATURES = [
  { code: 'criminal', zh: '刑事', en: 'criminal' },
  { code: 'public_order', zh: '治安', en: 'public order' },
  { code: 'fire', zh: '火灾', en: 'fire' },
  { code: 'help', zh: '求助', en: 'request for help' },
  { code: 'dispute', zh: '纠纷', en: 'dispute' },
  { code: 'traffic', zh: '交通', en: 'traffic' },
  { code: 'other', zh: '其他', en: 'other' },
];

export const triageSchema = z
  .strictObject({
    // Deprecated (issue 12): parsed so older files still load, ignored, and warned about at start;
    // an incident stays open for its site and category until an operator closes it.
    correlation_window: duration().optional().describe('Deprecated and ignored: one incident per site and category stays open until it is closed.'),
    // Defaults a 110 centre works to (docs/config.md says why): P1 3 min, P2 10 min, P3 30 min, P4 4 h.
    ack_timeout: z
      .strictObject({
        p1: ackTimeout('180s'),
        p2: ackTimeout('600s'),
        p3: ackTimeout('1800s'),
        p4: ackTimeout('4h'),
      })
      .prefault({}),
    repeat_window: duration()
      .prefault('30m')
      .describe('An alarm from a site whose last incident was closed as false within this window is marked as a repeat.'),
    natures: z
      .array(z.strictObject({ code: id(), zh: text('the nature in Chinese, e.g. 刑事'), en: text('the nature in English') }), {
        error: 'a list of natures, e.g. [{ code: criminal, zh: 刑事, en: criminal }]',
      })
      .min(1, { error: 'at least one nature' })
      .default(DEFAULT_NATURES)
      .describe('警情类别/性质 chosen at 反馈 and 结警 (code, zh, en); defaults 刑事 治安 火灾 求助 纠纷 交通 其他.'),
    close_before_dispatch: z
      // YAML reads an unquoted `false` as a boolean: it means the disposition false (误报).
      .array(
        z.preprocess((v) => (v === false ? 'false' : v), z.enum(DISPOSITIONS, { error: DISPOSITIONS.join(', ') })),
        {
          error: 'a list of dispositions',
        },
      )
      .default(['false', 'duplicate', 'cancelled', 'test'])
      .describe('Dispositions that may close an incident before 派警 (误报 confirmed by phone); real always needs 反馈.'),
    guard_first_timeout: duration()
      .prefault('300s')
      .describe('At a guard_first site, how long the console shows 等待物业核实 before it marks the wait overdue.'),
    night: z.strictObject({ from: timeOfDay(), to: timeOfDay() }).optional().describe('Night hours (local time): perimeter and tamper alarms rise one level.'),
    holidays: z
      .array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'a date YYYY-MM-DD' }), { error: 'a list of dates' })
      .default([])
      .describe('Dates treated like night hours all day.'),
    timezone: ianaZone().optional().describe('Time zone of night hours, holidays, the reports and the day of the 警情编号; default: the top-level `timezone`.'),
  })
  .prefault({});

/** An IANA time zone name this Node knows (Asia/Shanghai, Asia/Urumqi, UTC …). */
function ianaZone() {
  return z.string({ error: 'an IANA time zone such as Asia/Shanghai' }).refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { error: 'an IANA time zone such as Asia/Shanghai' },
  );
}

/** "22:00" → minutes after midnight. */
function timeOfDay() {
  return z
    .string({ error: 'a time of day HH:MM' })
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'a time of day HH:MM' })
    .transform((s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5)));
}

export const bridgeSchema = z.strictObject({
  id: id(),
  profile: profileId(),
  topic: subscriptionTopic(),
  /** The bridge's own login to the embedded broker (a Frigate NVR publishes for many sites). */
  mqtt: mqttCredentials('this bridge').nullish(),
});

export const videoSchema = z
  .strictObject({
    poll_interval: duration().prefault('60s').describe('How often each camera is asked whether it is alive.'),
    offline_after: z
      .number({ error: 'a whole number 1–20' })
      .int({ error: 'a whole number 1–20' })
      .min(1, { error: 'a whole number 1–20' })
      .max(20, { error: 'a whole number 1–20' })
      .default(3)
      .describe('Failed polls in a row before a camera is reported offline (trouble.offline).'),
    snapshot_timeout: duration().prefault('2s').describe('Time allowed for one snapshot from one camera.'),
    clips: z.boolean({ error: 'true or false' }).default(false).describe('Record a clip from every linked camera for every incident.'),
    clip_length: duration().prefault('10s').describe('Length of a clip.'),
    retention: z
      .strictObject({
        max_age: duration().prefault('720h').describe('Snapshots and clips older than this are deleted.'),
        max_files: z.number({ error: 'a whole number' }).int({ error: 'a whole number' }).min(1, { error: 'at least 1' }).default(100_000),
        max_megabytes: z.number({ error: 'a number of MiB' }).positive({ error: 'more than 0' }).default(10_240),
      })
      .prefault({}),
  })
  .prefault({});

export const sessionsSchema = z
  .strictObject({
    idle_timeout: duration().prefault('30m').describe('A console session nobody used for this long ends (an open page renews it).'),
    absolute_timeout: duration().prefault('12h').describe('Every session ends this long after login, used or not.'),
  })
  .prefault({});

export const metricsSchema = z
  .strictObject({
    token_env: envName().nullish(),
    token_file_key: secretKey().nullish(),
  })
  .superRefine((o, ctx) => {
    if (o.token_env && o.token_file_key) bothReferences(ctx, 'token_env', 'token_file_key');
  })
  .prefault({});

export const reportsSchema = z
  .strictObject({
    daily_at: z
      .string({ error: 'a time of day HH:MM' })
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'a time of day HH:MM' })
      .default('08:00')
      .describe('When the daily 三个一通报 of the day before is generated, stored unchanged and sent (local time of the reports’ zone).'),
    ack_within: duration().prefault('30s').describe('Response-time standard for 签收: the share acknowledged within this is reported.'),
    on_scene_within: z
      .array(duration(), { error: 'a list of durations, e.g. [5m, 10m, 15m]' })
      .min(1, { error: 'at least one duration' })
      .max(5, { error: 'at most five durations' })
      .prefault(['5m', '10m', '15m'])
      .describe('Response-time standards for 到场 (urban, suburban, rural …): the share on scene within each is reported.'),
    bulletin_advice: path('bulletin advice file')
      .default('config/bulletin-advice.yaml')
      .describe('The editable prevention advice of the community bulletin (社区警情通报), per 警情类别.'),
    notify_channels: z
      .array(id(), { error: 'a list of notify channel ids' })
      .default([])
      .describe('Channel ids (from `notify.groups`) the daily report is sent to when generated; empty: not sent.'),
  })
  .prefault({});

export const hubSchema = z
  .strictObject({
    http: httpSchema,
    mqtt: mqttSchema,
    storage: storageSchema,
    map: mapSchema,
    triage: triageSchema,
    timezone: ianaZone()
      .default('Asia/Shanghai')
      .describe(
        'The dispatch centre’s time zone: every time on the console and the guard page is shown in it (北京时间 for Asia/Shanghai), whatever the ' +
          'browser’s zone.',
      ),
    users: path('accounts file').default('config/users.yaml').describe('Accounts file.'),
    language: z
      .enum(LANGUAGES, { error: 'en or zh-CN' })
      .nullish()
      .describe('Language of the messages an installer reads (check, --help, the hub log); absent: from LANG (zh_CN… → zh-CN), else en.'),
    secrets: path('secrets file').default('config/secrets.yaml').describe('Secrets file (never under devices/).'),
    bridges: z.array(bridgeSchema, { error: 'a list of bridges' }).default([]),
    video: videoSchema,
    sessions: sessionsSchema,
    metrics: metricsSchema,
    notify: notifySchema,
    reports: reportsSchema,
    drain: drainSchema,
    cluster: clusterSchema.nullish().describe('Several hub replicas sharing Redis (issue 18); absent: one hub.'),
  })
  .prefault({});
