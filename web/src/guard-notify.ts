/**
 * The guard page's notifications through its service worker (web/static/guard-sw.js, scope
 * /guard). Chrome on Android refuses `new Notification()` in a page; `registration.showNotification`
 * works there and keeps working while the page is open in the background. Both need a secure
 * context (HTTPS, hub.yaml `http.tls`), so over plain HTTP the page says why they are off.
 */
const SW_URL = '/guard-sw.js';
const SW_SCOPE = '/guard';

export type NotifyState = 'granted' | 'default' | 'denied' | 'insecure' | 'unsupported';

export class GuardNotifier {
  private registration: Promise<ServiceWorkerRegistration | null>;

  constructor(onShowIncident: (id: string) => void) {
    this.registration = this.register();
    navigator.serviceWorker?.addEventListener('message', (e: MessageEvent<{ type?: string; incident?: string }>) => {
      if (e.data?.type === 'show-incident' && typeof e.data.incident === 'string') onShowIncident(e.data.incident);
    });
  }

  get state(): NotifyState {
    if (!window.isSecureContext) return 'insecure';
    if (!('Notification' in window)) return 'unsupported';
    return Notification.permission;
  }

  async ask(): Promise<void> {
    if (this.state === 'default') await Notification.requestPermission();
  }

  /** Shows one notification per incident (`tag`: a later one for the same incident replaces it). */
  async show(id: string, title: string, body: string, urgent: boolean): Promise<void> {
    if (this.state !== 'granted') return;
    const options: NotificationOptions & { renotify?: boolean; requireInteraction?: boolean } = {
      body,
      tag: id,
      data: { incident: id },
      icon: '/assets/guard-icon-192.png',
      lang: document.documentElement.lang,
      // A P1/P2 stays on the screen until the guard acts on it.
      requireInteraction: urgent,
    };
    const reg = await this.registration;
    if (reg) return reg.showNotification(title, options);
    // No service worker (an old browser): a page notification, shown while the page is open.
    const n = new Notification(title, options);
    n.onclick = () => window.focus();
  }

  private async register(): Promise<ServiceWorkerRegistration | null> {
    if (!('serviceWorker' in navigator) || !window.isSecureContext) return null;
    try {
      await navigator.serviceWorker.register(SW_URL, { scope: SW_SCOPE });
      return await navigator.serviceWorker.ready;
    } catch {
      return null; // blocked (private mode, a policy): page notifications remain
    }
  }
}
