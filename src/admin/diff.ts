/** Line diff (longest common subsequence) for comparing flow versions; fine for files of a few thousand lines. */
export interface DiffLine {
  op: ' ' | '+' | '-';
  text: string;
  /** Line number in the old (for ' ' and '-') or new (for '+') text. */
  line: number;
}

export function diffLines(a: string, b: string): DiffLine[] {
  const x = a.split('\n');
  const y = b.split('\n');
  // Trim the common head and tail so the quadratic table only covers the changed middle.
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const n = xs.length;
  const m = ys.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = xs[i] === ys[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffLine[] = x.slice(0, head).map((text, i) => ({ op: ' ', text, line: i + 1 }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && xs[i] === ys[j]) {
      out.push({ op: ' ', text: xs[i]!, line: head + i + 1 });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push({ op: '+', text: ys[j]!, line: head + j + 1 });
      j++;
    } else {
      out.push({ op: '-', text: xs[i]!, line: head + i + 1 });
      i++;
    }
  }
  for (let k = x.length - tail; k < x.length; k++) out.push({ op: ' ', text: x[k]!, line: k + 1 });
  return out;
}
