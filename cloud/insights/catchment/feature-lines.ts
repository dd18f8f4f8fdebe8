/**
 * The line each element of a GeoJSON file's top-level `features` array starts on, so an
 * import can name the line of a bad feature. A small scanner over the text: it tracks
 * strings and nesting only, the parsing itself is JSON.parse's.
 */
export function featureLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let lastKey = '';
  let keyStart = -1;
  let featuresDepth = -1;

  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (character === '\n') line += 1;
    if (inString) {
      if (escaped) escaped = false;
      else if (character === '\\') escaped = true;
      else if (character === '"') {
        inString = false;
        lastKey = text.slice(keyStart, index);
      }
      continue;
    }

    if (character === '"') {
      inString = true;
      keyStart = index + 1;
    } else if (character === '{' || character === '[') {
      if (character === '[' && depth === 1 && lastKey === 'features') featuresDepth = depth + 1;
      else if (character === '{' && depth === featuresDepth) lines.push(line);
      depth += 1;
    } else if (character === '}' || character === ']') {
      depth -= 1;
      if (depth < featuresDepth) featuresDepth = -1;
    }
  }
  return lines;
}
