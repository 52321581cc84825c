/**
 * A local HTTP server that plays the three kinds of guard-alert channel with their documented
 * request and reply formats (src/notify/channels.ts cites them):
 *
 * - `POST /wecom/send?key=K`: 企业微信 group robot. Checks the key and the body
 *   (`msgtype` text|markdown with its content); replies `{"errcode":0,"errmsg":"ok"}`, or what the
 *   script says: 45009 (rate limited), 93000 (invalid webhook URL), an HTTP 502…
 * - `POST /dingtalk/send?access_token=T&timestamp=…&sign=…`: 钉钉 custom robot with 加签. Checks the
 *   token and the signature (HMAC-SHA256 of `timestamp + "\n" + secret`, base64); a wrong one gets
 *   310000 as DingTalk answers it; 130101 when the script says "too fast".
 * - `POST /sms`: a generic SMS gateway; any JSON body; 200 `{"ok":true}`, or the scripted status.
 *
 * Every request is recorded with what the server answered, so a test counts the messages a
 * channel accepted (the ones a person would have seen).
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export type Kind = 'wecom' | 'dingtalk' | 'sms';

/** What the server answers next on a channel: a reply it makes up by the format's rules. */
export type Scripted = 'ok' | 'rate_limited' | 'bad_key' | 'http_500' | 'http_400' | 'drop';

export interface Received {
  kind: Kind;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** True when this request was answered as a delivery (errcode 0 / 2xx). */
  accepted: boolean;
  answered: string;
}

export interface NotifyServer {
  url: string;
  readonly received: Received[];
  /** Replies to give, in order, before falling back to `mode` (per channel). */
  script(kind: Kind, ...replies: Scripted[]): void;
  /** What every request gets when the script is empty (default ok). */
  setMode(kind: Kind, mode: Scripted): void;
  accepted(kind?: Kind): Received[];
  close(): Promise<void>;
}

export const WECOM_KEY = 'wecom-test-key-8f1c';
export const DINGTALK_TOKEN = 'ding-test-token-3b7e';
export const DINGTALK_SECRET = 'SECtest0a9b8c7d6e5f4';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

/** The DingTalk/WeCom body checks: a message of the documented shape, or why not. */
function robotBodyProblem(kind: 'wecom' | 'dingtalk', b: Record<string, unknown>): string | null {
  const type = b.msgtype;
  if (type !== 'text' && type !== 'markdown') return 'msgtype must be text or markdown';
  const part = b[type] as Record<string, unknown> | undefined;
  if (!part || typeof part !== 'object') return `missing ${type} object`;
  if (kind === 'wecom') return typeof part.content === 'string' && part.content.length > 0 ? null : 'missing content';
  if (type === 'text') return typeof part.content === 'string' && part.content.length > 0 ? null : 'missing content';
  return typeof part.title === 'string' && typeof part.text === 'string' ? null : 'markdown needs title and text';
}

