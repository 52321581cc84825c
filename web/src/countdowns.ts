/** Ticks the escalation countdowns the queue and the detail rendered (escalation-clock.ts words them). */
import { escalationCountdown } from './escalation-clock.js';
import { formatDuration, serverNow } from './format.js';
import { t } from './i18n/index.js';

/** Updates every escalation countdown under `root` from its `data-escalate-at` (the hub's clock). */
export function tickCountdowns(root: ParentNode): void {
  const now = serverNow();
  for (const el of root.querySelectorAll<HTMLElement>('.esc-countdown')) {
    const left = escalationCountdown({ escalateAt: el.dataset.escalateAt || null, status: 'new' }, now);
    if (!left) continue;
    // The queue's escalation column says "升级" in its header: its cells carry the time alone (data-short).
    const time = formatDuration(left.seconds);
    el.textContent = el.dataset.short ? time : t('escalatesIn', { time });
    el.classList.toggle('due', left.due);
  }
}
