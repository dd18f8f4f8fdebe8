import { readFileSync } from 'node:fs';
import { type Document, isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/index.ts';
import { DeviceProfile, ProfileFile } from './schema.ts';

type Path = readonly PropertyKey[];

/**
 * Reads a profile file (YAML or JSON: JSON is YAML too) and checks every device in it. A file
 * that fails throws one ConfigError listing every problem, each named by its path in the file
 * and, where the file has it, its line: `profiles.1.connection.pin (line 14): ...`.
 */
export function loadProfiles(file: string): ProfileFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`(file): ${(err as Error).message}`]);
  }

  return parseProfileText(file, text);
}

export function parseProfileText(label: string, text: string): ProfileFile {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => {
      const line = lines.linePos(error.pos[0]).line;
      return `(file) (line ${line}): ${error.message.split('\n')[0]}`;
    });
    throw new ConfigError(label, problems);
  }

  const result = ProfileFile.safeParse(document.toJS());
  if (result.success) return Object.freeze(result.data);

  throw new ConfigError(label, describe(result.error.issues, document, lines));
}

/** Checks one profile, e.g. one pushed to a running device; the problems name their paths. */
export function checkProfile(
  raw: unknown,
): { ok: true; profile: DeviceProfile } | { ok: false; problems: string[]; path: string } {
  const result = DeviceProfile.safeParse(raw);
  if (result.success) return { ok: true, profile: result.data };

  const first = result.error.issues[0];
  return {
    ok: false,
    problems: describe(result.error.issues),
    path: first && first.path.length > 0 ? first.path.map(String).join('.') : '(root)',
  };
}

function describe(
  issues: readonly z.core.$ZodIssue[],
  document?: Document,
  lines?: LineCounter,
): string[] {
  return issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    const line = document && lines ? lineOf(document, lines, issue.path) : null;
    return line === null ? `${path}: ${issue.message}` : `${path} (line ${line}): ${issue.message}`;
  });
}

/** The line of the deepest node of `path` that the file has (a missing key: its parent). */
function lineOf(document: Document, lines: LineCounter, path: Path): number | null {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = nodeAt(document, path.slice(0, depth));
    const offset = node?.range?.[0];
    if (offset !== undefined) return lines.linePos(offset).line;
  }
  return null;
}

function nodeAt(
  document: Document,
  path: Path,
): { range?: [number, number, number] | null } | null {
  let node: unknown = document.contents;
  for (const key of path) {
    if (isMap(node)) node = node.get(String(key), true);
    else if (isSeq(node)) node = node.get(Number(key), true);
    else return null;
  }
  return (node as { range?: [number, number, number] | null } | undefined) ?? null;
}
