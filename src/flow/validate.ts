import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { flowSchema, stepSchema, type Flow, type Step } from './schema.js';
import { stepExits } from './graph.js';
import { STEP_EXECUTORS } from './engine.js';
import { VALIDATOR_REGISTRY } from './validators.js';
import { stripMarks } from '../text/vi/fold.js';
import { SECRET_WORDS } from '../text/vi/secrets.js';

export interface FlowError {
  flowId: string;
  stepId?: string;
  line?: number;
  message: string;
}

export type ParsedFlow = { ok: true; flow: Flow } | { ok: false; errors: FlowError[] };

type Path = (string | number)[];

/** A variable named after a secret, or a prompt that asks the citizen to type one (never allowed in an `ask`). */
const SECRET_VAR = new RegExp(`\\b${SECRET_WORDS}\\b`, 'i');
const SECRET_ASK = new RegExp(`\\b(enter|type|send|give|nhap|go|gui|cung cap|cho biet|doc)\\b[^.?!\\n]{0,25}\\b${SECRET_WORDS}\\b`, 'i');

/** Levenshtein distance (small strings: ids, field names). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The candidate closest to `word`, when it is close enough to be a likely typo. */
function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

const didYouMean = (word: string, candidates: Iterable<string>) => {
  const c = closest(word, candidates);
  return c ? `; có phải ý anh/chị là \`${c}\`?` : '';
};

/** The line of the node at `path` (or of the deepest part of it that exists). */
function lineOf(doc: Document, lines: LineCounter, path: Path): number | undefined {
  let node: unknown = doc.contents;
  let at: unknown = node;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      at = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key]) {
      node = node.items[key];
      at = node;
    } else break;
  }
  const range = (at as { range?: [number, number] } | undefined)?.range;
  return range ? lines.linePos(range[0]).line : undefined;
}

/** Fields a step of each type (and the flow itself) may have, read from the schema. */
const STEP_FIELDS = new Map(stepSchema.options.map((o) => [String((o.shape.type as z.ZodLiteral<string>).value), Object.keys(o.shape)]));
const FLOW_FIELDS = Object.keys(flowSchema.shape);
const TEXT_FIELDS = ['vi', 'en'];
const OPTION_FIELDS = ['label', 'next', 'set'];

const YAML_ERRORS: Record<string, string> = {
  BAD_INDENT: 'thụt lề không khớp: các mục cùng cấp phải thẳng cột với nhau',
  TAB_AS_INDENT: 'dùng dấu Tab để thụt lề; hãy dùng dấu cách',
  DUPLICATE_KEY: 'một trường xuất hiện hai lần trong cùng một khối',
  MISSING_CHAR: 'thiếu ký tự đóng (dấu ngoặc kép hoặc ngoặc vuông/nhọn)',
  MULTILINE_IMPLICIT_KEY: 'thụt lề không khớp với dòng trên hoặc thiếu dấu hai chấm sau tên trường',
  BAD_DQ_ESCAPE: 'ký tự thoát sau dấu \\ không hợp lệ trong chuỗi ngoặc kép',
  BLOCK_AS_IMPLICIT_KEY: 'thụt lề không khớp: dòng này hoặc dòng ngay sau thụt vào khác các dòng cùng cấp',
  UNEXPECTED_TOKEN: 'có ký tự không mong đợi; kiểm tra dấu hai chấm, dấu ngoặc và thụt lề',
  BAD_SCALAR_START: 'giá trị bắt đầu bằng ký tự đặc biệt; hãy đặt trong dấu ngoặc kép',
};

function describeType(expected: string): string {
  return ({ string: 'chữ', number: 'số', boolean: 'true hoặc false', object: 'một khối trường', array: 'một danh sách', record: 'một khối trường' } as Record<string, string>)[expected] ?? expected;
}

