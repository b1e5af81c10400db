import { fold } from '../text/vi/fold.js';
import type { Lang } from '../core/message.js';

// Words that are English and not a Vietnamese syllable once folded ("can", "the", "do", "an" are both: left out).
const ENGLISH = new Set(
  `i you he she we they it my your our their me us him her what which who whom whose where when why how is are was were be been
  being am have has had does did will would should could must shall may might of for from with about into onto over after before
  please want need like get got go going know tell show help find make take give pay apply applying renew renewal register
  registration new old lost replace replacement passport visa licence license driving birth certificate marriage death business
  company tax land house home card identity id number fee fees cost costs price much many long days day week weeks month time
  where office documents document papers paperwork bring submit online person status check track application dossier account
  app phone email address name please thanks thank hello hey good morning afternoon evening night hi bye goodbye yes no not
  dont don't cant can't won't isn't aren't doesn't didn't just only also very really some any every this that these those there here
  then than because if or and but so too again still already soon now today tomorrow yesterday please sorry excuse okay
  speak talk someone somebody human staff agent real robot bot automated english vietnamese language switch child children son
  daughter baby wife husband father mother parent family moved moving move bought buy buying sell selling car motorbike motorcycle
  vehicle plate driver shop open opening restaurant building permit construction residence temporary permanent foreigner foreign
  citizen citizens national government portal service services procedure procedures process processing required requirements
  receive result does take takes need needs needed would like look looking help helping lose lost stolen wallet died passed away
  get married marry divorce certificate copy extract criminal record health insurance social pension benefit work permit job
  fine fines traffic ticket tickets school weather`
    .split(/\s+/)
    .filter(Boolean),
);

// Frequent Vietnamese syllables as citizens type them without diacritics.
const VIETNAMESE = new Set(
  `toi minh em anh chi ban chau con bac co chu di ong ba ho chung muon can hoi cho xin giup lam nhu the nao sao gi dau bao nhieu
  tien phi le mat may ngay lau khi nao duoc khong ko co phai la thi ma va cua voi de ve tai vi nen neu roi da dang se bi nay kia
  do day nhe nha a oi vay ha hoac hay nua thoi dang ky giay phep xe lai bang doi cap moi cu so ho khau tam tru thuong kinh doanh
  khai sinh tu ket hon nha dat xay dung the can cuoc cong dan chung minh nhan thu tuc hanh chinh nop truc tuyen tiep uy nhan dan
  xa phuong tinh huyen quan thanh pho nguoi nuoc ngoai dinh danh dien tu tai khoan tra cuu tinh trang thanh toan chuyen khoan
  gia dinh vo chong bo me ong ba mua ban cho tang thua ke sua chua mien giam hoc truong benh vien bao hiem xa hoi y te luong huu
  lao dong viec thue ma giam doc cong ty ho so tro mat trom hong rach het han gia han ten ngay thang nam sinh viet tieng`
    .split(/\s+/)
    .filter(Boolean),
);

/** True when the text carries Vietnamese letters (tone marks, đ, ơ, ư, â, ê, ô, ă). */
function hasVietnameseMarks(text: string): boolean {
  return /[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]/i.test(text.normalize('NFC'));
}

/**
 * The language a message is written in, from the message alone: 'vi', 'en', or null when it
 * cannot tell (a number, a code, one word such as "visa", "ok" or "menu"). Diacritics decide
 * Vietnamese at once; otherwise it needs two words that belong to one language only, and
 * clearly more of them than of the other.
 */
export function detectLanguage(text: string): Lang | null {
  if (hasVietnameseMarks(text)) return 'vi';
  const words = fold(text).split(' ').filter((w) => /^[a-z']+$/.test(w));
  if (words.length < 2) return null;
  let en = 0;
  let vi = 0;
  for (const w of words) {
    const e = ENGLISH.has(w);
    const v = VIETNAMESE.has(w);
    if (e && !v) en++;
    else if (v && !e) vi++;
  }
  if (en >= 2 && en > vi * 2) return 'en';
  if (vi >= 2 && vi > en) return 'vi';
  return null;
}
