/**
 * Writes the sample district: Zhongshan district (钟山区), Liupanshui.
 *
 *   config/grids.geojson    49 grid cells (网格) tiling ~6 km × 5 km around 26.594 N, 104.833 E
 *   config/stations.yaml    the 110 command centre, 3 police stations, 2 community posts
 *   devices/<site>.yaml     24 sites (homes, shops, units) with their alarm devices and cameras
 *   config/secrets.yaml     DEMO MQTT passwords of those sites (and of the Frigate bridge)
 *
 * Deterministic (seeded PRNG): running it again gives byte-identical files, so the data in git is
 * reproducible and reviewable. It checks its own output with the real GridIndex before writing:
 * no gaps, no overlaps, every site inside the cell it was meant for, every topic unique.
 *
 *   npx tsx scripts/gen-district.ts [rootDir]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Document, type Pair, type YAMLMap, isMap, isSeq } from 'yaml';
import type { GridCell } from '../src/config/model.js';
import { GridIndex, gcj02ToWgs84, jitteredTiling, regularRing, seededRandom, wgs84ToGcj02 } from '../src/geo/index.js';

const ROOT = resolve(process.argv[2] ?? '.');
const SEED = 26_594_104;
const DEC = 6;
const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
const rand = seededRandom(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

// ---------------------------------------------------------------- area
const CENTER = { lat: 26.594, lng: 104.833 };
// 6 km east–west, 5 km north–south: 1° of latitude ≈ 110.9 km, 1° of longitude here ≈ 99.6 km.
const HALF_LNG = 3 / 99.55;
const HALF_LAT = 2.5 / 110.9;
const BOUNDS = {
  west: round6(CENTER.lng - HALF_LNG),
  east: round6(CENTER.lng + HALF_LNG),
  south: round6(CENTER.lat - HALF_LAT),
  north: round6(CENTER.lat + HALF_LAT),
};
const COLS = 8;
const ROWS = 6;

// ---------------------------------------------------------------- stations
const CITY = 'lps-110';
interface StationSpec {
  id: string;
  name: string;
  tier: 'city' | 'station' | 'community' | 'fire' | 'medical';
  /** 警情编号 prefix (ZS-20261202-0042). */
  code: string;
  parent: string | null;
  location: [number, number] | null;
  units?: UnitSpec[];
}
/** 出警单位 of a station (issue 12): what 派警 chooses from. */
interface UnitSpec {
  id: string;
  name: string;
  kind: 'patrol_car' | 'officer' | 'security_team';
  officers: Array<{ name: string; phone: string }>;
}
/** The sample stations' units, kept apart from the station list so that each reads on its own. */
const UNITS: Record<string, UnitSpec[]> = {
  'ps-hecheng': [
    {
      id: 'hc-car-1',
      name: '荷城巡逻车1组',
      kind: 'patrol_car',
      officers: [
        { name: '李明', phone: '13908580101' },
        { name: '王强', phone: '13908580102' },
      ],
    },
    { id: 'hc-officer-1', name: '荷城值班民警', kind: 'officer', officers: [{ name: '张伟', phone: '13908580103' }] },
    { id: 'hc-team-1', name: '荷城保安队', kind: 'security_team', officers: [{ name: '陈刚', phone: '13908580104' }] },
  ],
  'ps-huangtupo': [
    { id: 'htp-car-1', name: '黄土坡巡逻车1组', kind: 'patrol_car', officers: [{ name: '刘洋', phone: '13908580201' }] },
    { id: 'htp-officer-1', name: '黄土坡值班民警', kind: 'officer', officers: [{ name: '赵磊', phone: '13908580202' }] },
  ],
  'ps-fenghuang': [
    { id: 'fh-car-1', name: '凤凰巡逻车1组', kind: 'patrol_car', officers: [{ name: '周杰', phone: '13908580301' }] },
    { id: 'fh-team-1', name: '凤凰保安队', kind: 'security_team', officers: [{ name: '吴军', phone: '13908580302' }] },
  ],
};
// West band: 黄土坡; centre band: 荷城; east band: 凤凰. Each station's cells form one contiguous block.
const STATION_OF_COL = ['ps-huangtupo', 'ps-huangtupo', 'ps-huangtupo', 'ps-hecheng', 'ps-hecheng', 'ps-fenghuang', 'ps-fenghuang', 'ps-fenghuang'];
/** [community prefix, name] for the south half (rows 0–2) and north half (rows 3–5) of each band. */
const COMMUNITY: Record<string, { south: [string, string]; north: [string, string] }> = {
  'ps-huangtupo': { south: ['htp', '黄土坡街道'], north: ['dw', '德坞街道'] },
  'ps-hecheng': { south: ['hc', '荷城街道'], north: ['mh', '明湖社区'] },
  'ps-fenghuang': { south: ['fh', '凤凰街道'], north: ['yl', '杨柳街道'] },
};

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '赵',
  '黄',
  '周',
  '吴',
  '徐',
  '孙',
  '胡',
  '朱',
  '高',
  '林',
  '何',
  '郭',
  '罗',
  '龙',
  '吴',
  '田',
  '安',
  '禄',
];
const GIVEN = [
  '建国',
  '志强',
  '秀英',
  '丽华',
  '海燕',
  '明',
  '伟',
  '芳',
  '军',
  '红梅',
  '德文',
  '春兰',
  '永富',
  '小平',
  '玉珍',
  '国华',
  '家兴',
  '晓东',
  '梅',
  '兴贵',
  '正林',
  '婷',
  '光荣',
  '天才',
];
const MOBILE_PREFIX = [
  '130',
  '131',
  '132',
  '133',
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '155',
  '157',
  '158',
  '159',
  '180',
  '182',
  '183',
  '185',
  '187',
  '188',
  '189',
];
const personName = (): string => pick(SURNAMES) + pick(GIVEN);
const mobile = (): string => pick(MOBILE_PREFIX) + String(Math.floor(rand() * 1e8)).padStart(8, '0');

