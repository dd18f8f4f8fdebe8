import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { isPasswordHash, SmartBranchError } from '../../core/index.ts';
import { branchFilter } from '../../protocol/index.ts';
import type { BusClient } from './acl.ts';

/** Mosquitto 2's own password hashing: PBKDF2-SHA512, 101 rounds, 12-byte salt (`$7$`). */
const rounds = 101;
const saltBytes = 12;
const hashBytes = 64;

/** One line of a `mosquitto_passwd` file, as mosquitto 2.0 writes and checks it. */
export function mosquittoPasswordLine(
  username: string,
  password: string,
  salt = randomBytes(saltBytes),
): string {
  const hash = pbkdf2Sync(password, salt, rounds, hashBytes, 'sha512');
  return `${username}:$7$${rounds}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export interface MosquittoFiles {
  /** For `password_file`. */
  passwords: string;
  /** For `acl_file`: each client may publish and subscribe only where the gateway lets it. */
  acl: string;
}

export interface MosquittoAccess {
  branch: string;
  clients: readonly BusClient[];
  /** The gateway's own login, which reads and writes everything under its branch. */
  gateway: { username: string; password: string };
  /** Plain passwords of clients whose config holds only an scrypt hash, by user name. */
  passwords?: Readonly<Record<string, string>>;
}

/**
 * The local bus's ACL model written for Mosquitto: the same users, each allowed to publish
 * on its `publish` filters and to subscribe to (and receive from) its `subscribe` filters,
 * nothing else. An scrypt hash cannot be turned into Mosquitto's hash, so a hashed client
 * needs its plain password in `passwords`; one without is refused by name.
 */
export function mosquittoFiles(access: MosquittoAccess): MosquittoFiles {
  const users = [
    {
      username: access.gateway.username,
      password: access.gateway.password,
      publish: [branchFilter(access.branch)],
      subscribe: [branchFilter(access.branch)],
    },
    ...access.clients.map((client) => ({ ...client, password: plainPassword(client, access) })),
  ];
  const names = new Set<string>();
  for (const user of users) {
    if (names.has(user.username) || /[\s:]/.test(user.username)) {
      throw new SmartBranchError(
        'SB_ERR_INVALID_CONFIG',
        `bus user ${user.username} is a duplicate or holds a space or colon`,
      );
    }
    names.add(user.username);
  }

  const passwords = users.map((user) => mosquittoPasswordLine(user.username, user.password));
  const acl = users.flatMap((user) => [
    `user ${user.username}`,
    ...user.publish.map((filter) => `topic write ${filter}`),
    ...user.subscribe.map((filter) => `topic read ${filter}`),
    '',
  ]);
  return { passwords: `${passwords.join('\n')}\n`, acl: acl.join('\n') };
}

function plainPassword(client: BusClient, access: MosquittoAccess): string {
  if (!isPasswordHash(client.password)) return client.password;

  const plain = access.passwords?.[client.username];
  if (plain) return plain;

  throw new SmartBranchError(
    'SB_ERR_INVALID_CONFIG',
    `bus client ${client.username} holds only an scrypt hash: give its password to write Mosquitto's`,
  );
}
