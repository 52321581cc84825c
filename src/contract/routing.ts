/**
 * Receiving points (issue 12 "Routing by category"): the stations.yaml tiers that take fire (119),
 * medical (120) and traffic (122) incidents instead of the police station. Shared by config (which
 * loads them), dispatch (which routes to them) and the pages (which name them).
 */
import type { LatLng } from './alarm-event.js';

export const RECEIVING_TIERS = ['fire', 'medical', 'traffic'] as const;
export type ReceivingTier = (typeof RECEIVING_TIERS)[number];

/** The number the public knows each receiving tier by. */
export const RECEIVING_PHONE: Record<ReceivingTier, '119' | '120' | '122'> = { fire: '119', medical: '120', traffic: '122' };

export interface ReceivingPoint {
  id: string;
  name: string;
  location: LatLng | null;
}
