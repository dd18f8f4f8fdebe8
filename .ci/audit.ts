// `npm run audit`: asks the registry which runtime dependencies have known vulnerabilities.
// Exit codes: 0 nothing a version bump can fix at high or critical; 1 such a finding; 3 the
// audit did not run (registry unreachable or refusing), so a pipeline never reads it as a pass.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export const exitCodes = { clean: 0, findings: 1, unreachable: 3 } as const;

export interface Verdict {
  code: number;
  lines: string[];
}

interface Finding {
  severity?: string;
  fixAvailable?: unknown;
}

interface AuditOutput {
  vulnerabilities?: Record<string, Finding>;
  message?: string;
  error?: { code?: string; summary?: string; detail?: string };
  statusCode?: number;
}

const serious = new Set(['high', 'critical']);

/** Reads `npm audit --json` output: findings, or why the registry gave none. */
export function judgeAudit(stdout: string, stderr: string): Verdict {
  const output = parse(stdout);
  if (!output?.vulnerabilities) return unreachable(reasonOf(output, stderr));

  const found = Object.entries(output.vulnerabilities);
  const fixable = found.filter(([, f]) => serious.has(f.severity ?? '') && f.fixAvailable);
  const unfixable = found.filter(([, f]) => serious.has(f.severity ?? '') && !f.fixAvailable);
  const lines = [
    `audit: ${found.length} package(s) with known vulnerabilities`,
    ...fixable.map(([name, f]) => `FAIL ${name}: ${f.severity}, fixed by a version bump`),
    ...unfixable.map(([name, f]) => `WARN ${name}: ${f.severity}, no fixed version yet`),
  ];
  return { code: fixable.length > 0 ? exitCodes.findings : exitCodes.clean, lines };
}

function parse(stdout: string): AuditOutput | null {
  try {
    return JSON.parse(stdout) as AuditOutput;
  } catch {
    return null;
  }
}

function unreachable(reason: string): Verdict {
  return {
    code: exitCodes.unreachable,
    lines: [`audit could not reach the registry: ${reason}`, 'no vulnerability was checked'],
  };
}

function reasonOf(output: AuditOutput | null, stderr: string): string {
  const fromJson = output?.message ?? output?.error?.summary ?? output?.error?.code;
  if (fromJson) return fromJson;

  const errorLine = stderr.split('\n').find((line) => /npm (error|warn)/.test(line));
  return errorLine?.replace(/^npm (error|warn) (audit )?/, '').trim() || 'no answer from npm';
}

function main() {
  const run = spawnSync('npm', ['audit', '--omit=dev', '--json', ...process.argv.slice(2)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const verdict = run.error
    ? unreachable(`npm did not start: ${run.error.message}`)
    : judgeAudit(run.stdout, run.stderr);
  const print = verdict.code === exitCodes.clean ? console.log : console.error;
  for (const line of verdict.lines) print(line);
  process.exitCode = verdict.code;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