export async function startNotifyServer(): Promise<NotifyServer> {
  const received: Received[] = [];
  const scripts: Record<Kind, Scripted[]> = { wecom: [], dingtalk: [], sms: [] };
  const modes: Record<Kind, Scripted> = { wecom: 'ok', dingtalk: 'ok', sms: 'ok' };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const kind: Kind | null = u.pathname === '/wecom/send' ? 'wecom' : u.pathname === '/dingtalk/send' ? 'dingtalk' : u.pathname === '/sms' ? 'sms' : null;
      const text = await readBody(req);
      if (!kind || req.method !== 'POST') return void res.writeHead(404).end();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = {};
      }
      const next = scripts[kind].shift() ?? modes[kind];
      const json = (status: number, o: unknown, accepted: boolean): void => {
        const answered = JSON.stringify(o);
        received.push({ kind, path: u.pathname, query: u.searchParams, headers: req.headers, body, accepted, answered: `${status} ${answered}` });
        res.writeHead(status, { 'content-type': 'application/json' }).end(answered);
      };
      if (next === 'drop') {
        received.push({ kind, path: u.pathname, query: u.searchParams, headers: req.headers, body, accepted: false, answered: 'dropped' });
        return void req.socket.destroy();
      }
      if (next === 'http_500') return json(502, { error: 'bad gateway' }, false);
      if (next === 'http_400') return json(400, { error: 'bad request' }, false);
      if (kind === 'sms') return next === 'ok' ? json(200, { ok: true }, true) : json(429, { error: 'too many' }, false);
      // The robots answer HTTP 200 with an errcode, as the real services do.
      if (kind === 'wecom') {
        if (u.searchParams.get('key') !== WECOM_KEY || next === 'bad_key') return json(200, { errcode: 93000, errmsg: 'invalid webhook url' }, false);
        const problem = robotBodyProblem('wecom', body);
        if (problem) return json(200, { errcode: 40008, errmsg: `invalid message type: ${problem}` }, false);
        if (next === 'rate_limited') return json(200, { errcode: 45009, errmsg: 'api freq out of limit' }, false);
        return json(200, { errcode: 0, errmsg: 'ok' }, true);
      }
      const ts = u.searchParams.get('timestamp') ?? '';
      const want = createHmac('sha256', DINGTALK_SECRET).update(`${ts}\n${DINGTALK_SECRET}`).digest('base64');
      // DingTalk refuses a signature that does not match, or a timestamp more than an hour off.
      if (u.searchParams.get('access_token') !== DINGTALK_TOKEN || next === 'bad_key')
        return json(200, { errcode: 300001, errmsg: 'token is not exist' }, false);
      if (u.searchParams.get('sign') !== want || Math.abs(Date.now() - Number(ts)) > 3_600_000)
        return json(200, { errcode: 310000, errmsg: 'sign not match' }, false);
      const problem = robotBodyProblem('dingtalk', body);
      if (problem) return json(200, { errcode: 40035, errmsg: `缺少参数 json: ${problem}` }, false);
      if (next === 'rate_limited') return json(200, { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' }, false);
      return json(200, { errcode: 0, errmsg: 'ok' }, true);
    })();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script: (kind, ...replies) => scripts[kind].push(...replies),
    setMode: (kind, mode) => {
      modes[kind] = mode;
    },
    accepted: (kind) => received.filter((r) => r.accepted && (!kind || r.kind === kind)),
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** The hub.yaml `notify:` section for the test tree's hecheng-team, pointed at this server through env references. */
export function notifyYaml(o: { retryFirst?: string; retryMax?: string } = {}): string {
  return `notify:
  retry_first: ${o.retryFirst ?? '200ms'}
  retry_max: ${o.retryMax ?? '1s'}
  timeout: 5s
  groups:
    hecheng-team:
      priorities: [1, 2, 3]
      channels:
        - { id: hc-wecom, type: wecom, url_env: SG_TEST_WECOM_URL, format: markdown }
        - { id: hc-ding, type: dingtalk, url_env: SG_TEST_DING_URL, secret_env: SG_TEST_DING_SECRET, mention_mobiles: ["13800000000"] }
        - id: hc-sms
          type: http
          url_env: SG_TEST_SMS_URL
          body: { to: ["13800000000"], sign: "SafeGrid", content: "{{text}}", ref: "{{key}}", token: "{{secret}}" }
          secret_env: SG_TEST_SMS_TOKEN
`;
}

/** The environment that notifyYaml's references read. */
export function notifyEnv(server: NotifyServer): Record<string, string> {
  return {
    SG_TEST_WECOM_URL: `${server.url}/wecom/send?key=${WECOM_KEY}`,
    SG_TEST_DING_URL: `${server.url}/dingtalk/send?access_token=${DINGTALK_TOKEN}`,
    SG_TEST_DING_SECRET: DINGTALK_SECRET,
    SG_TEST_SMS_URL: `${server.url}/sms`,
    SG_TEST_SMS_TOKEN: 'sms-token-77aa',
  };
}
