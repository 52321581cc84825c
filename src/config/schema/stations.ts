/** config/stations.yaml — the dispatch tiers (city command centre → police station → community post). */
import { z } from 'zod';
import { id, latLng, text } from './common.js';

export const stationSchema = z.strictObject({
  id: id(),
  name: text('the station name'),
  tier: z.enum(['city', 'station', 'community'], { error: 'city, station or community' }),
  /** Checked against the other ids after parsing (a reference, not a shape). */
  parent: id().nullish(),
  location: latLng().nullish(),
});

export const stationsFileSchema = z.strictObject({
  stations: z.array(stationSchema, { error: 'a list of stations' }).min(1, { error: 'a list of at least one station' }),
});

export type StationsFile = z.output<typeof stationsFileSchema>;
