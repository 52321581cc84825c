/**
 * zh-CN for the English texts that `safegrid check` prints in a problem: the schema's "expected …"
 * texts, the messages and hints of the loaders (src/config, src/check.ts, src/auth/users.ts).
 * The English stays the source of truth (tests, docs/errors.md and logs quote it); the Chinese is
 * looked up from it when a problem is rendered, so a loader never has to know the language.
 *
 * Each entry is an English template where `{}` stands for a part filled in at run time, and its
 * Chinese with the parts numbered in English order:
 *   {1}   the part, itself translated when it matches an entry (a nested "expected" text)
 *   {1=}  the part as it is (an id, a file, a number)
 *   {1v}  a value as check shows it: translated when it is a description ("a mapping"), else
 *         kept, in backticks when it is a bare word (true, off)
 *   {1l}  a list "a, b, c": each item in backticks, joined with 、
 * test/unit/installer-texts.test.ts walks the source and fails on an English text with no entry here.
 */
const ZH: ReadonlyArray<readonly [string, string]> = [
  // ── the frame and the values check shows ──
  ['got {}; expected {}', '实际为 {1v}；应为 {2}'],
  ['missing; expected {}', '缺少此项；应为 {1}'],
  ['unknown key "{}"', '未知的键 "{1=}"'],
  ['key {} is not {}', '键 {1v} 不是{2}'],
  ['did you mean {}?', '是不是想写 {1=}？'],
  ['an empty value', '空值'],
  ['nothing', '（无）'],
  ['a list', '一个列表'],
  ['a mapping', '一个映射（键: 值）'],
  ['(hidden)', '（已隐藏）'],
  ['a mapping of keys', '一个映射（键: 值）'],
  ['a number', '数字'],
  ['text', '文本'],
  ['{} (not empty)', '{1}（不能为空）'],
  ['{} in quotes, e.g. "13800000000" (unquoted digits lose leading zeros)', '加引号的{1}，如 "13800000000"（不加引号的数字会丢掉开头的 0）'],
  ['write it in quotes: {}', '请加上引号：{1=}'],
  ['known keys here: {}', '此处可用的键：{1l}'],
  ['a list: {}', '一个列表，每项为{1}'],
  // ── common.ts ──
  ['a duration such as "120s", "2m" or "1h"', '带单位的时长，如 "120s"、"2m" 或 "1h"'],
  ['an id of letters, digits, "-", "_" or "." (no spaces or "/")', '由字母、数字、"-"、"_" 或 "." 组成的编号（不含空格和 "/"）'],
  ['a replica id of letters, digits, "-", "_" or "." (1–50), e.g. hub-1', '由字母、数字、"-"、"_" 或 "." 组成的副本编号（1–50 个字符），如 hub-1'],
  ['a share name of letters, digits, "-" or "_"', '由字母、数字、"-" 或 "_" 组成的共享组名'],
  [
    'a Redis URL such as redis://redis:6379/0 or rediss://redis.example.org:6380 (the password by reference, not in the URL)',
    'Redis 地址，如 redis://redis:6379/0 或 rediss://redis.example.org:6380（密码通过引用给出，不写在地址中）',
  ],
  ['a profile id such as "zigbee2mqtt" or "acme/pir-100"', '设备型号编号，如 "zigbee2mqtt" 或 "acme/pir-100"'],
  ['a whole number 1–65535', '1–65535 的整数'],
  ['an MQTT topic without wildcards (+ #), not starting with "$", at most {} levels', '不含通配符（+ #）、不以 "$" 开头、最多 {1=} 级的 MQTT 主题'],
  ['an MQTT topic filter such as "frigate/events"', 'MQTT 订阅主题，如 "frigate/events"'],
  ['an environment variable name such as CAM_SHOP12_PASS', '环境变量名，如 `CAM_SHOP12_PASS`'],
  ['a key of the secrets file, e.g. cam_shop12', '密钥文件中的键，如 `cam_shop12`'],
  ['the MQTT user name of {}', '{1}的 MQTT 用户名'],
  ['this device', '本设备'],
  ['this site', '本场所'],
  ['this bridge', '本桥接'],
  [
    'no password; expected password_env (an environment variable) or password_file_key (a key of the secrets file)',
    '没有密码；应为 `password_env`（环境变量）或 `password_file_key`（密钥文件中的键）',
  ],
  ['both {} and {} are given; expected one of them', '同时给出了 `{1=}` 和 `{2=}`；只能二选一'],
  ['[lat, lng] in degrees, e.g. [26.5951, 104.8302]', '以度为单位的 [纬度, 经度]，如 [26.5951, 104.8302]'],
  ['[lat, lng] in degrees, e.g. [26.594, 104.833]', '以度为单位的 [纬度, 经度]，如 [26.594, 104.833]'],
  ['[lat, lng]', '[纬度, 经度]'],
  ['got [{}, {}]; expected {} (lat −90…90, lng −180…180)', '实际为 [{1=}, {2=}]；应为{3}（纬度 −90…90，经度 −180…180）'],
  ['did you swap them? try [{}, {}]', '是否写反了？试试 [{1=}, {2=}]'],
  ['wgs84 or gcj02', '`wgs84` 或 `gcj02`'],
  // ── grids.ts ──
  ['[lng, lat] in degrees (GeoJSON order)', '以度为单位的 [经度, 纬度]（GeoJSON 顺序）'],
  ['a linear ring: a list of [lng, lat] positions', '线环：[经度, 纬度] 坐标的列表'],
  ['a list of linear rings', '线环的列表'],
  ['a polygon with no rings; expected at least the outer ring', '多边形没有任何环；至少要有外环'],
  ['a ring of {} positions; expected at least 4 (a triangle plus the closing point)', '环只有 {1=} 个坐标；至少要 4 个（三角形加闭合点）'],
  ['got [{}, {}]; expected {} with lng −180…180 and lat −90…90', '实际为 [{1=}, {2=}]；应为{3}，经度 −180…180，纬度 −90…90'],
  ['GeoJSON puts longitude first; did you write [lat, lng]?', 'GeoJSON 经度在前；是否写成了 [纬度, 经度]？'],
  ['ring is not closed: it starts at {} and ends at {}', '环没有闭合：起点 {1=}，终点 {2=}'],
  ['repeat the first position {} as the last one', '把第一个坐标 {1=} 再写一遍作为最后一个'],
  ['a list of polygons', '多边形的列表'],
  ['a geometry of type Polygon or MultiPolygon', '类型为 `Polygon` 或 `MultiPolygon` 的几何图形'],
  ['the grid leader (网格长) name', '网格长姓名'],
  ['a phone number in quotes, e.g. "13800000000" (unquoted digits lose leading zeros)', '加引号的电话号码，如 "13800000000"（不加引号的数字会丢掉开头的 0）'],
  ['a phone number in quotes', '加引号的电话号码'],
  ['"Feature"', '"Feature"'],
  ['"FeatureCollection"', '"FeatureCollection"'],
  ['a list of features', '要素（feature）的列表'],
  ['at least one grid cell', '至少一个网格'],
  ['the cell name', '网格名称'],
  ['the community (社区) name', '社区名称'],
  // ── hub.ts ──
  ['a host name or IP address, e.g. 0.0.0.0', '主机名或 IP 地址，如 0.0.0.0'],
  [
    'an IP address, a subnet such as 10.0.0.0/8, or loopback, linklocal, uniquelocal',
    'IP 地址、子网（如 10.0.0.0/8），或 `loopback`、`linklocal`、`uniquelocal`',
  ],
  ['a host name such as safegrid.example.org, or *.example.org for its subdomains', '主机名，如 `safegrid.example.org`；或 `*.example.org` 表示其所有子域名'],
  ['a file path ({})', '文件路径（{1}）'],
  ['PEM certificate', 'PEM 证书'],
  ['PEM private key', 'PEM 私钥'],
  ['PEM CA bundle', 'PEM 格式的 CA 证书'],
  ['SQLite database', 'SQLite 数据库'],
  ['directory for snapshots and clips', '存放抓图和录像片段的目录'],
  ['append-only file for the audit chain head', '记录审计链头的只追加文件'],
  ['accounts file', '账号文件'],
  ['secrets file', '密钥文件'],
  ['true or false', '`true` 或 `false`'],
  ['a list of host names or IP addresses', '主机名或 IP 地址的列表'],
  ['missing; expected cert and key (PEM files), or self_signed: true', '缺少此项；应为 `cert` 和 `key`（PEM 文件），或 `self_signed: true`'],
  ['a whole number of bytes 1024–268435455, e.g. 131072', '字节数，1024–268435455 的整数，如 131072'],
  ['a whole number 1–100000', '1–100000 的整数'],
  [
    'a broker URL such as mqtt://broker.local:1883 or mqtts://broker.local:8883',
    'MQTT 服务器地址，如 `mqtt://broker.local:1883` 或 `mqtts://broker.local:8883`',
  ],
  [
    'missing; require_client_cert is true, so the hub needs the CA that signs the device certificates (a PEM file)',
    '缺少此项；`require_client_cert` 为 `true`，系统需要签发设备证书的 CA（PEM 文件）',
  ],
  ['embedded or external', '`embedded` 或 `external`'],
  ['required or off', '`required` 或 `off`'],
  ['missing; mode is external, so the hub needs the broker URL ({})', '缺少此项；`mode` 为 `external`，系统需要 MQTT 服务器地址（{1}）'],
  ['missing; backend is postgres, so the hub needs the database URL ({})', '缺少此项；`backend` 为 `postgres`，系统需要数据库地址（{1}）'],
  [
    'a PostgreSQL URL such as postgres://safegrid@db.example:5432/safegrid',
    'PostgreSQL 地址，如 postgres://safegrid@db.example:5432/safegrid（密码通过引用给出，不写在地址中）',
  ],
  ['a whole number of connections, 1–100', '连接数，1–100 的整数'],
  ['sqlite or postgres', 'sqlite 或 postgres'],
  ['a user name', '用户名'],
  ['an MQTT client id', 'MQTT 客户端编号'],
  ['a map zoom level 1–20', '地图缩放级别，1–20'],
  ['a tile URL template with {z}, {x} and {y}', '含 {z}、{x} 和 {y} 的瓦片地址模板'],
  ['a list of natures, e.g. [{ code: criminal, zh: 刑事, en: criminal }]', '警情性质的列表，如 [{ code: criminal, zh: 刑事, en: criminal }]'],
  ['at least one nature', '至少一种警情性质'],
  ['the nature in Chinese, e.g. 刑事', '警情性质的中文名，如 刑事'],
  ['the nature in English', '警情性质的英文名'],
  ['a list of dispositions', '处置结果的列表'],
  ['a date YYYY-MM-DD', '日期，格式 YYYY-MM-DD'],
  ['a list of dates', '日期的列表'],
  ['an IANA time zone such as Asia/Shanghai', 'IANA 时区名，如 `Asia/Shanghai`'],
  ['a time of day HH:MM', '时刻，格式 HH:MM'],
  // reports (issue 14)
  ['a list of durations, e.g. [5m, 10m, 15m]', '时长的列表，如 [5m, 10m, 15m]'],
  ['bulletin advice file', '通报防范提示文件'],
  ['a list of notify channel ids', '通知通道 id 的列表'],
  ['a short title, e.g. 防盗提示', '简短标题，如 防盗提示'],
  ['a short title', '简短标题'],
  ['the advice as text', '提示内容（文字）'],
  ['a nature code such as criminal', '警情类别代码，如 criminal'],
  ['a whole number 1–20', '1–20 的整数'],
  ['a whole number', '整数'],
  ['at least 1', '至少为 1'],
  ['a number of MiB', '以 MiB 计的数字'],
  ['more than 0', '大于 0'],
  ['en or zh-CN', '`en` 或 `zh-CN`'],
  ['a list of bridges', '桥接的列表'],
  // ── notify.ts ──
  ['a priority 1–4', '优先级 1–4'],
  ['no {}; expected {} (an environment variable) or {} (a key of the secrets file)', '没有 `{1=}`；应为 `{2=}`（环境变量）或 `{3=}`（密钥文件中的键）'],
  ['text or markdown', '`text` 或 `markdown`'],
  ['wecom, dingtalk or http', '`wecom`、`dingtalk` 或 `http`'],
  ['POST or PUT', '`POST` 或 `PUT`'],
  ['a mapping of header name: value', '请求头名称到取值的映射'],
  ['a list of phone numbers', '电话号码的列表'],
  ['a list of priorities, e.g. [1, 2, 3]', '优先级的列表，如 [1, 2, 3]'],
  ['at least one priority', '至少一个优先级'],
  ['a list of channels', '通知渠道的列表'],
  ['at least one channel', '至少一个通知渠道'],
  ['a mapping of guard group: { channels: [...] }', '保安组到 { channels: [...] } 的映射'],
  // ── site.ts ──
  ['a zone number 1–999', '防区号 1–999'],
  ['a heartbeat interval of at least 20s, e.g. "60s"', '心跳间隔，至少 20s，如 "60s"'],
  ['a test interval of at least 20s, e.g. "24h"', '测试间隔，至少 20s，如 "24h"'],
  ['a mapping of zone number → { name, type }', '防区号 → { name, type } 的映射'],
  ['an RTSP URL such as rtsp://192.0.2.10:554/stream1', 'RTSP 地址，如 `rtsp://192.0.2.10:554/stream1`'],
  ['the ONVIF device service URL, e.g. http://192.0.2.10/onvif/device_service', 'ONVIF 设备服务地址，如 `http://192.0.2.10/onvif/device_service`'],
  ['the URL contains a password (not shown); secrets must be references, never inline', '地址中含有密码（不显示）；密码只能引用，不能直接写在文件里'],
  [
    'remove "user:password@" from the URL and give the credentials as rtsp_login: { username, password_env } (or onvif.username and onvif.password_env ' +
      'when the camera speaks ONVIF)',
    '从地址中去掉 "user:password@"，把账号写成 `rtsp_login: { username, password_env }`（摄像机支持 ONVIF 时用 `onvif.username` 和 `onvif.password_env`）',
  ],
  ['a list of zone numbers, e.g. [1, 2]', '防区号的列表，如 [1, 2]'],
  ['a camera needs a way to reach it; expected onvif, rtsp or frigate', '摄像机需要一种接入方式；应为 `onvif`、`rtsp` 或 `frigate`'],
  ['home, shop or unit', '`home`、`shop` 或 `unit`'],
  ['a list of contacts, e.g. [{ name: 王店主, phone: "13800000000" }]', '联系人的列表，如 [{ name: 王店主, phone: "13800000000" }]'],
  ['at least one contact the operator can call', '至少一个接警员能拨打的联系人'],
  ['a list of devices', '设备的列表'],
  ['a list of cameras', '摄像机的列表'],
  ['the zone name, e.g. 前门', '防区名称，如 前门'],
  ['the contact name', '联系人姓名'],
  ['a phone number', '电话号码'],
  ['a Contact ID account number', 'Contact ID 用户号'],
  ['the camera user name', '摄像机用户名'],
  ['the camera name', '摄像机名称'],
  ['the user name for the camera stream', '摄像机视频流的用户名'],
  ['the camera name in Frigate', 'Frigate 中的摄像机名称'],
  // cameras[].allowed_hosts (issue 16): the other hosts a camera may name in its addresses.
  [
    'a host name or IP address without scheme or port, e.g. 192.0.2.11 or nvr.shop-12.lan',
    '主机名或 IP 地址，不带协议和端口，如 `192.0.2.11` 或 `nvr.shop-12.lan`',
  ],
  ['a list of host names or IP addresses, e.g. [192.0.2.11]', '主机名或 IP 地址的列表，如 [192.0.2.11]'],
  ['at most 16 hosts', '最多 16 个主机'],
  ['the site name', '场所名称'],
  ['the street address', '街道地址'],
  ['the door-plate number (门牌号)', '门牌号'],
  ['the utility-pole number (电线杆编号)', '电线杆编号'],
  // ── stations.ts ──
  ['patrol_car (巡逻车), officer (民警) or security_team (保安队)', '`patrol_car`（巡逻车）、`officer`（民警）或 `security_team`（保安队）'],
  ['a list of officers, e.g. [{ name: 李警官 }]', '民警的列表，如 [{ name: 李警官 }]'],
  [
    'city, station, community, or a receiving point: fire (119), medical (120), traffic (122)',
    '`city`、`station`、`community`，或接警点：`fire`（119）、`medical`（120）、`traffic`（122）',
  ],
  ['a short code of letters and digits, e.g. ZS', '由字母和数字组成的简码，如 `ZS`'],
  ['a short code of capital letters and digits (at most 8), e.g. ZS', '由大写字母和数字组成的简码（最多 8 位），如 `ZS`'],
  ['a list of units, e.g. [{ id: hc-car-1, name: 巡逻车1组, kind: patrol_car }]', '出警力量的列表，如 [{ id: hc-car-1, name: 巡逻车1组, kind: patrol_car }]'],
  ['the unit name, e.g. 巡逻车1组', '出警力量名称，如 巡逻车1组'],
  ['the officer name', '民警姓名'],
  ['the station name', '单位名称'],
  ['a list of stations', '警务单位的列表'],
  ['a list of at least one station', '至少含一个警务单位的列表'],
  // ── issues.ts, secrets.ts, source.ts ──
  ['a password written inline (value not shown); secrets must be references', '密码直接写在了文件里（不显示）；密码只能引用'],
  [
    'use password_env: NAME (an environment variable) or password_file_key: KEY (config/secrets.yaml)',
    '改用 `password_env: 变量名`（环境变量）或 `password_file_key: 键`（config/secrets.yaml）',
  ],
  ['use password_env: NAME (an environment variable)', '改用 `password_env: 变量名`（环境变量）'],
  ['expected a mapping of key: secret, e.g. cam_shop12: "..."', '应为 键: 密码 的映射，如 `cam_shop12: "..."`'],
  ['got a value that is not text (not shown); expected the secret as text in quotes', '取值不是文本（不显示）；密码应写成带引号的文本'],
  ['environment variable {} is not set', '环境变量 `{1=}` 没有设置'],
  ["set {} in the hub's environment", '在系统的运行环境中设置 `{1=}`'],
  ['secrets file {} does not exist, so key "{}" is unset', '密钥文件 {1=} 不存在，键 "{2=}" 没有值'],
  ['create {} with a line {}: "..." (readable only by the hub\'s user)', '创建 {1=}，写一行 `{2=}: "..."`（只允许系统运行账号读取）'],
  ['key "{}" is not in {}', '键 "{1=}" 不在 {2=} 中'],
  ['add a line {}: "..." to {}', '在 {2=} 中加一行 `{1=}: "..."`'],
  ['not valid {}: {}', '{1=} 格式错误：{2}'],
  ['not valid JSON: {}', 'JSON 格式错误：{1=}'],
  ['not valid YAML: {}', 'YAML 格式错误：{1=}'],
  ['{} (column {})', '{1}（第 {2=} 列）'],
  ['indent with spaces, not tabs', '请用空格缩进，不要用制表符（Tab）'],
  ['cannot read the file: {}', '无法读取文件：{1=}'],
  // ── load-global.ts ──
  ['file not found; expected {}', '文件不存在；应为{1}'],
  ['check --root: it must point at the directory that holds config/ and devices/', '请检查 `--root`：它必须指向含有 config/ 和 devices/ 的目录'],
  [
    'got "{}"; expected a path outside devices/ (files there are shared with installers and copied around)',
    '实际为 "{1=}"；应为 devices/ 之外的路径（devices/ 中的文件会交给安装人员、到处复制）',
  ],
  ['keep it at {}', '请放在 {1=}'],
  ['{}; /metrics answers admins only until it is set', '{1}；设置之前 /metrics 只对管理员开放'],
  ['{}; audit anchor lines are written unsigned until it is set', '{1}；设置之前审计锚点行不带签名'],
  ['channel id "{}" is used by another channel; expected ids unique in the hub', '通知渠道编号 "{1=}" 已被另一个渠道使用；编号在整个系统中必须唯一'],
  ['{}, so channel {} cannot send (its deliveries wait in the outbox)', '{1}，所以通知渠道 `{2=}` 无法发送（待发消息留在发件箱中）'],
  ['{}, so this bridge cannot connect to the embedded broker', '{1}，所以本桥接无法连接内置 MQTT 服务器'],
  ['bridge id "{}" is already used by bridges[{}] (line {})', '桥接编号 "{1=}" 已被 `bridges[{2=}]` 使用（第 {3=} 行）'],
  ['file not found: {}; expected a PEM file (relative paths start at the config root)', '文件不存在：{1=}；应为 PEM 文件（相对路径从配置根目录算起）'],
  ['station id "{}" is already used by stations[{}] (line {})', '单位编号 "{1=}" 已被 `stations[{2=}]` 使用（第 {3=} 行）'],
  ['no station "{}"', '没有单位 "{1=}"'],
  ['stations are: {}', '现有单位：{1l}'],
  [
    'got "{}"; the parent chain of "{}" loops back to "{}"; expected it to end at the city centre',
    '实际为 "{1=}"；"{2=}" 的上级链绕回到了 "{3=}"；上级链应终止于市局指挥中心',
  ],
  ['cell id "{}" is already used by features[{}] (line {})', '网格编号 "{1=}" 已被 `features[{2=}]` 使用（第 {3=} 行）'],
  ['no station "{}" in {}', '{2=} 中没有单位 "{1=}"'],
  ['no community post "{}" in {}', '{2=} 中没有社区警务室 "{1=}"'],
  // ── load-site.ts ──
  ['no profile "{}"', '没有设备型号 "{1=}"'],
  ['{} has {}', '厂家 `{1=}` 有：{2l}'],
  ['no vendor "{}" in devices/profiles/; add devices/profiles/{}.yaml', 'devices/profiles/ 中没有厂家 "{1=}"；请添加 devices/profiles/{2=}.yaml'],
  ['{} loaded no model; fix the problems reported there', '{1=} 没有加载任何型号；请先改正其中报告的问题'],
  ['{} is in {} but was skipped; fix the problems reported there', '{1=} 写在 {2=} 中，但因有问题被跳过；请先改正其中报告的问题'],
  ['known profiles: {}', '已有设备型号：{1l}'],
  ['device id "{}" is already used by {} (line {})', '设备编号 "{1=}" 已被 `{2=}` 使用（第 {3=} 行）'],
  ['camera id "{}" is already used by {} (line {})', '摄像机编号 "{1=}" 已被 `{2=}` 使用（第 {3=} 行）'],
  ['missing; expected the MQTT topic this device publishes on', '缺少此项；应为本设备发布消息的 MQTT 主题'],
  ['only native devices get a default topic ({})', '只有 native 设备有默认主题（{1=}）'],
  ['zone {} is not declared by any device of this site', '本场所没有任何设备声明防区 {1=}'],
  ['declared zones: {}', '已声明的防区：{1=}'],
  ['no device of this site declares zones (a panel lists them under zones:)', '本场所没有设备声明防区（报警主机在 `zones:` 下列出防区）'],
  ['{}, so this camera stays unused', '{1}，所以这台摄像机暂不使用'],
  ['location [{}, {}]{} is outside every grid cell', '位置 [{1=}, {2=}]{3} 不在任何网格内'],
  [' (GCJ-02 [{}, {}] → WGS-84 [{}, {}])', '（GCJ-02 [{1=}, {2=}] → WGS-84 [{3=}, {4=}]）'],
  ['the grid covers lat {}…{}, lng {}…{}; check the order [lat, lng] and crs', '网格范围为纬度 {1=}…{2=}、经度 {3=}…{4=}；请检查 [纬度, 经度] 的顺序和 `crs`'],
  ['check the order [lat, lng] and crs', '请检查 [纬度, 经度] 的顺序和 `crs`'],
  // ── load.ts ──
  ['device profiles could not be loaded: {}', '设备型号无法加载：{1}'],
  ['no site in devices/ has guard_group "{}", so these channels send nothing', 'devices/ 中没有场所的 `guard_group` 为 "{1=}"，这些通知渠道不会发送任何消息'],
  ['guard groups: {}', '现有保安组：{1l}'],
  ['no site names a guard group yet', '还没有场所指定保安组'],
  ['directory not found; expected one <site>.yaml per site (it may be empty)', '目录不存在；应为每个场所一个 <场所>.yaml（目录可以为空）'],
  // ── cross.ts ──
  ['site id "{}" is already used by {}', '场所编号 "{1=}" 已被 {2} 使用'],
  ['{} (line {})', '{1}（第 {2=} 行）'],
  ['every site file needs its own site id; this file is held back', '每个场所文件需要自己的场所编号；此文件暂不生效'],
  ['device "{}": topic "{}"{} is already used by {}', '设备 "{1=}"：主题 "{2=}"{3} 已被 {4} 使用'],
  [' (derived by profile "{}" from "{}")', '（由设备型号 "{1=}" 从 "{2=}" 推出）'],
  ['{} in {}', '{2=} 中的{1}'],
  ['device "{}"', '设备 "{1=}"'],
  ['bridge "{}"', '桥接 "{1=}"'],
  ['site "{}"', '场所 "{1=}"'],
  ['site', '场所'],
  ['each device needs its own topic, or the hub cannot tell whose alarm it is', '每台设备需要自己的主题，否则系统分不清是谁的报警'],
  [
    'device "{}": zigbee2mqtt base topic "{}" {} the base of site "{}" ({}); one site\'s zigbee2mqtt could then pair, remove or silence the other\'s devices',
    '设备 "{1=}"：zigbee2mqtt 基础主题 "{2=}" {3}场所 "{4=}" 的基础主题（{5}）；这样一个场所的 zigbee2mqtt 就能配对、删除或屏蔽另一个场所的设备',
  ],
  ['is already', '已经是'],
  ['overlaps "{}", which is', '与 "{1=}" 重叠，后者是'],
  [
    "give this site's zigbee2mqtt its own base_topic (configuration.yaml mqtt.base_topic), e.g. zigbee2mqtt-{}, and write its devices' topics under it: " +
      'zigbee2mqtt-{}/<friendly name>',
    '给本场所的 zigbee2mqtt 单独设置 `base_topic`（configuration.yaml 中的 `mqtt.base_topic`），如 `zigbee2mqtt-{1=}`，并把其设备的主题写在它下面：' +
      '`zigbee2mqtt-{2=}/<设备名>`',
  ],
  ['MQTT user name "{}" of {} is already used by {}', '{2}的 MQTT 用户名 "{1=}" 已被 {3} 使用'],
  ['every device, site and bridge that logs in to the broker needs its own user name', '每个登录 MQTT 服务器的设备、场所和桥接都需要自己的用户名'],
  // ── check.ts ──
  ['running the profile examples failed: {}', '运行设备型号示例失败：{1=}'],
  [
    'cells "{}" and "{}" overlap (for example at [{}, {}]); alarms in the overlap go to "{}" only',
    '网格 "{1=}" 与 "{2=}" 重叠（例如在 [{3=}, {4=}]）；重叠区域内的报警只会派给 "{5=}"',
  ],
  [
    'redraw the shared border so that the cells meet edge to edge (snap the vertices in the GIS tool)',
    '重画共同边界，让两个网格边对边相接（在 GIS 工具中捕捉顶点）',
  ],
  [
    'device "{}" has no mqtt credentials and its site has no site.mqtt; this device cannot connect until it has mqtt credentials',
    '设备 "{1=}" 没有 MQTT 账号，所在场所也没有 `site.mqtt`；在配好 MQTT 账号之前，这台设备无法连接',
  ],
  [
    'add mqtt: { username, password_file_key } to the device, or one site.mqtt for all devices of the site',
    '给设备加上 `mqtt: { username, password_file_key }`，或为整个场所的设备配一个 `site.mqtt`',
  ],
  // ── auth/users.ts ──
  [
    'a user name: letters, digits, "-", "_" or ".", 1–64 characters, starting with a letter or digit',
    '用户名：字母、数字、"-"、"_" 或 "."，1–64 个字符，以字母或数字开头',
  ],
  ['an id: letters, digits, "-", "_" or "."', '编号：字母、数字、"-"、"_" 或 "."'],
  ['a display name', '显示名称'],
  ['at most 100 characters', '最多 100 个字符'],
  ['a password hash made by `safegrid user add`', '由 `safegrid user add` 生成的密码哈希'],
  ['missing; a {} works for one {}', '缺少此项；`{1=}` 角色只负责一个{2}'],
  ['{} is for {}; a {} has none', '`{1=}` 只用于{2}；`{3=}` 角色没有此项'],
  ['operators', '接警员'],
  ['guards', '保安'],
  ['station', '单位'],
  ['guard group', '保安组'],
  ['remove {}, or change the role', '删除 `{1=}`，或修改角色'],
  ['a list of accounts', '账号的列表'],
  ['got "{}"; expected a station id from config/stations.yaml', '实际为 "{1=}"；应为 config/stations.yaml 中的单位编号'],
  ['stations: {}', '现有单位：{1l}'],
  ['got "{}"; expected a guard_group that a site in devices/ names', '实际为 "{1=}"；应为 devices/ 中某个场所指定的 `guard_group`'],
  ['user name "{}" is used twice (user names are compared without case)', '用户名 "{1=}" 出现了两次（用户名不区分大小写）'],
  // ── profiles (devices/profiles/*.yaml and their examples, run by check) ──
  ['unknown key; expected one of {}', '未知的键；应为 {1l} 之一'],
  ['unknown block; expected one of {}', '未知的功能块；应为 {1l} 之一'],
  ['{}; expected one of {}', '{1v}；应为 {2l} 之一'],
  ['{}; expected {}', '{1v}；应为 {2}'],
  ['missing', '缺少此项'],
  ['got {}', '实际为 {1v}'],
  ['one of {}', '{1l} 之一'],
  ['an object', '一个映射（键: 值）'],
  ['a mapping (key: value)', '映射（键: 值）'],
  ['null', '`null`'],
  ['a valid value', '有效的值'],
  ['{} {} item(s)', '{1}{2=} 项'],
  ['text of {} {} character(s)', '{1}{2=} 个字符的文本'],
  ['at least', '至少'],
  ['at most', '最多'],
  ['at least {}', '至少 {1=}'],
  ['at most {}', '最多 {1=}'],
  ['this model is skipped; rename it or remove one of the two', '此型号被跳过；请改名或删除其中一个'],
  ['"{}" is already defined in {}; expected a unique model id', '"{1=}" 已在 {2=} 中定义；型号编号必须唯一'],
  ['got "{}"; expected "{}/<model>" (ids start with the file\'s vendor)', '实际为 "{1=}"；应为 "{2=}/<型号>"（编号以文件所属厂家开头）'],
  ['got "{}"; expected a block, one of {}', '实际为 "{1=}"；应为功能块，{2l} 之一'],
  ['got {}; expected a block name or a mapping { <block>: { options } }', '实际为 {1v}；应为功能块名，或映射 { <功能块>: { 选项 } }'],
  ['a mapping with {} keys', '含 {1=} 个键的映射'],
  ['channel "{}" is not among this model\'s topics ({}); expected one of them', '通道 "{1=}" 不在本型号的主题中（{2l}）；应为其中之一'],
  ['add it under topics, e.g. {}: "{topic}/{}"', '把它加到 `topics` 下，如 `{1=}: "{topic}/{2=}"`'],
  ['got "{}"; expected one of {}', '实际为 "{1=}"；应为 {2l} 之一'],
  ['missing; expected a list of blocks (or a decoder)', '缺少此项；应为功能块的列表（或一个解码器）'],
  [
    'no block decodes channel "{}"; expected a block with channel: {}, or remove the topic',
    '没有功能块解码通道 "{1=}"；应有一个 `channel: {2=}` 的功能块，或删除这个主题',
  ],
  ['{} example{}: {}', '{1=} 的示例{2=}：{3}'],
  ['expected {}; got {}', '应为 `{1=}`；实际为 `{2=}`'],
  ['expected availability {}; got {}', '应为在线状态 `{1=}`；实际为 `{2=}`'],
  ['a value or a list of values', '一个值或值的列表'],
  ['a single value (text, number, true/false)', '单个值（文本、数字、true/false）'],
  ['{} or {"{}":"{}"}', '{1=} 或 {"{2=}":"{3=}"}'],
  ['a property path like "contact" or "status.door"', '属性路径，如 "contact" 或 "status.door"'],
  ['a property path like "contact", "status.door" or params["smoke:0"].alarm', '属性路径，如 "contact"、"status.door" 或 params["smoke:0"].alarm'],
  ['a zone number', '防区号'],
  ['a topic template containing {topic}, e.g. "{topic}/availability"', '含 {topic} 的主题模板，如 "{topic}/availability"'],
  ['a topic template without MQTT wildcards (+ #); capture a level with {zone} instead', '不含 MQTT 通配符（+ #）的主题模板；要取某一级主题，请写 {zone}'],
  ['a topic template that captures each name once', '每个名称只取一次的主题模板'],
  ['at most one {name} per topic level, e.g. "{topic}/Get/Zone{zone}"', '每级主题最多一个 {name}，如 "{topic}/Get/Zone{zone}"'],
  ['placeholders written as {topic} or {name} (lower-case letters, digits, _)', '占位符写成 {topic} 或 {name}（小写字母、数字、_）'],
  ['a level with either a {name} capture or a wildcard, not both', '一级主题中只能有 {name} 或通配符之一'],
  ['{topic} or {zone} as the only placeholders', '只用 {topic} 或 {zone} 作占位符'],
  ["a topic of this model ({}), {topic} standing for the device's", '本型号的某个主题（{1=}），其中 {topic} 代表设备的主题'],
  ['a property path without __proto__, constructor or prototype', '不含 `__proto__`、`constructor` 或 `prototype` 的属性路径'],
  ['a channel name like "state" or "availability"', '通道名，如 "state" 或 "availability"'],
  ['a value (text, number, true/false) or a non-empty list of values', '一个值（文本、数字、true/false）或非空的值列表'],
  ['text, a number, true/false or null', '文本、数字、true/false 或 `null`'],
  ['the payload as text, or a mapping that is sent as JSON', '文本形式的消息内容，或以 JSON 发送的映射'],
  [
    'a topic template containing {topic} and no MQTT wildcards, e.g. "{topic}/availability"',
    '含 {topic}、不含 MQTT 通配符的主题模板，如 "{topic}/availability"',
  ],
  ['a lower-case model id like "acme/pir-100"', '小写的型号编号，如 "acme/pir-100"'],
  ['at least one example (payload and what it must produce)', '至少一个示例（消息内容及其应产生的结果）'],
  ['a lower-case vendor name like "acme"', '小写的厂家名，如 "acme"'],
  ['at least one model', '至少一个型号'],
  // ── YAML syntax: the hint, and the parser's (the yaml package's) commonest messages ──
  [
    'look at the named line and the one before it: an unclosed [ or {, a duplicate key, or a value with ": " that needs quotes',
    '请检查这一行和上一行：没有闭合的 [ 或 {、重复的键，或含有 ": " 而需要加引号的值',
  ],
  ['Map keys must be unique', '同一层的键重复了'],
  ['Implicit keys need to be on a single line', '键必须写在同一行'],
  ['Implicit map keys need to be followed by map values', '键后面缺少值'],
  ['Nested mappings are not allowed in compact mappings', '紧凑写法的映射中不能嵌套映射'],
  ['All mapping items must start at the same column', '同一映射的各项必须从同一列开始'],
  ['All collection items must start at the same column', '同一列表的各项必须从同一列开始'],
  ['A block sequence may not be used as an implicit map key', '列表不能用作键'],
  ['Unexpected scalar at node end', '此处多出了一个值'],
  ['Missing closing "quote', '引号 " 没有闭合'],
  ["Missing closing 'quote", "引号 ' 没有闭合"],
  ['Unexpected flow-seq-end', '多余的 "]"'],
  ['Unexpected flow-map-end', '多余的 "}"'],
  ['Tabs are not allowed as indentation', '不能用制表符（Tab）缩进'],
];

