/**
 * Live status in the console (issue 13): the pushes `device:status`, `camera:status` and
 * `directory:changed` applied to the device-status board, the map's camera markers and the
 * directory that search, map and detail read. A config reload (or a reconnect, after which pushes
 * sent meanwhile are lost) reads the caller's sites, cameras and devices again over REST; a push
 * that arrives while such a read is under way is newer than its answer and is kept.
 */
import type { SiteCommissioning } from '../../src/contract/commissioning.js';
import type { CameraStatusPush, DeviceStatus } from '../../src/contract/socket.js';
import { getJson } from './api.js';
import { type Directory, loadDevices, refreshDirectory } from './directory.js';
import { h } from './dom.js';
import { t } from './i18n/index.js';
import type { DistrictMap } from './map.js';
import { StatusBoard } from './status-board.js';

export class LiveStatus {
  readonly board: StatusBoard;
  /** The top bar's button that opens the board. */
  readonly button: HTMLButtonElement;
  /** The latest camera:status per camera, numbered, so a directory read does not undo a newer push. */
  private readonly cameraPushes = new Map<string, { availability: string; n: number }>();
  private cameraPushCount = 0;
  private reloading = false;
  private reloadAgain = false;

  constructor(
    private readonly dir: Directory,
    /** The map, once it exists (it is built after the page's layout). */
    private readonly map: () => DistrictMap | null,
    /** The directory's sites changed (names for the event log, for example). */
    private readonly onSites: () => void,
  ) {
    this.board = new StatusBoard(
      () => dir.sites,
      (site) => this.map()?.flyToSite(site),
      () => void this.reloadBoard(),
    );
    this.button = h('button', {
      class: 'btn btn-small',
      attrs: { type: 'button', id: 'board-open' },
      text: t('boardOpen'),
      on: { click: () => this.board.toggle() },
    });
    void this.reloadBoard();
  }

  deviceStatus(s: DeviceStatus): void {
    this.board.deviceStatus(s);
  }

  /** `commissioning:status`: a site went into or out of maintenance or a walk test (issue 15). */
  commissioning(s: SiteCommissioning): void {
    this.board.commissioning(s);
  }

  cameraStatus(s: CameraStatusPush): void {
    this.cameraPushes.set(`${s.siteId}/${s.cameraId}`, { availability: s.availability, n: ++this.cameraPushCount });
    const cam = this.dir.cameras.find((c) => c.siteId === s.siteId && c.id === s.cameraId);
    if (cam) cam.availability = s.availability;
    this.map()?.setCameraStatus(s.siteId, s.cameraId, s.availability);
    this.board.cameraStatus(s);
  }

  relabel(): void {
    this.board.relabel();
    this.button.textContent = t('boardOpen');
  }

  /**
   * Read the directory and the board again. One read at a time; a reload announced during a read
   * (whose request may have left before the hub applied it) runs one more.
   */
  async directoryStale(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return;
    }
    this.reloading = true;
    try {
      do {
        this.reloadAgain = false;
        await this.reloadDirectory();
      } while (this.reloadAgain);
    } finally {
      this.reloading = false;
    }
  }

  private async reloadDirectory(): Promise<void> {
    const since = this.board.mark();
    const pushesBefore = this.cameraPushCount;
    try {
      await refreshDirectory(this.dir);
    } catch {
      // The hub is unreachable again: the next reconnect asks once more.
      return;
    }
    for (const c of this.dir.cameras) {
      const p = this.cameraPushes.get(`${c.siteId}/${c.id}`);
      if (p && p.n > pushesBefore) c.availability = p.availability;
    }
    this.onSites();
    this.map()?.syncDirectory();
    await this.reloadBoard(since);
  }

  /** The board's rows from REST; pushes that arrive meanwhile win (StatusBoard.mark). */
  private async reloadBoard(since = this.board.mark()): Promise<void> {
    try {
      this.board.load(await loadDevices(), this.dir.cameras, since);
      const c = await getJson<{ sites: SiteCommissioning[] }>('/api/commissioning').catch(() => ({ sites: [] as SiteCommissioning[] }));
      for (const site of c.sites) this.board.commissioning(site);
    } catch {
      // The hub is unreachable: the board keeps what it has; the next reconnect reloads it.
    }
  }
}
