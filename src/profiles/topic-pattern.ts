/**
 * Topic templates of a profile, with named captures. `{topic}` is the device's configured topic;
 * any other `{name}` captures (part of) one topic level: PAI publishes each zone on its own topic
 * (`paradox/states/zones/Front_door/open`), the DSC Keybus sketch appends the zone number to a
 * level (`dsc/Get/Zone3`). Such a template stands for an MQTT filter (the captured level becomes
 * `+`: what the broker grants and an external broker is subscribed to) plus a matcher that checks
 * the literal parts of the level and returns the captured values. Pure; no I/O.
 */

/** `{name}` in a template; `topic` is the device's topic, every other name is a capture. */
const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;

export interface TopicPattern {
  /** The MQTT filter the template stands for (`dsc/Get/+`); a plain topic when nothing is captured. */
  filter: string;
  /** true when the template captures a level (filter contains `+`). */
  captures: boolean;
  /** Captured values for a topic the filter reaches, or null when the literal parts differ. */
  match(topic: string): Record<string, string> | null;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The capture names of a template (every `{name}` but `{topic}`), in order. */
export function captureNames(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((n) => n !== 'topic');
}

/**
 * A template's problem, or null: a capture must be alone in its level or share it only with literal
 * text (`Zone{zone}`), a name is captured once, and `{topic}` is the only way to name the device.
 */
export function templateProblem(template: string, opts: { wildcards: boolean }): string | null {
  if (!template.includes('{topic}')) return 'a topic template containing {topic}, e.g. "{topic}/availability"';
  if (!opts.wildcards && /[+#]/.test(template)) return 'a topic template without MQTT wildcards (+ #); capture a level with {zone} instead';
  const names = captureNames(template);
  if (new Set(names).size !== names.length) return 'a topic template that captures each name once';
  for (const level of template.split('/')) {
    const inLevel = [...level.matchAll(PLACEHOLDER)];
    if (inLevel.length > 1) return 'at most one {name} per topic level, e.g. "{topic}/Get/Zone{zone}"';
    if (level.replace(PLACEHOLDER, '').match(/[{}]/)) return 'placeholders written as {topic} or {name} (lower-case letters, digits, _)';
    if (inLevel.length === 1 && /[+#]/.test(level)) return 'a level with either a {name} capture or a wildcard, not both';
  }
  return null;
}

/** The pattern of a template for one device topic. The template was checked by templateProblem. */
export function compileTemplate(template: string, deviceTopic: string): TopicPattern {
  const filterLevels: string[] = [];
  const regexLevels: string[] = [];
  const names: string[] = [];
  for (const level of template.split('/')) {
    if (level === '{topic}') {
      filterLevels.push(deviceTopic);
      regexLevels.push(escapeRegex(deviceTopic));
      continue;
    }
    const capture = [...level.matchAll(PLACEHOLDER)].find((m) => m[1] !== 'topic');
    if (!capture) {
      const literal = level.split('{topic}').join(deviceTopic);
      filterLevels.push(literal);
      // A wildcard in an ignore template: + is one level, # the rest (MQTT 3.1.1 §4.7.1).
      regexLevels.push(literal === '+' ? '[^/]*' : literal === '#' ? '.*' : escapeRegex(literal));
      continue;
    }
    names.push(capture[1]!);
    filterLevels.push('+');
    const [before, after] = [level.slice(0, capture.index), level.slice(capture.index! + capture[0].length)];
    regexLevels.push(`${escapeRegex(before.split('{topic}').join(deviceTopic))}([^/]+)${escapeRegex(after.split('{topic}').join(deviceTopic))}`);
  }
  const filter = filterLevels.join('/');
  const captures = names.length > 0;
  // `a/#` also matches `a` itself (MQTT 3.1.1 §4.7.1.2).
  const source = regexLevels.join('/').replace(/\/\.\*$/, '(?:/.*)?');
  const re = new RegExp(`^${source}$`);
  return {
    filter,
    captures,
    match(topic) {
      const m = re.exec(topic);
      if (!m) return null;
      const out: Record<string, string> = Object.create(null) as Record<string, string>;
      names.forEach((n, i) => {
        out[n] = m[i + 1]!;
      });
      return out;
    },
  };
}
