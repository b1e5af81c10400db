export { createTelegramChannel, TELEGRAM_WEBHOOK_PATH, type TelegramOptions } from './channel.js';