/** A zod issue in Vietnamese. */
function issueMessage(i: z.core.$ZodIssue, path: Path, value: unknown): string {
  const field = path.length ? `\`${path.at(-1)}\`` : 'nội dung';
  switch (i.code) {
    case 'invalid_type':
      if (value === undefined) return `thiếu trường ${field}`;
      return `${field} phải là ${describeType(i.expected)}`;
    case 'too_small':
      if (i.origin === 'string') return path.at(-1) === 'vi' ? 'thiếu nội dung tiếng Việt' : path.at(-1) === 'en' ? 'thiếu nội dung tiếng Anh' : `${field} không được để trống${Number(i.minimum) > 1 ? ` (ít nhất ${i.minimum} ký tự)` : ''}`;
      if (i.origin === 'array') return `${field} cần ít nhất ${i.minimum} mục`;
      return `${field} phải từ ${i.minimum} trở lên`;
    case 'too_big':
      if (i.origin === 'array') return `${field} có nhiều nhất ${i.maximum} mục`;
      if (i.origin === 'string') return `${field} dài quá ${i.maximum} ký tự`;
      return `${field} phải nhỏ hơn hoặc bằng ${i.maximum}`;
    case 'invalid_format':
      if (path[0] === 'id' && path.length === 1) return 'mã luồng chỉ gồm chữ thường không dấu, số và dấu -, 2–40 ký tự';
      if (path.at(-1) === 'url') return 'đường dẫn phải bắt đầu bằng https://';
      if (path.at(-1) === 'var') return 'tên biến chỉ gồm chữ cái không dấu, số và _, bắt đầu bằng chữ';
      return `${field}: mã bước chỉ gồm chữ thường không dấu, số, _ hoặc -, tối đa 40 ký tự`;
    case 'invalid_value':
      if (typeof value === 'string') return `${field} không nhận giá trị "${value}"${didYouMean(value, i.values.map(String))} (chọn một trong: ${i.values.join(', ')})`;
      return `${field} phải là một trong: ${i.values.join(', ')}`;
    case 'invalid_union':
      return `${field} không hợp lệ`;
    default:
      return `${field} không hợp lệ`;
  }
}

