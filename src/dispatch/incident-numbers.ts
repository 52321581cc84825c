import type { Incident } from '../contract/incident.js';
import type { Store } from '../store/index.js';
import { defaultStationCode, formatNumber, localDay, numberSeries } from './numbering.js';

export interface IncidentNumbersOptions {
  store: Store;
  /** The centre's zone: the 警情编号's day is its local day (hub.yaml `triage.timezone`). */
  timezone: string;
  /** The station's code (stations.yaml `code`); null or absent: derived from the station id. */
  stationCode?: ((stationId: string) => string | null) | undefined;
}

/**
 * 警情编号 for the incidents a batch opens (the format is numbering.ts). One hub counts each series
 * (station code + local day) in memory, from the largest number the store holds — read once per
 * series and run — and writes the number with the incident row: after a crash, the incidents
 * rebuilt by recover() are numbered again in the same order from the same count, so they get the
 * numbers consoles were shown. Replicas draw from the store's shared series instead (`draw`).
 */
export class IncidentNumbers {
  /** The last daily sequence drawn per series. */
  private readonly counters = new Map<string, number>();

  constructor(private readonly o: IncidentNumbersOptions) {}

  /** The series of an incident: its responsible station's code and its local opening day. */
  seriesOf(i: Incident): string {
    const station = i.responsibleStationId;
    const code = station ? (this.o.stationCode?.(station) ?? defaultStationCode(station)) : 'SG';
    return numberSeries(code, localDay(Date.parse(i.openedAt), this.o.timezone));
  }

  /** Whether this run counts the series of every one of these already (numbering them needs no read). */
  known(incidents: readonly Incident[]): boolean {
    return incidents.every((i) => this.counters.has(this.seriesOf(i)));
  }

  /** Reads the counters these incidents need and this run does not have yet. */
  async load(incidents: readonly Incident[]): Promise<void> {
    for (const i of incidents) await this.loadCounter(this.seriesOf(i));
  }

  /** A series' counter from the store, unless this run counts it already (also after the read: readAhead runs beside the queue). */
  async loadCounter(series: string): Promise<void> {
    if (this.counters.has(series)) return;
    const last = await this.o.store.incidents.lastNumber(series);
    if (!this.counters.has(series)) this.counters.set(series, last);
  }

  /** The incidents numbered from this run's counters, in the order given (load() has read their series). */
  assign(incidents: readonly Incident[]): Incident[] {
    return incidents.map((i) => {
      const series = this.seriesOf(i);
      const next = (this.counters.get(series) ?? 0) + 1;
      this.counters.set(series, next);
      return { ...i, number: formatNumber(series, next) };
    });
  }

  /** Replicas: one atomic draw per series from the store for these incidents, in order; another replica draws disjoint numbers. */
  async draw(incidents: readonly Incident[]): Promise<Incident[]> {
    const bySeries = new Map<string, Incident[]>();
    for (const i of incidents) {
      const series = this.seriesOf(i);
      bySeries.set(series, [...(bySeries.get(series) ?? []), i]);
    }
    const numbered: Incident[] = [];
    for (const [series, list] of bySeries) {
      const last = await this.o.store.incidents.nextNumbers(series, list.length);
      list.forEach((i, k) => numbered.push({ ...i, number: formatNumber(series, last - list.length + 1 + k) }));
    }
    return numbered;
  }
}
