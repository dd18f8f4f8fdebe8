/**
 * The bytes a campaign manifest's signature covers: the manifest without its `signature`,
 * as JSON with every object's keys sorted, so the cloud and the gateway, whatever order
 * their objects were built in, sign and verify the same bytes.
 */
export function manifestSigningBytes(manifest: { signature?: string }): Buffer {
  const { signature: _signature, ...signed } = manifest;
  return Buffer.from(canonicalJson(signed));
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;

    const entries = Object.entries(inner as Record<string, unknown>);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
