import type { zhCN } from './zh-CN.js';

/** The keys every catalogue has: zh-CN is the reference. */
export type Catalogue = { readonly [K in keyof typeof zhCN]: string };
export type TextKey = keyof Catalogue;

import type { Category, EventKind, Priority } from '../../../src/contract/alarm-event.js';
import type { Disposition, IncidentStatus } from '../../../src/contract/incident.js';
import type { Role } from '../../../src/contract/roles.js';
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
}
