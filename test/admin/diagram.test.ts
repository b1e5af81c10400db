import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderFlowDiagram } from '../../src/admin/diagram.js';
import type { Flow } from '../../src/flow/schema.js';

const t = (vi: string, en = vi) => ({ vi, en });

/** choose, ask, branch, a back edge, an unreachable step and an edge to a missing step. */
const sample = {
  id: 'sample',
  title: t('Mẫu <thử> & "kiểm tra"', 'Sample'),
  triggers: { vi: [], en: [] },
  start: 'menu',
  steps: {
    menu: {
      type: 'choose',
      text: t('Chọn:'),
      options: [
        { label: t('<b>&"'), next: 'name' },
        { label: t('Một nhãn rất dài hơn mười tám ký tự'), next: 'check' },
        { label: t("Nhân viên 'cán bộ'"), next: 'human' },
      ],
    },
    name: { type: 'ask', text: t('Tên?'), var: 'fullName', validate: 'text', maxRetries: 3, next: 'check' },
    check: {
      type: 'branch',
      cases: [
        { if: { var: 'fullName', equals: 'x' }, next: 'menu' }, // back edge
        { if: { var: 'kind', equals: 'a' }, next: 'nowhere' }, // missing step
      ],
      else: 'bye',
    },
    human: { type: 'handoff' },
    bye: { type: 'end', text: t('Tạm biệt'), csat: false, containment: false },
    orphan: { type: 'say', messages: [t('không ai tới đây')], next: 'bye' }, // unreachable
    jump: { type: 'goto', flow: 'main-menu' }, // unreachable too
  },
} as unknown as Flow;

const count = (s: string, needle: string | RegExp): number =>
  typeof needle === 'string' ? s.split(needle).length - 1 : (s.match(needle) ?? []).length;

/** A small well-formedness check: tags balance, no stray "&" or "<" in text. */
function checkWellFormed(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(svg); m; m = tag.exec(svg)) {
    const between = svg.slice(last, m.index);
    expect(between, `text before ${m[0]}`).not.toMatch(/[<>]/);
    last = m.index + m[0].length;
    const [, close, name, , selfClose] = m;
    if (close) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClose) stack.push(name!);
  }
  expect(svg.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  // Every & starts an entity.
  expect(svg).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
}

