/** Search: door plate, utility pole, site name, device id or grid cell → fly there on the map. */
import type { CellFeature, SiteInfo } from './directory.js';
import { h } from './dom.js';
import { t } from './i18n/index.js';

export type SearchHit = { type: 'site'; site: SiteInfo; label: string; sub: string } | { type: 'cell'; cell: CellFeature; label: string; sub: string };

export function searchDirectory(query: string, sites: SiteInfo[], cells: CellFeature[], limit = 8): SearchHit[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const has = (v: string | null | undefined): boolean => Boolean(v?.toLowerCase().includes(q));
  const hits: Array<SearchHit & { rank: number }> = [];
  for (const s of sites) {
    const exact = [s.doorPlate, s.pole, s.id, ...s.devices].some((v) => v?.toLowerCase() === q);
    const device = s.devices.find((d) => has(d));
    if (exact || has(s.doorPlate) || has(s.pole) || has(s.name) || has(s.id) || has(s.address) || device) {
      const sub = [s.doorPlate, s.pole, device ? `${t('searchDevice')} ${device}` : null].filter(Boolean).join(' · ');
      hits.push({ type: 'site', site: s, label: s.name, sub: sub || t('searchSite'), rank: exact ? 0 : 1 });
    }
  }
  for (const c of cells) {
    const p = c.properties;
    if (has(p.id) || has(p.name) || has(p.community)) {
      hits.push({
        type: 'cell',
        cell: c,
        label: p.name,
        sub: `${t('searchCell')} · ${p.id}`,
        rank: p.id.toLowerCase() === q || p.name.toLowerCase() === q ? 0 : 2,
      });
    }
  }
  return hits.sort((a, b) => a.rank - b.rank).slice(0, limit);
}

export class SearchBox {
  readonly el: HTMLElement;
  readonly input: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private hits: SearchHit[] = [];

  /** `directory` is read at every keystroke, so sites added by a config reload are found at once. */
  constructor(
    private readonly directory: () => { sites: SiteInfo[]; cells: CellFeature[] },
    private readonly onPick: (hit: SearchHit) => void,
  ) {
    this.input = h('input', { class: 'search-input', attrs: { id: 'search', type: 'search', autocomplete: 'off', maxlength: '100' } });
    this.list = h('ul', { class: 'search-results', attrs: { id: 'search-results', role: 'listbox' } });
    this.list.hidden = true;
    this.el = h('div', { class: 'search' }, this.input, this.list);
    this.input.addEventListener('input', () => this.update());
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && this.hits[0]) this.pick(this.hits[0]);
      if (e.key === 'Escape') this.clear();
    });
    this.input.addEventListener('blur', () => setTimeout(() => (this.list.hidden = true), 200));
    this.relabel();
  }

  relabel(): void {
    this.input.placeholder = t('searchPlaceholder');
  }

  focus(): void {
    this.input.focus();
    this.input.select();
  }

  private update(): void {
    const { sites, cells } = this.directory();
    this.hits = searchDirectory(this.input.value, sites, cells);
    this.list.replaceChildren(
      ...(this.hits.length
        ? this.hits.map((hit) =>
            h(
              'li',
              {
                attrs: { role: 'option' },
                on: {
                  mousedown: (e) => {
                    e.preventDefault();
                    this.pick(hit);
                  },
                },
              },
              h('strong', { text: hit.label }),
              h('span', { class: 'muted', text: hit.sub }),
            ),
          )
        : [h('li', { class: 'muted', text: t('searchNone') })]),
    );
    this.list.hidden = !this.input.value.trim();
  }

  private pick(hit: SearchHit): void {
    this.onPick(hit);
    this.list.hidden = true;
    this.input.blur();
  }

  private clear(): void {
    this.input.value = '';
    this.list.hidden = true;
    this.input.blur();
  }
}
