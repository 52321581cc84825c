import { LIMITS } from '../core/limits.js';

/**
 * Checks a topic a device published to. MQTT forbids wildcards in PUBLISH topic names
 * [MQTT-3.3.2-2] and empty topics [MQTT-4.7.3-1]; brokers enforce that, but the external broker
 * may not be ours, and a long or deep topic is a cheap way to waste memory.
 */
export function checkTopic(topic: string): string | null {
  if (topic.length === 0) return 'empty topic';
  if (topic.length > LIMITS.maxTopicLength) return `topic longer than ${LIMITS.maxTopicLength} characters`;
  if (/[+#]/.test(topic)) return 'wildcard in a published topic';
  if (topic.includes('\u0000')) return 'NUL character in topic';
  if (topic.split('/').length > LIMITS.maxTopicLevels) return `more than ${LIMITS.maxTopicLevels} topic levels`;
  return null;
}

/** Lives with the broker, which logs untrusted names before ingest sees a message. */
export { printableTopic } from '../broker/printable.js';
