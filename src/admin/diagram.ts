import type { Flow, Step } from '../flow/schema.js';
import { stepExits } from '../flow/graph.js';

/**
 * Renders a flow definition as a standalone SVG string (no external service, no dependencies).
 *
 * Layout: rows top to bottom by BFS depth from `start`; within a row, nodes keep the order in
 * which the BFS first found them. Steps that cannot be reached from `start` go to a final row
 * with a red dashed border. Edges to a step id that does not exist end at a small red "? id"
 * node. Edges that go up (or stay on the same row) are drawn as curves on the side.
 *
 * All text comes from staff input and is escaped for XML. The output is deterministic: the same
 * flow object gives the same string.
 */

export interface DiagramOptions {
  lang?: 'vi' | 'en';
}

const NODE_W = 180;
const NODE_H = 48;
const GAP_X = 40;
const GAP_Y = 60;
const MISSING_W = 130;
const MISSING_H = 30;
/** Wide rows (a big `choose`, many unreachable steps) wrap onto several lines. */
const MAX_PER_LINE = 8;
const PAD = 20;
const HEADER_H = 30;
const SIDE_MARGIN_BACK = 80;
const EDGE_LABEL_MAX = 18;

const COLOURS: Record<string, { fill: string; stroke: string; text: string }> = {
  say: { fill: '#e3eaf3', stroke: '#5b7390', text: '#1f2a37' },
  choose: { fill: '#fff4c2', stroke: '#c9a400', text: '#3a3000' },
  ask: { fill: '#dcf2dc', stroke: '#3f8f3f', text: '#153d15' },
  branch: { fill: '#ece0f5', stroke: '#7b4fa0', text: '#35184d' },
  lookup: { fill: '#d5f0ee', stroke: '#2a8c84', text: '#0e3b37' },
  handoff: { fill: '#ffe3cc', stroke: '#d9731a', text: '#4a2300' },
  end: { fill: '#5a5a5a', stroke: '#2e2e2e', text: '#ffffff' },
  goto: { fill: '#d6e6ff', stroke: '#2f6fd6', text: '#0d2a5c' },
};
const UNKNOWN_COLOUR = { fill: '#eeeeee', stroke: '#999999', text: '#222222' };
const RED = '#d32f2f';
const EDGE_COLOUR = '#666666';

// ---------------------------------------------------------------------------------------------
// Text helpers

