/** Moved to core/ so that profile files (src/profiles) report YAML mistakes the same way; kept for existing imports. */
export * from '../core/yaml-syntax.js';
