/** @backup-dr/wire: the API's wire types, the health rules and the plugin ↔ bridge protocol, defined once. */
export * from './api';
export * from './events';
export { assessHealth, type HealthInput } from './health';
export { span } from './format';
