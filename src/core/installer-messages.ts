/**
 * The one catalogue of what an installer reads outside the console: `safegrid --help`, the frame of
 * `safegrid check` (its count lines, YAML syntax errors, the title of every problem code), and the
 * hub's log lines meant for the person who set it up. Every code has an English and a zh-CN text
 * (test/unit/installer-messages.test.ts holds that); `{name}` marks a parameter.
 *
 * The language comes from hub.yaml `language:` when set, else from the environment (LC_ALL,
 * LC_MESSAGES, LANG starting with `zh`), else English. Console and guard page words live in
 * web/src/i18n/; this file is for the terminal and the log.
 */
import { ERROR_TITLES_ZH } from './installer-messages-codes.js';

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

type Entry = Readonly<Record<Language, string>>;

export const INSTALLER_MESSAGES = {
  // `safegrid start` / `demo` in the terminal
  HUB_RUNNING: {
    en: 'SafeGrid is running: console {scheme}://127.0.0.1:{http}/  MQTT {mqtt}  pid {pid}  (Ctrl-C stops)',
    'zh-CN': 'SafeGrid is running: console {scheme}://127.0.0.1:{http}/  MQTT {mqtt}  pid {pid}  （SafeGrid 已启动，接警台地址如上；按 Ctrl-C 停止）',
  },
  HUB_TLS_FINGERPRINT: {
    en: 'HTTPS certificate SHA-256 fingerprint: {fingerprint}',
    'zh-CN': 'HTTPS 证书 SHA-256 指纹：{fingerprint}（在手机上接受证书前请核对）',
  },
  HUB_STARTED: { en: 'SafeGrid hub started', 'zh-CN': 'SafeGrid 已启动' },
  HUB_STOPPED: { en: 'SafeGrid hub stopped', 'zh-CN': 'SafeGrid 已停止' },
  CONFIG_HAS_ERRORS: {
    en: 'configuration has errors:\n{problems}',
    'zh-CN': '配置有错误，系统不启动：\n{problems}',
  },
  CONFIG_FIX_FIRST: {
    en: 'the configuration has errors; fix them first:\n{problems}',
    'zh-CN': '配置有错误，请先改正：\n{problems}',
  },
  DEVICE_FILES_PROBLEMS: {
    en: 'device files have problems:\n{problems}',
    'zh-CN': '场所文件有问题：\n{problems}',
  },
  ACCOUNTS_FILE_PROBLEMS: {
    en: 'accounts file has problems; those accounts cannot log in:\n{problems}',
    'zh-CN': '账号文件有问题，这些账号无法登录：\n{problems}',
  },
  SITE_HELD_BACK: {
    en: 'site file held back:\n{problems}',
    'zh-CN': '场所文件有错，暂不生效：\n{problems}',
  },
  HUB_STOPPING: {
    en: 'stopping: no more PUBACKs, committing what is held',
    'zh-CN': '正在停止：不再确认新的设备消息（PUBACK），已收到的报警写入数据库',
  },
  HUB_STOP_FORCED: {
    en: 'exiting without finishing the stop ({why}); every acknowledged alarm is already in SQLite',
    'zh-CN': '未等停止流程结束即退出（{why}）；所有已确认的报警都已写入 SQLite',
  },
  FIRST_ADMIN: {
    en:
      '\n  SafeGrid: first start, no admin account.\n  Created "{username}" with the one-time password:  {password}\n' +
      '  Log in at /login and set a new password (or: node bin/safegrid.js user passwd {username}); it is not shown again.\n\n',
    'zh-CN':
      '\n  SafeGrid：首次启动，没有管理员账号。\n  已创建 "{username}"，一次性密码（one-time password）：  {password}\n' +
      '  请在 /login 登录并设置新密码（或运行 node bin/safegrid.js user passwd {username}）；此密码不会再次显示。\n\n',
  },
  SG_CAMERA_PENDING_INSTALL: {
    en: 'camera has never answered: pending install (待安装), not offline; said once. For the sample district, `npm run demo` plays its cameras',
    'zh-CN': '摄像机从未应答：按待安装处理，不算离线（只提示这一次）。示例辖区的摄像机可用 `npm run demo` 模拟',
  },
  // `safegrid check`. Counts are whole phrases ({n} 条警告, "1 warning" / "2 warnings"): see count().
  CHECK_OK: {
    en: 'OK: {sites}, {devices}, {cameras}, {cells}, {stations}, {profiles}{warnings}',
    'zh-CN': '检查通过：{sites}、{devices}、{cameras}、{cells}、{stations}、{profiles}{warnings}',
  },
  CHECK_OK_WARNINGS: { en: ' ({warnings})', 'zh-CN': '（{warnings}）' },
  CHECK_WARNING_TAG: { en: 'warning: ', 'zh-CN': '警告：' },
  CHECK_SUMMARY_ERRORS: {
    en: '{problems}{also}. Fix them, then run `safegrid check`.',
    'zh-CN': '共 {problems}{also}。改正后再运行 `safegrid check`。',
  },
  CHECK_SUMMARY_ONE_ERROR: {
    en: '1 problem{also}. Fix it, then run `safegrid check`.',
    'zh-CN': '共 1 个问题{also}。改正后再运行 `safegrid check`。',
  },
  CHECK_SUMMARY_ALSO_WARNINGS: { en: ' (and {warnings})', 'zh-CN': '（另有 {warnings}）' },
  CHECK_SUMMARY_WARNINGS_ONLY: {
    en: '{warnings}; nothing here stops the hub from starting.',
    'zh-CN': '{warnings}；这些都不妨碍启动。',
  },
  CHECK_NO_START: {
    en: 'The hub will not start until the problems in config/ are fixed.',
    'zh-CN': 'config/ 中的问题改正之前，系统不会启动。',
  },
  CHECK_HELD_BACK: {
    en: 'Held back until fixed (a running hub keeps the last good version; a hub starting now runs without {them}): {list}',
    'zh-CN': '以下文件在改正前暂不生效（运行中的系统保留上一个正确版本；现在启动则不含这些场所）：{list}',
  },
  CHECK_HELD_BACK_SITE: { en: '{file} (site {site})', 'zh-CN': '{file}（场所 {site}）' },
  COUNT_SITE: { en: '{n} site|{n} sites', 'zh-CN': '{n} 个场所' },
  COUNT_DEVICE: { en: '{n} device|{n} devices', 'zh-CN': '{n} 台设备' },
  COUNT_CAMERA: { en: '{n} camera|{n} cameras', 'zh-CN': '{n} 台摄像机' },
  COUNT_CELL: { en: '{n} cell|{n} cells', 'zh-CN': '{n} 个网格' },
  COUNT_STATION: { en: '{n} station|{n} stations', 'zh-CN': '{n} 个警务单位' },
  COUNT_PROFILE: { en: '{n} profile|{n} profiles', 'zh-CN': '{n} 个设备型号' },
  COUNT_WARNING: { en: '{n} warning|{n} warnings', 'zh-CN': '{n} 条警告' },
  COUNT_PROBLEM: { en: '{n} problem|{n} problems', 'zh-CN': '{n} 个问题' },
  // The frame of a schema problem; what is expected is the schema's own text (English for now).
  CFG_UNKNOWN_KEY: { en: 'unknown key "{key}"', 'zh-CN': '未知的键 "{key}"' },
  CFG_GOT_EXPECTED: { en: 'got {got}; expected {expected}', 'zh-CN': '实际为 {got}；应为 {expected}' },
  CFG_MISSING: { en: 'missing; expected {expected}', 'zh-CN': '缺少此项；应为 {expected}' },
  // `safegrid site new` (issue 15)
  SITE_NEW_WROTE: {
    en: 'wrote {file}. Put the MQTT password of login "{login}" in config/secrets.yaml as {key}, add the devices, then run `safegrid check`.',
    'zh-CN': '已写入 {file}。请把登录名 "{login}" 的 MQTT 密码写入 config/secrets.yaml 的 {key}，再添加设备，然后运行 `safegrid check`。',
  },
  SITE_NEW_EXISTS: {
    en: '{file} exists already; nothing written (site new never overwrites a file): choose another --id',
    'zh-CN': '{file} 已存在，未写入任何内容（site new 不会覆盖已有文件）：请换一个 --id',
  },
  SITE_NEW_PROBLEMS: {
    en: 'no site file written; fix these answers:\n{problems}',
    'zh-CN': '未写入场所文件；请改正以下回答：\n{problems}',
  },
  SITE_NEW_USAGE: {
    en:
      'usage: safegrid site new --id ID --name NAME --kind home|shop|unit --address TEXT --door-plate TEXT --location LAT,LNG --contact NAME:PHONE ' +
      '[--contact …] [--guard-group GROUP] [--pole NO] [--crs wgs84|gcj02]   (asks for what is missing when run in a terminal)',
    'zh-CN':
      '用法：safegrid site new --id 编号 --name 名称 --kind home|shop|unit --address 地址 --door-plate 门牌号 --location 纬度,经度 --contact 姓名:电话 ' +
      '[--contact …] [--guard-group 保安组] [--pole 电线杆编号] [--crs wgs84|gcj02]（在终端中运行时会询问缺少的项）',
  },
  SITE_NEW_Q_ID: { en: 'site id (letters, digits, -; e.g. shop-zs-0200)', 'zh-CN': '场所编号（字母、数字、-；如 shop-zs-0200）' },
  SITE_NEW_Q_NAME: { en: 'site name (e.g. 水西路8号商铺)', 'zh-CN': '场所名称（如 水西路8号商铺）' },
  SITE_NEW_Q_KIND: { en: 'kind: home, shop or unit', 'zh-CN': '类型：home（住宅）、shop（商铺）或 unit（单位）' },
  SITE_NEW_Q_ADDRESS: { en: 'street address', 'zh-CN': '地址' },
  SITE_NEW_Q_DOOR_PLATE: { en: 'door-plate number (门牌号)', 'zh-CN': '门牌号' },
  SITE_NEW_Q_LOCATION: { en: 'location as lat,lng in degrees (e.g. 26.5951,104.8302)', 'zh-CN': '位置：纬度,经度（如 26.5951,104.8302）' },
  SITE_NEW_Q_CONTACT: {
    en: 'contact the operator calls, name:phone (e.g. 王店主:13800000000)',
    'zh-CN': '接警员回拨的联系人，姓名:电话（如 王店主:13800000000）',
  },
  // A placeholder `safegrid discover --write` left for a person (issue 15): check refuses it.
  CFG_TODO_PLACEHOLDER: {
    en: 'got "{value}"; expected the real value: `safegrid discover` left this TODO for a person to fill in',
    'zh-CN': '实际为 "{value}"；应填入真实内容：这是 `safegrid discover` 留给人工填写的 TODO',
  },
  // YAML syntax (SG_CONFIG_PARSE): one problem, where it is and the character that caused it
  YAML_TAB: {
    en: 'not valid YAML: a tab character used for indentation at column {column}; YAML indents with spaces only',
    'zh-CN': 'YAML 格式错误：第 {column} 列用了制表符（Tab）缩进；YAML 只能用空格缩进',
  },
  YAML_UNCLOSED: {
    en: 'not valid YAML: "{char}" opened at column {column} is never closed; add the matching "{close}"',
    'zh-CN': 'YAML 格式错误：第 {column} 列的 "{char}" 没有闭合；请补上对应的 "{close}"',
  },
  YAML_OTHER: {
    en: 'not valid YAML: {detail} (column {column}, at "{char}")',
    'zh-CN': 'YAML 格式错误：{detail}（第 {column} 列，"{char}" 处）',
  },
  HELP_USAGE: {
    en: `SafeGrid — security video and alarm integration hub

Usage:
  safegrid start    [--root DIR] [--http-port N] [--mqtt-port N] [--db FILE]
  safegrid check    [--root DIR]           validate config/ and devices/ without starting
  safegrid discover [--interface IP] [--probe ADDRESS[:PORT]]... [--timeout S] [--no-multicast]
                    [--write devices/<site>.yaml]   find ONVIF cameras (WS-Discovery); --write adds them to a site file
  safegrid simulate [--root DIR] [--url mqtt://127.0.0.1:1883] [--alarm-every SECONDS]
  safegrid demo     [--root DIR] ...       start the hub and the simulator together
  safegrid audit verify [--root DIR] [--db FILE] [--anchor FILE]   check the audit trail's hash chain and its anchor
  safegrid report daily|monthly|response|devices|bulletin [--date YYYY-MM-DD] [--month YYYY-MM] [--station ID]
                    [--community NAME] [--period week|month] [--format json|csv|xlsx|html] [--out FILE]   reports for scripts and cron
  safegrid user add <name> --role admin|operator|guard|installer [--station ID] [--group GROUP]
                    [--display-name TEXT] [--password-stdin]    add a login (config/users.yaml)
  safegrid user passwd <name> [--password-stdin]   set a new password
  safegrid user disable <name>                     block a login; its sessions end
  safegrid broker-config mosquitto [--root DIR] [--out DIR]
                    Mosquitto password file and ACL (external broker) from the device logins and topic rights
  safegrid site new [--root DIR] --id ID --name NAME --kind home|shop|unit --address TEXT --door-plate TEXT
                    --location LAT,LNG --contact NAME:PHONE   write devices/<id>.yaml (asks for what is missing)
  safegrid walktest <site> start|stop|status [--minutes N] [--url URL] [--user NAME] [--password-stdin]
                    walk test a site on a running hub: its events go to a zone checklist, not the 110 queue

DIR holds config/ and devices/ (default: the current directory).`,
    'zh-CN': `SafeGrid —— 技防联网接处警系统：MQTT 报警、ONVIF 摄像机、社区网格、110 接处警队列

用法：
  safegrid start    [--root 目录] [--http-port 端口] [--mqtt-port 端口] [--db 文件]   启动系统（前台运行，Ctrl-C 停止）
  safegrid check    [--root 目录]           不启动，只检查 config/ 和 devices/
  safegrid discover [--interface IP] [--probe 地址[:端口]]... [--timeout 秒] [--no-multicast]
                    [--write devices/<场所>.yaml]   发现 ONVIF 摄像机（WS-Discovery）；--write 写入场所文件
  safegrid simulate [--root 目录] [--url mqtt://127.0.0.1:1883] [--alarm-every 秒]   模拟示例设备的报警
  safegrid demo     [--root 目录] ...       同时启动系统和模拟器（演示）
  safegrid audit verify [--root 目录] [--db 文件] [--anchor 文件]   校验审计记录的哈希链及其锚点
  safegrid report daily|monthly|response|devices|bulletin [--date 年-月-日] [--month 年-月] [--station 单位]
                    [--community 社区] [--period week|month] [--format json|csv|xlsx|html] [--out 文件]   报表（供脚本和定时任务）
  safegrid user add <用户名> --role admin|operator|guard|installer [--station 单位] [--group 保安组]
                    [--display-name 姓名] [--password-stdin]    添加账号（config/users.yaml）
  safegrid user passwd <用户名> [--password-stdin]   设置新密码
  safegrid user disable <用户名>                     停用账号，其会话立即结束
  safegrid broker-config mosquitto [--root 目录] [--out 目录]
                    根据设备登录和主题权限生成 Mosquitto 的密码文件和 ACL（外部 MQTT 服务器）
  safegrid site new [--root 目录] --id 编号 --name 名称 --kind home|shop|unit --address 地址 --door-plate 门牌号
                    --location 纬度,经度 --contact 姓名:电话   写出 devices/<编号>.yaml（缺少的项会询问）
  safegrid walktest <场所> start|stop|status [--minutes 分钟] [--url 地址] [--user 用户名] [--password-stdin]
                    在运行中的系统上对场所步测：其事件进入防区清单，不进入 110 接警队列

目录中含 config/ 和 devices/（默认：当前目录）。`,
  },
  HELP_LANGUAGE: {
    en: 'Messages are in English; LANG=zh_CN.UTF-8 (or language: zh-CN in config/hub.yaml) shows them in Chinese.',
    'zh-CN': '提示信息为中文（LANG=zh_CN.UTF-8 或 config/hub.yaml 中 language: zh-CN）；LANG=C 显示英文。',
  },
} as const satisfies Record<string, Entry>;

