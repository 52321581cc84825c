// The report worker's entry when the hub runs as TypeScript source (bin/safegrid.js, tsx, vitest):
// a worker thread does not inherit the module hooks its parent registered, so it registers tsx
// itself, exactly as bin/safegrid.js does, then loads the worker. A compiled build (dist/) starts
// report-worker.js directly and never reads this file.
import { register } from 'tsx/esm/api';

register();
await import('./report-worker.ts');
