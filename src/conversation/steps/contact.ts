import { t, type Middleware, type RouterContext } from '../turn.js';

/**
 * "Trung tâm hành chính công ở đâu, số hotline?", "cho tôi link cổng dịch vụ công": the
 * deployment's own one-stop desk, hotline and portal (set by the province), never invented;
 * a national deployment points to the National Public Service Portal.
 */
export function contact(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    if (!ctx.understanding.asksContact(turn.folded)) return next();
    const { profile } = ctx;
    const lang = turn.lang();
    const lines: string[] = [];
    if (profile.oneStopAddress) lines.push(t(lang, `Bộ phận một cửa${profile.province ? ` của ${profile.province}` : ''}: ${profile.oneStopAddress}.`, `One-stop desk${profile.province ? ` of ${profile.province}` : ''}: ${profile.oneStopAddress}.`));
    if (profile.hotline) lines.push(t(lang, `Đường dây hỗ trợ: ${profile.hotline}.`, `Helpline: ${profile.hotline}.`));
    lines.push(
      profile.province && profile.portalUrl !== 'https://dichvucong.gov.vn'
        ? t(lang, `Cổng dịch vụ công ${profile.province}: ${profile.portalUrl}`, `${profile.province} public service portal: ${profile.portalUrl}`)
        : t(lang, 'Cổng Dịch vụ công quốc gia: https://dichvucong.gov.vn', 'National Public Service Portal: https://dichvucong.gov.vn'),
    );
    if (!profile.oneStopAddress && !profile.hotline)
      lines.push(t(lang, 'Địa chỉ bộ phận một cửa và số điện thoại của từng cơ quan có trên trang của từng thủ tục. Anh/chị cũng có thể gõ "gặp cán bộ".', 'Each procedure page lists the office and its contact details. You can also type "human" to reach a staff member.'));
    return [{ text: lines.join('\n'), link: { label: t(lang, 'Mở cổng dịch vụ công', 'Open the public service portal'), url: profile.portalUrl } }];
  };
}