export type InstallerMessageCode = keyof typeof INSTALLER_MESSAGES;

export type Params = Readonly<Record<string, string | number>>;

/** The text of a code in a language, with `{name}` replaced by its parameter. */
export function message(code: InstallerMessageCode, params: Params = {}, language: Language = 'en'): string {
  return fill(INSTALLER_MESSAGES[code][language], params);
}

/**
 * A counted noun: "1 site" / "2 sites" in English (the text holds `one|many`), "2 个场所" in
 * Chinese (one form).
 */
export function count(code: InstallerMessageCode & `COUNT_${string}`, n: number, language: Language = 'en'): string {
  const forms = INSTALLER_MESSAGES[code][language].split('|');
  return fill((n === 1 ? forms[0] : forms[forms.length - 1])!, { n });
}

function fill(text: string, params: Params): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The zh-CN title of an SG_* problem code (shown before the English detail), or null in English. */
export function problemTitle(code: string, language: Language): string | null {
  if (language === 'en') return null;
  return ERROR_TITLES_ZH[code] ?? null;
}

/** zh-CN when the environment's locale is Chinese (LC_ALL, then LC_MESSAGES, then LANG), else null. */
export function languageFromEnv(env: NodeJS.ProcessEnv): Language | null {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  if (!locale) return null;
  return /^zh([_-]|$)/i.test(locale) ? 'zh-CN' : 'en';
}

/** hub.yaml's `language` wins; then the environment; then English. */
export function resolveLanguage(configured: Language | null | undefined, env: NodeJS.ProcessEnv): Language {
  return configured ?? languageFromEnv(env) ?? 'en';
}

/** A translator bound to one language, for a module that says several things. */
export interface Say {
  (code: InstallerMessageCode, params?: Params): string;
  readonly language: Language;
}

export function sayIn(language: Language): Say {
  return Object.assign((code: InstallerMessageCode, params: Params = {}) => message(code, params, language), { language });
}
