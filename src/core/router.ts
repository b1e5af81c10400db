/** The router moved to src/conversation/ (a pipeline of small steps); this keeps old imports working. */
export { createRouter, type RouterDeps } from '../conversation/router.js';
