/**
 * A state-changing request whose Origin names another site than the Host it was sent to.
 * With SameSite=Strict session cookies, refusing these closes cross-site request forgery;
 * gateways, devices and scripts send no Origin and pass.
 */
export function isCrossSiteRequest(request: {
  method: string;
  headers: { origin?: string | undefined; host?: string | undefined };
}): boolean {
  const origin = request.headers.origin;
  if (request.method === 'GET' || request.method === 'HEAD' || !origin) return false;

  const host = URL.canParse(origin) ? new URL(origin).host : null;
  return host !== request.headers.host;
}
