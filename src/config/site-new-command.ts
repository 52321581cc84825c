/**
 * `safegrid site new`: the shell around site-new.ts — answers from flags, the missing ones asked
 * for when a person is at the terminal (never when stdin is a pipe: a script gets the list of
 * missing flags instead), and the file written only when every answer is right and the file is new.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { InstallerMessageCode, Language } from '../core/installer-messages.js';
import { message } from '../core/installer-messages.js';
import { buildSiteFile, REQUIRED_ANSWERS, type SiteAnswers } from './site-new.js';

export interface SiteNewCommand {
  root: string;
  positionals: string[];
  answers: Partial<SiteAnswers>;
  language: Language;
  /** Ask for missing answers (a terminal); false: report them. */
  interactive: boolean;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

const QUESTIONS: Record<string, InstallerMessageCode> = {
  id: 'SITE_NEW_Q_ID',
  name: 'SITE_NEW_Q_NAME',
  kind: 'SITE_NEW_Q_KIND',
  address: 'SITE_NEW_Q_ADDRESS',
  doorPlate: 'SITE_NEW_Q_DOOR_PLATE',
  location: 'SITE_NEW_Q_LOCATION',
  contacts: 'SITE_NEW_Q_CONTACT',
};

export async function runSiteNewCommand(o: SiteNewCommand): Promise<number> {
  const out = o.out ?? ((l: string) => console.log(l));
  const err = o.err ?? ((l: string) => console.error(l));
  if (o.positionals[0] !== 'new') {
    err(message('SITE_NEW_USAGE', {}, o.language));
    return 2;
  }
  const answers: Partial<SiteAnswers> = { ...o.answers };
  if (o.interactive) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      for (const { key } of REQUIRED_ANSWERS) {
        const have = answers[key];
        if (have !== undefined && (!Array.isArray(have) || have.length > 0)) continue;
        const reply = (await rl.question(`${message(QUESTIONS[key]!, {}, o.language)}: `)).trim();
        if (key === 'contacts') answers.contacts = reply ? [reply] : [];
        else (answers as Record<string, string>)[key] = reply;
      }
    } finally {
      rl.close();
    }
  }
  const full: SiteAnswers = {
    id: answers.id ?? '',
    name: answers.name ?? '',
    kind: answers.kind ?? '',
    address: answers.address ?? '',
    doorPlate: answers.doorPlate ?? '',
    location: answers.location ?? '',
    contacts: answers.contacts ?? [],
    guardGroup: answers.guardGroup,
    pole: answers.pole,
    crs: answers.crs,
  };
  const built = buildSiteFile(full);
  if (built.text === null) {
    err(message('SITE_NEW_PROBLEMS', { problems: built.problems.map((p) => `  ${p}`).join('\n') }, o.language));
    return 1;
  }
  const file = `devices/${full.id.trim()}.yaml`;
  const abs = join(o.root, file);
  if (existsSync(abs)) {
    err(message('SITE_NEW_EXISTS', { file }, o.language));
    return 1;
  }
  mkdirSync(dirname(abs), { recursive: true });
  // wx: never replace a file that appeared since the check above.
  writeFileSync(abs, built.text, { flag: 'wx' });
  out(message('SITE_NEW_WROTE', { file, login: full.id.trim(), key: `mqtt_${full.id.trim()}` }, o.language));
  return 0;
}
