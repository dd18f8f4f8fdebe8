/**
 * The tables of the cloud store as Kysely sees them. Times are epoch milliseconds (bigint in
 * PostgreSQL, read back as numbers); JSON is kept as text so both dialects read it alike.
 */
export interface BranchTable {
  id: string;
  name: string;
  time_zone: string;
  region: string | null;
  tags: string;
  created_at: number;
}

export interface GatewayTable {
  id: string;
  branch: string;
  password_hash: string;
  version: string;
  enrolled_at: number;
  rotated_at: number;
}

export interface EnrolmentTokenTable {
  /** sha256 of the token: tokens are 192 random bits, so a fast hash is enough to look up by. */
  token_hash: string;
  branch: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by: string | null;
}

export interface RecordTable {
  gateway: string;
  stream: string;
  seq: number;
  kind: string;
  at: number;
  data: string;
  stored_at: number;
}

export interface CursorTable {
  gateway: string;
  stream: string;
  seq: number;
  updated_at: number;
}

export interface GatewayStatusTable {
  gateway: string;
  at: number;
  received_at: number;
  data: string;
}

export interface AlarmTable {
  gateway: string;
  at: number;
  code: string;
  severity: string;
  message: string;
  device: string | null;
  received_at: number;
}

export interface UserTable {
  id: string;
  username: string;
  password_hash: string;
  role: string;
  created_at: number;
}

export interface SessionTable {
  /** sha256 of the cookie value: a stolen database does not hand out live sessions. */
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

export interface SigningKeyTable {
  key_id: string;
  private_pem: string;
  public_pem: string;
  created_at: number;
}

export interface CloudReplicaTable {
  id: string;
  started_at: number;
  /** The replica's last heartbeat; one silent for a lease's length is taken for dead. */
  seen_at: number;
}

export interface PullLeaseTable {
  gateway: string;
  /** The replica that pulls this gateway until `expires_at`. */
  owner: string;
  expires_at: number;
}

export interface Database {
  branches: BranchTable;
  gateways: GatewayTable;
  enrolment_tokens: EnrolmentTokenTable;
  records: RecordTable;
  cursors: CursorTable;
  gateway_status: GatewayStatusTable;
  alarms: AlarmTable;
  users: UserTable;
  sessions: SessionTable;
  signing_keys: SigningKeyTable;
  cloud_replicas: CloudReplicaTable;
  pull_leases: PullLeaseTable;
}
