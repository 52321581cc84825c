/**
 * Clicks that survive a redraw. The queue, the detail and the guard's cards are drawn anew from
 * state on every push, several times a second in a busy hour. A click is a press and a release on
 * the same element: when a redraw replaces the element between the two, the browser gives the click
 * to what both have in common (the table body, say) or to nothing, and the operator's click on a row
 * or on 签收 is lost without a word. CI caught it as a row click that opened nothing.
 *
 * An element that says what it stands for (`data-incident`, `data-action`, …) is the same thing after
 * a redraw. When the press landed on such an element, the redraw took it away, and the release lands
 * on its redrawn twin (same keys, its incident's too), this delivers the click the browser did not.
 * A release anywhere else clicks nothing, as the browser would have.
 */

/** The `data-*` keys (dataset names) that name what an element stands for across redraws. */
const IDENTITY_KEYS = ['incident', 'group', 'groupAck', 'action', 'print', 'camera', 'detailOf'] as const;

interface Identity {
  /** The innermost element with a key: the one whose click handler (or delegate) acts. */
  el: HTMLElement;
  /** Its keys and those of its keyed ancestors: an action button is also its incident's. */
  key: string;
}

export function identityOf(target: EventTarget | null): Identity | null {
  let el: HTMLElement | null = null;
  const parts: string[] = [];
  for (let n = target instanceof Element ? target : null; n; n = n.parentElement) {
    if (!(n instanceof HTMLElement)) continue;
    const own = IDENTITY_KEYS.filter((k) => n.dataset[k] !== undefined).map((k) => `${k}=${n.dataset[k]}`);
    if (own.length === 0) continue;
    el ??= n;
    parts.push(...own);
  }
  return el ? { el, key: parts.join('|') } : null;
}

/** Watches the primary button's presses on the whole page (capture phase, before any handler). */
export function installSteadyClicks(doc: Document = document): void {
  let pressed: Identity | null = null;
  /** A click this owes, until the browser turns out to deliver one itself. */
  let owed: HTMLElement | null = null;
  doc.addEventListener('mousedown', (e) => (pressed = e.button === 0 ? identityOf(e.target) : null), true);
  doc.addEventListener(
    'mouseup',
    (e) => {
      const down = pressed;
      pressed = null;
      // Still in the page: the browser's own click reaches it (or a child of it) as usual.
      if (e.button !== 0 || !down || down.el.isConnected) return;
      const up = identityOf(e.target);
      if (!up || up.key !== down.key) return;
      owed = up.el;
      // The browser's click, if it sends one, comes in this same task, before the timer.
      setTimeout(() => {
        const el = owed;
        owed = null;
        if (el?.isConnected) el.click();
      }, 0);
    },
    true,
  );
  doc.addEventListener(
    'click',
    (e) => {
      if (owed && e.isTrusted && e.target instanceof Node && owed.contains(e.target)) owed = null;
    },
    true,
  );
}
