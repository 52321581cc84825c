/**
 * hub.yaml `notify:` — the channels each guard group is alerted on (issue 13): a 企业微信 (WeCom)
 * group robot, a 钉钉 (DingTalk) robot, or a generic SMS/HTTP gateway. Browser push needs a vendor
 * push service that many Chinese networks cannot reach; these are what the field already uses.
 *
 * A webhook URL carries its credential (WeCom `key=`, DingTalk `access_token=`), so every URL and
 * signing secret is a reference (`*_env` or `*_file_key`), never inline, and never logged.
 */
import { z } from 'zod';
import { bothReferences, duration, envName, id, secretKey, secretRef, text, type CustomIssueParams } from './common.js';

const PRIORITY_EXPECTED = 'a priority 1–4';
const priority = () =>
  z.number({ error: PRIORITY_EXPECTED }).int({ error: PRIORITY_EXPECTED }).min(1, { error: PRIORITY_EXPECTED }).max(4, { error: PRIORITY_EXPECTED });

/** `<name>_env` or `<name>_file_key`, exactly one when `required`. */
function checkRef(o: Record<string, unknown>, ctx: z.RefinementCtx, name: string, required: boolean): void {
  const envKey = `${name}_env`;
  const fileKey = `${name}_file_key`;
  if (o[envKey] && o[fileKey]) bothReferences(ctx, envKey, fileKey);
  else if (required && !o[envKey] && !o[fileKey]) {
    ctx.addIssue({
      code: 'custom',
      message: `no ${name}; expected ${envKey} (an environment variable) or ${fileKey} (a key of the secrets file)`,
      params: { code: 'SG_CONFIG_MISSING_KEY', whole: true } satisfies CustomIssueParams,
    });
  }
}

const FORMAT_EXPECTED = 'text or markdown';

export const notifyChannelSchema = z
  .strictObject({
    id: id().describe('Channel id, unique in the hub (the outbox, /metrics and the incident timeline name it).'),
    type: z
      .enum(['wecom', 'dingtalk', 'http'], { error: 'wecom, dingtalk or http' })
      .describe('wecom: 企业微信群机器人; dingtalk: 钉钉自定义机器人; http: an SMS or other HTTP gateway.'),
    url_env: envName().nullish().describe('Environment variable holding the webhook or gateway URL (a secret: it carries the key).'),
    url_file_key: secretKey().nullish().describe('… or the key of the secrets file holding it.'),
    secret_env: envName().nullish().describe('dingtalk: the robot signing secret (加签, SEC…); absent: the robot has no signing.'),
    secret_file_key: secretKey().nullish().describe('… or the key of the secrets file holding it.'),
    format: z.enum(['text', 'markdown'], { error: FORMAT_EXPECTED }).default('text').describe('wecom and dingtalk: msgtype text or markdown.'),
    method: z.enum(['POST', 'PUT'], { error: 'POST or PUT' }).default('POST').describe('http: the request method.'),
    headers: z
      .record(z.string(), z.string({ error: 'text' }), { error: 'a mapping of header name: value' })
      .default({})
      .describe('http: extra request headers; values may use the placeholders of `body` ({{secret}} for a token).'),
    body: z
      .unknown()
      .optional()
      .describe('http: the JSON body as YAML; string values may hold {{text}}, {{title}}, {{number}}, {{site}}, {{incident}}, {{phones}}, {{secret}}.'),
    mention_mobiles: z
      .array(text('a phone number in quotes'), { error: 'a list of phone numbers' })
      .default([])
      .describe('wecom and dingtalk: mobiles to @ in a text message.'),
  })
  .superRefine((c, ctx) => {
    checkRef(c, ctx, 'url', true);
    checkRef(c, ctx, 'secret', false);
  });

export const notifyGroupSchema = z.strictObject({
  priorities: z
    .array(priority(), { error: 'a list of priorities, e.g. [1, 2, 3]' })
    .min(1, { error: 'at least one priority' })
    .default([1, 2, 3])
    .describe('New incidents of these priorities are sent (P4 technical faults are not, by default).'),
  channels: z.array(notifyChannelSchema, { error: 'a list of channels' }).min(1, { error: 'at least one channel' }),
});

export const notifySchema = z
  .strictObject({
    groups: z
      .record(id(), notifyGroupSchema, { error: 'a mapping of guard group: { channels: [...] }' })
      .default({})
      .describe('Per guard group (the `guard_group` of sites in devices/): where its new incidents are sent.'),
    retry_first: duration().prefault('5s').describe('Wait before the first retry of a failed delivery; doubled each time.'),
    retry_max: duration().prefault('10m').describe('Longest wait between two tries.'),
    give_up_after: duration()
      .prefault('24h')
      .describe('A delivery still failing this long after its incident opened is given up (and says so on the incident).'),
    timeout: duration().prefault('10s').describe('Time allowed for one request.'),
  })
  .prefault({});

/** One channel as the hub runs on it (config/model.ts NotifyChannelConfig); its URL and signing secret still references. */
function channelModel(c: z.output<typeof notifyChannelSchema>) {
  return {
    id: c.id,
    type: c.type,
    url: secretRef(c.url_env, c.url_file_key),
    secret: secretRef(c.secret_env, c.secret_file_key),
    format: c.format,
    method: c.method,
    headers: c.headers,
    /** http: the body template (YAML value), placeholders in its strings. */
    body: c.body ?? null,
    mentionMobiles: c.mention_mobiles,
  };
}

/** `notify` as the hub runs on it (config/model.ts NotifyConfig), ms. */
export const notifyModelSchema = notifySchema.transform((n) => ({
  groups: Object.fromEntries(Object.entries(n.groups).map(([group, g]) => [group, { priorities: g.priorities, channels: g.channels.map(channelModel) }])),
  retryFirstMs: n.retry_first,
  retryMaxMs: n.retry_max,
  giveUpAfterMs: n.give_up_after,
  timeoutMs: n.timeout,
}));
