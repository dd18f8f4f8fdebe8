import { z } from 'zod';

/** The stated rules a lead's score is made of; every point comes with its reason. */
export const ScoringRules = z.strictObject({
  /** Points per product id; a product not listed scores `otherProduct`. Default below. */
  products: z.record(z.string(), z.number().int()).default({
    mortgage: 40,
    'wealth-management': 35,
    loan: 30,
    'credit-card': 20,
    account: 10,
  }),
  otherProduct: z.number().int().default(5),
  benefitTaken: z.number().int().default(15),
  /** Per visit to an advisory zone that day, up to `advisoryDwellMax`. */
  advisoryDwell: z.number().int().default(5),
  advisoryDwellMax: z.number().int().default(20),
  returningVisitor: z.number().int().default(20),
});
export type ScoringRules = z.output<typeof ScoringRules>;

export interface ScoreInput {
  product: string;
  benefit?: string | undefined;
  advisoryDwellCount?: number | undefined;
  /** Whether an earlier lead carries the same phone number. */
  returning: boolean;
}

export interface Score {
  score: number;
  reasons: Array<{ rule: string; points: number }>;
}

export function scoreLead(rules: ScoringRules, input: ScoreInput): Score {
  const reasons: Score['reasons'] = [];
  const productPoints = rules.products[input.product] ?? rules.otherProduct;
  reasons.push({ rule: `product ${input.product}`, points: productPoints });
  if (input.benefit) reasons.push({ rule: 'benefit taken', points: rules.benefitTaken });

  const visits = input.advisoryDwellCount ?? 0;
  if (visits > 0) {
    const points = Math.min(visits * rules.advisoryDwell, rules.advisoryDwellMax);
    reasons.push({ rule: `${visits} advisory zone visits today`, points });
  }
  if (input.returning) reasons.push({ rule: 'returning visitor', points: rules.returningVisitor });

  return { score: reasons.reduce((sum, reason) => sum + reason.points, 0), reasons };
}
