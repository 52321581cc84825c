/**
 * A small Prometheus registry: counters and gauges with labels, rendered as text exposition
 * format 0.0.4. Small enough that a dependency is not worth it.
 */
type Labels = Record<string, string>;

interface Family {
  type: 'counter' | 'gauge';
  help: string;
  values: Map<string, { labels: Labels; value: number }>;
  collect?: () => Array<{ labels?: Labels; value: number }>;
}

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels);
  // Counted per message on the alarm path, nearly always with no label or one: no sort, no arrays.
  if (keys.length === 0) return '';
  if (keys.length === 1) return `${keys[0]}=${labels[keys[0]!]}`;
  return keys
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export class Metrics {
  private readonly families = new Map<string, Family>();

  private family(name: string, type: Family['type'], help: string): Family {
    let f = this.families.get(name);
    if (!f) {
      f = { type, help, values: new Map() };
      this.families.set(name, f);
    }
    return f;
  }

  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const f = this.family(name, 'counter', help);
    return (labels = {}, by = 1) => {
      const key = labelKey(labels);
      const v = f.values.get(key);
      if (v) v.value += by;
      else f.values.set(key, { labels, value: by });
    };
  }

  gauge(name: string, help: string, collect: () => number | Array<{ labels?: Labels; value: number }>): void {
    const f = this.family(name, 'gauge', help);
    f.collect = () => {
      const r = collect();
      return typeof r === 'number' ? [{ value: r }] : r;
    };
  }

  /** Current value of a counter or gauge series (tests and /api/health). */
  value(name: string, labels: Labels = {}): number {
    const f = this.families.get(name);
    if (!f) return 0;
    if (f.collect) return f.collect().find((s) => labelKey(s.labels ?? {}) === labelKey(labels))?.value ?? 0;
    return f.values.get(labelKey(labels))?.value ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, f] of this.families) {
      lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      const series = f.collect ? f.collect() : [...f.values.values()];
      for (const s of series) {
        const labels = s.labels ?? {};
        const keys = Object.keys(labels);
        const l = keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}` : '';
        lines.push(`${name}${l} ${s.value}`);
      }
    }
    return lines.join('\n') + '\n';
  }
}