// ---------------------------------------------------------------- cells
interface CellOut extends GridCell {
  rings: number[][][];
}

function buildCells(): CellOut[] {
  const tiles = jitteredTiling({ ...BOUNDS, cols: COLS, rows: ROWS, seed: SEED, bends: 2, jitter: 0.22, bendJitter: 0.1, decimals: DEC });
  // Number the cells of each community from the north-west, row by row, as a street map is read.
  const ordered = [...tiles].sort((a, b) => b.row - a.row || a.col - b.col);
  const counter = new Map<string, number>();
  const cells: CellOut[] = ordered.map((t) => {
    const station = STATION_OF_COL[t.col]!;
    const [prefix, community] = t.row >= ROWS / 2 ? COMMUNITY[station]!.north : COMMUNITY[station]!.south;
    const n = (counter.get(prefix) ?? 0) + 1;
    counter.set(prefix, n);
    return {
      id: `zs-${prefix}-${String(n).padStart(2, '0')}`,
      name: `${community}第${n}网格`,
      community,
      station,
      leader: personName(),
      phone: mobile(),
      polygons: [[t.ring]],
      rings: [t.ring],
    };
  });

  // 明湖湿地公园: the lake is cut out of a 明湖社区 cell as a hole, and the park around the lake is its
  // own cell, an island inside that hole — the case where a point in a polygon's bbox, and even
  // inside its outer ring, still belongs to another cell.
  const host = cells.find((c) => c.id === 'zs-mh-05')!;
  const outer = host.rings[0]!;
  const cx = outer.slice(0, -1).reduce((s, p) => s + p[0]!, 0) / (outer.length - 1);
  const cy = outer.slice(0, -1).reduce((s, p) => s + p[1]!, 0) / (outer.length - 1);
  const lake = regularRing({ centre: [cx, cy], radius: [0.0019, 0.0016], n: 8, decimals: DEC }); // ≈ 190 m × 180 m
  const hostIndex = new GridIndex([host]);
  for (const p of lake) if (hostIndex.locate(p[1]!, p[0]!) === null) throw new Error('the lake does not fit inside its host cell');
  host.rings.push([...lake].reverse()); // holes run clockwise (RFC 7946)
  host.polygons = [host.rings];
  const n = (counter.get('mh') ?? 0) + 1;
  cells.push({
    id: `zs-mh-${String(n).padStart(2, '0')}`,
    name: '明湖湿地公园网格',
    community: '明湖社区',
    station: 'ps-hecheng',
    leader: personName(),
    phone: mobile(),
    polygons: [[lake]],
    rings: [lake],
  });
  return cells;
}

/** Refuses to write a district with a gap or an overlap: each sample point must be claimed by exactly one cell. */
function verifyTiling(cells: readonly GridCell[]): void {
  const singles = cells.map((c) => new GridIndex([c]));
  const check = seededRandom(1);
  for (let k = 0; k < 20_000; k++) {
    const lat = BOUNDS.south + check() * (BOUNDS.north - BOUNDS.south);
    const lng = BOUNDS.west + check() * (BOUNDS.east - BOUNDS.west);
    const hits = singles.filter((g) => g.locate(lat, lng) !== null).length;
    if (hits !== 1) throw new Error(`point ${lat},${lng} is in ${hits} cells`);
  }
}

// ---------------------------------------------------------------- sites
type ZoneType = 'entry' | 'interior' | 'perimeter' | 'panic' | 'fire' | 'medical' | '24h' | 'tamper' | 'gas' | 'water';
type Zones = Array<[number, string, ZoneType]>;
interface DeviceOut {
  id: string;
  profile: string;
  topic: string;
  account?: string;
  heartbeat?: string;
  zone?: number;
  zones?: Zones;
}
interface CameraOut {
  id: string;
  name: string;
  frigate?: string;
  zones: number[];
}
interface SiteSpec {
  id: string;
  kind: 'home' | 'shop' | 'unit';
  name: string;
  /** Door plate, e.g. 明湖路12号; the address adds the district and any flat number. */
  plate: string;
  flat?: string;
  cell: string;
  crs?: 'gcj02';
  pole?: false;
  guard: string;
  /** The operator waits for the guard's verification before 派警 (issue 12). */
  guardFirst?: true;
  /** The owner's verbal password (口令) for 业主撤警, as a key of config/secrets.yaml. */
  verbalPassword?: true;
  contacts: number;
  devices: (site: string) => DeviceOut[];
  cameras?: CameraOut[];
}

