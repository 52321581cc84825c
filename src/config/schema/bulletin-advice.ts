import { z } from 'zod';

/** One piece of prevention advice in the community bulletin (社区警情通报). */
const adviceSchema = z.strictObject({
  title: z.string({ error: 'a short title, e.g. 防盗提示' }).min(1, { error: 'a short title' }).max(60, { error: 'at most 60 characters' }),
  text: z.string({ error: 'the advice as text' }).min(1, { error: 'the advice as text' }).max(1000, { error: 'at most 1000 characters' }),
});

/**
 * config/bulletin-advice.yaml (hub.yaml `reports.bulletin_advice`): advice per 警情类别 code
 * (`triage.natures`), and a `default` for the rest. Editable by the centre; read per bulletin.
 */
export const bulletinAdviceSchema = z.strictObject({
  advice: z.record(z.string().regex(/^[a-z0-9_-]{1,64}$/, { error: 'a nature code such as criminal' }), adviceSchema).default({}),
  default: adviceSchema.nullish(),
});

export type BulletinAdviceFile = z.output<typeof bulletinAdviceSchema>;
