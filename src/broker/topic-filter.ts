/**
 * MQTT topic filter matching, pure. The rules are those of MQTT 3.1.1 section 4.7:
 * `+` matches exactly one level [MQTT-4.7.1-3], `#` matches the parent level and any number of
 * child levels and must be last [MQTT-4.7.1-2], and a filter starting with a wildcard does not
 * match a topic starting with `$` [MQTT-4.7.2-1].
 */

/** True when `topic` (a concrete PUBLISH topic) is matched by `filter`. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i] as string;
    if (level === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * True when every topic that `inner` matches is also matched by `outer` — the test for "may this
 * client subscribe to `inner`, given that it may read what `outer` matches". A subscription that
 * reaches even one topic outside `outer` is not covered.
 */
export function filterCovers(outer: string, inner: string): boolean {
  const a = outer.split('/');
  const f = inner.split('/');
  for (let i = 0; ; i++) {
    if (i === a.length) return i === f.length;
    const al = a[i] as string;
    if (al === '#') return i === a.length - 1;
    if (i === f.length) return false;
    const fl = f[i] as string;
    // `#` in the inner filter reaches any depth; only a `#` at the same place in outer covers it.
    if (fl === '#') return false;
    if (al === '+') continue;
    // A literal level covers only itself; a `+` in inner reaches other values.
    if (fl !== al) return false;
  }
}

/** A filter that is syntactically valid: `#` only as the whole last level, `+` only as a whole level. */
export function isValidFilter(filter: string): boolean {
  if (filter.length === 0) return false;
  const levels = filter.split('/');
  return levels.every((l, i) => (l.includes('#') ? l === '#' && i === levels.length - 1 : !l.includes('+') || l === '+'));
}
