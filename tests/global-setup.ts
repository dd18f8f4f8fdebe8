// Each test file's duration is printed by vitest's default reporter; this only records the start.
export default function setup() {
  process.env.SB_LOG_LEVEL ??= 'silent';
}
