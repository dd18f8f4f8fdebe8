import { z } from 'zod';

export const leadLanguages = ['zh', 'en'] as const;
export type LeadLanguage = (typeof leadLanguages)[number];

/** Text the bank writes itself (consent, product labels): one for both languages, or each. */
export const BankText = (max: number) =>
  z.union([
    z.string().min(1).max(max),
    z.strictObject({ zh: z.string().min(1).max(max), en: z.string().min(1).max(max) }),
  ]);
export type BankText = z.output<ReturnType<typeof BankText>>;

/** A bank text as both languages, so a page switching language needs no second fetch. */
export function bothLanguages(text: BankText): Record<LeadLanguage, string> {
  return typeof text === 'string' ? { zh: text, en: text } : { zh: text.zh, en: text.en };
}

/** The standalone lead page's own words. */
export const pageStrings: Record<LeadLanguage, Record<string, string>> = {
  zh: {
    title: '留下您的联系方式',
    name: '您的姓名',
    phone: '手机号码',
    product: '我感兴趣的产品',
    agree: '我同意以上内容',
    send: '提交',
    consent: '请勾选同意：未经同意我们不会联系您。',
    thanks: '谢谢，客户经理会尽快与您联系。',
    failed: '抱歉，未能提交，请联系工作人员。',
    other: 'English',
  },
  en: {
    title: 'Leave your details',
    name: 'Your name',
    phone: 'Mobile number',
    product: 'I am interested in',
    agree: 'I agree to the text above',
    send: 'Send',
    consent: 'Please tick the consent box: no consent, no call.',
    thanks: 'Thank you: a relationship manager will call you soon.',
    failed: 'Sorry, that did not work. Please ask a member of staff.',
    other: '中文',
  },
};