interface Compiled {
  re: RegExp;
  zh: string;
}

/** Most literal text first, so "missing; expected {}" wins over "{} (line {})"-like fragments. */
const COMPILED: Compiled[] = ZH.map(([en, zh]) => ({
  re: new RegExp(`^${en.split('{}').map(escapeRegExp).join('(.*?)')}$`, 's'),
  zh,
  weight: en.replaceAll('{}', '').length,
}))
  .sort((a, b) => b.weight - a.weight)
  .map(({ re, zh }) => ({ re, zh }));

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The entries, for the test that each Chinese text uses exactly the parts its English has. */
export const TEXT_TRANSLATIONS: ReadonlyArray<readonly [string, string]> = ZH;

/** zh-CN for an English text, or null when the catalogue has no entry for it. */
export function translateText(en: string, depth = 0): string | null {
  if (depth > 4) return null;
  for (const { re, zh } of COMPILED) {
    const m = re.exec(en);
    if (!m) continue;
    const parts = m.slice(1);
    return zh.replace(/\{(\d+)([=vl]?)\}/g, (_, n: string, mode: string) => part(parts[Number(n) - 1] ?? '', mode, depth));
  }
  return null;
}

/** One filled-in part in Chinese: '' translates it, 'v' treats it as a value check shows, '=' keeps it. */
export function translatePart(text: string, mode: '' | 'v' | '=' | 'l'): string {
  return part(text, mode, 0);
}

function part(text: string, mode: string, depth: number): string {
  if (mode === '=') return text;
  if (mode === 'l') return codeList(text);
  const zh = text === '' ? '' : translateText(text, depth + 1);
  if (zh !== null) return zh;
  if (mode === 'v') return asCode(text);
  // An enumeration the schema built from its allowed values (`intrusion, fire, …`).
  if (/^[\w.-]+(, [\w.-]+)+$/.test(text)) return codeList(text);
  return text;
}

/** A bare word in backticks (true, off); quoted text, numbers and lists stay as they are. */
function asCode(text: string): string {
  return /^[A-Za-z][\w.-]*$/.test(text) ? `\`${text}\`` : text;
}

function codeList(text: string): string {
  return text
    .split(', ')
    .map((item) => (/^["`[]/.test(item) ? item : `\`${item}\``))
    .join('、');
}

/** A text in the installer's language: Chinese when there is an entry, else the English as written. */
export function textIn(en: string, language: 'en' | 'zh-CN'): string {
  return language === 'en' ? en : (translateText(en) ?? en);
}
