/**
 * config/stations.yaml — the dispatch tiers (city command centre → police station → community post),
 * and the receiving points that take fire (119), medical (120) and traffic (122) incidents instead
 * of the police station (tiers `fire`, `medical`, `traffic`; the nearest one receives).
 */
import { z } from 'zod';
import { RECEIVING_TIERS } from '../../contract/routing.js';
import { id, latLng, text } from './common.js';

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
});

export const stationsFileSchema = z.strictObject({
  stations: z.array(stationSchema, { error: 'a list of stations' }).min(1, { error: 'a list of at least one station' }),
});

export type StationsFile = z.output<typeof stationsFileSchema>;
