import type { AgeBand, ZoneAudience } from '../../protocol/index.ts';

export interface PlayAudience {
  viewers: number;
  attentionSeconds: number;
  ages: Partial<Record<AgeBand, number>>;
}

/** How long zone figures are kept for plays reported late, in milliseconds: two hours. */
const keepMs = 2 * 3600_000;
const maxSamplesPerZone = 8000;

/**
 * Recent zone audiences, so each play can be stamped with the audience it had: the most
 * viewers seen during it (or just before it started), the attention summed over it and the
 * age mix at its fullest moment. Histograms only; k-anonymity is applied at roll-up.
 */
export interface AudienceHistory {
  note(sample: ZoneAudience): void;
  during(zone: string, fromMs: number, toMs: number): PlayAudience;
}

export function audienceHistory(): AudienceHistory {
  const zones = new Map<string, ZoneAudience[]>();

  return {
    note(sample) {
      const list = zones.get(sample.zone) ?? [];
      list.push(sample);
      const cutoff = sample.at - keepMs;
      while (list.length > maxSamplesPerZone || (list[0] && list[0].at < cutoff)) list.shift();
      zones.set(sample.zone, list);
    },
    during(zone, fromMs, toMs) {
      const list = zones.get(zone) ?? [];
      const before = list.filter((sample) => sample.at <= fromMs).at(-1);
      const inside = list.filter((sample) => sample.at > fromMs && sample.at <= toMs);
      const samples = before ? [before, ...inside] : inside;
      if (samples.length === 0) return { viewers: 0, attentionSeconds: 0, ages: {} };

      const fullest = samples.reduce((best, sample) =>
        (sample.viewers ?? sample.people) > (best.viewers ?? best.people) ? sample : best,
      );
      return {
        viewers: fullest.viewers ?? fullest.people,
        attentionSeconds: inside.reduce((sum, sample) => sum + (sample.attentionSeconds ?? 0), 0),
        ages: { ...fullest.ages },
      };
    },
  };
}
