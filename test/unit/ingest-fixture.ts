/** Small hand-made sites, devices and profiles for the ingest unit tests (no config files, no broker). */
import type { Camera, Device, Site } from '../../src/config/model.js';
import type { DecodeOutcome, DeviceState, Profile } from '../../src/profiles/types.js';

export function device(over: Partial<Device> = {}): Device {
  return {
    id: 'panel-1',
    siteId: 'shop-a',
    profile: 'stub',
    topic: 'safegrid/shop-a/panel-1',
    heartbeatMs: null,
    testIntervalMs: null,
    installed: false,
    zones: [{ number: 1, name: '前门', type: 'entry' }],
    zone: null,
    account: null,
    mqttUsername: null,
    mqttPassword: null,
    ...over,
  };
}

export function camera(over: Partial<Camera> = {}): Camera {
  return {
    id: 'cam1',
    siteId: 'shop-a',
    name: null,
    onvif: null,
    rtsp: null,
    rtspLogin: null,
    frigateName: 'shop_a_door',
    zones: [1],
    location: [26.61, 104.81],
    ...over,
  };
}

export function site(over: Partial<Site> = {}): Site {
  return {
    id: 'shop-a',
    name: '商店A',
    kind: 'shop',
    address: '',
    doorPlate: '',
    pole: null,
    location: [26.6, 104.8],
    sourceCrs: 'wgs84',
    contacts: [],
    guardGroup: null,
    guardFirst: false,
    verbalPassword: null,
    mqttUsername: null,
    mqttPassword: null,
    gridCellId: 'cell-1',
    stationId: 'ps-1',
    devices: [device()],
    cameras: [camera()],
    file: 'devices/shop-a.yaml',
    ...over,
  };
}

/** A profile whose decoder answers with `answer(payload text, previous state)`. */
export function stubProfile(answer: (text: string, state: DeviceState) => DecodeOutcome, id = 'stub'): Profile {
  return {
    id,
    vendor: 'test',
    description: 'stub',
    source: 'builtin',
    topics: (t) => [{ topic: t, channel: 'state' }],
    decode: (input) => answer(input.payload.toString('utf8'), input.state),
    examples: [],
  };
}
