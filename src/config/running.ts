/**
 * The configuration a running hub works with, swapped as one on hot reload: the Config, its
 * directory (lookups by id), the profile registry and the problems of the files.
 *
 * Modules that must see reloads hold this object (or a getter over it), never a Config captured at
 * start. It also answers the name lookups dispatch asks for (its `Directory` interface) from the
 * current directory, and holds the workflow view (its `WorkflowSource`), so a reload renames
 * incidents' sites and cells and changes units, contacts and rules without rewiring dispatch.
 */
import type { Problem } from '../core/problems.js';
import type { ProfileRegistry } from '../profiles/types.js';
import { ConfigDirectory } from './directory.js';
import type { Config } from './model.js';
import type { ReceivingPoint, ReceivingTier } from '../contract/routing.js';
import { type WorkflowView, workflowView } from './workflow-view.js';

export interface ConfigState {
  config: Config;
  profiles: ProfileRegistry;
  problems: Problem[];
}

export class RunningConfig {
  private state: ConfigState;
  private currentDirectory: ConfigDirectory;
  /** Built on first use after each load (a config without triage or stations never needs it). */
  private currentWorkflow: WorkflowView | null = null;

  constructor(state: ConfigState) {
    this.state = state;
    this.currentDirectory = new ConfigDirectory(state.config);
  }

  /**
   * The current config, directory and problems as functions a module can hold (api, auth, ingest,
   * reports): each call reads what the last reload swapped in, and no closure of app/ sits on the path.
   */
  readonly readConfig = (): Config => this.state.config;
  readonly readDirectory = (): ConfigDirectory => this.currentDirectory;
  readonly readProblems = (): Problem[] => this.state.problems;

  get config(): Config {
    return this.state.config;
  }

  get profiles(): ProfileRegistry {
    return this.state.profiles;
  }

  get problems(): Problem[] {
    return this.state.problems;
  }

  get directory(): ConfigDirectory {
    return this.currentDirectory;
  }

  /** Hot reload: the new config, its problems and profiles take effect together. */
  replace(next: ConfigState): void {
    this.state = next;
    this.currentDirectory = new ConfigDirectory(next.config);
    this.currentWorkflow = null;
  }

  /** The 110 workflow's view of the current config (dispatch's WorkflowSource). */
  get workflow(): WorkflowView {
    this.currentWorkflow ??= workflowView(this.state.config, this.currentDirectory);
    return this.currentWorkflow;
  }

  siteName(siteId: string): string | null {
    return this.currentDirectory.siteName(siteId);
  }

  cellName(cellId: string): string | null {
    return this.currentDirectory.cellName(cellId);
  }

  stationName(stationId: string): string | null {
    return this.currentDirectory.stationName(stationId);
  }

  stationParent(stationId: string): string | null {
    return this.currentDirectory.stationParent(stationId);
  }

  stationCode(stationId: string): string | null {
    return this.currentDirectory.stationCode(stationId);
  }

  receivingPoints(tier: ReceivingTier): readonly ReceivingPoint[] {
    return this.currentDirectory.receivingPoints(tier);
  }

  cellPost(cellId: string): string | null {
    return this.currentDirectory.cellPost(cellId);
  }
}
