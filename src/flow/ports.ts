/**
 * What the flows need from a store (implemented in src/store/ for each backend): versions are
 * immutable and numbered inside the store.
 */

/** A publish or rollback that expected the flow to be at one version found it at another. */
export class VersionConflictError extends Error {
  constructor(
    readonly flowId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`Flow "${flowId}" is at version ${actual}, not ${expected}`);
    this.name = 'VersionConflictError';
  }
}

export interface FlowVersion {
  version: number;
  /** The YAML text as staff wrote it. */
  yaml: string;
  publishedAt: number;
  publishedBy: string;
  note?: string;
}

export interface FlowRecord {
  id: string;
  /** Version citizens get when they start the flow now. */
  current: number;
  versions: FlowVersion[];
  draft: { yaml: string; updatedAt: number; updatedBy: string } | null;
  disabled: boolean;
}

export interface FlowStore {
  list(): Promise<FlowRecord[]>;
  get(id: string): Promise<FlowRecord | undefined>;
  /**
   * Appends an immutable version, numbered inside the store's own transaction, and makes it
   * current. Throws VersionConflictError when `expectedCurrent` is given and differs.
   */
  publish(id: string, yaml: string, by: string, at: number, opts?: { note?: string; expectedCurrent?: number }): Promise<FlowVersion>;
  /** Makes an earlier version current again (recorded as a new version copying it). */
  rollback(id: string, version: number, by: string, at: number, opts?: { expectedCurrent?: number }): Promise<FlowVersion>;
  saveDraft(id: string, yaml: string, by: string, at: number): Promise<void>;
  /** Returns the draft it dropped (null when there was none). */
  discardDraft(id: string): Promise<FlowRecord['draft']>;
  /** Returns the previous value. */
  setDisabled(id: string, disabled: boolean): Promise<boolean>;
}
