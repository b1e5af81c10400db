import { describe, expect, it } from 'vitest';
import { diffLines, MAX_EDIT_LINES } from '../../src/admin/diff.js';

const flow = (n: number, edit: (i: number) => string | undefined = () => undefined) =>
  Array.from({ length: n }, (_, i) => edit(i) ?? `  step_${i}: { type: say, text: { vi: "Bước ${i}" } }`).join('\n');
const changed = (lines: ReturnType<typeof diffLines>) => lines.filter((l) => l.op !== ' ');

describe('flow version diff', () => {
  it('shows a one-word change as one removed and one added line, with their line numbers', () => {
    const a = flow(300);
    const b = flow(300, (i) => (i === 120 ? '  step_120: { type: say, text: { vi: "Bước mới" } }' : undefined));
    const lines = diffLines(a, b);
    expect(changed(lines)).toEqual([
      { op: '-', text: '  step_120: { type: say, text: { vi: "Bước 120" } }', line: 121 },
      { op: '+', text: '  step_120: { type: say, text: { vi: "Bước mới" } }', line: 121 },
    ]);
    expect(lines).toHaveLength(301);
    expect(lines.filter((l) => l.op !== '+').map((l) => l.line)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('numbers kept and removed lines in the old text and added lines in the new one', () => {
    expect(diffLines('1\n2\n3\n4', '0\n1\n3\n4\n5')).toEqual([
      { op: '+', text: '0', line: 1 },
      { op: ' ', text: '1', line: 1 },
      { op: '-', text: '2', line: 2 },
      { op: ' ', text: '3', line: 3 },
      { op: ' ', text: '4', line: 4 },
      { op: '+', text: '5', line: 5 },
    ]);
  });

  it('treats a final line break as a last empty line and keeps carriage returns in the text', () => {
    expect(changed(diffLines('a\nb', 'a\nb\n'))).toEqual([{ op: '+', text: '', line: 3 }]);
    expect(changed(diffLines('a\r\nb\r\n', 'a\r\nc\r\n'))).toEqual([
      { op: '-', text: 'b\r', line: 2 },
      { op: '+', text: 'c\r', line: 2 },
    ]);
    expect(diffLines('same', 'same')).toEqual([{ op: ' ', text: 'same', line: 1 }]);
    expect(diffLines('', 'x')).toEqual([
      { op: '-', text: '', line: 1 },
      { op: '+', text: 'x', line: 1 },
    ]);
  });

  it('matches scattered edits line by line below the limit', () => {
    const edit = (tag: string) => (i: number) => (i % 16 === 0 ? `  step_${i}: ${tag}` : undefined);
    // No time bound here: a loaded CI machine must not turn this into the fallback.
    const lines = diffLines(flow(4000, edit('cũ')), flow(4000, edit('mới')), { timeoutMs: 600_000 });
    expect(changed(lines)).toHaveLength(500);
    expect(lines.filter((l) => l.op === ' ')).toHaveLength(3750);
  });

  it('shows a rewrite with more changed lines than the limit as the old middle removed and the new one added, head and tail kept', () => {
    const n = MAX_EDIT_LINES * 2;
    const a = ['head', ...Array.from({ length: n }, (_, i) => `cũ ${i}`), 'tail'].join('\n');
    const b = ['head', ...Array.from({ length: n }, (_, i) => `mới ${i}`), 'tail'].join('\n');
    const lines = diffLines(a, b);
    expect(lines[0]).toEqual({ op: ' ', text: 'head', line: 1 });
    expect(lines.at(-1)).toEqual({ op: ' ', text: 'tail', line: n + 2 });
    expect(lines.slice(1, n + 1).every((l, i) => l.op === '-' && l.line === i + 2)).toBe(true);
    expect(lines.slice(n + 1, 2 * n + 1).every((l, i) => l.op === '+' && l.line === i + 2)).toBe(true);
  });
});
