import { open } from 'node:fs/promises';
import { guardCell, writeCsv } from '../core/csv.js';
import type { ChannelName } from '../core/message.js';
import { maskForAnalytics } from '../core/privacy.js';
import type { AppEvent } from './event.js';
import { listDayFiles, parseEventLine } from './event-log.js';
import { isNotAQuestion } from './unmatched.js';

/**
 * Incremental aggregation of the event log for the admin dashboard. Every counter lives in a
 * per-day bucket (Vietnamese days, UTC+7, like the rest of the admin), so a date range is the sum
 * of its day buckets and memory stays bounded by days × distinct values. refresh() reads only the
 * bytes appended since the previous call.
 */

const VN_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/** The Vietnamese calendar day (Asia/Ho_Chi_Minh, UTC+7 all year) of an epoch-ms time, as 'YYYY-MM-DD'. */
export function vnDay(ms: number): string {
  return new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** First and last millisecond of the Vietnamese days `from` … `to` ('YYYY-MM-DD', inclusive). */
export function vnDayRange(from: string, to: string): { from: number; to: number } {
  return { from: Date.parse(`${from}T00:00:00Z`) - VN_OFFSET_MS, to: Date.parse(`${to}T00:00:00Z`) - VN_OFFSET_MS + DAY_MS - 1 };
}

/** Distinct texts (searches, misses, last-seen texts) kept per day and map; new ones beyond are ignored. */
export const MAX_TEXTS_PER_DAY = 1000;
/** First-reply waits kept per day for the median. */
const MAX_WAITS_PER_DAY = 1000;
/** An open flow run idle this long (in event time) is closed as dropped; bounds the open-run map. */
const RUN_IDLE_MS = 3 * 86_400_000;
const READ_CHUNK = 1 << 20;

export interface TextCount {
  text: string;
  count: number;
}

export interface FunnelStep {
  stepId: string;
  /** Distinct flow runs that entered this step. */
  reached: number;
  /** Runs whose last step was this one and that were abandoned or never completed. */
  droppedHere: number;
  /** Top 3 last texts (validation hint or abandon text) of the runs dropped here. */
  lastSeen: TextCount[];
}

export interface Stats {
  messagesPerDay: { day: string; channel: ChannelName; count: number }[];
  uniqueCitizensPerDay: { day: string; count: number }[];
  uniqueCitizens: number;
  /** completionRate = completed / started, 0 when nothing started. */
  flows: { flowId: string; started: number; completed: number; completionRate: number }[];
  funnel: { flowId: string; steps: FunnelStep[] }[];
  topSearches: TextCount[];
  unmatched: TextCount[];
  csat: { average: number | null; distribution: [number, number, number, number, number] };
  containment: { yes: number; no: number; rate: number | null };
  handoffs: { count: number; medianFirstReplyMs: number | null };
}

/**
 * Stored events in id order, as the PostgreSQL backend keeps them (`pgEventSource`). An id is
 * never visible before a smaller one, so reading on after the last id seen skips nothing.
 */
export interface EventRowSource {
  /** Up to `limit` events with an id above `afterId`, in id order; an empty page means none are left. */
  readSince(afterId: number, limit: number): Promise<{ id: number; event: AppEvent }[]>;
  /** Time (epoch ms) of the oldest event still stored (older ones were pruned); null when none is. */
  oldestAt(): Promise<number | null>;
}

/** Events read per page from an EventRowSource. */
const ROW_PAGE = 5000;

export interface StatsAggregator {
  /** Reads the complete lines (or rows) added since the last refresh. Calls are serialised. */
  refresh(): Promise<void>;
  /** Combines the Vietnamese day buckets from `from`'s day to `to`'s day, both inclusive (epoch ms). */
  query(range: { from: number; to: number }): Stats;
  /** Malformed lines skipped so far. */
  readonly skipped: number;
}

type Counts = Map<string, number>;

interface StepCounts {
  reached: number;
  dropped: number;
  lastSeen: Counts;
}

interface DayBucket {
  messages: Map<ChannelName, number>;
  citizens: Set<string>;
  flows: Map<string, { started: number; completed: number }>;
  steps: Map<string, Map<string, StepCounts>>; // flowId → stepId → counts
  searches: Counts;
  misses: Counts;
  csat: [number, number, number, number, number];
  containment: { yes: number; no: number };
  /** One key per handoff (user + turn time): older logs recorded each handoff twice in one turn. */
  handoffs: Set<string>;
  firstReplyWaits: number[];
}

/** One flow run of one user, from flow_start to flow_complete/flow_abandon. */
interface Run {
  flowId: string;
  steps: Set<string>;
  lastStep?: string;
  /** Last validation hint at the last step, or the abandon text. */
  lastText?: string;
  lastAt: number;
}

function newBucket(): DayBucket {
  return {
    messages: new Map(),
    citizens: new Set(),
    flows: new Map(),
    steps: new Map(),
    searches: new Map(),
    misses: new Map(),
    csat: [0, 0, 0, 0, 0],
    containment: { yes: 0, no: 0 },
    handoffs: new Set(),
    firstReplyWaits: [],
  };
}

/** Adds `n` to `key`, refusing new keys once the map holds `cap` of them. */
function bump<K>(map: Map<K, number>, key: K, n = 1, cap = Infinity): void {
  const cur = map.get(key);
  if (cur !== undefined) map.set(key, cur + n);
  else if (map.size < cap) map.set(key, n);
}

function top(counts: Counts, n: number): TextCount[] {
  return [...counts]
    .map(([text, count]) => ({ text, count }))
    .sort((a, b) => b.count - a.count || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
    .slice(0, n);
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A stored question as the dashboard shows it: masked again (events written before dates and names were masked). */
const asShown = (text: string) => maskForAnalytics(text.trim()).toLowerCase();

/**
 * `from` is the events directory of the file log (day files), or the rows of the PostgreSQL
 * event table. Either way refresh() reads only what was added since the previous call and drops
 * the day buckets whose events were pruned.
 */
export function createStatsAggregator(from: string | EventRowSource): StatsAggregator {
  const days = new Map<string, DayBucket>();
  let lastId = 0; // EventRowSource: id of the last row consumed
  const offsets = new Map<string, number>(); // day → bytes already consumed from its file
  const runs = new Map<string, Run>(); // user + flowId → open run
  const flowOrder = new Map<string, string[]>(); // flowId → step ids in first-seen order
  let maxAt = 0;
  let skipped = 0;
  let running: Promise<void> = Promise.resolve();

  const bucket = (day: string): DayBucket => {
    let b = days.get(day);
    if (!b) days.set(day, (b = newBucket()));
    return b;
  };

  function flowCounts(b: DayBucket, flowId: string) {
    let f = b.flows.get(flowId);
    if (!f) b.flows.set(flowId, (f = { started: 0, completed: 0 }));
    return f;
  }

  function stepCounts(day: string, flowId: string, stepId: string): StepCounts {
    const b = bucket(day);
    let flow = b.steps.get(flowId);
    if (!flow) b.steps.set(flowId, (flow = new Map()));
    let s = flow.get(stepId);
    if (!s) flow.set(stepId, (s = { reached: 0, dropped: 0, lastSeen: new Map() }));
    return s;
  }

  /** Records a run that ended without completion at its last step, on the day of its last event. */
  function dropRun(run: Run): void {
    if (!run.lastStep) return;
    const s = stepCounts(vnDay(run.lastAt), run.flowId, run.lastStep);
    s.dropped++;
    if (run.lastText) bump(s.lastSeen, run.lastText, 1, MAX_TEXTS_PER_DAY);
  }

  function apply(e: AppEvent): void {
    const b = bucket(vnDay(e.at));
    if (e.at > maxAt) maxAt = e.at;
    const runKey = e.flowId ? `${e.user}\u0000${e.flowId}` : '';
    const run = runKey ? runs.get(runKey) : undefined;
    if (run && e.type !== 'flow_start') run.lastAt = e.at;

    switch (e.type) {
      case 'message_in':
        bump(b.messages, e.channel);
        b.citizens.add(e.user);
        break;
      case 'flow_start':
        if (!e.flowId) break;
        flowCounts(b, e.flowId).started++;
        if (run) dropRun(run); // restarted before finishing: the previous run never completed
        runs.set(runKey, { flowId: e.flowId, steps: new Set(), lastAt: e.at });
        break;
      case 'step_enter': {
        if (!e.flowId || !e.stepId) break;
        let r = run;
        if (!r) runs.set(runKey, (r = { flowId: e.flowId, steps: new Set(), lastAt: e.at })); // start not seen
        if (!r.steps.has(e.stepId)) {
          r.steps.add(e.stepId);
          stepCounts(vnDay(e.at), e.flowId, e.stepId).reached++;
          const order = flowOrder.get(e.flowId) ?? [];
          if (!order.includes(e.stepId)) flowOrder.set(e.flowId, [...order, e.stepId]);
        }
        r.lastStep = e.stepId;
        r.lastText = undefined;
        break;
      }
      case 'validation_error':
        if (run && e.text) run.lastText = e.text;
        break;
      case 'flow_complete':
        if (!e.flowId) break;
        flowCounts(b, e.flowId).completed++;
        runs.delete(runKey);
        break;
      case 'flow_abandon':
        if (!run) break;
        if (e.text) run.lastText = e.text;
        dropRun(run);
        runs.delete(runKey);
        break;
      case 'search':
        if (e.text?.trim()) bump(b.searches, asShown(e.text), 1, MAX_TEXTS_PER_DAY);
        break;
      case 'search_miss':
        // "1", "ok", "có": a menu choice or an answer, not a question the catalogue failed.
        if (e.text && !isNotAQuestion(e.text)) bump(b.misses, asShown(e.text), 1, MAX_TEXTS_PER_DAY);
        break;
      case 'csat': {
        const score = e.data?.score;
        if (typeof score === 'number' && Number.isInteger(score) && score >= 1 && score <= 5) b.csat[score - 1]! += 1;
        break;
      }
      case 'containment': {
        // `yes` is the documented field; the `end` step sends `saved` ("did this save a trip or a call?").
        const yes = e.data?.yes ?? e.data?.saved;
        if (yes === true) b.containment.yes++;
        else if (yes === false) b.containment.no++;
        break;
      }
      case 'handoff':
        b.handoffs.add(`${e.user}\u0000${e.at}`);
        break;
      case 'staff_reply': {
        const wait = e.data?.waitMs;
        if (e.data?.first === true && typeof wait === 'number' && Number.isFinite(wait) && wait >= 0 && b.firstReplyWaits.length < MAX_WAITS_PER_DAY) {
          b.firstReplyWaits.push(wait);
        }
        break;
      }
      default:
        break;
    }
  }

  function applyLine(line: string): void {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (!line) return;
    const e = parseEventLine(line);
    if (e) apply(e);
    else skipped++;
  }

  /** Consumes the complete lines after the stored offset; a trailing partial line waits for next time. */
  async function readNew(day: string, file: string): Promise<void> {
    let fh;
    try {
      fh = await open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // pruned meanwhile
      throw err;
    }
    try {
      const { size } = await fh.stat();
      // A file that shrank was rewritten; its counted lines cannot be undone, so continue from its end.
      let consumed = Math.min(offsets.get(day) ?? 0, size);
      let position = consumed;
      let carry = Buffer.alloc(0);
      while (position < size) {
        const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - position));
        const { bytesRead } = await fh.read(buf, 0, buf.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        const chunk = carry.length ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
        let start = 0;
        for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
          applyLine(chunk.toString('utf8', start, nl));
          start = nl + 1;
        }
        consumed += start;
        carry = chunk.subarray(start);
      }
      offsets.set(day, consumed);
    } finally {
      await fh.close();
    }
  }

  async function readFiles(dir: string): Promise<void> {
    const files = await listDayFiles(dir);
    const present = new Set(files.map((f) => f.day));
    // Days whose file was pruned leave memory too.
    for (const day of offsets.keys()) {
      if (!present.has(day)) {
        offsets.delete(day);
        days.delete(day);
      }
    }
    for (const { day, file } of files) await readNew(day, file);
  }

  async function readRows(source: EventRowSource): Promise<void> {
    // Days before the oldest stored event were pruned: they leave memory too.
    const oldest = await source.oldestAt();
    const keepFrom = oldest === null ? null : vnDay(oldest);
    for (const day of days.keys()) if (keepFrom === null || day < keepFrom) days.delete(day);
    for (;;) {
      const rows = await source.readSince(lastId, ROW_PAGE);
      if (!rows.length) return;
      for (const { id, event } of rows) {
        apply(event);
        lastId = id;
      }
    }
  }

  async function doRefresh(): Promise<void> {
    if (typeof from === 'string') await readFiles(from);
    else await readRows(from);
    for (const [key, run] of runs) {
      if (run.lastAt < maxAt - RUN_IDLE_MS) {
        dropRun(run);
        runs.delete(key);
      }
    }
  }

  function refresh(): Promise<void> {
    const p = running.then(doRefresh);
    running = p.catch(() => undefined);
    return p;
  }

  function query(range: { from: number; to: number }): Stats {
    const fromDay = vnDay(range.from);
    const toDay = vnDay(range.to);
    const inRange = (day: string) => day >= fromDay && day <= toDay;
    const selected = [...days].filter(([day]) => inRange(day)).sort(([a], [b]) => (a < b ? -1 : 1));

    const messagesPerDay: Stats['messagesPerDay'] = [];
    const uniqueCitizensPerDay: Stats['uniqueCitizensPerDay'] = [];
    const citizens = new Set<string>();
    const flows = new Map<string, { started: number; completed: number }>();
    const steps = new Map<string, Map<string, StepCounts>>();
    const searches: Counts = new Map();
    const misses: Counts = new Map();
    const distribution: [number, number, number, number, number] = [0, 0, 0, 0, 0];
    const containment = { yes: 0, no: 0 };
    let handoffs = 0;
    const waits: number[] = [];

    const addStep = (flowId: string, stepId: string, reached: number, dropped: number, lastSeen: Iterable<[string, number]>) => {
      let flow = steps.get(flowId);
      if (!flow) steps.set(flowId, (flow = new Map()));
      let s = flow.get(stepId);
      if (!s) flow.set(stepId, (s = { reached: 0, dropped: 0, lastSeen: new Map() }));
      s.reached += reached;
      s.dropped += dropped;
      for (const [text, n] of lastSeen) bump(s.lastSeen, text, n);
    };

    for (const [day, b] of selected) {
      for (const [channel, count] of [...b.messages].sort(([a], [c]) => (a < c ? -1 : 1))) messagesPerDay.push({ day, channel, count });
      if (b.citizens.size > 0) uniqueCitizensPerDay.push({ day, count: b.citizens.size });
      for (const c of b.citizens) citizens.add(c);
      for (const [flowId, f] of b.flows) {
        const acc = flows.get(flowId) ?? { started: 0, completed: 0 };
        flows.set(flowId, { started: acc.started + f.started, completed: acc.completed + f.completed });
      }
      for (const [flowId, flowSteps] of b.steps) {
        for (const [stepId, s] of flowSteps) addStep(flowId, stepId, s.reached, s.dropped, s.lastSeen);
      }
      for (const [text, n] of b.searches) bump(searches, text, n);
      for (const [text, n] of b.misses) bump(misses, text, n);
      b.csat.forEach((n, i) => (distribution[i]! += n));
      containment.yes += b.containment.yes;
      containment.no += b.containment.no;
      handoffs += b.handoffs.size;
      waits.push(...b.firstReplyWaits);
    }
    // Runs still open have not completed (yet): they count as dropped at their last step.
    for (const run of runs.values()) {
      if (run.lastStep && inRange(vnDay(run.lastAt))) addStep(run.flowId, run.lastStep, 0, 1, run.lastText ? [[run.lastText, 1]] : []);
    }

    const funnel: Stats['funnel'] = [];
    for (const [flowId, order] of flowOrder) {
      const flowSteps = steps.get(flowId);
      if (!flowSteps) continue;
      funnel.push({
        flowId,
        steps: order
          .filter((stepId) => flowSteps.has(stepId))
          .map((stepId) => {
            const s = flowSteps.get(stepId)!;
            return { stepId, reached: s.reached, droppedHere: s.dropped, lastSeen: top(s.lastSeen, 3) };
          }),
      });
    }

    const rated = distribution.reduce((a, n) => a + n, 0);
    const answered = containment.yes + containment.no;
    return {
      messagesPerDay,
      uniqueCitizensPerDay,
      uniqueCitizens: citizens.size,
      flows: [...flows]
        .map(([flowId, f]) => ({ flowId, ...f, completionRate: f.started > 0 ? f.completed / f.started : 0 }))
        .sort((a, b) => b.started - a.started || (a.flowId < b.flowId ? -1 : 1)),
      funnel,
      topSearches: top(searches, 20),
      unmatched: top(misses, 50),
      csat: { average: rated > 0 ? distribution.reduce((a, n, i) => a + n * (i + 1), 0) / rated : null, distribution },
      containment: { ...containment, rate: answered > 0 ? containment.yes / answered : null },
      handoffs: { count: handoffs, medianFirstReplyMs: median(waits) },
    };
  }

  return {
    refresh,
    query,
    get skipped() {
      return skipped;
    },
  };
}

/** A dashboard table as CSV (header from the keys of the first row); numbers stay numbers, text is formula-guarded. */
export function toCsv(rows: Record<string, unknown>[]): string {
  const first = rows[0];
  if (!first) return '';
  const keys = Object.keys(first);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : guardCell(typeof v === 'object' ? JSON.stringify(v) : String(v)));
  return writeCsv(keys, rows.map((r) => keys.map((k) => cell(r[k]))));
}