// Device builders: the topic conventions of each built-in profile.
const cid = (site: string, account: string, zones: Zones): DeviceOut => ({
  id: 'panel-1',
  profile: 'contact-id',
  topic: `alarms/${site}/cid`,
  account,
  heartbeat: '60s',
  zones,
});
const native = (site: string, id: string, zones: Zones): DeviceOut => ({ id, profile: 'native', topic: `safegrid/${site}/${id}`, heartbeat: '60s', zones });
const ha = (name: string, zones: Zones): DeviceOut => ({
  id: 'ha-alarm',
  profile: 'homeassistant',
  topic: `homeassistant/alarm_control_panel/${name}/state`,
  zones,
});
const z2m = (id: string, friendly: string, zone: number): DeviceOut => ({ id, profile: 'zigbee2mqtt', topic: `zigbee2mqtt/${friendly}`, zone });

const SITES: SiteSpec[] = [
  // ---- 荷城派出所: 明湖社区, 荷城街道
  {
    id: 'shop-zs-0012',
    kind: 'shop',
    name: '明湖路12号便利店',
    plate: '明湖路12号',
    cell: 'zs-mh-02',
    guard: 'minghu-team',
    contacts: 1,
    devices: (s) => [
      cid(s, '1012', [
        [1, '前门', 'entry'],
        [2, '仓库红外', 'interior'],
        [3, '收银台紧急按钮', 'panic'],
      ]),
      z2m('front-door', 'zs0012_front_door', 1),
    ],
    cameras: [{ id: 'cam-1', name: '收银台', zones: [1, 3], frigate: 'zs0012_counter' }],
  },
  {
    id: 'home-zs-0101',
    kind: 'home',
    name: '明湖路58号王宅',
    plate: '明湖路58号',
    flat: '3单元502室',
    cell: 'zs-mh-03',
    guard: 'minghu-team',
    guardFirst: true,
    verbalPassword: true,
    contacts: 2,
    devices: (s) => [
      native(s, 'hub', [
        [1, '入户门', 'entry'],
        [2, '客厅红外', 'interior'],
        [3, '厨房烟感', 'fire'],
        [4, '老人紧急按钮', 'medical'],
      ]),
      z2m('entry-door', 'zs0101_entry_door', 1),
      z2m('living-pir', 'zs0101_living_pir', 2),
      z2m('kitchen-smoke', 'zs0101_kitchen_smoke', 3),
      z2m('sos', 'zs0101_sos_button', 4),
    ],
  },
  {
    id: 'home-zs-0103',
    kind: 'home',
    name: '明湖路明湖花园陈宅',
    plate: '明湖路96号',
    flat: '2栋1单元301室',
    cell: 'zs-mh-05',
    crs: 'gcj02',
    guard: 'minghu-team',
    contacts: 1,
    devices: (_s) => [
      ha('zs0103_home', [
        [1, '入户门', 'entry'],
        [2, '阳台', 'perimeter'],
        [3, '卫生间水浸', 'water'],
      ]),
      z2m('entry-door', 'zs0103_entry_door', 1),
      z2m('balcony-door', 'zs0103_balcony_door', 2),
      z2m('bath-leak', 'zs0103_bath_leak', 3),
    ],
  },
  {
    // Inside the lake's island cell: routed by the island, not by the cell whose hole surrounds it.
    id: 'unit-zs-0003',
    kind: 'unit',
    name: '明湖国家湿地公园管理处',
    plate: '明湖路1号',
    cell: 'zs-mh-07',
    pole: false,
    guard: 'minghu-team',
    contacts: 1,
    devices: (s) => [
      native(s, 'panel', [
        [1, '管理处大门', 'entry'],
        [2, '游船码头', 'perimeter'],
        [3, '值班室一键报警', 'panic'],
      ]),
    ],
    cameras: [{ id: 'cam-1', name: '游船码头', zones: [2], frigate: 'zs3003_pier' }],
  },
  {
    id: 'shop-zs-0021',
    kind: 'shop',
    name: '人民路金六福珠宝店',
    plate: '人民路88号',
    cell: 'zs-hc-02',
    guard: 'hecheng-team',
    contacts: 2,
    devices: (s) => [
      cid(s, '2021', [
        [1, '卷帘门', 'entry'],
        [2, '柜台红外', 'interior'],
        [3, '柜台脚踢报警', 'panic'],
        [4, '保险柜震动', '24h'],
        [5, '主机防拆', 'tamper'],
      ]),
      z2m('safe-door', 'zs0021_safe_door', 4),
    ],
    cameras: [
      { id: 'cam-1', name: '店门', zones: [1, 2], frigate: 'zs0021_door' },
      { id: 'cam-2', name: '柜台', zones: [2, 3], frigate: 'zs0021_counter' },
    ],
  },
  {
    id: 'unit-zs-0001',
    kind: 'unit',
    name: '六盘水农商银行荷城支行',
    plate: '钟山大道126号',
    cell: 'zs-hc-04',
    pole: false,
    guard: 'hecheng-team',
    contacts: 2,
    devices: (s) => [
      cid(s, '3001', [
        [1, '营业厅大门', 'entry'],
        [2, '营业厅红外', 'interior'],
        [3, '柜员紧急按钮', 'panic'],
        [4, '金库门', '24h'],
        [5, '机房烟感', 'fire'],
        [6, '后院围墙', 'perimeter'],
      ]),
      native(s, 'atm-guard', [[7, 'ATM 防护舱', 'tamper']]),
    ],
    cameras: [
      { id: 'cam-1', name: '营业厅', zones: [1, 2, 3] },
      { id: 'cam-2', name: '金库通道', zones: [4] },
      { id: 'cam-3', name: '后院', zones: [6], frigate: 'zs3001_yard' },
    ],
  },
  {
    id: 'home-zs-0102',
    kind: 'home',
    name: '水西路刘宅',
    plate: '水西路23号',
    flat: '1单元202室',
    cell: 'zs-hc-05',
    guard: 'hecheng-team',
    contacts: 1,
    devices: (s) => [
      native(s, 'hub', [
        [1, '入户门', 'entry'],
        [2, '卧室红外', 'interior'],
        [3, '燃气报警', 'gas'],
      ]),
      z2m('entry-door', 'zs0102_entry_door', 1),
      z2m('gas', 'zs0102_gas', 3),
    ],
  },
  {
    id: 'shop-zs-0033',
    kind: 'shop',
    name: '水西路同济堂大药房',
    plate: '水西路41号',
    cell: 'zs-hc-06',
    guard: 'hecheng-team',
    contacts: 1,
    devices: (s) => [
      cid(s, '1033', [
        [1, '店门', 'entry'],
        [2, '药柜红外', 'interior'],
        [3, '收银紧急按钮', 'panic'],
      ]),
    ],
    cameras: [{ id: 'cam-1', name: '店内', zones: [1, 2] }],
  },
  // ---- 黄土坡派出所: 黄土坡街道, 德坞街道
  {
    id: 'shop-zs-0045',
    kind: 'shop',
    name: '钟山大道兴旺五金店',
    plate: '钟山大道312号',
    cell: 'zs-htp-02',
    guard: 'huangtupo-team',
    contacts: 1,
    devices: (s) => [
      native(s, 'panel', [
        [1, '卷帘门', 'entry'],
        [2, '店内红外', 'interior'],
        [3, '后窗', 'perimeter'],
      ]),
      z2m('back-window', 'zs0045_back_window', 3),
    ],
    cameras: [{ id: 'cam-1', name: '门口', zones: [1, 2] }],
  },
  {
    id: 'home-zs-0201',
    kind: 'home',
    name: '黄土坡张宅',
    plate: '钟山大道277号',
    flat: '5栋2单元601室',
    cell: 'zs-htp-04',
    guard: 'huangtupo-team',
    contacts: 2,
    devices: (_s) => [
      ha('zs0201_home', [
        [1, '入户门', 'entry'],
        [2, '客厅红外', 'interior'],
      ]),
      z2m('entry-door', 'zs0201_entry_door', 1),
      z2m('living-pir', 'zs0201_living_pir', 2),
    ],
  },
  {
    id: 'shop-zs-0058',
    kind: 'shop',
    name: '黄土坡老杨家羊肉粉馆',
    plate: '凉都大道205号',
    cell: 'zs-htp-05',
    guard: 'huangtupo-team',
    contacts: 1,
    devices: (s) => [
      cid(s, '1058', [
        [1, '前门', 'entry'],
        [2, '后厨门', 'entry'],
        [3, '后厨燃气', 'gas'],
        [4, '大堂烟感', 'fire'],
      ]),
      z2m('kitchen-gas', 'zs0058_kitchen_gas', 3),
      z2m('hall-smoke', 'zs0058_hall_smoke', 4),
    ],
    cameras: [{ id: 'cam-1', name: '大堂', zones: [1, 4], frigate: 'zs0058_hall' }],
  },
  {
    id: 'home-zs-0204',
    kind: 'home',
    name: '黄土坡罗宅',
    plate: '钟山大道301号',
    flat: '1单元101室',
    cell: 'zs-htp-08',
    guard: 'huangtupo-team',
    contacts: 1,
    devices: (s) => [
      native(s, 'hub', [
        [1, '入户门', 'entry'],
        [2, '紧急按钮', 'panic'],
      ]),
      z2m('entry-door', 'zs0204_entry_door', 1),
      z2m('sos', 'zs0204_sos_button', 2),
    ],
  },
  {
    id: 'home-zs-0202',
    kind: 'home',
    name: '德坞周宅',
    plate: '人民西路17号',
    flat: '2单元402室',
    cell: 'zs-dw-02',
    guard: 'huangtupo-team',
    contacts: 1,
    devices: (s) => [
      native(s, 'hub', [
        [1, '入户门', 'entry'],
        [2, '走廊红外', 'interior'],
        [3, '厨房烟感', 'fire'],
      ]),
      z2m('entry-door', 'zs0202_entry_door', 1),
      z2m('smoke', 'zs0202_kitchen_smoke', 3),
    ],
  },
  {
    id: 'shop-zs-0052',
    kind: 'shop',
    name: '德坞恒通手机店',
    plate: '人民西路52号',
    cell: 'zs-dw-05',
    guard: 'huangtupo-team',
    contacts: 1,
    devices: (s) => [
      cid(s, '1052', [
        [1, '玻璃门', 'entry'],
        [2, '柜台红外', 'interior'],
        [3, '展柜', '24h'],
      ]),
    ],
    cameras: [{ id: 'cam-1', name: '柜台', zones: [1, 2, 3] }],
  },
  {
    id: 'shop-zs-0061',
    kind: 'shop',
    name: '德坞惠民超市',
    plate: '人民西路88号',
    cell: 'zs-dw-08',
    guard: 'huangtupo-team',
    contacts: 2,
    devices: (s) => [
      cid(s, '1061', [
        [1, '正门', 'entry'],
        [2, '仓库门', 'entry'],
        [3, '卖场红外', 'interior'],
        [4, '收银紧急按钮', 'panic'],
      ]),
      z2m('store-door', 'zs0061_store_door', 2),
    ],
    cameras: [
      { id: 'cam-1', name: '收银区', zones: [1, 4] },
      { id: 'cam-2', name: '仓库', zones: [2, 3] },
    ],
  },
  {
    id: 'home-zs-0203',
    kind: 'home',
    name: '德坞吴宅',
    plate: '人民西路120号',
    flat: '3栋1单元503室',
    cell: 'zs-dw-06',
    crs: 'gcj02',
    guard: 'huangtupo-team',
    contacts: 1,
    devices: (s) => [
      native(s, 'hub', [
        [1, '入户门', 'entry'],
        [2, '卫生间水浸', 'water'],
      ]),
      z2m('entry-door', 'zs0203_entry_door', 1),
      z2m('leak', 'zs0203_bath_leak', 2),
    ],
  },
  // ---- 凤凰派出所: 凤凰街道, 杨柳街道
  {
    id: 'unit-zs-0002',
    kind: 'unit',
    name: '钟山区凤凰街道中心幼儿园',
    plate: '凉都大道66号',
    cell: 'zs-fh-02',
    pole: false,
    guard: 'fenghuang-team',
    contacts: 2,
    devices: (s) => [
      cid(s, '3002', [
        [1, '校门', 'entry'],
        [2, '围墙', 'perimeter'],
        [3, '门卫室一键报警', 'panic'],
        [4, '厨房烟感', 'fire'],
      ]),
    ],
    cameras: [
      { id: 'cam-1', name: '校门', zones: [1, 3], frigate: 'zs3002_gate' },
      { id: 'cam-2', name: '操场围墙', zones: [2] },
    ],
  },
  {
    id: 'shop-zs-0070',
    kind: 'shop',
    name: '凉都大道名烟名酒店',
    plate: '凉都大道138号',
    cell: 'zs-fh-04',
    guard: 'fenghuang-team',
    contacts: 1,
    devices: (s) => [
      native(s, 'panel', [
        [1, '卷帘门', 'entry'],
        [2, '店内红外', 'interior'],
        [3, '紧急按钮', 'panic'],
      ]),
      z2m('shutter', 'zs0070_shutter', 1),
    ],
    cameras: [{ id: 'cam-1', name: '店内', zones: [1, 2] }],
  },
  {
    id: 'shop-zs-0083',
    kind: 'shop',
    name: '凤凰电动车行',
    plate: '凉都大道211号',
    cell: 'zs-fh-07',
    guard: 'fenghuang-team',
    contacts: 1,
    devices: (s) => [
      cid(s, '1083', [
        [1, '卷帘门', 'entry'],
        [2, '充电区烟感', 'fire'],
        [3, '展厅红外', 'interior'],
      ]),
      z2m('charge-smoke', 'zs0083_charge_smoke', 2),
    ],
    cameras: [{ id: 'cam-1', name: '充电区', zones: [2, 3] }],
  },
  {
    id: 'home-zs-0301',
    kind: 'home',
    name: '凤凰赵宅',
    plate: '凉都大道158号',
    flat: '2单元701室',
    cell: 'zs-fh-05',
    guard: 'fenghuang-team',
    contacts: 2,
    devices: (_s) => [
      ha('zs0301_home', [
        [1, '入户门', 'entry'],
        [2, '客厅红外', 'interior'],
        [3, '燃气报警', 'gas'],
      ]),
      z2m('entry-door', 'zs0301_entry_door', 1),
      z2m('gas', 'zs0301_kitchen_gas', 3),
    ],
  },
  {
    id: 'home-zs-0302',
    kind: 'home',
    name: '杨柳黄宅',
    plate: '中山东路45号',
    flat: '1单元302室',
    cell: 'zs-yl-03',
    guard: 'fenghuang-team',
    contacts: 1,
    devices: (s) => [
      native(s, 'hub', [
        [1, '入户门', 'entry'],
        [2, '老人紧急按钮', 'medical'],
      ]),
      z2m('entry-door', 'zs0302_entry_door', 1),
      z2m('sos', 'zs0302_sos_button', 2),
    ],
  },
  {
    id: 'shop-zs-0077',
    kind: 'shop',
    name: '杨柳都匀毛尖茶庄',
    plate: '中山东路78号',
    cell: 'zs-yl-05',
    guard: 'fenghuang-team',
    contacts: 1,
    devices: (s) => [
      native(s, 'panel', [
        [1, '店门', 'entry'],
        [2, '店内红外', 'interior'],
      ]),
      z2m('door', 'zs0077_door', 1),
      z2m('pir', 'zs0077_pir', 2),
    ],
    cameras: [{ id: 'cam-1', name: '店内', zones: [1, 2] }],
  },
  {
    id: 'shop-zs-0090',
    kind: 'shop',
    name: '杨柳快递驿站',
    plate: '中山东路131号',
    cell: 'zs-yl-08',
    guard: 'fenghuang-team',
    contacts: 1,
    devices: (s) => [
      cid(s, '1090', [
        [1, '卷帘门', 'entry'],
        [2, '货架区红外', 'interior'],
        [3, '主机防拆', 'tamper'],
      ]),
    ],
    cameras: [{ id: 'cam-1', name: '货架区', zones: [1, 2], frigate: 'zs0090_shelves' }],
  },
  {
    id: 'home-zs-0303',
    kind: 'home',
    name: '杨柳安宅',
    plate: '中山东路160号',
    flat: '4栋1单元1102室',
    cell: 'zs-yl-07',
    guard: 'fenghuang-team',
    contacts: 1,
    devices: (_s) => [
      ha('zs0303_home', [
        [1, '入户门', 'entry'],
        [2, '厨房烟感', 'fire'],
      ]),
      z2m('entry-door', 'zs0303_entry_door', 1),
      z2m('smoke', 'zs0303_kitchen_smoke', 2),
    ],
  },
];

