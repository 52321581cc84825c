/** Device profiles: turn one MQTT message of one device into signals. See README.md. */
export { loadProfiles, runProfileExamples, builtinProfiles, parseProfileFile, checkExample, exampleInput } from './registry.js';
export type { LoadResult, ParsedProfileFile } from './registry.js';
export { formatProblem } from './report.js';
export { BLOCK_NAMES } from './blocks.js';
export { CODE_DECODERS } from './code/index.js';
export { parseContactId, interpretContactId, contactIdChecksumDigit, CONTACT_ID_EVENTS } from './code/contact-id.js';
export type { ContactIdMessage, ContactIdMeaning } from './code/contact-id.js';
export type * from './types.js';
