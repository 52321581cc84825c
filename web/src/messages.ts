/**
 * Words the hub's message codes (src/contract/messages.ts) in the page's language: priority
 * reasons, timeline entries, escalation and video notes, event details. A row stored before codes
 * existed, or a code this page does not know (a newer hub), shows its stored text instead.
 */
import type { IncidentMedia, Incident, TimelineEntry } from '../../src/contract/incident.js';
import { isMessageCode, type MessageCode, type MessageParams, type StoredParams } from '../../src/contract/messages.js';
import { formatDuration } from './format.js';
import type { MessageCatalogue, SayContext } from './i18n/catalogue.js';
import { enMessages } from './i18n/messages.en.js';
import { zhCNMessages } from './i18n/messages.zh-CN.js';
import { lang, pick, textCatalogue, t, words } from './i18n/index.js';

const MESSAGES: Record<ReturnType<typeof lang>, MessageCatalogue> = { 'zh-CN': zhCNMessages, en: enMessages };

/** Names a message may refer to by id: the directory's stations and the configured natures. */
export interface MessageNames {
  station(id: string): string | undefined;
  nature(code: string): { zh: string; en: string } | undefined;
}

let names: MessageNames = { station: () => undefined, nature: () => undefined };

/** The console and the guard page give their directory once it has loaded. */
export function setMessageNames(n: MessageNames): void {
  names = n;
}

function context(): SayContext {
  return {
    words: words(),
    text: textCatalogue(),
    station: (id) => (id ? (names.station(id) ?? id) : t('none')),
    nature: (code) => {
      const n = names.nature(code);
      return n ? pick(n.zh, n.en) : code;
    },
    duration: formatDuration,
  };
}

/**
 * Codes that issue 12 already wrote with fewer parameters: an entry without these keys keeps its
 * stored text, which holds the person's words (the 反馈, the note) the code alone would lose.
 */
const ADDED_LATER: Partial<Record<MessageCode, readonly string[]>> = {
  feedback: ['text'],
  guard_verify: ['note'],
  call: ['note'],
  transfer: ['note'],
};

/** A code with its parameters in the current language; null for a code this page does not know. */
export function say(code: string | null | undefined, params: StoredParams | null | undefined): string | null {
  if (!isMessageCode(code)) return null;
  if (ADDED_LATER[code]?.some((k) => params?.[k] === undefined)) return null;
  const render = MESSAGES[lang()][code] as (p: MessageParams[MessageCode], x: SayContext) => string;
  try {
    return render((params ?? {}) as unknown as MessageParams[MessageCode], context());
  } catch {
    // Parameters from an older hub that lack a field: the stored text is the honest fallback.
    return null;
  }
}

/** What a non-event timeline entry says: its code worded, else its text (a note, an old row). */
export function entryText(e: TimelineEntry): string {
  return say(e.code, e.params) ?? e.text ?? '';
}

/** What an event entry's detail says: its code worded, else the decoder's text (free text from a device). */
export function eventDetail(e: Pick<TimelineEntry, 'code' | 'params' | 'detail'>): string {
  return say(e.code, e.params) ?? e.detail ?? '';
}

/** Why the incident has its priority, in the page's language. */
export function reasonText(i: Incident): string {
  return say(i.priorityReasonCode, i.priorityReasonParams) ?? pick(i.priorityReasonZh, i.priorityReason);
}

/** Why the hub refused a command, in the page's language (the hub's English `error` for a code this page does not know). */
export function refusalText(r: { code?: string; error: string; params?: StoredParams }): string {
  const refusals: Readonly<Record<string, string>> = words().refusals;
  const text = r.code && Object.hasOwn(refusals, r.code) ? refusals[r.code] : undefined;
  // A name the hub gave fills its place; one it did not give leaves the sentence without it.
  return text === undefined ? r.error : text.replace(/\{(\w+)\}/g, (_m, k: string) => (r.params?.[k] == null ? '' : String(r.params[k])));
}

/** Why a camera gave no picture. */
export function mediaError(m: IncidentMedia): string {
  return say(m.errorCode, m.errorParams) ?? m.error ?? '';
}

/** The names a directory gives (its stations, the configured natures); call again after the directory changes. */
export function useDirectoryNames(dir: {
  stations: ReadonlyArray<{ id: string; name: string }>;
  workflow: { natures: ReadonlyArray<{ code: string; zh: string; en: string }> };
}): void {
  setMessageNames({
    station: (id) => dir.stations.find((s) => s.id === id)?.name,
    nature: (code) => dir.workflow.natures.find((n) => n.code === code),
  });
}
