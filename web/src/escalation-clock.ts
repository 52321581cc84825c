/**
 * Time left to escalation (升级上报), counted on the hub's clock (serverNow): the console shows a
 * countdown from `escalateAt` instead of only the badge after the fact. Pure (no DOM): countdowns.ts
 * ticks the rendered ones.
 */
import type { Incident } from '../../src/contract/incident.js';

/**
 * Seconds left, and as a clock ("4:59", "1:02:03"); null when the incident will not escalate
 * (acknowledged, at the top, no timeout). The pages show `seconds` as a duration (format.ts
 * formatDuration: 4分59秒), never like a time of day.
 */
export function escalationCountdown(i: Pick<Incident, 'escalateAt' | 'status'>, nowMs: number): { text: string; seconds: number; due: boolean } | null {
  if (!i.escalateAt || i.status !== 'new') return null;
  const left = Math.max(0, Math.ceil((Date.parse(i.escalateAt) - nowMs) / 1000));
  const hours = Math.floor(left / 3600);
  const minutes = Math.floor((left % 3600) / 60);
  const seconds = String(left % 60).padStart(2, '0');
  const text = hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
  return { text, seconds: left, due: left === 0 };
}

/** The incident's own queue marks beyond priority and kind: alarms joined, recent 误报, an earlier incident. */
export function siteMarks(i: Pick<Incident, 'eventCount' | 'repeatOf' | 'previousId'>): Array<'alarms' | 'recentFalse' | 'previous'> {
  const marks: Array<'alarms' | 'recentFalse' | 'previous'> = [];
  if (i.eventCount > 1) marks.push('alarms');
  if (i.repeatOf) marks.push('recentFalse');
  else if (i.previousId) marks.push('previous');
  return marks;
}
