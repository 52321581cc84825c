/** config/: files → validated Config. See README.md beside this file. */
export { loadConfig, type LoadResult, type LoadOptions, type HeldBack } from './load.js';
export { formatProblems, formatProblem, summaryLine } from './report.js';
export { parseCachePath, type ParseCacheStats } from './parse-cache.js';
export { SiteWatcher, watchSites, NOT_HOT_RELOADED, type SiteChange, type WatchOptions } from './watch.js';
export { parseDuration } from './schema/common.js';
export { NATIVE_PROFILE, nativeTopic } from './load-site.js';
export type * from './model.js';
export { ConfigDirectory } from './directory.js';
export { RunningConfig, type ConfigState } from './running.js';
