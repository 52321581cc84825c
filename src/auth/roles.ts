/**
 * Roles and what each may do (DESIGN.md "Security"). One table, read by the HTTP routes, the
 * command table (src/api/commands/table.ts names the capability of each command) and the
 * access-matrix test; scoping (which sites) is separate, in scope.ts.
 */
import type { Role } from '../contract/roles.js';

export { ROLE_NAMES, ROLES, type Role } from '../contract/roles.js';

/**
 * Capabilities. The 110 workflow (签收, 派警, 到场, 反馈, 结警, 转警, 联系人回拨) is the operators'; guards
 * work the property-response track (物业响应: 签收, 到场, 核实结果) of their sites' incidents beside it,
 * never instead of it (issue 12), and do not see the device list; installers see the installation
 * (sites, devices, cameras, grids, config problems) and never an incident or an alarm event.
 */
export const CAPABILITIES = {
  'incidents:read': ['admin', 'operator', 'guard'],
  'incidents:ack': ['admin', 'operator'],
  'incidents:onscene': ['admin', 'operator'],
  'incidents:feedback': ['admin', 'operator'],
  /** 结警: a guard's 误报 is a finding (incidents:guard) the operator confirms by closing. */
  'incidents:close': ['admin', 'operator'],
  'incidents:dispatch': ['admin', 'operator'],
  /** 转警 to another receiving point. */
  'incidents:transfer': ['admin', 'operator'],
  /** 联系人回拨: calls to the site's contacts, with the owner's verbal password for 业主撤警. */
  'incidents:call': ['admin', 'operator'],
  /** The guard's property-response track (物业响应); operators cannot act on it for the guard. */
  'incidents:guard': ['admin', 'guard'],
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
  /** Reports (issue 14): a station's operators see their cells' figures, the city centre all; guards and installers none. */
  'reports:read': ['admin', 'operator'],
  /** The live queue: /console for dispatch, /guard for guards. */
  'console:connect': ['admin', 'operator'],
  'guard:connect': ['admin', 'guard'],
} as const satisfies Record<string, readonly Role[]>;

export type Capability = keyof typeof CAPABILITIES;

export function can(role: Role, capability: Capability): boolean {
  return (CAPABILITIES[capability] as readonly Role[]).includes(role);
}
