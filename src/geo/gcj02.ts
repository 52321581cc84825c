/**
 * The datum conversion lives in src/contract/gcj02.ts because the console pages use it too and may
 * import only from src/contract/; geo re-exports it so its users keep one place to look.
 */
export { wgs84ToGcj02, gcj02ToWgs84, isInChina } from '../contract/gcj02.js';
