// Worker entry: TypeScript for this thread too (tsx), then the load generator.
import { register } from 'tsx/esm/api';

register();
await import('./webhook-load.ts');
