export * from './common.js';
export * from './hub.js';
export * from './hub-model.js';
export * from './stations.js';
export * from './grids.js';
export * from './site.js';
export * from './notify.js';