describe('renderFlowDiagram', () => {
  const svg = renderFlowDiagram(sample);

  it('produces a well-formed standalone SVG', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toMatch(/viewBox="0 0 \d+(\.\d)? \d+(\.\d)?"/);
    expect(count(svg, /<g[\s>]/g)).toBe(count(svg, '</g>'));
    expect(svg.toLowerCase()).not.toContain('<script');
    expect(count(svg, '<marker')).toBe(1);
    checkWellFormed(svg);
  });

  it('draws one node per step, each with a hover title', () => {
    expect(count(svg, 'data-step=')).toBe(Object.keys(sample.steps).length);
    for (const id of Object.keys(sample.steps)) expect(svg).toContain(`data-step="${id}"`);
    const nodes = svg.match(/<g [^>]*data-step="[^"]*"[^>]*><title>/g) ?? [];
    expect(nodes).toHaveLength(Object.keys(sample.steps).length);
  });

  it('escapes staff text', () => {
    expect(svg).toContain('&lt;b&gt;&amp;&quot;');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&apos;cán bộ&apos;');
    expect(svg).toContain('Mẫu &lt;thử&gt; &amp; &quot;kiểm tra&quot;');
  });

  it('labels choose and branch edges, truncating long labels', () => {
    expect(svg).toContain('>Một nhãn rất dài h…</text>'); // 18 characters + …
    expect(svg).toContain('<title>Một nhãn rất dài hơn mười tám ký tự</title>');
    expect(svg).toContain('>fullName=x</text>');
    expect(svg).toContain('>còn lại</text>');
  });

  it('shows type hints and marks the start node', () => {
    expect(svg).toContain('ask · fullName (text)');
    expect(svg).toContain('choose · 3 lựa chọn');
    expect(svg).toContain('goto → main-menu');
    expect(svg).toMatch(/<g class="node node-choose start" data-step="menu">.*?stroke-width="3\.5"/s);
  });

  it('marks unreachable steps', () => {
    for (const id of ['orphan', 'jump']) {
      const g = svg.match(new RegExp(`<g [^>]*data-step="${id}"[^>]*>.*?</g>`, 's'))?.[0] ?? '';
      expect(g).toContain('data-unreachable="true"');
      expect(g).toContain('không đi tới được');
      expect(g).toContain('stroke-dasharray');
      expect(g).toContain('#d32f2f');
    }
    const reachable = svg.match(/<g [^>]*data-step="name"[^>]*>.*?<\/g>/s)?.[0] ?? '';
    expect(reachable).not.toContain('không đi tới được');
  });

  it('shows an edge to a missing step as a red "? id" node', () => {
    expect(svg).toContain('data-missing="nowhere"');
    expect(svg).toContain('>? nowhere</text>');
    expect(svg).toMatch(/class="edge edge-missing" data-from="check" data-to="nowhere"/);
  });

  it('draws the back edge as a side curve going up', () => {
    const d = svg.match(/data-from="check" data-to="menu" d="([^"]+)"/)?.[1];
    expect(d).toBeDefined();
    const nums = d!.match(/-?\d+(\.\d+)?/g)!.map(Number);
    // M sx sy C cx sy cx ty tx ty: ends above where it starts, control points off to the side.
    expect(nums[nums.length - 1]!).toBeLessThan(nums[1]!);
    expect(nums[2]).toBe(nums[4]);
  });

  it('is deterministic and honours the language', () => {
    expect(renderFlowDiagram(sample)).toBe(svg);
    expect(renderFlowDiagram(structuredClone(sample))).toBe(svg);
    const en = renderFlowDiagram(sample, { lang: 'en' });
    expect(en).toContain('Sample (sample)');
    expect(en).not.toBe(svg);
  });

  it('survives hostile ids and odd input', () => {
    const odd = {
      id: 'odd',
      title: t('x'),
      start: 'missing-start',
      steps: { constructor: { type: 'handoff' }, a: { type: 'say', messages: [t('"><script>')], next: '<script>' } },
    } as unknown as Flow;
    const out = renderFlowDiagram(odd);
    checkWellFormed(out);
    expect(out.toLowerCase()).not.toContain('<script');
    expect(count(out, 'data-step=')).toBe(2);
    expect(out).toContain('data-missing="&lt;script&gt;"');
  });

  it('keeps a 60-step flow to a sane size', () => {
    const steps: Record<string, unknown> = {};
    for (let i = 0; i < 60; i++) steps[`s${i}`] = i === 59 ? { type: 'end', text: t('x') } : { type: 'say', messages: [t('x')], next: `s${i + 1}` };
    steps.s0 = { type: 'choose', text: t('x'), options: Array.from({ length: 10 }, (_, i) => ({ label: t(`o${i}`), next: `s${i + 1}` })) };
    const out = renderFlowDiagram({ id: 'big', title: t('Big'), start: 's0', steps } as unknown as Flow);
    checkWellFormed(out);
    expect(count(out, 'data-step=')).toBe(60);
    const width = Number(out.match(/ width="(\d+)"/)?.[1]);
    expect(width).toBeLessThanOrEqual(8 * 180 + 7 * 40 + 2 * 80);
  });
});

describe('real flows', () => {
  const dir = new URL('../../flows/', import.meta.url).pathname;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  it('finds the shipped flows', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const f of files) {
    it(`renders ${f} with one node per step`, () => {
      const flow = parse(readFileSync(join(dir, f), 'utf8')) as Flow;
      for (const lang of ['vi', 'en'] as const) {
        const svg = renderFlowDiagram(flow, { lang });
        expect(svg.startsWith('<svg')).toBe(true);
        checkWellFormed(svg);
        expect(count(svg, 'data-step=')).toBe(Object.keys(flow.steps).length);
        expect(svg).toContain(`data-step="${flow.start}"`);
        // Shipped flows are valid: nothing missing.
        expect(svg).not.toContain('data-missing=');
      }
    });
  }
});