/** A random point well inside the cell: 50 m (≈ 0.00045°) from its edges, so rounding and the GCJ round trip cannot move it out. */
function pointIn(index: GridIndex, cell: GridCell): [number, number] {
  const xs = cell.polygons.flat(2).map((p) => p[0]!);
  const ys = cell.polygons.flat(2).map((p) => p[1]!);
  const [w, e, s, n] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const m = 0.00045;
  for (let tries = 0; tries < 10_000; tries++) {
    const lat = round6(s + rand() * (n - s));
    const lng = round6(w + rand() * (e - w));
    const ok = [
      [0, 0],
      [m, 0],
      [-m, 0],
      [0, m],
      [0, -m],
      [m, m],
      [-m, -m],
      [m, -m],
      [-m, m],
    ].every(([a, b]) => index.locate(lat + a!, lng + b!)?.id === cell.id);
    if (ok) return [lat, lng];
  }
  throw new Error(`no room for a site in ${cell.id}`);
}

// ---------------------------------------------------------------- YAML helpers

/** Short collections in flow style ({ name: 前门, type: entry }, [26.59, 104.83]) keep site files scannable. */
function flow(node: unknown): void {
  if (isMap(node) || isSeq(node)) node.flow = true;
}
function items(node: unknown): unknown[] {
  return isMap(node) || isSeq(node) ? node.items : [];
}

