import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pseudonymise } from '../../src/core/privacy.js';
import { createStatsAggregator, toCsv, vnDayRange } from '../../src/stats/aggregate.js';
import type { AppEvent } from '../../src/stats/event.js';
import { createEventLog, readEvents } from '../../src/stats/event-log.js';

const KEY = 'test-key';
const NOW = Date.UTC(2024, 2, 15, 10, 0, 0); // 2024-03-15T10:00:00Z
const now = () => NOW;
const at = (iso: string) => Date.parse(iso);

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'dvc-stats-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const ev = (e: Partial<AppEvent> & Pick<AppEvent, 'type'>): AppEvent => ({ at: NOW, channel: 'web', user: 'u1', ...e });

async function lines(file: string): Promise<AppEvent[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AppEvent);
}

async function collect(it: AsyncIterable<AppEvent>): Promise<AppEvent[]> {
  const out: AppEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('event log', () => {
  it('pseudonymises users and masks and truncates texts before writing', async () => {
    const dir = await tempDir();
    const log = createEventLog({ dir, key: KEY, now });
    log.emit(ev({ type: 'search', user: 'tg-987654', text: 'CCCD 012345678901, gọi 0912345678 giúp tôi' }));
    log.emit(ev({ type: 'validation_error', user: 'tg-987654', text: 'a'.repeat(600) }));
    await log.close();

    const raw = await readFile(join(dir, '2024-03-15.jsonl'), 'utf8');
    expect(raw).not.toContain('tg-987654');
    expect(raw).not.toContain('012345678901');
    expect(raw).not.toContain('0912345678');
    const [first, second] = await lines(join(dir, '2024-03-15.jsonl'));
    expect(first!.user).toBe(pseudonymise('tg-987654', KEY));
    expect(first!.user).toHaveLength(16);
    expect(first!.text).toBe('CCCD [số định danh], gọi [số điện thoại] giúp tôi');
    expect(second!.text).toBe('a'.repeat(500));
  });

  it('writes one file per UTC day, creates the directory, and flushes on its own timer', async () => {
    const dir = join(await tempDir(), 'nested', 'events');
    const log = createEventLog({ dir, key: KEY, now });
    log.emit(ev({ type: 'message_in', at: at('2024-03-14T23:59:59.999Z') }));
    log.emit(ev({ type: 'message_in', at: at('2024-03-15T00:00:00.000Z'), channel: 'zalo' }));
    log.emit(ev({ type: 'message_in', at: at('2024-03-15T08:00:00.000Z'), channel: 'telegram' }));
    await new Promise((r) => setTimeout(r, 400)); // no flush(): the 200 ms timer writes the batch

    expect((await readdir(dir)).sort()).toEqual(['2024-03-14.jsonl', '2024-03-15.jsonl']);
    expect((await lines(join(dir, '2024-03-14.jsonl'))).map((e) => e.channel)).toEqual(['web']);
    expect((await lines(join(dir, '2024-03-15.jsonl'))).map((e) => e.channel)).toEqual(['zalo', 'telegram']);
    await log.close();
  });

  it('never throws from emit and logs write errors', async () => {
    const base = await tempDir();
    await writeFile(join(base, 'blocker'), 'x');
    const warnings: string[] = [];
    const log = createEventLog({ dir: join(base, 'blocker', 'events'), key: KEY, now, log: { warn: (_o, msg) => warnings.push(msg) } });
    expect(() => log.emit(ev({ type: 'message_in' }))).not.toThrow();
    expect(() => log.emit(null as unknown as AppEvent)).not.toThrow();
    await log.flush();
    expect(warnings).toEqual(['event log: emit failed', 'event log: cannot create directory']);
  });

  it('prune deletes only day files older than the retention', async () => {
    const dir = await tempDir();
    for (const name of ['2024-01-01.jsonl', '2024-02-13.jsonl', '2024-02-14.jsonl', '2024-03-15.jsonl', 'notes.txt']) {
      await writeFile(join(dir, name), '');
    }
    const log = createEventLog({ dir, key: KEY, now });
    expect(await log.prune(30)).toBe(2); // cutoff = 2024-02-14
    expect((await readdir(dir)).sort()).toEqual(['2024-02-14.jsonl', '2024-03-15.jsonl', 'notes.txt']);
    expect(await log.prune(30)).toBe(0);
  });

  it('readEvents streams the days in range and skips a torn last line', async () => {
    const dir = await tempDir();
    const log = createEventLog({ dir, key: KEY, now });
    log.emit(ev({ type: 'message_in', at: at('2024-03-13T12:00:00Z') }));
    log.emit(ev({ type: 'search', at: at('2024-03-14T12:00:00Z'), text: 'khai sinh' }));
    log.emit(ev({ type: 'csat', at: at('2024-03-14T13:00:00Z'), data: { score: 5 } }));
    await log.close();
    await appendFile(join(dir, '2024-03-14.jsonl'), '{"type":"message_in","at":17103');

    const all = readEvents(dir);
    expect((await collect(all)).map((e) => e.type)).toEqual(['message_in', 'search', 'csat']);
    expect(all.skipped).toBe(1);

    const range = readEvents(dir, { from: at('2024-03-14T00:00:00Z'), to: at('2024-03-14T23:00:00Z') });
    const events = await collect(range);
    expect(events.map((e) => e.type)).toEqual(['search', 'csat']);
    expect(events[1]!.data).toEqual({ score: 5 });
    expect(range.skipped).toBe(1);
    expect(await collect(readEvents(join(dir, 'missing')))).toEqual([]);
  });
});

describe('stats aggregator', () => {
  const day = (d: string) => vnDayRange(d, d);

  it('refresh reads only appended complete lines', async () => {
    const dir = await tempDir();
    const log = createEventLog({ dir, key: KEY, now });
    const agg = createStatsAggregator(dir);
    await agg.refresh(); // no directory yet
    expect(agg.query(day('2024-03-15')).messagesPerDay).toEqual([]);

    log.emit(ev({ type: 'message_in', user: 'a' }));
    log.emit(ev({ type: 'message_in', user: 'b' }));
    log.emit(ev({ type: 'message_in', user: 'a', channel: 'zalo' }));
    await log.flush();
    await agg.refresh();
    let s = agg.query(day('2024-03-15'));
    expect(s.messagesPerDay).toEqual([
      { day: '2024-03-15', channel: 'web', count: 2 },
      { day: '2024-03-15', channel: 'zalo', count: 1 },
    ]);
    expect(s.uniqueCitizens).toBe(2);

    // A write in progress: the partial line is left for the next refresh.
    const file = join(dir, '2024-03-15.jsonl');
    const line = JSON.stringify({ type: 'message_in', at: NOW, channel: 'web', user: 'c' });
    await appendFile(file, line.slice(0, 20));
    await agg.refresh();
    await agg.refresh();
    s = agg.query(day('2024-03-15'));
    expect(s.messagesPerDay[0]).toEqual({ day: '2024-03-15', channel: 'web', count: 2 });
    expect(s.uniqueCitizens).toBe(2);

    await appendFile(file, line.slice(20) + '\nnot json\n');
    log.emit(ev({ type: 'message_in', user: 'd', channel: 'telegram' }));
    await log.flush();
    await agg.refresh();
    s = agg.query(day('2024-03-15'));
    expect(s.messagesPerDay).toEqual([
      { day: '2024-03-15', channel: 'telegram', count: 1 },
      { day: '2024-03-15', channel: 'web', count: 3 },
      { day: '2024-03-15', channel: 'zalo', count: 1 },
    ]);
    expect(s.uniqueCitizensPerDay).toEqual([{ day: '2024-03-15', count: 4 }]);
    expect(agg.skipped).toBe(1);

    await agg.refresh(); // nothing new: nothing counted twice
    expect(agg.query(day('2024-03-15')).messagesPerDay.reduce((n, r) => n + r.count, 0)).toBe(5);
  });

  it('computes the funnel with drop-off and last seen texts', async () => {
    const dir = await tempDir();
    const log = createEventLog({ dir, key: KEY, now });
    let t = NOW;
    const e = (user: string, type: AppEvent['type'], stepId?: string, text?: string) =>
      log.emit(ev({ type, user, at: t++, flowId: 'birth', stepId, text }));
    const run = (user: string, ...steps: string[]) => {
      e(user, 'flow_start');
      for (const s of steps) e(user, 'step_enter', s);
    };
    const bad = 'Số không hợp lệ';

    run('u1', 'ask-name', 'ask-id', 'confirm');
    e('u1', 'flow_complete');
    run('u2', 'ask-name', 'ask-id');
    e('u2', 'validation_error', 'ask-id', bad);
    e('u2', 'flow_abandon', 'ask-id');
    run('u3', 'ask-name', 'ask-id');
    e('u3', 'validation_error', 'ask-id', 'x');
    e('u3', 'flow_abandon', 'ask-id', 'thôi');
    run('u4', 'ask-name');
    e('u4', 'validation_error', 'ask-name', 'hint A'); // never completes
    run('u5', 'ask-name');
    e('u5', 'validation_error', 'ask-name', bad); // a hint at an earlier step is not the last seen
    e('u5', 'step_enter', 'ask-id');
    e('u5', 'flow_abandon', 'ask-id');
    run('u1', 'ask-name'); // second run of u1
    e('u1', 'flow_abandon', 'ask-name', bad);
    run('u6', 'ask-name', 'ask-name'); // re-entering a step counts once per run
    run('u6', 'ask-name'); // restart: the previous run never completed
    e('u6', 'flow_complete');
    await log.close();

    const agg = createStatsAggregator(dir);
    await agg.refresh();
    const s = agg.query(day('2024-03-15'));
    expect(s.flows).toEqual([{ flowId: 'birth', started: 8, completed: 2, completionRate: 0.25 }]);
    expect(s.funnel).toEqual([
      {
        flowId: 'birth',
        steps: [
          {
            stepId: 'ask-name',
            reached: 8,
            droppedHere: 3,
            lastSeen: [
              { text: bad, count: 1 },
              { text: 'hint A', count: 1 },
            ],
          },
          {
            stepId: 'ask-id',
            reached: 4,
            droppedHere: 3,
            lastSeen: [
              { text: bad, count: 1 },
              { text: 'thôi', count: 1 },
            ],
          },
          { stepId: 'confirm', reached: 1, droppedHere: 0, lastSeen: [] },
        ],
      },
    ]);
  });

  it('groups by Vietnamese day (UTC+7), filters by date range and folds search texts', async () => {
    const dir = await tempDir();
    const log = createEventLog({ dir, key: KEY, now });
    log.emit(ev({ type: 'message_in', user: 'A', at: at('2024-03-10T09:00:00Z') }));
    log.emit(ev({ type: 'message_in', user: 'A', at: at('2024-03-12T09:00:00Z') }));
    log.emit(ev({ type: 'message_in', user: 'B', at: at('2024-03-12T23:30:00Z') }));
    log.emit(ev({ type: 'message_in', user: 'C', at: at('2024-03-15T09:00:00Z') }));
    log.emit(ev({ type: 'search', text: '  Khai Sinh ', at: at('2024-03-12T10:00:00Z') }));
    log.emit(ev({ type: 'search', text: 'khai sinh', at: at('2024-03-12T11:00:00Z') }));
    log.emit(ev({ type: 'search', text: 'kết hôn', at: at('2024-03-15T11:00:00Z') }));
    log.emit(ev({ type: 'search_miss', text: 'Xin visa', at: at('2024-03-10T11:00:00Z') }));
    await log.close();
    const agg = createStatsAggregator(dir);
    await agg.refresh();

    // B wrote at 23:30 UTC on the 12th: 06:30 on the 13th in Vietnam.
    const mid = agg.query(vnDayRange('2024-03-11', '2024-03-12'));
    expect(mid.uniqueCitizensPerDay).toEqual([{ day: '2024-03-12', count: 1 }]);
    expect(mid.topSearches).toEqual([{ text: 'khai sinh', count: 2 }]);
    expect(mid.unmatched).toEqual([]);
    expect(agg.query(vnDayRange('2024-03-13', '2024-03-13')).uniqueCitizensPerDay).toEqual([{ day: '2024-03-13', count: 1 }]);

    const early = agg.query(vnDayRange('2024-03-10', '2024-03-13'));
    expect(early.uniqueCitizensPerDay).toEqual([
      { day: '2024-03-10', count: 1 },
      { day: '2024-03-12', count: 1 },
      { day: '2024-03-13', count: 1 },
    ]);
    expect(early.uniqueCitizens).toBe(2);
    expect(early.unmatched).toEqual([{ text: 'xin visa', count: 1 }]);

    const all = agg.query({ from: at('2024-03-01T00:00:00Z'), to: NOW });
    expect(all.uniqueCitizens).toBe(3);
    expect(all.messagesPerDay.map((r) => r.day)).toEqual(['2024-03-10', '2024-03-12', '2024-03-13', '2024-03-15']);
    expect(all.topSearches).toEqual([
      { text: 'khai sinh', count: 2 },
      { text: 'kết hôn', count: 1 },
    ]);

    // A pruned day leaves the aggregate too.
    await rm(join(dir, '2024-03-10.jsonl'));
    await agg.refresh();
    expect(agg.query({ from: at('2024-03-01T00:00:00Z'), to: NOW }).messagesPerDay.map((r) => r.day)).toEqual(['2024-03-12', '2024-03-13', '2024-03-15']);
  });

  it('computes csat, containment and handoff first-reply median', async () => {
    const dir = await tempDir();
    const log = createEventLog({ dir, key: KEY, now });
    for (const score of [5, 4, 4, 9, '5']) log.emit(ev({ type: 'csat', data: { score } }));
    for (const yes of [true, true, false, 'true']) log.emit(ev({ type: 'containment', data: { yes } }));
    for (let i = 0; i < 3; i++) log.emit(ev({ type: 'handoff', at: NOW + i * 60_000 }));
    for (const waitMs of [120_000, 1000, 5000, 3000]) log.emit(ev({ type: 'staff_reply', data: { first: true, waitMs } }));
    log.emit(ev({ type: 'staff_reply', data: { first: false, waitMs: 5 } }));
    await log.close();
    const agg = createStatsAggregator(dir);
    await agg.refresh();
    const s = agg.query(day('2024-03-15'));
    expect(s.csat).toEqual({ average: 13 / 3, distribution: [0, 0, 0, 2, 1] });
    expect(s.containment).toEqual({ yes: 2, no: 1, rate: 2 / 3 });
    expect(s.handoffs).toEqual({ count: 3, medianFirstReplyMs: 4000 });

    const empty = agg.query(day('2024-03-14'));
    expect(empty.csat).toEqual({ average: null, distribution: [0, 0, 0, 0, 0] });
    expect(empty.containment).toEqual({ yes: 0, no: 0, rate: null });
    expect(empty.handoffs).toEqual({ count: 0, medianFirstReplyMs: null });
  });
});

describe('toCsv', () => {
  it('quotes per RFC 4180 and guards against formula injection', () => {
    const csv = toCsv([
      { name: 'a,b', note: 'say "hi"', n: -5, formula: '=SUM(A1)', multi: 'x\ny', empty: null },
      { name: '@cmd', note: '+1', n: 3, formula: '-2+3', multi: 'plain', empty: undefined },
    ]);
    expect(csv).toBe(
      'name,note,n,formula,multi,empty\r\n' +
        '"a,b","say ""hi""",-5,\'=SUM(A1),"x\ny",\r\n' +
        "'@cmd,'+1,3,'-2+3,plain,\r\n",
    );
    expect(toCsv([])).toBe('');
  });
});
