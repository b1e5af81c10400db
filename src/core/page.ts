/** Paged lists, shared by every store and the folders that define their stores' shape. */

/** A page request: at most `limit` items after the opaque cursor `after`. */
export interface PageQuery {
  limit?: number;
  /** Opaque cursor from a previous page's `next`. */
  after?: string;
}

/** One page of a list, in a stable order; `next` is the cursor of the following page (null at the end). */
export interface Page<T> {
  items: T[];
  next: string | null;
}
