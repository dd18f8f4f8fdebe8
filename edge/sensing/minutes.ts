import type { AudienceMinute, CameraSourceName, Lineage } from '../../protocol/index.ts';

const minuteMs = 60_000;

export interface MinuteAggregator {
  /** Adds one processed frame's count; closes the previous minute when the clock moved on. */
  add(at: number, people: number, lineage: Lineage): void;
  /** Closes the open minute if the clock has left it (no frames arrived to close it). */
  closeIfPast(now: number): void;
  /** Closes the open minute whatever the time: on stop. */
  flush(): void;
}

interface OpenMinute {
  minute: number;
  frames: number;
  peopleSum: number;
  peopleMax: number;
  lineage: Lineage;
}

/** One AudienceMinute per camera and clock minute with at least one processed frame. */
export function minuteAggregator(
  camera: string,
  source: CameraSourceName,
  record: (minute: AudienceMinute) => void,
): MinuteAggregator {
  let open: OpenMinute | null = null;

  const close = () => {
    if (!open) return;

    const { minute, frames, peopleSum, peopleMax, lineage } = open;
    open = null;
    const peopleMean = Math.round((peopleSum / frames) * 1000) / 1000;
    record({ camera, minute, frames, peopleMean, peopleMax, source, lineage });
  };

  return {
    add(at, people, lineage) {
      const minute = Math.floor(at / minuteMs) * minuteMs;
      if (open && open.minute !== minute) close();

      open ??= { minute, frames: 0, peopleSum: 0, peopleMax: 0, lineage };
      open.frames += 1;
      open.peopleSum += people;
      open.peopleMax = Math.max(open.peopleMax, people);
      open.lineage = lineage;
    },
    closeIfPast(now) {
      if (open && now >= open.minute + minuteMs) close();
    },
    flush: close,
  };
}
