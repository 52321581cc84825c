/**
 * The roles and their names, as the hub and the pages word them. What each role may do is the
 * hub's (src/auth/roles.ts); the pages only show the name and choose their layout by role.
 */
export const ROLES = ['admin', 'operator', 'guard', 'installer'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Readonly<Record<Role, { zh: string; en: string }>> = {
  admin: { zh: '管理员', en: 'admin' },
  operator: { zh: '接警员', en: 'operator' },
  guard: { zh: '物业保安', en: 'guard' },
  installer: { zh: '安装调试员', en: 'installer' },
};
