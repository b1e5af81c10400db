import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import { flowSchema, type Flow, type Step } from './schema.js';
import { STEP_EXECUTORS } from './engine.js';
import { VALIDATOR_REGISTRY } from './validators.js';

export interface FlowError {
  flowId: string;
  stepId?: string;
  line?: number;
  message: string;
}

export type ParsedFlow = { ok: true; flow: Flow } | { ok: false; errors: FlowError[] };

/** Words that mean the assistant would be collecting a secret (never allowed in an `ask`). */
const SECRET_WORD = '(otp|password|passcode|pin|cvv|cvc|card ?number|mat ?khau|ma xac (thuc|nhan)|so the( ngan hang)?|ma pin|matkhau)';
/** A variable named after a secret, or a prompt that asks the citizen to type one. */
const SECRET_VAR = new RegExp(`\\b${SECRET_WORD}\\b`, 'i');
const SECRET_ASK = new RegExp(`\\b(enter|type|send|give|nhap|go|gui|cung cap|cho biet|doc)\\b[^.?!\\n]{0,25}\\b${SECRET_WORD}\\b`, 'i');

function fold(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
}

function lineOf(doc: Document, text: string, path: (string | number)[]): number | undefined {
  let node: unknown = doc.contents;
  let found: unknown = node;
  for (const key of path) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
    if (!pair) break;
    found = pair.key;
    node = pair.value;
  }
  const range = (found as { range?: [number, number] } | undefined)?.range;
  if (!range) return undefined;
  return text.slice(0, range[0]).split('\n').length;
}

/**
 * Parses and checks a flow file: schema, then the graph (unknown targets, unreachable steps,
 * dead ends, unknown validators and flows, secrets). Every error names the flow, step and line.
 * `knownFlows` lists flow ids that `goto` may name.
 */
export function parseFlowYaml(text: string, knownFlows?: ReadonlySet<string>): ParsedFlow {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) {
    return { ok: false, errors: doc.errors.map((e) => ({ flowId: '(file)', line: e.linePos?.[0]?.line, message: `YAML: ${e.message.split('\n')[0]}` })) };
  }
  const raw = doc.toJS() as unknown;
  const flowId = raw && typeof raw === 'object' && 'id' in raw ? String((raw as { id: unknown }).id) : '(no id)';
  const parsed = flowSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => {
        const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
        const stepId = path[0] === 'steps' && typeof path[1] === 'string' ? path[1] : undefined;
        return { flowId, stepId, line: lineOf(doc, text, path), message: `${path.join('.')}: ${i.message}` };
      }),
    };
  }
  const errors = checkGraph(parsed.data, knownFlows).map((e) => ({ ...e, line: lineOf(doc, text, e.stepId ? ['steps', e.stepId] : []) }));
  return errors.length ? { ok: false, errors } : { ok: true, flow: parsed.data };
}

function targets(s: Step): string[] {
  switch (s.type) {
    case 'say':
    case 'ask':
    case 'lookup':
      return [s.next];
    case 'choose':
      return s.options.map((o) => o.next);
    case 'branch':
      return [...s.cases.map((c) => c.next), s.else];
    default:
      return [];
  }
}

export function checkGraph(flow: Flow, knownFlows?: ReadonlySet<string>): FlowError[] {
  const errors: FlowError[] = [];
  const err = (stepId: string | undefined, message: string) => errors.push({ flowId: flow.id, stepId, message });
  if (!flow.steps[flow.start]) err(undefined, `start step "${flow.start}" does not exist`);
  for (const [id, s] of Object.entries(flow.steps)) {
    if (!(s.type in STEP_EXECUTORS)) err(id, `unknown step type "${s.type}"`);
    for (const t of targets(s)) if (!flow.steps[t]) err(id, `next step "${t}" does not exist`);
    if (s.type === 'ask') {
      if (!VALIDATOR_REGISTRY[s.validate]) err(id, `unknown validator "${s.validate}"`);
      if (s.validate === 'pattern') {
        if (!s.pattern) err(id, 'validator "pattern" needs a `pattern`');
        else {
          try {
            new RegExp(s.pattern, 'u');
          } catch {
            err(id, `pattern "${s.pattern}" is not a valid regular expression`);
          }
        }
      }
      const prompt = fold(`${s.text.vi}\n${s.text.en}`);
      if (SECRET_VAR.test(fold(s.var.replace(/([a-z])([A-Z])/g, '$1 $2')).replace(/_/g, ' ')) || SECRET_ASK.test(prompt)) err(id, 'an ask step must never collect OTP codes, passwords, passcodes, PINs or card numbers');
    }
    if (s.type === 'goto' && knownFlows && !knownFlows.has(s.flow)) err(id, `goto names unknown flow "${s.flow}"`);
  }
  // Reachability from the start.
  const seen = new Set<string>();
  const queue = [flow.start];
  while (queue.length) {
    const id = queue.pop()!;
    if (seen.has(id) || !flow.steps[id]) continue;
    seen.add(id);
    queue.push(...targets(flow.steps[id]!));
  }
  for (const id of Object.keys(flow.steps)) if (!seen.has(id)) err(id, 'step is unreachable from the start step');
  // Every reachable step must be able to reach a way out (end, handoff or goto).
  const exits = new Set(Object.entries(flow.steps).filter(([, s]) => s.type === 'end' || s.type === 'handoff' || s.type === 'goto').map(([id]) => id));
  let grew = true;
  while (grew) {
    grew = false;
    for (const [id, s] of Object.entries(flow.steps)) {
      if (!exits.has(id) && targets(s).some((t) => exits.has(t))) {
        exits.add(id);
        grew = true;
      }
    }
  }
  for (const id of seen) if (!exits.has(id)) err(id, 'step has no way out (it never reaches an end, handoff or goto step)');
  return errors;
}