/** `[26.59, 104.83]` rather than `[ 26.59, 104.83 ]`, as DESIGN.md writes them; maps keep `{ name: … }`. */
function tightSeqs(text: string): string {
  return text.replace(/\[ /g, '[').replace(/ \]/g, ']');
}

function toZonesMap(zones: Zones): Map<number, { name: string; type: ZoneType }> {
  return new Map(zones.map(([n, name, type]) => [n, { name, type }]));
}

// ---------------------------------------------------------------- demo MQTT logins
/**
 * One broker login per sample site (`site.mqtt`), its password in config/secrets.yaml so that
 * `npm run demo` works with device auth on and no manual step. Derived by hashing, not from the
 * seeded PRNG: drawing from `rand` here would change every site generated after it.
 */
const demoPassword = (name: string): string => `demo-${createHash('sha256').update(`safegrid-demo:${name}`).digest('hex').slice(0, 16)}`;
const mqttKey = (siteId: string): string => `mqtt_${siteId}`;
const verbalKey = (siteId: string): string => `verbal_${siteId}`;
const cameraKey = (siteId: string): string => `cam_${siteId}`;
/** The Frigate bridge in config/hub.yaml refers to this key (hub.yaml is written by hand). */
const FRIGATE_KEY = 'mqtt_frigate';

