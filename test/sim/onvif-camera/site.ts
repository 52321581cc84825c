/** Site files for tests that link simulated cameras to zones (tree.ts `makeTree({ ... })`). */
export interface SimLink {
  id: string;
  xaddr?: string;
  rtsp?: string;
  zones: number[];
  name?: string;
  clip?: boolean;
  passwordEnv?: string;
  /** An RTSP-only camera's own login: `rtsp_login: { username: admin, password_env: <this> }`. */
  rtspLoginEnv?: string;
  /** `allowed_hosts: [...]`: other hosts the camera may name in its addresses. */
  allowedHosts?: string[];
}

/** A shop in cell-sw (荷城, guard group hecheng-team) with a native panel (zones 1–3) and cameras. */
export function cameraSiteYaml(siteId: string, cams: readonly SimLink[]): string {
  const cameras = cams
    .map((c) => {
      const lines = [`  - id: ${c.id}`, `    name: ${c.name ?? c.id}`];
      if (c.xaddr) lines.push(`    onvif: { xaddr: "${c.xaddr}", username: admin, password_env: ${c.passwordEnv ?? 'SIM_CAM_PASS'} }`);
      if (c.rtsp) lines.push(`    rtsp: "${c.rtsp}"`);
      if (c.rtspLoginEnv) lines.push(`    rtsp_login: { username: admin, password_env: ${c.rtspLoginEnv} }`);
      lines.push(`    zones: [${c.zones.join(', ')}]`);
      if (c.allowedHosts) lines.push(`    allowed_hosts: [${c.allowedHosts.map((h) => `"${h}"`).join(', ')}]`);
      if (c.clip !== undefined) lines.push(`    clip: ${c.clip}`);
      return lines.join('\n');
    })
    .join('\n');
  return `site:
  id: ${siteId}
  name: 荷城街道视频验证测试店
  kind: shop
  address: 钟山区荷城街道人民路1号
  door_plate: 人民路1号
  location: [26.596, 104.836]
  contacts: [{ name: 测试店主, phone: "13800000009" }]
  guard_group: hecheng-team
devices:
  - id: ${siteId}-panel
    profile: native
    topic: safegrid/${siteId}/${siteId}-panel
    zones:
      1: { name: 前门, type: entry }
      2: { name: 仓库红外, type: interior }
      3: { name: 后窗, type: perimeter }
cameras:
${cameras}
`;
}

/** A native alarm as ingest receives it from the broker. */
export function nativeAlarm(siteId: string, kind: string, zone: number | null, msgId: string) {
  const body: Record<string, unknown> = { kind, at: new Date().toISOString(), msgId };
  if (zone !== null) body.zone = zone;
  return { topic: `safegrid/${siteId}/${siteId}-panel/event`, payload: Buffer.from(JSON.stringify(body)), retained: false };
}
