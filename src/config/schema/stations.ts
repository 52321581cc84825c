/**
 * config/stations.yaml — the dispatch tiers (city command centre → police station → community post),
 * and the receiving points that take fire (119), medical (120) and traffic (122) incidents instead
 * of the police station (tiers `fire`, `medical`, `traffic`; the nearest one receives).
 */
import { z } from 'zod';
import { RECEIVING_TIERS } from '../../contract/routing.js';
import { id, latLng, text } from './common.js';

/** 出警单位: a unit the station dispatches (派警), with the officers on it and their phones. */
export const unitSchema = z.strictObject({
  id: id(),
  name: text('the unit name, e.g. 巡逻车1组'),
  kind: z.enum(['patrol_car', 'officer', 'security_team'], { error: 'patrol_car (巡逻车), officer (民警) or security_team (保安队)' }),
  officers: z
    .array(z.strictObject({ name: text('the officer name'), phone: text('a phone number').nullish() }), {
      error: 'a list of officers, e.g. [{ name: 李警官 }]',
    })
    .default([]),
});

export const stationSchema = z.strictObject({
  id: id(),
  name: text('the station name'),
  tier: z.enum(['city', 'station', 'community', ...RECEIVING_TIERS], {
    error: 'city, station, community, or a receiving point: fire (119), medical (120), traffic (122)',
  }),
  /** 警情编号 prefix, e.g. ZS; default derived from the id. */
  code: z
    .string({ error: 'a short code of letters and digits, e.g. ZS' })
    .regex(/^[A-Z0-9]{1,8}$/, { error: 'a short code of capital letters and digits (at most 8), e.g. ZS' })
    .nullish(),
  /** Checked against the other ids after parsing (a reference, not a shape). */
  parent: id().nullish(),
  location: latLng().nullish(),
  /** The units 派警 chooses from; none: the console says the station has no units configured. */
  units: z.array(unitSchema, { error: 'a list of units, e.g. [{ id: hc-car-1, name: 巡逻车1组, kind: patrol_car }]' }).default([]),
});

export const stationsFileSchema = z.strictObject({
  stations: z.array(stationSchema, { error: 'a list of stations' }).min(1, { error: 'a list of at least one station' }),
});

export type StationsFile = z.output<typeof stationsFileSchema>;

/** stations.yaml as the hub runs on it (config/model.ts Station): every key present, null where the file left it out. */
export const stationsModelSchema = stationsFileSchema.transform((f) =>
  f.stations.map((s) => ({
    id: s.id,
    name: s.name,
    tier: s.tier,
    code: s.code ?? null,
    parent: s.parent ?? null,
    location: s.location ?? null,
    units: s.units.map((u) => ({ ...u, officers: u.officers.map((o) => ({ name: o.name, phone: o.phone ?? null })) })),
  })),
);
