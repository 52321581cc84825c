/**
 * Short printable form of an untrusted string (a topic, a client id, a user name) for logs: cut to
 * 120 characters, control characters replaced, so a device cannot forge or flood log lines.
 */
export function printableTopic(topic: string): string {
  const cut = topic.length > 120 ? topic.slice(0, 120) + '…' : topic;
  return cut.replace(/[\u0000-\u001f\u007f]/g, '?');
}
