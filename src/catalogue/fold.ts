// Temporary: moved to text/vi/fold.ts (issue 17); removed once every importer has moved.
export * from '../text/vi/fold.js';
