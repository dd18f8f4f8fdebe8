import type { Command } from 'commander';

interface TokenOptions {
  cloud: string;
  branch: string;
  user: string;
  ttlHours?: string;
}

/**
 * `enrolment-token`: what an HQ admin runs to let one new gateway in. The password comes from
 * SB_HQ_PASSWORD or standard input, never from the command line where `ps` would show it.
 */
export function registerHq(program: Command): void {
  program
    .command('enrolment-token')
    .description('log in to HQ as an admin and print a one-time enrolment token for a branch')
    .requiredOption('--cloud <url>', "the cloud's HTTP address, e.g. http://127.0.0.1:8000")
    .requiredOption('--branch <id>', 'the branch the new gateway serves')
    .option('--user <name>', 'HQ admin user name', 'admin')
    .option('--ttl-hours <hours>', "how long the token stays valid (default: the cloud's)")
    .action(async (options: TokenOptions) => {
      checkCloud(options.cloud);
      const password = process.env.SB_HQ_PASSWORD ?? (await readPassword());
      if (!password) fail('no HQ password: set SB_HQ_PASSWORD or give it on standard input');
      const hours = options.ttlHours === undefined ? undefined : Number(options.ttlHours);
      if (hours !== undefined && !(hours > 0)) {
        fail(`--ttl-hours must be a positive number of hours, not "${options.ttlHours}"`);
      }

      const cookie = await login(options.cloud, options.user, password);
      const body: Record<string, unknown> = { branch: options.branch };
      if (hours !== undefined) body.ttlMs = Math.round(hours * 3600_000);

      const answer = await call(options.cloud, '/api/enrolment-tokens', body, cookie);
      const token = answer.body as { token: string; expiresAt: number };
      console.log(token.token);
      console.error(`valid until ${new Date(token.expiresAt).toISOString()}, once`);
    });
  registerHqUser(program);
}

interface UserOptions {
  cloud: string;
  username: string;
  role: string;
  branch?: string;
  user: string;
}

/**
 * `hq-user add`: an admin creates a manager or another HQ user. Both passwords come from the
 * environment (SB_HQ_PASSWORD, SB_HQ_NEW_PASSWORD) or standard input, one a line in that
 * order, never from the command line.
 */
function registerHqUser(program: Command): void {
  program
    .command('hq-user')
    .description('manage HQ users')
    .command('add')
    .description('log in to HQ as an admin and create a user')
    .requiredOption('--cloud <url>', "the cloud's HTTP address, e.g. http://127.0.0.1:8000")
    .requiredOption('--username <name>', 'the new user')
    .requiredOption(
      '--role <role>',
      'admin, marketer, analyst, branch-manager, relationship-manager or merchant',
    )
    .option('--branch <id>', 'the branch of a branch-manager or relationship-manager')
    .option('--user <name>', 'HQ admin user name', 'admin')
    .action(async (options: UserOptions) => {
      checkCloud(options.cloud);
      const piped = process.stdin.isTTY ? [] : (await readPassword()).split(/\r?\n/);
      const password = process.env.SB_HQ_PASSWORD ?? piped.shift();
      if (!password) fail('no HQ password: set SB_HQ_PASSWORD or give it on standard input');
      const newPassword = process.env.SB_HQ_NEW_PASSWORD ?? piped.shift();
      if (!newPassword) {
        fail('no password for the new user: set SB_HQ_NEW_PASSWORD or give it on standard input');
      }

      const cookie = await login(options.cloud, options.user, password);
      const body: Record<string, unknown> = {
        username: options.username,
        password: newPassword,
        role: options.role,
      };
      if (options.branch !== undefined) body.branch = options.branch;
      const answer = await call(options.cloud, '/api/users', body, cookie);
      const user = answer.body as { id: string; username: string; role: string; branch?: string };
      const where = user.branch ? ` at ${user.branch}` : '';
      console.log(`${user.username}: ${user.role}${where} (id ${user.id})`);
    });
}

function checkCloud(cloud: string): void {
  if (!URL.canParse(cloud) || !/^https?:$/.test(new URL(cloud).protocol)) {
    fail(`--cloud must be the cloud's http:// or https:// address, not "${cloud}"`);
  }
}

async function login(cloud: string, username: string, password: string): Promise<string> {
  const answer = await call(cloud, '/api/login', { username, password });
  const cookie = answer.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) fail('the cloud answered the login without a session');
  return cookie;
}

async function call(cloud: string, path: string, body: unknown, cookie?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (cookie) headers.cookie = cookie;

  const response = await fetch(new URL(path, cloud), {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  }).catch((err: Error) => fail(`${cloud} unreachable: ${err.message}`));
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    fail(`${path} refused (${response.status} ${error?.code ?? ''}): ${error?.message ?? ''}`);
  }
  return { headers: response.headers, body: json };
}

/** The password piped on standard input; at a terminal nothing is waited for. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) return '';

  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function fail(message: string): never {
  console.error(`smartbranch: ${message}`);
  process.exit(1);
}