// ---------------------------------------------------------------- main
function main(): void {
  const cells = buildCells();
  verifyTiling(cells);
  const index = new GridIndex(cells);
  const cellById = new Map(cells.map((c) => [c.id, c]));

  // Stations sit at the middle of one of their own cells.
  const centreOf = (id: string): [number, number] => pointIn(index, cellById.get(id)!);
  const stations: StationSpec[] = [
    { id: CITY, name: '六盘水市公安局110指挥中心', tier: 'city', code: 'LPS', parent: null, location: centreOf('zs-hc-01') },
    { id: 'ps-hecheng', name: '钟山分局荷城派出所', tier: 'station', code: 'HC', parent: CITY, location: centreOf('zs-hc-03') },
    { id: 'ps-huangtupo', name: '钟山分局黄土坡派出所', tier: 'station', code: 'HTP', parent: CITY, location: centreOf('zs-htp-05') },
    { id: 'ps-fenghuang', name: '钟山分局凤凰派出所', tier: 'station', code: 'FH', parent: CITY, location: centreOf('zs-fh-05') },
    { id: 'cp-minghu', name: '荷城派出所明湖社区警务室', tier: 'community', code: 'MH', parent: 'ps-hecheng', location: centreOf('zs-mh-04') },
    { id: 'cp-yangliu', name: '凤凰派出所杨柳社区警务室', tier: 'community', code: 'YL', parent: 'ps-fenghuang', location: centreOf('zs-yl-04') },
    // Receiving points (issue 12): fire incidents go to 119, medical ones to 120; they are not police
    // stations and sit outside the grid's tree of tiers.
    { id: 'fire-119', name: '六盘水市消防救援支队119指挥中心', tier: 'fire', code: 'XF', parent: null, location: [26.5905, 104.8402] },
    { id: 'med-120', name: '六盘水市120急救指挥中心', tier: 'medical', code: 'JJ', parent: null, location: [26.5878, 104.8265] },
  ];
  /** Community posts (社区警务室) receive the incidents of their community's cells. */
  const POST_OF_COMMUNITY_PREFIX: Record<string, string> = { 'zs-mh-': 'cp-minghu', 'zs-yl-': 'cp-yangliu' };
  const postOf = (cellId: string): string | undefined => Object.entries(POST_OF_COMMUNITY_PREFIX).find(([p]) => cellId.startsWith(p))?.[1];
  for (const c of cells) if (!stations.some((s) => s.id === c.station && s.tier === 'station')) throw new Error(`cell ${c.id}: unknown station`);

  // ---- grids.geojson: one feature per three lines (properties, then geometry), readable in a diff.
  const features = cells.map((c) => {
    const props = JSON.stringify({
      id: c.id,
      name: c.name,
      community: c.community,
      station: c.station,
      post: postOf(c.id),
      leader: c.leader,
      phone: c.phone,
    });
    const geometry = JSON.stringify({ type: 'Polygon', coordinates: c.rings });
    return `    { "type": "Feature",\n      "properties": ${props},\n      "geometry": ${geometry} }`;
  });
  mkdirSync(join(ROOT, 'config'), { recursive: true });
  writeFileSync(join(ROOT, 'config/grids.geojson'), `{ "type": "FeatureCollection",\n  "features": [\n${features.join(',\n')}\n  ]\n}\n`);

  // ---- stations.yaml
  for (const st of stations) if (UNITS[st.id]) st.units = UNITS[st.id];
  const sdoc = new Document({ stations });
  sdoc.commentBefore =
    ' yaml-language-server: $schema=../schema/stations.schema.json\n' +
    ' Dispatch tiers of the sample district (钟山区, 六盘水): city command centre → police station →\n' +
    ' community post, and the 119/120 receiving points (tiers fire, medical). Each grid cell in\n' +
    ' grids.geojson names its station and, in 明湖 and 杨柳, its community post. Generated by\n' +
    ' scripts/gen-district.ts; location is [lat, lng], WGS-84.';
  for (const st of items(sdoc.get('stations'))) {
    flow((st as YAMLMap).get('location'));
    for (const u of items((st as YAMLMap).get('units'))) flow(u);
  }
  writeFileSync(join(ROOT, 'config/stations.yaml'), tightSeqs(sdoc.toString({ lineWidth: 0 })));

  // ---- devices/<site>.yaml
  const devicesDir = join(ROOT, 'devices');
  mkdirSync(devicesDir, { recursive: true });
  const MARK = 'Generated by scripts/gen-district.ts';
  for (const f of readdirSync(devicesDir)) {
    if (f.endsWith('.yaml') && readFileSync(join(devicesDir, f), 'utf8').includes(MARK)) unlinkSync(join(devicesDir, f));
  }
  const topics = new Map<string, string>();
  let port = 18001;
  const summary: string[] = [];
  for (const spec of SITES) {
    const cell = cellById.get(spec.cell);
    if (!cell) throw new Error(`${spec.id}: no cell ${spec.cell}`);
    const wgs = pointIn(index, cell);
    let location = wgs;
    if (spec.crs === 'gcj02') {
      const g = wgs84ToGcj02(...wgs);
      location = [round6(g[0]), round6(g[1])];
      const back = gcj02ToWgs84(...location);
      if (index.locate(...back)?.id !== cell.id) throw new Error(`${spec.id}: GCJ location leaves its cell`);
    } else if (index.locate(...wgs)?.id !== cell.id) {
      throw new Error(`${spec.id}: not in ${cell.id}`);
    }

    // Each site's zigbee2mqtt on its own base_topic (issue 17): a shared base would let one site's
    // login pair and remove another's devices, and the config check holds such a site back.
    const devices = spec
      .devices(spec.id)
      .map((d) => (d.profile === 'zigbee2mqtt' ? { ...d, topic: d.topic.replace(/^zigbee2mqtt\//, `zigbee2mqtt-${spec.id}/`) } : d));
    const zoneNumbers = new Set(devices.flatMap((d) => (d.zones ?? []).map((z) => z[0])));
    for (const d of devices) {
      const owner = topics.get(d.topic);
      if (owner) throw new Error(`topic ${d.topic} used by ${owner} and ${spec.id}`);
      topics.set(d.topic, spec.id);
      if (d.zone !== undefined && !zoneNumbers.has(d.zone)) throw new Error(`${spec.id}/${d.id}: zone ${d.zone} is on no panel`);
    }
    const camKey = cameraKey(spec.id);
    const cameras = (spec.cameras ?? []).map((c) => {
      for (const z of c.zones) if (!zoneNumbers.has(z)) throw new Error(`${spec.id}/${c.id}: zone ${z} is on no panel`);
      return {
        id: c.id,
        name: c.name,
        onvif: { xaddr: `http://127.0.0.1:${port++}/onvif/device_service`, username: 'admin', password_file_key: camKey },
        zones: c.zones,
        ...(c.frigate ? { frigate: c.frigate } : {}),
      };
    });
    if (spec.kind === 'shop' && cameras.length === 0) throw new Error(`${spec.id}: a shop needs a camera`);

    const site: Record<string, unknown> = {
      id: spec.id,
      name: spec.name,
      kind: spec.kind,
      address: `六盘水市钟山区${spec.plate}${spec.flat ?? ''}`,
      door_plate: spec.plate,
      ...(spec.pole === false ? {} : { pole: `ZS-${String(100 + Math.floor(rand() * 9800)).padStart(4, '0')}` }),
      location,
      crs: spec.crs ?? 'wgs84',
      contacts: Array.from({ length: spec.contacts }, () => ({ name: personName(), phone: mobile() })),
      guard_group: spec.guard,
      ...(spec.guardFirst ? { guard_first: true } : {}),
      ...(spec.verbalPassword ? { verbal_password_file_key: verbalKey(spec.id) } : {}),
      mqtt: { username: spec.id, password_file_key: mqttKey(spec.id) },
    };
    const doc = new Document({
      site,
      devices: devices.map((d) => ({
        id: d.id,
        profile: d.profile,
        topic: d.topic,
        ...(d.account ? { account: d.account } : {}),
        ...(d.heartbeat ? { heartbeat: d.heartbeat } : {}),
        ...(d.zone !== undefined ? { zone: d.zone } : {}),
        ...(d.zones ? { zones: toZonesMap(d.zones) } : {}),
      })),
      ...(cameras.length ? { cameras } : {}),
    });
    const station = stations.find((s) => s.id === cell.station)!;
    doc.commentBefore =
      ' yaml-language-server: $schema=../schema/site.schema.json\n' +
      ` ${spec.name} — ${spec.kind}, ${cell.name} (${cell.id}), ${station.name}.\n` +
      (spec.crs === 'gcj02' ? ' location was copied from a Chinese map picker, so it is GCJ-02; the hub converts it.\n' : '') +
      ` Sample site. ${MARK}.\n` +
      ` Passwords (the site's MQTT login${cameras.length ? ', the cameras' : ''}) come from config/secrets.yaml: demo values.`;
    flow(doc.getIn(['site', 'location']));
    flow(doc.getIn(['site', 'mqtt']));
    flow(doc.getIn(['site', 'contacts']));
    for (const d of items(doc.get('devices'))) for (const z of items((d as YAMLMap).get('zones'))) flow((z as Pair).value);
    for (const c of items(doc.get('cameras'))) {
      flow((c as YAMLMap).get('onvif'));
      flow((c as YAMLMap).get('zones'));
    }
    writeFileSync(join(devicesDir, `${spec.id}.yaml`), tightSeqs(doc.toString({ lineWidth: 0 })));
    summary.push(
      `${spec.id}\t${cell.id}\t${cell.station}\t${devices.map((d) => `${d.id}:${d.profile}:${d.topic}`).join(' ')}\t` +
        `${cameras.map((c) => c.id + (c.frigate ? `(frigate ${c.frigate})` : '')).join(' ')}`,
    );
  }

  // ---- secrets.yaml: demo values only, so that `npm run demo` needs no manual step.
  const secretLines = [
    '# DEMO VALUES for the sample district — replace every one before real devices connect.',
    '# Generated by scripts/gen-district.ts. MQTT logins of the sample sites (site.mqtt in',
    '# devices/<site>.yaml), of the Frigate bridge (bridges[].mqtt in config/hub.yaml), and the',
    '# ONVIF passwords of the sample cameras (cameras[].onvif.password_file_key).',
    '# Real secrets live here or in the environment, never under devices/; keep this file',
    "# readable only by the hub's user. config/secrets.example.yaml shows the format.",
    `${FRIGATE_KEY}: "${demoPassword('frigate')}"`,
    ...SITES.map((spec) => `${mqttKey(spec.id)}: "${demoPassword(spec.id)}"`),
    ...SITES.filter((spec) => (spec.cameras ?? []).length > 0).map((spec) => `${cameraKey(spec.id)}: "${demoPassword(`camera:${spec.id}`)}"`),
    ...SITES.filter((spec) => spec.verbalPassword).flatMap((spec) => [
      `# The verbal password (口令) the owner of ${spec.id} says to cancel an alarm (site.verbal_password_file_key)`,
      `${verbalKey(spec.id)}: "demo-梅花"`,
    ]),
  ];
  writeFileSync(join(ROOT, 'config/secrets.yaml'), secretLines.join('\n') + '\n');
  console.log(`${cells.length} cells, ${stations.length} stations, ${SITES.length} sites, ${topics.size} topics`);
  if (process.env.SUMMARY) console.log(summary.join('\n'));
}

main();
