/**
 * The number in a guard alert's failure reason (`errcode 45009 (rate limited)`, `HTTP 502`), with
 * `lead` before it; '' when there is none (`timeout`). The reason itself is the notifier's English
 * for the log; a page in either language shows only the code a technician can look up.
 */
export function notifyCode(reason: string | null, lead: string): string {
  const code = reason ? /(?:errcode|HTTP)\s+(-?\d+)/.exec(reason)?.[1] : undefined;
  return code ? `${lead}${code}` : '';
}
