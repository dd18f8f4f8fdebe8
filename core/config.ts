import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { issueMessage, SmartBranchError } from './errors.ts';

/** Every issue of a failed parse, one per line, each named by its path in the input. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
    return `${path}: ${issueMessage(issue)}`;
  });
}

export class ConfigError extends SmartBranchError {
  readonly problems: string[];

  constructor(file: string, problems: string[]) {
    super('SB_ERR_INVALID_CONFIG', `${file}\n  ${problems.join('\n  ')}`, problems[0]);
    this.problems = problems;
  }
}

/**
 * Reads a JSON or YAML file and checks it with its schema, naming every error by its path.
 * `prepare` may rewrite the raw settings first (environment overrides).
 */
export function loadConfigFile<S extends z.ZodType>(
  file: string,
  schema: S,
  prepare: (raw: unknown) => unknown = (raw) => raw,
): z.output<S> {
  let raw: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [`(file): ${(err as Error).message}`]);
  }

  return parseConfig(file, prepare(raw), schema);
}

export function parseConfig<S extends z.ZodType>(label: string, raw: unknown, schema: S) {
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(label, describeIssues(result.error.issues));

  return deepFreeze(result.data) as z.output<S>;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
