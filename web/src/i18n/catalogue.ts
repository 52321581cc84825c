import type { zhCN } from './zh-CN.js';

/** The keys every catalogue has: zh-CN is the reference. */
export type Catalogue = { readonly [K in keyof typeof zhCN]: string };
export type TextKey = keyof Catalogue;

import type { Category, EventKind, Priority } from '../../../src/contract/alarm-event.js';
import type { Disposition, IncidentStatus } from '../../../src/contract/incident.js';
import type { Role } from '../../../src/contract/roles.js';
import type { RefusalCode } from '../../../src/contract/refusals.js';
import type { ReceivingTier } from '../../../src/contract/routing.js';

/** Domain words: each language's catalogue file holds one of these next to its texts. */
export interface Words {
  kinds: Readonly<Record<EventKind, string>>;
  statuses: Readonly<Record<IncidentStatus, string>>;
  dispositions: Readonly<Record<Disposition, string>>;
  categories: Readonly<Record<Category, string>>;
  priorities: Readonly<Record<Priority, string>>;
  roles: Readonly<Record<Role, string>>;
  tiers: Readonly<Record<'city' | 'station' | 'community' | ReceivingTier, string>>;
  /** Why the hub refused a command (src/contract/refusals.ts), as the page says it; the hub's `error` is the fallback. */
  refusals: Readonly<Record<RefusalCode, string>>;
}

import type { MessageCode, MessageParams } from '../../../src/contract/messages.js';

/** What a message's wording may look up besides its parameters: names from the directory, the language's words. */
export interface SayContext {
  words: Words;
  text: Catalogue;
  /** A station's name from its id (the id when unknown); null → the catalogue's "none". */
  station(id: string | null | undefined): string;
  /** A 警情类别/性质 code in this language (hub.yaml `triage.natures`). */
  nature(code: string): string;
  /** Seconds as this language writes a duration (`1分36秒`, `1 min 36 s`). */
  duration(seconds: number): string;
}

/**
 * How one language words every message code (src/contract/messages.ts). A mapped type: a code
 * added to the vocabulary without its wording here fails to compile, and the unit test renders
 * every code in both languages.
 */
export type MessageCatalogue = { readonly [C in MessageCode]: (p: MessageParams[C], x: SayContext) => string };
