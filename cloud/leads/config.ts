import { z } from 'zod';
import { BranchCalendar } from './calendar.ts';
import { debianCjkFont } from './fonts.ts';
import { ScoringRules } from './scoring.ts';

/** Text the bank writes itself: one for every language, or one per language of the pages. */
const BankText = (max: number) =>
  z.union([
    z.string().min(1).max(max),
    z.strictObject({ en: z.string().min(1).max(max), zh: z.string().min(1).max(max) }),
  ]);
type BankText = z.output<ReturnType<typeof BankText>>;

/** A bank's text in the page's language. */
export function inLanguage(text: BankText, language: 'en' | 'zh'): string {
  return typeof text === 'string' ? text : text[language];
}

export const LeadsConfig = z.strictObject({
  /** Country a national phone number is read in (ISO 3166 alpha-2); default CN. */
  defaultCountry: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .default('CN'),
  /** Working minutes a new lead may wait for its first contact; default 120. */
  slaWorkingMinutes: z.number().int().positive().default(120),
  /** How often overdue leads are looked for, ms; default one minute. */
  escalationCheckMs: z.number().int().positive().default(60_000),
  /** Per branch id; a branch not listed works Monday to Friday, 9 to 17 UTC. */
  calendars: z.record(z.string(), BranchCalendar).default({}),
  scoring: ScoringRules.default(ScoringRules.parse({})),
  consent: z.strictObject({ version: z.string().min(1).max(40), text: BankText(4000) }).default({
    version: '2026-12',
    text: {
      en:
        'I agree that the bank may contact me by phone about the product I chose. ' +
        'I can withdraw this consent at any time and ask for my details to be erased.',
      zh: '本人同意银行就本人所选产品通过电话与本人联系。本人可随时撤回此同意，并要求删除本人的资料。',
    },
  }),
  /** Where state changes are posted, and which role's view the payload carries. */
  webhook: z
    .strictObject({
      url: z.url(),
      role: z.enum(['branch-manager', 'marketer']),
      timeoutMs: z.number().int().positive().default(5000),
    })
    .optional(),
  /** A QR link's life, ms; default 30 days. A manager's card link lives a year. */
  tokenTtlMs: z
    .number()
    .int()
    .positive()
    .default(30 * 86_400_000),
  rateLimit: z
    .strictObject({
      windowMs: z.number().int().positive().default(600_000),
      perAddress: z.number().int().positive().default(20),
      perToken: z.number().int().positive().default(200),
    })
    .default({ windowMs: 600_000, perAddress: 20, perToken: 200 }),
  /** Where the mobile page and the cards are reached from a phone; default the API's URL. */
  publicUrl: z.url().optional(),
  /**
   * The font Chinese posters are set in: a TTF, OTF or TTC file and, in a collection, the
   * face's PostScript name. Default Debian's fonts-noto-cjk, simplified Chinese face.
   */
  posterFont: z
    .strictObject({ path: z.string().min(1), name: z.string().min(1).optional() })
    .default(debianCjkFont),
  /** Products offered on the mobile page, id to label (one, or one per language). */
  products: z.record(z.string(), BankText(120)).default({
    'credit-card': { en: 'Credit card', zh: '信用卡' },
    mortgage: { en: 'Mortgage', zh: '住房贷款' },
    loan: { en: 'Personal loan', zh: '个人贷款' },
    'wealth-management': { en: 'Wealth management', zh: '财富管理' },
    account: { en: 'Account opening', zh: '开户' },
  }),
});
export type LeadsConfig = z.output<typeof LeadsConfig>;
