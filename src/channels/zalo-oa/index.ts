export { createZaloOaChannel, RecipientUnreachableError, REPLIES_PER_WINDOW, ZALO_OA_CALLBACK_PATH, ZALO_OA_EVENTS, ZALO_OA_WEBHOOK_PATH } from './channel.js';
