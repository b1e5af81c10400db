export { createZaloChannel, ZALO_WEBHOOK_PATH } from './channel.js';
export { createZaloClient, ZaloApiError, type ZaloClient, type ZaloUpdate } from './client.js';
export { renderReply, splitText } from './render.js';
