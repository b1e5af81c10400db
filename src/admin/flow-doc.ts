import { isDeepStrictEqual } from 'node:util';
import { Document, isCollection, isMap, isNode, isPair, isScalar, isSeq, Pair, parseDocument, visit, YAMLMap, YAMLSeq, type Node, type ToStringOptions } from 'yaml';

/**
 * Edits of a flow's YAML text for the visual editor. Each edit is applied with the `yaml`
 * Document API and written back by splicing only the text of the nodes it touched: comments,
 * key order, blank lines and the style of every other scalar and collection stay byte for byte,
 * so a one-word change is a one-line diff. If a splice ever disagrees with the Document API's
 * own result, the whole document is re-serialised instead (correct, just a bigger diff).
 */

export type EditPath = (string | number)[];

export type EditOp =
  /** Sets the value at `path`, creating missing parents; collections are merged item by item. */
  | { op: 'set'; path: EditPath; value: unknown }
  | { op: 'delete'; path: EditPath }
  /** Inserts into the list at `path` (at the end without `index`). */
  | { op: 'insert'; path: EditPath; index?: number; value: unknown }
  /** Moves an item of the list or map at `path` from one position to another. */
  | { op: 'move'; path: EditPath; from: number; to: number };

export class EditError extends Error {}

/** How new text is written: double-quoted strings (plain for ids), `[ a, b ]` flow lists kept on one line. */
const OUT: ToStringOptions = { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', doubleQuotedAsJSON: true, indentSeq: true };
const ID_LIKE = /^[a-z][a-z0-9_.-]*$/;

/** Applies the edits in order and returns the new text. Throws EditError when the text is not valid YAML. */
export function applyEdits(text: string, ops: readonly EditOp[]): string {
  let out = text;
  for (const op of ops) out = applyOne(out, op);
  return out;
}

function parse(text: string): Document.Parsed {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) throw new EditError('Nội dung YAML đang có lỗi cú pháp: sửa lỗi đó trong thẻ "Nâng cao (YAML)" trước khi sửa bằng biểu mẫu.');
  return doc;
}

function applyOne(text: string, given: EditOp): string {
  const expected = parse(text);
  const op = keepBlockEnding(expected, given);
  try {
    viaDocumentApi(expected, op);
  } catch (err) {
    if (err instanceof EditError) throw err;
    // e.g. a path that runs through a plain value (`text.vi` where `text` is a string).
    throw new EditError(`Không sửa được "${op.path.join('.')}": nội dung ở đó không có dạng như biểu mẫu cần. Anh/chị sửa trong thẻ "Nâng cao (YAML)".`);
  }
  const want = expected.toJS() as unknown;
  const good = (out: string | null): out is string => {
    if (out === null) return false;
    const check = parseDocument(out, { prettyErrors: false });
    return !check.errors.length && isDeepStrictEqual(check.toJS(), want);
  };
  const attempt = (f: () => string | null) => {
    try {
      return f();
    } catch {
      return null;
    }
  };
  const spliced = attempt(() => splice(text, op));
  if (good(spliced)) return spliced;
  // Next best: rewrite the smallest whole item (an option, a step) around the change.
  for (let n = op.path.length; n >= 1; n--) {
    const around = attempt(() => replaceAround(text, expected, op.path.slice(0, n)));
    if (good(around)) return around;
  }
  return expected.toString(OUT);
}

/** A text box gives no final newline: a `|` block that had one keeps it. */
function keepBlockEnding(doc: Document, op: EditOp): EditOp {
  if (op.op !== 'set' || typeof op.value !== 'string' || op.value.endsWith('\n')) return op;
  const old = doc.getIn(op.path, true);
  const block = isScalar(old) && (old.type === 'BLOCK_LITERAL' || old.type === 'BLOCK_FOLDED') && String(old.value).endsWith('\n');
  return block ? { ...op, value: `${op.value}\n` } : op;
}

// ---------------------------------------------------------------------------------------------
// The reference result: the Document API alone.

function newNode(doc: Document, value: unknown): Node {
  const node = doc.createNode(value) as Node;
  visit(node, {
    Scalar(_, s) {
      if (typeof s.value === 'string' && ID_LIKE.test(s.value)) s.type = 'PLAIN';
    },
  });
  return node;
}

