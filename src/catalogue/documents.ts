import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fold } from '../text/vi/fold.js';
import type { Procedure } from './procedure.js';

/**
 * A short, readable list of the papers to prepare. The portal's list is noisy: legal bases inside
 * names, instructions to staff listed as papers, glued form labels ("…ban hànhMẫu"), quantities like
 * "0 bản chính,1 bản sao". This is a hint; the portal page stays authoritative.
 */
export interface CleanDocument {
  name: string;
  /** "1 bản chính", "1 bản sao", "1 bản chính, 1 bản sao"; null when nothing is to be handed in. */
  quantity: string | null;
  /** Needed only in one case (the portal lists it under a "Trường hợp …" heading). */
  conditional?: boolean;
}

const MAX_NAME = 140;

/** Entries that are instructions or remarks, not papers. */
const NOT_A_PAPER =
  /^(?:phiếu này là biểu mẫu điện tử|lưu ý|ghi chú|người tiếp nhận|cơ quan (?:đăng ký|tiếp nhận|có thẩm quyền)|cá nhân có quyền|thành phần hồ sơ|số lượng hồ sơ|đối với (?:giấy tờ|yêu cầu)|người có yêu cầu [^.]{0,60}thực hiện việc|trường hợp (?:không khai thác|các thông tin cá nhân|người yêu cầu [^.]{0,40}không cung cấp|gửi hồ sơ qua))/iu;
/** A rule rather than a paper, when nothing is to be handed in ("0 bản chính"). */
const REMARK = /^(?:[-+*•.\s]*)?(?:trường hợp|người yêu cầu|nếu)\b|\b(?:phải bảo đảm|phải được|có thể nộp|có trách nhiệm)\b/iu;
const STAFF_TEXT = /người tiếp nhận (?:có trách nhiệm|hồ sơ thực hiện)|không được yêu cầu (?:người|nộp)|biểu mẫu điện tử, công dân kê khai/iu;
const PAPER_WORD =
  /tờ khai|đơn|giấy|bản sao|bản chính|bản chụp|văn bản|hộ chiếu|thẻ|phiếu|quyết định|chứng (?:nhận|chỉ|từ|thư)|ảnh|hợp đồng|báo cáo|danh sách|sổ|trích lục|biên bản|hồ sơ|tài liệu|mẫu|đề án|phương án|bản vẽ|bản đồ|kế hoạch|công văn|thông báo|bảng|dự thảo|điều lệ|quy chế|hóa đơn|bằng|lý lịch|căn cước/iu;

/** The legal basis of a form: from "theo mẫu quy định tại Phụ lục …", "ban hành kèm theo Thông tư …". */
const LEGAL_TAIL =
  /[\s,;(]*(?:(?:theo|tại)\s+)?(?:(?:mẫu|Mẫu)\s+(?:số\s+)?[^\s,;()]*\s+)?(?:(?:quy định|được quy định|ban hành)\s+)?(?:tại\s+)?(?:Phụ lục\b|ban hành kèm theo|(?:Điều|khoản|điểm)\s+\S+\s+(?:khoản\s+\S+\s+)?(?:Điều\s+\S+\s+)?(?:của\s+)?(?:Thông tư|Nghị định|Luật|Quyết định)|(?:Thông tư|Nghị định|Quyết định)\s+(?:số\s+)?\d+\/)/u;
const FORM_CODE = /\b[Mm]ẫu\s+(?:số\s+)?([A-Z]{1,5}[\s-]?\d{1,3}[a-z]?(?:\/[A-Z0-9-]+)?)\b/u;

function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const at = cut.lastIndexOf(' ');
  return `${(at > max * 0.6 ? cut.slice(0, at) : cut).replace(/[\s,;:(–-]+$/u, '')}…`;
}

function cleanName(raw: string): string {
  let s = raw.normalize('NFC').replace(/\t/g, ' ');
  // A header line ("Giấy tờ phải xuất trình:") followed by the list: keep the list.
  const lines = s.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length > 1 && /:\s*$/u.test(lines[0]!)) lines.shift();
  s = lines.join(' ');
  // List markers: "a)", "b.", "1.", "(ii)", "(3)", "(viii)!", "+", ". Trường hợp".
  s = s.replace(/^(?:[.\s]+|(?:[a-zđ][).]|\d{1,2}[.)]|\((?:[ivx]{1,5}|[1-9]\d?|[a-zđ])\)!?|[-+*•]{1,3})\s*)+/iu, '');
  // Form labels glued to the end by the portal's export ("…ban hànhMẫu", "theo mẫu.Mẫu VB đề").
  s = s.replace(/(?<=[\p{Ll}.)])Mẫu\b.*$/su, '');
  const code = FORM_CODE.exec(s)?.[1];
  const legal = LEGAL_TAIL.exec(s);
  if (legal && legal.index > 15) {
    const mentionsForm = /mẫu/iu.test(s.slice(Math.max(0, legal.index - 12)));
    s = s.slice(0, legal.index).replace(/\s*\b(?:theo|tại)\s*$/iu, '').replace(/[\s,;:(]+$/u, '');
    if (code) s += ` (mẫu ${code})`;
    else if (/\s+theo mẫu(?: quy định)?$/iu.test(s)) s = s.replace(/\s+theo mẫu(?: quy định)?$/iu, ' (theo mẫu)');
    else if (mentionsForm) s += ' (theo mẫu)';
  }
  s = s.replace(/;[^;]{0,25}$/u, '').replace(/\s+/g, ' ').replace(/[\s,;:]+$/u, '').trim();
  return cutAtWord(s, MAX_NAME);
}