/** Characters XML 1.0 does not allow at all (control characters, lone surrogates, U+FFFE/F). */
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for XML element content and attribute values (& < > " '). */
export function escapeXml(value: unknown): string {
  return String(value ?? '')
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** One line, at most `max` characters (code points) followed by "…" when cut. */
function truncate(value: string, max: number): string {
  const flat = value.normalize('NFC').replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  if (chars.length <= max) return flat;
  return `${chars.slice(0, max).join('').trimEnd()}…`;
}

function text(t: unknown, lang: 'vi' | 'en'): string {
  if (typeof t === 'string') return t;
  if (!t || typeof t !== 'object') return '';
  const rec = t as Record<string, unknown>;
  const v = rec[lang] ?? rec.vi ?? rec.en;
  return typeof v === 'string' ? v : '';
}

/** Numbers in the output: integers as is, others to one decimal; never "-0". */
function n(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

// ---------------------------------------------------------------------------------------------
// Graph

interface OutEdge {
  to: string;
  label?: string;
}

function conditionLabel(cond: unknown): string {
  if (!cond || typeof cond !== 'object') return '?';
  const c = cond as { var?: unknown; equals?: unknown; in?: unknown; exists?: unknown };
  const v = String(c.var ?? '?');
  if (c.equals !== undefined) return `${v}=${String(c.equals)}`;
  if (Array.isArray(c.in)) return `${v}=${c.in.map(String).join('|')}`;
  if (c.exists === true) return `có ${v}`;
  if (c.exists === false) return `không có ${v}`;
  return v;
}

function outEdges(step: Step, lang: 'vi' | 'en'): OutEdge[] {
  return stepExits(step).map(({ to, path }) => {
    const [field, i] = path as [string, number?];
    const label =
      field === 'options' && step.type === 'choose'
        ? text(step.options[i!]?.label, lang)
        : field === 'cases' && step.type === 'branch'
          ? conditionLabel(step.cases[i!]?.if)
          : field === 'else'
            ? 'còn lại'
            : undefined;
    return label === undefined ? { to } : { to, label };
  });
}

function typeHint(step: Step): string {
  switch (step.type) {
    case 'say': {
      const count = step.messages?.length ?? 0;
      return count > 1 ? `say · ${count} tin nhắn` : 'say';
    }
    case 'choose': {
      const count = step.options?.length ?? 0;
      return `choose · ${count} lựa chọn`;
    }
    case 'ask':
      return `ask · ${String(step.var ?? '?')}${step.validate ? ` (${String(step.validate)})` : ''}`;
    case 'branch': {
      const count = step.cases?.length ?? 0;
      return `branch · ${count} trường hợp`;
    }
    case 'lookup':
      return `lookup · ${String(step.var ?? 'procedure')}`;
    case 'handoff':
      return 'handoff';
    case 'end':
      return step.csat ? 'end · đánh giá' : 'end';
    case 'goto':
      return `goto → ${String(step.flow ?? '?')}`;
    default:
      return String((step as { type?: unknown }).type ?? '?');
  }
}

/** Full hover text for a node. */
function describe(id: string, step: Step, lang: 'vi' | 'en', isStart: boolean, unreachable: boolean): string {
  const lines: string[] = [`${id} — ${typeHint(step)}${isStart ? ' (bước bắt đầu)' : ''}`];
  if (unreachable) lines.push('không đi tới được: không có đường từ bước bắt đầu');
  switch (step.type) {
    case 'say':
      for (const m of step.messages ?? []) lines.push(text(m, lang));
      break;
    case 'choose':
      lines.push(text(step.text, lang));
      (step.options ?? []).forEach((o, i) => lines.push(`${i + 1}. ${text(o?.label, lang)} → ${String(o?.next ?? '?')}`));
      break;
    case 'ask':
    case 'lookup':
      lines.push(text(step.text, lang));
      break;
    case 'branch':
      for (const c of step.cases ?? []) lines.push(`nếu ${conditionLabel(c?.if)} → ${String(c?.next ?? '?')}`);
      lines.push(`còn lại → ${String(step.else ?? '?')}`);
      break;
    case 'handoff':
    case 'end':
      if (step.text) lines.push(text(step.text, lang));
      break;
    case 'goto':
      lines.push(`sang luồng ${String(step.flow ?? '?')}`);
      break;
    default:
      break;
  }
  return lines.filter((l) => l.length > 0).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Layout

interface Box {
  key: string;
  /** Step id (or the missing id for missing nodes). */
  id: string;
  missing: boolean;
  line: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Edge {
  from: string;
  to: string;
  labels: string[];
}

const missingKey = (id: string): string => `\u0000missing:${id}`;

export function renderFlowDiagram(flow: Flow, opts: DiagramOptions = {}): string {
  const lang = opts.lang === 'en' ? 'en' : 'vi';
  const rawSteps: Record<string, Step> = flow && typeof flow.steps === 'object' && flow.steps !== null ? flow.steps : {};
  // A Map so that ids like "constructor" or "__proto__" never hit Object.prototype.
  const steps = new Map<string, Step>();
  for (const [id, step] of Object.entries(rawSteps)) {
    if (step && typeof step === 'object') steps.set(id, step);
  }
  const start = typeof flow?.start === 'string' ? flow.start : '';

  // Distinct edges per source, in definition order; duplicate targets merge their labels.
  const edgesFrom = new Map<string, Edge[]>();
  for (const [id, step] of steps) {
    const list: Edge[] = [];
    for (const e of outEdges(step, lang)) {
      const existing = list.find((x) => x.to === e.to);
      if (existing) {
        if (e.label !== undefined) existing.labels.push(e.label);
      } else {
        list.push({ from: id, to: e.to, labels: e.label === undefined ? [] : [e.label] });
      }
    }
    edgesFrom.set(id, list);
  }

  // BFS from start: logical rows by depth, order of first discovery.
  const depth = new Map<string, number>();
  const rows: string[][] = [];
  if (steps.has(start)) {
    depth.set(start, 0);
    rows.push([start]);
    const queue = [start];
    for (let qi = 0; qi < queue.length; qi++) {
      const id = queue[qi]!;
      const d = depth.get(id)!;
      for (const e of edgesFrom.get(id) ?? []) {
        if (!steps.has(e.to) || depth.has(e.to)) continue;
        depth.set(e.to, d + 1);
        (rows[d + 1] ??= []).push(e.to);
        queue.push(e.to);
      }
    }
  }
  const unreachable = [...steps.keys()].filter((id) => !depth.has(id));
  const unreachableRow = rows.length;
  if (unreachable.length > 0) rows.push(unreachable);
  const unreachableSet = new Set(unreachable);

  // Missing targets: one node per id, on the row below the first (highest) source.
  const rowOf = new Map<string, number>();
  rows.forEach((r, i) => r.forEach((id) => rowOf.set(id, i)));
  const missingRows = new Map<number, string[]>();
  const missingIds = new Set<string>();
  rows.forEach((r, i) => {
    for (const id of r) {
      for (const e of edgesFrom.get(id) ?? []) {
        if (steps.has(e.to) || missingIds.has(e.to)) continue;
        missingIds.add(e.to);
        const list = missingRows.get(i + 1) ?? [];
        list.push(e.to);
        missingRows.set(i + 1, list);
      }
    }
  });
  const rowCount = Math.max(rows.length, ...[...missingRows.keys()].map((k) => k + 1));
  const fullRows: string[][] = [];
  for (let i = 0; i < rowCount; i++) {
    fullRows.push([...(rows[i] ?? []), ...(missingRows.get(i) ?? []).map(missingKey)]);
  }

  // Visual lines: logical rows wrapped at MAX_PER_LINE nodes.
  const lines: { keys: string[]; row: number }[] = [];
  fullRows.forEach((r, row) => {
    for (let i = 0; i < r.length; i += MAX_PER_LINE) lines.push({ keys: r.slice(i, i + MAX_PER_LINE), row });
  });
  const maxPerLine = Math.max(1, ...lines.map((l) => l.keys.length));

  // Back edges (to an earlier line, or a step to itself) curve round the side: leave room.
  const lineOf = new Map<string, number>();
  lines.forEach((l, i) => l.keys.forEach((k) => lineOf.set(k, i)));
  const keyOf = (to: string): string => (steps.has(to) ? to : missingKey(to));
  let anyBack = false;
  for (const list of edgesFrom.values()) {
    for (const e of list) {
      if (e.to === e.from || (lineOf.get(keyOf(e.to)) ?? 0) < (lineOf.get(e.from) ?? 0)) anyBack = true;
    }
  }

  const side = anyBack ? SIDE_MARGIN_BACK : PAD;
  const innerW = maxPerLine * NODE_W + (maxPerLine - 1) * GAP_X;
  const width = side * 2 + innerW;
  const top = PAD + HEADER_H;
  const bodyHeight = top + lines.length * NODE_H + Math.max(0, lines.length - 1) * GAP_Y + PAD;

  const boxes = new Map<string, Box>();
  lines.forEach((l, li) => {
    const offset = ((maxPerLine - l.keys.length) * (NODE_W + GAP_X)) / 2;
    const y = top + li * (NODE_H + GAP_Y);
    l.keys.forEach((key, i) => {
      const slotX = side + offset + i * (NODE_W + GAP_X);
      const missing = !steps.has(key);
      const id = missing ? key.slice(missingKey('').length) : key;
      boxes.set(
        key,
        missing
          ? { key, id, missing, line: li, x: slotX + (NODE_W - MISSING_W) / 2, y: y + (NODE_H - MISSING_H) / 2, w: MISSING_W, h: MISSING_H }
          : { key, id, missing, line: li, x: slotX, y, w: NODE_W, h: NODE_H },
      );
    });
  });

  const flowId = String(flow?.id ?? 'flow');
  const markerId = `flow-arrow-${flowId.replace(/[^a-zA-Z0-9_-]/g, '_')}`;

  // ---- edges
  const edgeSvg: string[] = [];
  /** Lowest point drawn: arcs under the last line need room below it. */
  let bottom = bodyHeight - PAD;
  const labelSvg: string[] = [];
  let backIndex = 0;
  for (const [from, list] of edgesFrom) {
    const src = boxes.get(from);
    if (!src) continue;
    list.forEach((e, i) => {
      const dst = boxes.get(keyOf(e.to));
      if (!dst) return;
      const toMissing = dst.missing;
      let d: string;
      let lx: number;
      let ly: number;
      if (dst.line > src.line) {
        const sx = src.x + (src.w * (i + 1)) / (list.length + 1);
        const sy = src.y + src.h;
        const tx = dst.x + dst.w / 2;
        const ty = dst.y;
        const dy = Math.max(20, (ty - sy) / 2);
        d = `M${n(sx)} ${n(sy)}C${n(sx)} ${n(sy + dy)} ${n(tx)} ${n(ty - dy)} ${n(tx)} ${n(ty)}`;
        // Label towards the target end, where fanned-out edges are far apart.
        const t = 0.72;
        const mt = 1 - t;
        lx = mt * mt * mt * sx + 3 * mt * mt * t * sx + 3 * mt * t * t * tx + t * t * t * tx;
        ly = mt * mt * mt * sy + 3 * mt * mt * t * (sy + dy) + 3 * mt * t * t * (ty - dy) + t * t * t * ty;
      } else if (dst.line === src.line && dst.key !== src.key) {
        // Same line: an arc under the row, between the source's fan-out anchor and the near
        // side of the target's bottom edge.
        const leftwards = dst.x < src.x;
        const sx = src.x + (src.w * (i + 1)) / (list.length + 1);
        const sy = src.y + src.h;
        const tx = dst.x + dst.w * (leftwards ? 0.85 : 0.15);
        const ty = dst.y + dst.h;
        const slots = Math.round(Math.abs(dst.x - src.x) / (NODE_W + GAP_X));
        const dip = Math.min(56, 28 + 7 * slots);
        d = `M${n(sx)} ${n(sy)}C${n(sx)} ${n(sy + dip)} ${n(tx)} ${n(ty + dip)} ${n(tx)} ${n(ty)}`;
        lx = (sx + tx) / 2;
        ly = (sy + ty) / 2 + 0.75 * dip;
        bottom = Math.max(bottom, ly + 8);
      } else {
        // Curve out on the side the target lies towards (straight up: the nearer margin).
        const scx = src.x + src.w / 2;
        const tcx = dst.x + dst.w / 2;
        const right = tcx > scx ? true : tcx < scx ? false : scx >= width / 2;
        const span = src.line - dst.line;
        const off = Math.min(90, 30 + 15 * span + 6 * (backIndex % 4));
        backIndex++;
        const sx = right ? src.x + src.w : src.x;
        const tx = right ? dst.x + dst.w : dst.x;
        const sy = src.y + src.h / 2 + 8;
        const ty = dst.y + dst.h / 2 - 8;
        const cx = right ? Math.max(sx, tx) + off : Math.min(sx, tx) - off;
        d = `M${n(sx)} ${n(sy)}C${n(cx)} ${n(sy)} ${n(cx)} ${n(ty)} ${n(tx)} ${n(ty)}`;
        lx = (sx + 6 * cx + tx) / 8;
        ly = (sy + ty) / 2;
      }
      const stroke = toMissing ? RED : EDGE_COLOUR;
      edgeSvg.push(
        `<path class="edge${toMissing ? ' edge-missing' : ''}" data-from="${escapeXml(from)}" data-to="${escapeXml(e.to)}" d="${d}" fill="none" stroke="${stroke}" stroke-width="1.5"${toMissing ? ' stroke-dasharray="5 3"' : ''} marker-end="url(#${markerId})"/>`,
      );
      if (e.labels.length > 0) {
        const shown = truncate(e.labels[0]!, EDGE_LABEL_MAX) + (e.labels.length > 1 ? ` (+${e.labels.length - 1})` : '');
        labelSvg.push(
          `<g class="edge-label" data-from="${escapeXml(from)}" data-to="${escapeXml(e.to)}"><title>${escapeXml(e.labels.join('\n'))}</title>` +
            `<text x="${n(lx)}" y="${n(ly + 3)}" text-anchor="middle" font-size="10" fill="#333333" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeXml(shown)}</text></g>`,
        );
      }
    });
  }

  // ---- nodes
  const nodeSvg: string[] = [];
  for (const l of lines) {
    for (const key of l.keys) {
      const b = boxes.get(key)!;
      if (b.missing) {
        nodeSvg.push(
          `<g class="node missing" data-missing="${escapeXml(b.id)}"><title>${escapeXml(`bước không có: ${b.id} (không có bước nào mang mã này)`)}</title>` +
            `<rect x="${n(b.x)}" y="${n(b.y)}" width="${b.w}" height="${b.h}" rx="6" fill="#fdecea" stroke="${RED}" stroke-width="1.5"/>` +
            `<text x="${n(b.x + b.w / 2)}" y="${n(b.y + b.h / 2 + 4)}" text-anchor="middle" font-size="11" font-weight="bold" fill="${RED}">${escapeXml(`? ${truncate(b.id, 16)}`)}</text></g>`,
        );
        continue;
      }
      const step = steps.get(key)!;
      const isStart = key === start;
      const isUnreachable = unreachableSet.has(key);
      const c = COLOURS[String(step.type)] ?? UNKNOWN_COLOUR;
      const stroke = isUnreachable ? RED : c.stroke;
      const strokeWidth = isStart ? 3.5 : 1.5;
      const cls = `node node-${String(step.type).replace(/[^a-z]/g, '') || 'unknown'}${isStart ? ' start' : ''}${isUnreachable ? ' unreachable' : ''}`;
      nodeSvg.push(
        `<g class="${cls}" data-step="${escapeXml(key)}"${isUnreachable ? ' data-unreachable="true"' : ''}>` +
          `<title>${escapeXml(describe(key, step, lang, isStart, isUnreachable))}</title>` +
          `<rect x="${n(b.x)}" y="${n(b.y)}" width="${b.w}" height="${b.h}" rx="8" fill="${c.fill}" stroke="${stroke}" stroke-width="${strokeWidth}"${isUnreachable ? ' stroke-dasharray="6 4"' : ''}/>` +
          `<text x="${n(b.x + b.w / 2)}" y="${n(b.y + 20)}" text-anchor="middle" font-size="13" font-weight="bold" fill="${c.text}">${escapeXml(truncate(key, 22))}</text>` +
          `<text x="${n(b.x + b.w / 2)}" y="${n(b.y + 37)}" text-anchor="middle" font-size="11" fill="${c.text}">${escapeXml(truncate(typeHint(step), 28))}</text></g>`,
      );
    }
  }

  // Caption above the unreachable row.
  const captions: string[] = [];
  if (unreachable.length > 0) {
    const firstLine = lines.findIndex((l) => l.row === unreachableRow);
    if (firstLine >= 0) {
      const y = top + firstLine * (NODE_H + GAP_Y) - 10;
      captions.push(`<text class="caption" x="${side}" y="${n(y)}" font-size="11" font-style="italic" fill="${RED}">không đi tới được từ bước bắt đầu</text>`);
    }
  }

  const height = Math.max(bodyHeight, Math.ceil(bottom + PAD));
  const title = text(flow?.title, lang);
  const heading = title ? `${title} (${flowId})` : flowId;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n(width)} ${n(height)}" width="${n(width)}" height="${n(height)}" role="img" aria-label="${escapeXml(`Sơ đồ luồng: ${heading}`)}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif">`,
    `<title>${escapeXml(heading)}</title>`,
    `<defs><marker id="${markerId}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="${EDGE_COLOUR}"/></marker></defs>`,
    `<rect x="0" y="0" width="${n(width)}" height="${n(height)}" fill="#ffffff"/>`,
    `<text class="heading" x="${PAD}" y="${PAD + 8}" font-size="14" font-weight="bold" fill="#222222">${escapeXml(truncate(heading, Math.max(20, Math.floor((width - 2 * PAD) / 8))))}</text>`,
    ...captions,
    `<g class="edges">${edgeSvg.join('')}</g>`,
    `<g class="nodes">${nodeSvg.join('')}</g>`,
    `<g class="edge-labels">${labelSvg.join('')}</g>`,
    `</svg>`,
  ].join('\n');
}
