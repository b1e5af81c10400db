import { stringify } from 'csv-stringify/sync';

/**
 * CSV for spreadsheets staff open in Excel or LibreOffice: RFC 4180 through csv-stringify, CRLF
 * line ends, and a guard against formula injection. A text cell that a spreadsheet would evaluate
 * (starting with = + - @, a tab or a carriage return) gets a leading `'`. To keep the round
 * trip exact, a text that already starts with quotes before such a character gets one more, and
 * unguardCell() removes exactly one.
 */

const GUARDED = /^'*[=+\-@\t\r]/;

/** Adds the formula guard to a text cell when a spreadsheet would evaluate it. */
export function guardCell(text: string): string {
  return GUARDED.test(text) ? `'${text}` : text;
}

/** Removes the guard guardCell() added (and nothing else). */
export function unguardCell(text: string): string {
  return text.startsWith("'") && GUARDED.test(text.slice(1)) ? text.slice(1) : text;
}

/** One CSV document: a header row, then the rows, with cells already turned into text. */
export function writeCsv(header: string[], rows: string[][]): string {
  // A line break of either kind inside a cell is quoted, whatever the record delimiter.
  return stringify([header, ...rows], { record_delimiter: 'windows', quoted_match: /[\r\n]/ });
}
