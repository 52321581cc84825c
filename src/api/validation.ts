/** Input validation at the API's edge: zod schemas in, one coded refusal out. */
import type { z } from 'zod';

/** A short account of what was wrong, for the `error` of a `bad_request` refusal. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}
