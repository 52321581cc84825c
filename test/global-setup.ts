/**
 * Runs once before the suite: builds the console, guard and login pages with Vite into web/dist,
 * exactly as `npm start` does, so the browser tests test the bundle the hub really serves.
 */
import { build } from 'vite';

export default async function setup(): Promise<void> {
  await build({ configFile: new URL('../web/vite.config.ts', import.meta.url).pathname, logLevel: 'warn' });
}
