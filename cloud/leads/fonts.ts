import { existsSync } from 'node:fs';
import type { Logger } from '../../core/index.ts';

/** A font pdfkit can draw Chinese with: a file, and the face's name inside a collection. */
export interface PosterFont {
  path: string;
  /** The PostScript name of the face in a .ttc collection; absent for a single-face file. */
  name?: string | undefined;
}

/** Debian's fonts-noto-cjk: Noto Sans CJK, its simplified Chinese face. */
export const debianCjkFont: PosterFont = {
  path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  name: 'NotoSansCJKsc-Regular',
};

/**
 * Finds the poster's CJK font once per process. A missing file is said once, with what to
 * install, and gives null: posters then come out in English, whatever the language asked.
 */
export function posterFontFinder(font: PosterFont, log: Logger): () => PosterFont | null {
  let said = false;
  return () => {
    if (existsSync(font.path)) return font;

    if (!said) {
      said = true;
      log.warn(
        { font: font.path, fix: 'apt-get install fonts-noto-cjk' },
        'poster font missing: posters in English',
      );
    }
    return null;
  };
}
