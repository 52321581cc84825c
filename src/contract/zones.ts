/**
 * Zone types (DESIGN.md "Triage": a zone's type decides the kind of a generic alarm on it). Shared by
 * the site-file schema (src/config/schema/site.ts), ingest's enrichment and the pages.
 */
export const ZONE_TYPES = ['entry', 'interior', 'perimeter', '24h', 'panic', 'duress', 'fire', 'smoke', 'gas', 'water', 'medical', 'tamper'] as const;
export type ZoneType = (typeof ZONE_TYPES)[number];

/** Zone types whose trips count toward intrusion confirmation (a second such zone raises P2 → P1). */
export const INTRUSION_ZONE_TYPES: readonly ZoneType[] = ['entry', 'interior', 'perimeter'];
