export { createWebChannel } from './web.js';
