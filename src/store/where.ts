/**
 * Builds the WHERE clause of a list query from optional filters, with every value as a bound
 * parameter: no caller-supplied text ever becomes SQL.
 */
export class Where {
  private readonly parts: string[] = [];
  readonly args: unknown[] = [];

  /** Adds `sql` (with one `?`) when value is defined. */
  add(sql: string, value: unknown): this {
    if (value !== undefined && value !== null && value !== '') {
      this.parts.push(sql);
      this.args.push(value);
    }
    return this;
  }

  /** Adds a literal condition (no parameter). */
  raw(sql: string): this {
    this.parts.push(sql);
    return this;
  }

  /** `column IN (...)` when a list is given; an empty list matches nothing. */
  in(column: string, values: readonly string[] | null | undefined): this {
    if (values) {
      this.parts.push(`${column} IN (${values.map(() => '?').join(',') || 'NULL'})`);
      this.args.push(...values);
    }
    return this;
  }

  /** `(a IN (...) OR b IN (...) ...)` when a list is given: any of the columns holds one of the values; an empty list matches nothing. */
  anyIn(columns: readonly string[], values: readonly string[] | null | undefined): this {
    if (values) {
      const list = values.map(() => '?').join(',') || 'NULL';
      this.parts.push(`(${columns.map((c) => `${c} IN (${list})`).join(' OR ')})`);
      for (const _ of columns) this.args.push(...values);
    }
    return this;
  }

  toString(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}

/** Page size of list queries: 1–1000, default 100. */
export function listLimit(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? 100, 1), 1000);
}
