/** What every report view needs besides its report: names from the directory, and its place in the page. */
import type { Directory } from '../directory.js';
import { pick } from '../i18n/index.js';
import type { ReportParams } from './format.js';
import { rt } from './text.js';

export interface ViewContext {
  dir: Directory;
  /** The parameters the report was asked with (for its export links). */
  params: ReportParams;
}

/** A drawn view: its element, and what to do once it is on the page (charts need their size). */
export interface View {
  el: HTMLElement;
  mounted(): void;
}

export function stationName(ctx: ViewContext, id: string | null | undefined): string {
  if (!id) return rt('none');
  return ctx.dir.stations.find((s) => s.id === id)?.name ?? id;
}

/** A 警情类别/性质 code in the page's language (hub.yaml `triage.natures`); `unknown` when none was recorded. */
export function natureName(ctx: ViewContext, code: string): string {
  if (code === 'unknown' || code === '') return rt('natureUnknown');
  const n = ctx.dir.workflow.natures.find((x) => x.code === code);
  return n ? pick(n.zh, n.en) : code;
}
