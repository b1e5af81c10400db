import { diffLines as jsDiffLines } from 'diff';

/**
 * Line diff for comparing flow versions, on the `diff` package (Myers' O(ND) algorithm: a
 * one-line change in a long flow costs one pass, not a table of every line pair).
 */
export interface DiffLine {
  op: ' ' | '+' | '-';
  text: string;
  /** Line number in the old (for ' ' and '-') or new (for '+') text. */
  line: number;
}

/**
 * Beyond this many changed lines the search for the shortest diff stops (its cost grows with the
 * square of the changes) and the changed middle is shown as removed, then added. An edit made in
 * the editor changes a few lines; only a rewrite of a very long flow reaches this.
 */
export const MAX_EDIT_LINES = 1000;
/** Nor does the search hold the event loop longer than this (the same fallback applies). */
export const MAX_DIFF_MS = 250;

/** The lines of `a` and `b` (split on "\n", a final line break gives a last empty line) as kept, removed and added. */
export function diffLines(a: string, b: string, opts: { timeoutMs?: number } = {}): DiffLine[] {
  const x = a.split('\n');
  const y = b.split('\n');
  // The common head and tail need no search (a one-word edit leaves one line in between).
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const text = (lines: string[]) => lines.map((l) => `${l}\n`).join('');
  // Every line ends with "\n" for the package, so a last line with or without a line break compares as a line.
  const middle = (minEdits(xs, ys) <= MAX_EDIT_LINES && jsDiffLines(text(xs), text(ys), { maxEditLength: MAX_EDIT_LINES, timeout: opts.timeoutMs ?? MAX_DIFF_MS })) || [
    { value: text(xs), count: xs.length, added: false, removed: true },
    { value: text(ys), count: ys.length, added: true, removed: false },
  ];
  const out: DiffLine[] = x.slice(0, head).map((t, i) => ({ op: ' ', text: t, line: i + 1 }));
  let oldLine = head + 1;
  let newLine = head + 1;
  for (const c of middle) {
    const lines = c.value.split('\n');
    lines.pop(); // the value ends with its last line's "\n"
    for (const t of lines) {
      if (c.added) out.push({ op: '+', text: t, line: newLine++ });
      else if (c.removed) out.push({ op: '-', text: t, line: oldLine++ });
      else out.push({ op: ' ', text: t, line: (newLine++, oldLine++) });
    }
  }
  for (let k = x.length - tail; k < x.length; k++) out.push({ op: ' ', text: x[k]!, line: k + 1 });
  return out;
}

/** A lower bound on the changed lines: lines of one side that the other side cannot match. */
function minEdits(xs: string[], ys: string[]): number {
  const counts = new Map<string, number>();
  for (const l of xs) counts.set(l, (counts.get(l) ?? 0) + 1);
  let common = 0;
  for (const l of ys) {
    const n = counts.get(l);
    if (n) {
      common++;
      counts.set(l, n - 1);
    }
  }
  return xs.length + ys.length - 2 * common;
}
