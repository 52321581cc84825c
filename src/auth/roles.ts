/**
 * Roles and what each may do (DESIGN.md "Security"). One table, read by the HTTP routes, the
 * command table (src/api/commands/table.ts names the capability of each command) and the
 * access-matrix test; scoping (which sites) is separate, in scope.ts.
 */
import type { Role } from '../contract/roles.js';

export { ROLE_NAMES, ROLES, type Role } from '../contract/roles.js';

/**
 * Capabilities. Guards act on their sites' incidents (ack, on scene, close as false) but do not
 * dispatch units or see the device list; installers see the installation (sites, devices, cameras,
 * grids, config problems) and never an incident or an alarm event.
 */
export const CAPABILITIES = {
  'incidents:read': ['admin', 'operator', 'guard'],
  'incidents:ack': ['admin', 'operator', 'guard'],
  'incidents:onscene': ['admin', 'operator', 'guard'],
  /** Guards may close only as a false alarm (误报): the command table's close handler (src/api/commands/table.ts). */
  'incidents:close': ['admin', 'operator', 'guard'],
  'incidents:dispatch': ['admin', 'operator'],
  'incidents:note': ['admin', 'operator'],
  /** The owner gives an incident to another operator. */
  'incidents:handover': ['admin', 'operator'],
  /** Take an incident from its owner (the owner is away): admins only. */
  'incidents:takeover': ['admin'],
  'events:read': ['admin', 'operator', 'guard'],
  'sites:read': ['admin', 'operator', 'guard', 'installer'],
  'devices:read': ['admin', 'operator', 'installer'],
  'cameras:read': ['admin', 'operator', 'installer'],
  /** Stored snapshots and clips of incidents (video verification; a guard checks theirs on the phone). */
  'media:read': ['admin', 'operator', 'guard'],
  /** Live MJPEG view of a camera. */
  'cameras:live': ['admin', 'operator'],
  'grids:read': ['admin', 'operator', 'installer'],
  'stations:read': ['admin', 'operator', 'installer'],
  /** Config problems and broker figures in /api/health (the anonymous answer is status only). */
  'health:detail': ['admin', 'operator', 'installer'],
  'metrics:read': ['admin'],
  /** The live queue: /console for dispatch, /guard for guards. */
  'console:connect': ['admin', 'operator'],
  'guard:connect': ['admin', 'guard'],
} as const satisfies Record<string, readonly Role[]>;

export type Capability = keyof typeof CAPABILITIES;

export function can(role: Role, capability: Capability): boolean {
  return (CAPABILITIES[capability] as readonly Role[]).includes(role);
}
