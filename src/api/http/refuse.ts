/**
 * Every REST refusal in one shape, `{ error, code }`, with the code from the shared vocabulary
 * (src/contract/refusals.ts, explained in docs/errors.md), so a code cannot be misspelt or left out.
 */
import type { Response } from 'express';
import type { RefusalCode } from '../../contract/refusals.js';

export function refuse(res: Response, status: number, code: RefusalCode, error: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ error, code, ...extra });
}
