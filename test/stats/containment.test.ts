import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newSession } from '../../src/core/session.js';
import { flowSchema, step, type EngineDeps } from '../../src/flow/index.js';
import { createStatsAggregator, vnDay, vnDayRange } from '../../src/stats/aggregate.js';
import type { AppEvent } from '../../src/stats/event.js';
import { createEventLog } from '../../src/stats/event-log.js';

/**
 * The dashboard's containment figure counts what the `end` step really emits: its
 * "did this save you a trip or a call?" answer is stored as `{saved}`, older events as `{yes}`.
 */

const NOW = Date.UTC(2026, 10, 24, 2, 0, 0);
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const flow = flowSchema.parse({
  id: 'thu-nghiem',
  title: { vi: 'Thử nghiệm', en: 'Trial' },
  start: 'xong',
  steps: { xong: { type: 'end', text: { vi: 'Xong rồi ạ.', en: 'Done.' }, containment: true } },
});
const deps: EngineDeps = {
  flow: () => undefined,
  searcher: () => ({ search: () => [], ask: () => ({ hits: [], clarify: null, confidence: 0 }), get: () => undefined }) as never,
  officeHours: {} as never,
};

/** Runs the end step to its containment question, answers it, and returns the events as the router stores them. */
function answerContainment(user: string, answer: string): AppEvent[] {
  const started = step(flow, newSession(NOW), { kind: 'start' }, NOW, deps);
  expect(started.replies.map((r) => r.text).join('\n')).toContain('đỡ một lần đến cơ quan');
  const answered = step(flow, started.state, { kind: 'text', text: answer }, NOW, deps);
  return [...started.events, ...answered.events].map((e) => ({ ...e, at: NOW, channel: 'web', user }) as AppEvent);
}

describe('containment on the dashboard', () => {
  it('counts the {saved} answers the end step emits, next to older {yes} events', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dvc-containment-'));
    dirs.push(dir);
    const fromEndStep = [...answerContainment('u1', 'Có'), ...answerContainment('u2', 'có ạ'), ...answerContainment('u3', 'Không')];
    expect(fromEndStep.filter((e) => e.type === 'containment').map((e) => e.data)).toEqual([{ saved: true }, { saved: true }, { saved: false }]);
    const log = createEventLog({ dir, key: 'containment-key', now: () => NOW });
    for (const e of fromEndStep) log.emit(e);
    log.emit({ type: 'containment', at: NOW, channel: 'zalo', user: 'u4', data: { yes: false } });
    await log.close();
    const agg = createStatsAggregator(dir);
    await agg.refresh();
    const day = vnDay(NOW);
    expect(agg.query(vnDayRange(day, day)).containment).toEqual({ yes: 2, no: 2, rate: 0.5 });
  });
});