/** "0 bản chính,1 bản sao" → "1 bản sao"; "0 bản chính" → null; "20261 bản chính" (a year glued on) → "1 bản chính". */
export function cleanQuantity(raw: string | null): string | null {
  if (!raw) return null;
  const count = (kind: string): number => {
    const m = new RegExp(String.raw`(\d+)\s*bản\s+${kind}`, 'iu').exec(raw);
    if (!m) return 0;
    const n = Number(m[1]);
    return n > 20 ? n % 10 : n;
  };
  const originals = count('chính');
  const copies = count('sao');
  const parts = [originals ? `${originals} bản chính` : '', copies ? `${copies} bản sao` : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : null;
}

/** The papers to prepare, cleaned, deduplicated, in the portal's order. */
/** Application forms and declarations: what every applicant fills in. */
const FORM = /^(tờ khai|đơn|phiếu|giấy đề nghị|bản khai|mẫu)/iu;
/** Papers only some applicants need ("… đối với người …", "trong trường hợp …"). */
const CASE = /^(?:trường hợp|đối với|nếu|khi)\s|\s(?:trong|đối với) trường hợp\s|\snếu có\b/iu;

export function cleanDocuments(docs: Procedure['documents'], opts: { max?: number } = {}): CleanDocument[] {
  const out: CleanDocument[] = [];
  const seen = new Set<string>();
  for (const d of docs) {
    const first = d.name.trim();
    if (NOT_A_PAPER.test(first.replace(/^[-+*•\s]+/u, '')) || STAFF_TEXT.test(first)) continue;
    // Remarks exported as rows carry "0 bản chính" (nothing handed in) and read as rules.
    if (!cleanQuantity(d.quantity) && REMARK.test(first)) continue;
    // "Trường hợp …\nGiấy tờ …": a paper needed only in one case; the case line is a heading.
    const [head, ...body] = first.split('\n').map((l) => l.trim()).filter(Boolean);
    // "Giấy tờ phải nộp:\n- Giấy báo tử …": a heading over the paper itself.
    const heading = /^giấy tờ (?:phải|cần) (?:nộp|xuất trình)/iu.test(head ?? '');
    const conditional = body.length > 0 && !heading;
    const name = cleanName(body.length ? body.join(' ') : (head ?? first));
    if (name.length < 4 || !PAPER_WORD.test(name)) continue;
    // The same tests on what is left once headings and list markers are gone ("Giấy tờ phải xuất trình:\nTrường hợp các thông tin …").
    if (NOT_A_PAPER.test(name) || STAFF_TEXT.test(name) || /^lưu ý|^ghi chú/iu.test(name)) continue;
    if (!cleanQuantity(d.quantity) && (REMARK.test(name) || /^(?:đối với|trường hợp)\b[^:]*$/iu.test(name))) continue;
    const key = fold(name).slice(0, 80);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ name, quantity: cleanQuantity(d.quantity), ...(conditional ? { conditional } : {}) });
  }
  // What everyone hands in (the application form, then unconditional papers) before case-specific papers.
  const rank = (d: CleanDocument) => (FORM.test(d.name) && !d.conditional ? 0 : d.conditional || CASE.test(d.name) ? 2 : 1);
  const sorted = out.map((d, i) => ({ d, i })).sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i).map((x) => x.d);
  return opts.max !== undefined ? sorted.slice(0, opts.max) : sorted;
}

function quantityEn(q: string): string {
  return q.replace(/(\d+) bản chính/u, (_, n: string) => `${n} original${n === '1' ? '' : 's'}`).replace(/(\d+) bản sao/u, (_, n: string) => `${n} cop${n === '1' ? 'y' : 'ies'}`);
}

const glossarySchema = z.object({ glossary: z.array(z.tuple([z.string().min(2), z.string().min(2)])) });
/** Common paper names with their English gloss, longest first (data/papers-en.json). */
const GLOSSARY = glossarySchema
  .parse(JSON.parse(readFileSync(new URL('../../data/papers-en.json', import.meta.url), 'utf8')))
  .glossary.map(([vi, en]) => [` ${fold(vi)} `, en] as const)
  .sort((a, b) => b[0].length - a[0].length);

/** What an English reader needs to know a Vietnamese paper name is ("health certificate"), if it is a common one. */
function englishGloss(name: string): string | null {
  const folded = ` ${fold(name)} `;
  return GLOSSARY.find(([vi]) => folded.includes(vi))?.[1] ?? null;
}

/** Numbered lines of papers for a chat reply, ending with where to find the full list. */
export function documentsText(p: Pick<Procedure, 'documents'>, lang: 'vi' | 'en', max = 6): string {
  const all = cleanDocuments(p.documents);
  const shown = all.slice(0, max);
  const lines = shown.map((d, i) => {
    const gloss = lang === 'en' ? englishGloss(d.name) : null;
    return `${i + 1}. ${d.conditional ? (lang === 'vi' ? 'Tùy trường hợp: ' : 'In some cases: ') : ''}${gloss ? `[${gloss}] ` : ''}${d.name}${d.quantity ? ` (${lang === 'vi' ? d.quantity : quantityEn(d.quantity)})` : ''}`;
  });
  const rest = all.length - shown.length;
  if (rest > 0) lines.push(lang === 'vi' ? `… và ${rest} giấy tờ khác.` : `… and ${rest} more document${rest === 1 ? '' : 's'}.`);
  if (!shown.length) lines.push(lang === 'vi' ? 'Danh mục chưa liệt kê giấy tờ cụ thể.' : 'The catalogue lists no specific documents.');
  lines.push(lang === 'vi' ? 'Danh sách đầy đủ xem trên Cổng Dịch vụ công.' : 'Full list on the public service portal.');
  return lines.join('\n');
}