function viaDocumentApi(doc: Document, op: EditOp): void {
  switch (op.op) {
    case 'set':
      if (!op.path.length) doc.contents = newNode(doc, op.value) as never;
      else doc.setIn(op.path, newNode(doc, op.value));
      return;
    case 'delete':
      doc.deleteIn(op.path);
      return;
    case 'insert': {
      const seq = doc.getIn(op.path, true);
      if (seq === undefined || seq === null || (isScalar(seq) && seq.value === null)) {
        doc.setIn(op.path, newNode(doc, [op.value]));
        return;
      }
      if (!isSeq(seq)) throw new EditError(`"${op.path.join('.')}" không phải là danh sách.`);
      seq.items.splice(op.index ?? seq.items.length, 0, newNode(doc, op.value));
      return;
    }
    case 'move': {
      const coll = doc.getIn(op.path, true);
      if (!isSeq(coll) && !isMap(coll)) throw new EditError(`"${op.path.join('.')}" không phải là danh sách.`);
      const items = coll.items as unknown[];
      if (op.from < 0 || op.from >= items.length || op.to < 0 || op.to >= items.length) throw new EditError('Vị trí cần chuyển không có.');
      const [item] = items.splice(op.from, 1);
      items.splice(op.to, 0, item);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Text splicing.

interface Located {
  node: Node | null | undefined;
  /** The collection holding the node, and the node's key or index in it. */
  parent?: YAMLMap | YAMLSeq;
  key?: string | number;
}

function locate(doc: Document, path: EditPath): Located {
  let node: unknown = doc.contents;
  let loc: Located = { node: node as Node };
  for (const [i, key] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      loc = { node: pair ? (pair.value as Node | null) : undefined, parent: node, key };
    } else if (isSeq(node) && typeof key === 'number') {
      loc = { node: (node.items[key] as Node | undefined) ?? undefined, parent: node, key };
    } else return { node: undefined };
    node = loc.node;
    if (node === undefined) {
      // Only the last step of the path may be missing.
      return i === path.length - 1 ? loc : { node: undefined };
    }
  }
  return loc;
}

const lineStart = (text: string, pos: number) => text.lastIndexOf('\n', pos - 1) + 1;
const lineEnd = (text: string, pos: number) => {
  if (pos > 0 && text[pos - 1] === '\n') return pos;
  const i = text.indexOf('\n', pos);
  return i < 0 ? text.length : i + 1;
};
const indent = (block: string, col: number) => block.replace(/^(?=.)/gm, ' '.repeat(col));

function rangeOf(n: unknown): [number, number, number] | undefined {
  return (n as { range?: [number, number, number] } | null)?.range ?? undefined;
}

/** Where the item starts (key for a pair, the node for a list item). */
function itemStart(item: unknown): number | undefined {
  return isPair(item) ? rangeOf(item.key)?.[0] : rangeOf(item)?.[0];
}
function itemEnd(item: unknown): number | undefined {
  if (isPair(item)) return rangeOf(item.value)?.[1] ?? rangeOf(item.key)?.[1];
  return rangeOf(item)?.[1];
}

/**
 * The text spans of a block collection's items, each from the start of its line to the start of
 * the next item's line (the last one to the end of its own line). Null when the collection is
 * written in flow style or starts mid-line (a map that begins right after a list's "- ").
 */
function spans(text: string, coll: YAMLMap | YAMLSeq): { start: number; end: number; col: number }[] | null {
  if (coll.flow || !coll.items.length) return null;
  const starts: number[] = [];
  let col = -1;
  for (const item of coll.items) {
    const at = itemStart(item);
    if (at === undefined) return null;
    const ls = lineStart(text, at);
    const prefix = text.slice(ls, at);
    if (isSeq(coll) ? !/^ *- *$/.test(prefix) : !/^ *$/.test(prefix)) return null;
    col = isSeq(coll) ? prefix.indexOf('-') : prefix.length;
    starts.push(ls);
  }
  const last = itemEnd(coll.items.at(-1));
  if (last === undefined) return null;
  const end = lineEnd(text, last);
  return starts.map((start, i) => ({ start, end: starts[i + 1] ?? end, col }));
}

function renderIn(parent: YAMLMap | YAMLSeq, key: string | number, value: Node | unknown): string {
  const doc = new Document();
  const node = isNode(value) ? value : newNode(doc, value);
  if (isMap(parent)) {
    const map = new YAMLMap();
    map.items.push(new Pair(newNode(doc, key), node));
    doc.contents = map;
  } else {
    const seq = new YAMLSeq();
    seq.items.push(node);
    doc.contents = seq;
  }
  return doc.toString(OUT);
}

function renderNode(node: Node, extra: ToStringOptions = {}): string {
  const doc = new Document();
  doc.contents = node;
  return doc.toString({ ...OUT, ...extra }).replace(/\n$/, '');
}

function renderScalar(text: string, old: Node, value: unknown, inFlow: boolean): string | null {
  if (!isScalar(old)) return null;
  const r = rangeOf(old)!;
  if (typeof value === 'string' && (old.type === 'BLOCK_LITERAL' || old.type === 'BLOCK_FOLDED')) {
    const body = text.slice(r[0], r[1]);
    const contentIndent = /\n( +)\S/.exec(body)?.[1] ?? ' '.repeat(lineStartCol(text, r[0]) + 2);
    const lines = value.replace(/\n$/, '').split('\n');
    return `|${value.endsWith('\n') ? '' : '-'}\n${lines.map((l) => (l ? contentIndent + l : '')).join('\n')}\n`;
  }
  const doc = new Document();
  const node = doc.createNode(value) as Node;
  if (isScalar(node) && typeof value === 'string') {
    let type = old.type === 'BLOCK_LITERAL' || old.type === 'BLOCK_FOLDED' ? 'QUOTE_DOUBLE' : old.type;
    if (value.includes('\n') || (inFlow && type === 'PLAIN' && /[,[\]{}#]|: /.test(value))) type = 'QUOTE_DOUBLE';
    node.type = type;
  }
  doc.contents = node;
  return doc.toString(OUT).replace(/\n$/, '');
}
const lineStartCol = (text: string, pos: number) => pos - lineStart(text, pos);

const isPlainObject = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const isScalarValue = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** Returns the spliced text, or null when this edit has no minimal splice (the caller re-serialises). */
function splice(text: string, op: EditOp): string | null {
  switch (op.op) {
    case 'set':
      return spliceSet(text, op.path, op.value);
    case 'delete':
      return spliceDelete(text, op.path);
    case 'insert': {
      const doc = parse(text);
      const { node } = locate(doc, op.path);
      if (!isSeq(node)) return spliceSet(text, op.path, [op.value]);
      return spliceInsert(text, op.path, op.index ?? node.items.length, op.value);
    }
    case 'move':
      return spliceMove(text, op.path, op.from, op.to);
  }
}

function spliceSet(text: string, path: EditPath, value: unknown): string | null {
  const doc = parse(text);
  const at = locate(doc, path);
  const { node, parent, key } = at;
  if (node !== undefined && node !== null) {
    if (isScalar(node) && isScalarValue(value)) {
      if (node.value === value) return text;
      const out = renderScalar(text, node, value, Boolean(parent?.flow));
      if (out === null) return null;
      const r = rangeOf(node)!;
      return text.slice(0, r[0]) + out + text.slice(r[1]);
    }
    if (isCollection(node) && ((isMap(node) && isPlainObject(value)) || (isSeq(node) && Array.isArray(value)))) {
      if (isDeepStrictEqual(node.toJS(doc), value)) return text;
      if (node.flow) return reRenderFlowNode(text, node, (coll) => mergeInto(doc, coll, value));
      return mergeCollection(text, path, node, value);
    }
    return replaceItem(text, doc, at, value);
  }
  if (path.length === 0) return null;
  if (!parent) {
    // A parent is missing too: create the nearest missing parent with this value inside it.
    const last = path.at(-1)!;
    return spliceSet(text, path.slice(0, -1), typeof last === 'number' ? [value] : { [last]: value });
  }
  if (node === null) return replaceItem(text, doc, at, value);
  if (isSeq(parent)) return key === parent.items.length ? spliceInsert(text, path.slice(0, -1), parent.items.length, value) : null;
  // A new key in a map: written after its last item.
  if (parent.flow) return reRenderFlow(text, doc, path.slice(0, -1), (coll) => (coll as YAMLMap).set(key, newNode(doc, value)));
  const s = spans(text, parent);
  if (!s) return null;
  const end = s.at(-1)!.end;
  const gap = text[end - 1] === '\n' || end === 0 ? '' : '\n';
  return text.slice(0, end) + gap + indent(renderIn(parent, key!, value), s[0]!.col) + text.slice(end);
}

function mergeCollection(text: string, path: EditPath, node: YAMLMap | YAMLSeq, value: unknown): string | null {
  let out: string | null = text;
  if (isMap(node)) {
    const obj = value as Record<string, unknown>;
    const oldKeys = node.items.map((p) => (isScalar(p.key) ? String(p.key.value) : ''));
    for (const k of oldKeys) if (!(k in obj) && out !== null) out = spliceDelete(out, [...path, k]);
    for (const [k, v] of Object.entries(obj)) if (out !== null) out = spliceSet(out, [...path, k], v);
    return out;
  }
  const list = value as unknown[];
  const oldLength = node.items.length;
  for (let i = oldLength - 1; i >= list.length && out !== null; i--) out = spliceDelete(out, [...path, i]);
  list.forEach((v, i) => {
    if (out === null) return;
    out = i < oldLength ? spliceSet(out, [...path, i], v) : spliceInsert(out, path, i, v);
  });
  return out;
}

/** Replaces the whole item holding the node (a value of another kind than the old one). */
function replaceItem(text: string, doc: Document, at: Located, value: unknown): string | null {
  const { parent, key } = at;
  if (!parent || key === undefined) return null;
  const index = isMap(parent) ? parent.items.findIndex((p) => isScalar(p.key) && String(p.key.value) === String(key)) : (key as number);
  if (parent.flow) return reRenderFlowNode(text, parent, (coll) => coll.set(key, newNode(doc, value)));
  const s = spans(text, parent);
  if (!s || !s[index]) return null;
  const { start, end, col } = s[index]!;
  // Blank lines and comments after the item stay where they are.
  const trailing = itemEnd(parent.items[index]);
  const after = trailing === undefined ? end : Math.min(lineEnd(text, trailing), end);
  return text.slice(0, start) + indent(renderIn(parent, key, value), col) + text.slice(after);
}

/** Writes the node at `path` of the edited document over the text of the same item in `text`. */
function replaceAround(text: string, edited: Document, path: EditPath): string | null {
  const fresh = edited.getIn(path, true);
  if (!isNode(fresh)) return null;
  const at = locate(parse(text), path);
  if (!at.parent || at.key === undefined || at.parent.flow) return null;
  const s = spans(text, at.parent);
  const index = isMap(at.parent) ? at.parent.items.findIndex((p) => isScalar(p.key) && String(p.key.value) === String(at.key)) : (at.key as number);
  if (!s || !s[index]) return null;
  const trailing = itemEnd(at.parent.items[index]);
  const after = trailing === undefined ? s[index]!.end : Math.min(lineEnd(text, trailing), s[index]!.end);
  return text.slice(0, s[index]!.start) + indent(renderIn(at.parent, at.key, fresh), s[index]!.col) + text.slice(after);
}

function reRenderFlow(text: string, doc: Document, path: EditPath, change: (coll: YAMLMap | YAMLSeq) => void): string | null {
  const { node } = locate(doc, path);
  if (!isCollection(node)) return null;
  return reRenderFlowNode(text, node, change);
}

/** Rewrites a one-line flow collection (`[ a, b ]`, `{ vi: …, en: … }`) after `change`, with the same padding. */
function reRenderFlowNode(text: string, node: YAMLMap | YAMLSeq, change: (coll: YAMLMap | YAMLSeq) => void): string | null {
  const r = rangeOf(node);
  if (!r) return null;
  const padded = text[r[0] + 1] === ' ';
  change(node);
  // Comments after the collection lie outside the spliced range and stay as they are.
  node.comment = null;
  node.commentBefore = null;
  // New strings take the quoting of their siblings.
  const sibling = node.items.map((i) => (isPair(i) ? i.value : i)).find((v) => isScalar(v) && v.type);
  for (const item of node.items) {
    const v = isPair(item) ? item.value : item;
    if (isScalar(v) && !v.type && typeof v.value === 'string' && isScalar(sibling)) v.type = sibling.type;
  }
  return text.slice(0, r[0]) + renderNode(node, { flowCollectionPadding: padded }) + text.slice(r[1]);
}

/** Merges plain data into a collection node, keeping the style of the scalars that stay. */
function mergeInto(doc: Document, coll: YAMLMap | YAMLSeq, value: unknown): void {
  const put = (old: unknown, v: unknown, assign: (n: unknown) => void) => {
    if (isScalar(old) && isScalarValue(v)) old.value = v;
    else assign(newNode(doc, v));
  };
  if (isMap(coll)) {
    const obj = value as Record<string, unknown>;
    coll.items = coll.items.filter((p) => isScalar(p.key) && String(p.key.value) in obj);
    for (const [k, v] of Object.entries(obj)) put(coll.get(k, true), v, (n) => coll.set(k, n));
    return;
  }
  const list = value as unknown[];
  coll.items.length = Math.min(coll.items.length, list.length);
  list.forEach((v, i) => put(coll.items[i], v, (n) => (coll.items[i] = n)));
}

function spliceDelete(text: string, path: EditPath): string | null {
  if (!path.length) return null;
  const doc = parse(text);
  const { node, parent, key } = locate(doc, path);
  if (node === undefined || !parent) return text;
  if (parent.flow) return reRenderFlowNode(text, parent, (coll) => coll.delete(key));
  const index = isMap(parent) ? parent.items.findIndex((p) => isScalar(p.key) && String(p.key.value) === String(key)) : (key as number);
  // The last item of a block collection: the collection becomes an empty flow one.
  if (parent.items.length === 1) return spliceSet(text, path.slice(0, -1), isMap(parent) ? {} : []);
  const s = spans(text, parent);
  if (!s || !s[index]) return null;
  return text.slice(0, s[index]!.start) + text.slice(s[index]!.end);
}

function spliceInsert(text: string, path: EditPath, index: number, value: unknown): string | null {
  const doc = parse(text);
  const { node } = locate(doc, path);
  if (!isSeq(node)) return null;
  if (node.flow) return reRenderFlowNode(text, node, (seq) => (seq as YAMLSeq).items.splice(index, 0, newNode(doc, value)));
  const s = spans(text, node);
  if (!s) return null;
  const at = index < s.length ? s[index]!.start : s.at(-1)!.end;
  const gap = at > 0 && text[at - 1] !== '\n' ? '\n' : '';
  return text.slice(0, at) + gap + indent(renderIn(node, index, value), s[0]!.col) + text.slice(at);
}

function spliceMove(text: string, path: EditPath, from: number, to: number): string | null {
  const doc = parse(text);
  const { node } = locate(doc, path);
  if (!isSeq(node) && !isMap(node)) return null;
  if (from === to) return text;
  if (node.flow) {
    return reRenderFlowNode(text, node, (coll) => {
      const items = coll.items as unknown[];
      items.splice(to, 0, ...items.splice(from, 1));
    });
  }
  const s = spans(text, node);
  if (!s || !s[from] || !s[to]) return null;
  const parts = s.map((x) => text.slice(x.start, x.end)).map((p) => (p.endsWith('\n') ? p : p + '\n'));
  parts.splice(to, 0, ...parts.splice(from, 1));
  const start = s[0]!.start;
  const end = s.at(-1)!.end;
  let joined = parts.join('');
  if (!text.slice(start, end).endsWith('\n')) joined = joined.replace(/\n$/, '');
  return text.slice(0, start) + joined + text.slice(end);
}

/** The document as plain data for the editor's forms (null when the YAML does not parse). */
export function flowData(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false });
  return doc.errors.length ? null : (doc.toJS() as unknown);
}

/** Vietnamese names of the step types, for the editor and its help. */
export const STEP_TYPE_NAMES = {
  say: 'Gửi tin nhắn',
  choose: 'Hỏi có lựa chọn',
  ask: 'Hỏi thông tin',
  branch: 'Rẽ nhánh theo điều kiện',
  lookup: 'Tra cứu thủ tục',
  handoff: 'Chuyển cán bộ',
  end: 'Kết thúc',
  goto: 'Sang luồng khác',
} as const;
