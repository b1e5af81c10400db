/**
 * Shortens `text` to at most `max` characters, cutting at the last word boundary and ending
 * with "…", so a shortened message never ends mid-word ("Cơ quan kiểm tra hồ s").
 * A single word longer than most of the room (a URL) is cut where it has to be.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = text.slice(0, max);
  const space = room.search(/\s\S*$/u);
  const head = space >= max * 0.6 ? room.slice(0, space) : room.slice(0, max - 1);
  return head.replace(/[\s,;:–-]+$/u, '') + '…';
}