function getIn(value: unknown, path: Path): unknown {
  let v = value;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

interface Problem {
  stepId?: string;
  path: Path;
  message: string;
  /** An unknown field; `explains` is the missing field it is probably a misspelling of. */
  unknown?: { explains?: string };
}

/**
 * Unknown step types and unknown fields, checked before the schema (which would otherwise drop
 * unknown fields silently or answer "invalid discriminator"). Each comes with the closest
 * known name.
 */
function shapeProblems(raw: Record<string, unknown>): { problems: Problem[]; badSteps: Set<string> } {
  const problems: Problem[] = [];
  const badSteps = new Set<string>();
  const unknownFields = (obj: Record<string, unknown>, allowed: string[], at: Path, stepId?: string) => {
    const missing = allowed.filter((k) => !(k in obj));
    for (const k of Object.keys(obj)) {
      if (allowed.includes(k)) continue;
      const guess = closest(k, missing.length ? missing : allowed);
      problems.push({
        stepId,
        path: [...at, k],
        message: `trường \`${k}\` không dùng ở đây${guess ? `; có phải ý anh/chị là \`${guess}\`?` : ` (các trường được dùng: ${allowed.join(', ')})`}`,
        unknown: guess && missing.includes(guess) ? { explains: [...at, guess].join('.') } : {},
      });
    }
  };
  const texts = (obj: Record<string, unknown>, keys: string[], at: Path, stepId?: string) => {
    for (const k of keys) if (isObject(obj[k])) unknownFields(obj[k] as Record<string, unknown>, TEXT_FIELDS, [...at, k], stepId);
  };
  unknownFields(raw, FLOW_FIELDS, []);
  texts(raw, ['title', 'description'], []);
  if (!isObject(raw.steps)) return { problems, badSteps };
  for (const [id, s] of Object.entries(raw.steps)) {
    if (!isObject(s)) continue;
    const at: Path = ['steps', id];
    const type = typeof s.type === 'string' ? s.type : undefined;
    const fields = type ? STEP_FIELDS.get(type) : undefined;
    if (!fields) {
      badSteps.add(id);
      problems.push({
        stepId: id,
        path: [...at, 'type'],
        message: type === undefined ? 'thiếu loại bước `type`' : `không có loại bước "${type}"${didYouMean(type, STEP_FIELDS.keys())} (các loại: ${[...STEP_FIELDS.keys()].join(', ')})`,
      });
      continue;
    }
    unknownFields(s, fields, at, id);
    texts(s, ['text', 'hint'], at, id);
    if (isObject(s.link)) texts(s.link, ['label'], [...at, 'link'], id);
    if (Array.isArray(s.messages)) s.messages.forEach((m, i) => isObject(m) && unknownFields(m, TEXT_FIELDS, [...at, 'messages', i], id));
    if (Array.isArray(s.options))
      s.options.forEach((o, i) => {
        if (!isObject(o)) return;
        unknownFields(o, OPTION_FIELDS, [...at, 'options', i], id);
        texts(o, ['label'], [...at, 'options', i], id);
      });
  }
  return { problems, badSteps };
}

export interface ParseOptions {
  /**
   * Unknown fields are errors (the editor and `flows validate`). Loading stored versions leaves
   * this off, as before: an unknown field is ignored unless it is the misspelling of a required
   * field the step lacks (then the error says so).
   */
  strict?: boolean;
}

/**
 * Parses and checks a flow file: YAML syntax, schema, then the graph (unknown targets,
 * unreachable steps, dead ends, unknown validators and flows, secrets). Every error is in
 * Vietnamese and names the flow, the step and the line of the offending node; a misspelt name
 * comes with the closest known one, and one mistake gives one error (its knock-on effects, such
 * as steps left unreachable by a wrong `next`, are not reported until it is fixed).
 * `knownFlows` lists flow ids that `goto` may name.
 */
export function parseFlowYaml(text: string, knownFlows?: ReadonlySet<string>, opts: ParseOptions = {}): ParsedFlow {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length) {
    // Later syntax errors are nearly always consequences of the first: show that one.
    const e = doc.errors[0]!;
    const [from, to] = [lines.linePos(e.pos[0]).line, lines.linePos(e.pos[1]).line];
    const span = to > from ? ` (dòng ${from}–${to})` : '';
    return { ok: false, errors: [{ flowId: '(tệp)', line: from, message: `Lỗi cú pháp YAML: ${YAML_ERRORS[e.code] ?? 'cấu trúc không hợp lệ; kiểm tra thụt lề, dấu hai chấm và dấu ngoặc'}${span}` }] };
  }
  const raw = doc.toJS() as unknown;
  if (!isObject(raw)) return { ok: false, errors: [{ flowId: '(tệp)', line: 1, message: 'Nội dung phải là một khối trường (id, title, triggers, start, steps).' }] };
  const flowId = 'id' in raw ? String(raw.id) : '(chưa có mã)';
  const toErrors = (problems: Problem[]): FlowError[] => {
    const seen = new Set<string>();
    const out: FlowError[] = [];
    for (const p of problems) {
      const e: FlowError = { flowId, ...(p.stepId ? { stepId: p.stepId } : {}), line: lineOf(doc, lines, p.path), message: p.message };
      const key = `${e.line}|${e.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(e);
    }
    return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  };

  const shape = shapeProblems(raw);
  const parsed = flowSchema.safeParse(raw);
  const issues = (parsed.success ? [] : parsed.error.issues).map((i) => ({ i, path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) }));
  const missing = new Set(issues.map(({ path }) => path.join('.')));
  const kept = shape.problems.filter((p) => !p.unknown || opts.strict || (p.unknown.explains && missing.has(p.unknown.explains)));
  const explained = new Set(kept.map((p) => p.unknown?.explains));
  if (!parsed.success || kept.length) {
    const problems = [...kept];
    for (const { i, path } of issues) {
      const stepId = path[0] === 'steps' && typeof path[1] === 'string' ? path[1] : undefined;
      if (stepId && shape.badSteps.has(stepId)) continue;
      if (explained.has(path.join('.'))) continue;
      problems.push({ stepId, path, message: issueMessage(i, path, getIn(raw, path)) });
    }
    return { ok: false, errors: toErrors(problems) };
  }
  const errors = toErrors(graphProblems(parsed.data, knownFlows));
  return errors.length ? { ok: false, errors } : { ok: true, flow: parsed.data };
}


function graphProblems(flow: Flow, knownFlows?: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  const ids = Object.keys(flow.steps);
  const err = (stepId: string | undefined, path: Path, message: string) => problems.push({ stepId, path, message });
  /**
   * Missing targets, each read as the step it most likely meant (null: no close step id). The
   * reachability checks below run on that repaired graph, so a typo in a `next` does not also
   * report the steps it cut off; with a target that cannot be guessed they are left out.
   */
  const meant = new Map<string, string | null>();
  const guess = (to: string) => {
    if (!meant.has(to)) meant.set(to, closest(to, ids) ?? null);
    return meant.get(to)!;
  };
  const hint = (to: string) => {
    const g = guess(to);
    return g ? `; có phải ý anh/chị là \`${g}\`?` : ` (các bước hiện có: ${ids.join(', ')})`;
  };
  if (!flow.steps[flow.start]) err(undefined, ['start'], `bước bắt đầu "${flow.start}" không có${hint(flow.start)}`);
  for (const [id, s] of Object.entries(flow.steps)) {
    const at: Path = ['steps', id];
    if (!(s.type in STEP_EXECUTORS)) err(id, [...at, 'type'], `không có loại bước "${s.type}"`);
    for (const t of stepExits(s)) {
      if (flow.steps[t.to]) continue;
      err(id, [...at, ...t.path], `bước tiếp theo "${t.to}" không có${hint(t.to)}`);
    }
    if (s.type === 'ask') {
      if (!VALIDATOR_REGISTRY[s.validate]) err(id, [...at, 'validate'], `không có trình kiểm tra "${s.validate}"${didYouMean(s.validate, Object.keys(VALIDATOR_REGISTRY))}`);
      if (s.validate === 'pattern') {
        if (!s.pattern) err(id, [...at, 'validate'], 'trình kiểm tra "pattern" cần thêm trường `pattern` (biểu thức chính quy)');
        else {
          try {
            new RegExp(s.pattern, 'u');
          } catch {
            err(id, [...at, 'pattern'], `"${s.pattern}" không phải biểu thức chính quy hợp lệ`);
          }
        }
      }
      const prompt = stripMarks(`${s.text.vi}\n${s.text.en}`);
      if (SECRET_VAR.test(stripMarks(s.var.replace(/([a-z])([A-Z])/g, '$1 $2')).replace(/_/g, ' ')) || SECRET_ASK.test(prompt)) {
        err(id, at, 'bước hỏi thông tin không bao giờ được xin mã OTP, mật khẩu, mã PIN hay số thẻ ngân hàng');
      }
    }
    if (s.type === 'goto' && knownFlows && !knownFlows.has(s.flow)) err(id, [...at, 'flow'], `không có luồng "${s.flow}"${didYouMean(s.flow, knownFlows)}`);
  }
  if ([...meant.values()].includes(null)) return problems;
  const to = (id: string) => (flow.steps[id] ? id : (meant.get(id) ?? id));
  const next = (s: Step) => stepExits(s).map((t) => to(t.to));
  // Reachability from the start.
  const seen = new Set<string>();
  const queue = [to(flow.start)];
  while (queue.length) {
    const id = queue.pop()!;
    if (seen.has(id) || !flow.steps[id]) continue;
    seen.add(id);
    queue.push(...next(flow.steps[id]!));
  }
  for (const id of ids) if (!seen.has(id)) err(id, ['steps', id], 'không bước nào dẫn tới bước này (không đi tới được từ bước bắt đầu)');
  // Every reachable step must be able to reach a way out (end, handoff or goto).
  const exits = new Set(Object.entries(flow.steps).filter(([, s]) => s.type === 'end' || s.type === 'handoff' || s.type === 'goto').map(([id]) => id));
  let grew = true;
  while (grew) {
    grew = false;
    for (const [id, s] of Object.entries(flow.steps)) {
      if (!exits.has(id) && next(s).some((t) => exits.has(t))) {
        exits.add(id);
        grew = true;
      }
    }
  }
  for (const id of seen) if (!exits.has(id)) err(id, ['steps', id], 'bước này không dẫn tới đâu để kết thúc (không bao giờ tới bước end, handoff hay goto)');
  return problems;
}

/** The graph checks on an already parsed flow (no lines: there is no source text). */
export function checkGraph(flow: Flow, knownFlows?: ReadonlySet<string>): FlowError[] {
  return graphProblems(flow, knownFlows).map((p) => ({ flowId: flow.id, ...(p.stepId ? { stepId: p.stepId } : {}), message: p.message }));
}
