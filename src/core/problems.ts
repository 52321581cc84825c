import type { ErrorCode } from './errors.js';
import type { InstallerMessageCode, Params } from './installer-messages.js';

/**
 * One mistake found in an installer's files. Every loader reports all of them at once, each with
 * where (file, line when known, key path), what was found and what was expected.
 */
export interface Problem {
  code: ErrorCode;
  severity: 'error' | 'warning';
  /** Path relative to the config root, e.g. `devices/shop-12.yaml`. */
  file: string;
  /** 1-based line, null when the mistake has no single line (a missing file). */
  line: number | null;
  /** Key path, e.g. `devices[2].profile`; '' for the whole file. */
  path: string;
  /** What was wrong, e.g. `got "18830x"; expected a whole number 1–65535`. Secrets masked. */
  message: string;
  hint?: string;
  /** The message as a catalogue code (src/core/installer-messages.ts), so `check` can say it in the installer's language. */
  text?: { code: InstallerMessageCode; params: Params };
}
