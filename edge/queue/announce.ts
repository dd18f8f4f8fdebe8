import type { QueueEvent, Ticket } from '../../protocol/index.ts';
import type { QueueConfig } from './config.ts';

export type Announcement = NonNullable<QueueEvent['announcement']>[number];

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Cuts a text to at most `maxCharacters` user-perceived characters: a character outside the
 * Basic Multilingual Plane or an emoji sequence counts as one and is never split, as a
 * byte or UTF-16 count would.
 */
export function truncateText(text: string, maxCharacters: number): string {
  let kept = '';
  let count = 0;
  for (const { segment } of segmenter.segment(text.normalize('NFC'))) {
    if (count === maxCharacters) break;

    kept += segment;
    count += 1;
  }
  return kept;
}

/** The number of user-perceived characters in a text. */
export function characterCount(text: string): number {
  return [...segmenter.segment(text.normalize('NFC'))].length;
}

/**
 * The texts a call is announced with, one per configured language. Placeholders: {number},
 * {counter} (its id, e.g. `3`), {counterName} and {service} (the service's name). Names and
 * templates are NFC from the config, so the result is NFC too.
 */
export function announcementsFor(
  config: QueueConfig,
  ticket: Pick<Ticket, 'number' | 'service' | 'counter'>,
): Announcement[] {
  const service = config.services.find((entry) => entry.id === ticket.service);
  const counter = config.counters.find((entry) => entry.id === ticket.counter);
  const values: Record<string, string> = {
    number: ticket.number,
    counter: ticket.counter ?? '',
    counterName: counter?.name ?? ticket.counter ?? '',
    service: service?.name ?? ticket.service,
  };

  return config.announcements.map(({ lang, template }) => ({
    lang,
    text: template
      .replace(
        /\{(number|counter|counterName|service)\}/g,
        (_match, name: string) => values[name] ?? '',
      )
      .normalize('NFC'),
  }));
}
