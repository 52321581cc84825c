/**
 * New-incident alerts: a tone made with WebAudio (no audio file to load), a mute switch remembered
 * per browser, and a flashing tab title until the operator looks. P1 sounds three urgent two-tone
 * bursts, P2 two plain beeps; P3/P4 are silent.
 */
import type { Priority } from '../../src/contract/alarm-event.js';

const MUTE_KEY = 'sg-muted';
/** How long each alert tone plays (see tone()). */
const TONE_MS: Readonly<Record<Priority, number>> = { 1: 1500, 2: 500, 3: 0, 4: 0 };

export class Alerter {
  private ctx: AudioContext | null = null;
  private muted: boolean;
  private flashTimer: ReturnType<typeof setInterval> | null = null;
  private baseTitle = document.title;
  private listeners = new Set<() => void>();
  private toneUntil = 0;
  private tonePriority: Priority = 4;

  constructor() {
    this.muted = readMuted();
    // Browsers start audio only after a user gesture: the first click or key unlocks it.
    const unlock = (): void => {
      this.audio();
      void this.ctx?.resume();
      this.notify();
    };
    document.addEventListener('pointerdown', unlock);
    document.addEventListener('keydown', unlock);
    // Looking at the page stops the flashing title.
    const seen = (): void => {
      if (document.visibilityState === 'visible' && document.hasFocus()) this.stopFlash();
    };
    document.addEventListener('visibilitychange', seen);
    window.addEventListener('focus', seen);
    document.addEventListener('pointerdown', () => this.stopFlash());
    document.addEventListener('keydown', () => this.stopFlash());
  }

  get isMuted(): boolean {
    return this.muted;
  }

  /** True when sound is on but the browser still waits for a gesture. */
  get locked(): boolean {
    return !this.muted && (this.ctx === null || this.ctx.state !== 'running');
  }

  setTitle(title: string): void {
    this.baseTitle = title;
    if (!this.flashTimer) document.title = title;
  }

  toggleMute(): void {
    this.muted = !this.muted;
    try {
      localStorage.setItem(MUTE_KEY, this.muted ? '1' : '0');
    } catch {
      // storage blocked: the switch lasts for this page only
    }
    this.notify();
  }

  onChange(fn: () => void): void {
    this.listeners.add(fn);
  }

  /** A new incident arrived. */
  alert(priority: Priority, flashText: string): void {
    if (priority > 2) return;
    this.flash(flashText);
    if (this.muted) return;
    // In a burst (a storm of P2s) the tones would pile up into noise: while one plays, another of
    // the same or lower urgency is dropped; a P1 always sounds over a P2.
    const now = performance.now();
    if (now < this.toneUntil && priority >= this.tonePriority) return;
    this.toneUntil = now + TONE_MS[priority];
    this.tonePriority = priority;
    this.tone(priority);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  private audio(): AudioContext | null {
    if (this.ctx) return this.ctx;
    const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctor) return null;
    this.ctx = new Ctor();
    this.ctx.addEventListener('statechange', () => this.notify());
    return this.ctx;
  }

  private tone(priority: Priority): void {
    const ctx = this.audio();
    if (!ctx) return;
    void ctx.resume();
    const start = ctx.currentTime + 0.02;
    const beep = (at: number, freq: number, dur: number, type: OscillatorType): void => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = type;
      osc.frequency.setValueAtTime(freq, at);
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.35, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + dur);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + dur + 0.02);
    };
    if (priority === 1) {
      for (let i = 0; i < 3; i++) {
        beep(start + i * 0.5, 988, 0.22, 'square');
        beep(start + i * 0.5 + 0.24, 740, 0.22, 'square');
      }
    } else {
      beep(start, 880, 0.18, 'sine');
      beep(start + 0.3, 880, 0.18, 'sine');
    }
  }

  private flash(text: string): void {
    this.stopFlash();
    let on = true;
    document.title = text;
    this.flashTimer = setInterval(() => {
      on = !on;
      document.title = on ? text : this.baseTitle;
    }, 800);
  }

  private stopFlash(): void {
    if (this.flashTimer) clearInterval(this.flashTimer);
    this.flashTimer = null;
    document.title = this.baseTitle;
  }
}

function readMuted(): boolean {
  try {
    return localStorage.getItem(MUTE_KEY) === '1';
  } catch {
    return false;
  }
}
