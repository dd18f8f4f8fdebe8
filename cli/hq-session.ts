/** Calls to HQ's API as one signed-in user, for the demo's set-up steps. */
export interface HqSession {
  /** A JSON body by default; a string body goes as it is, with `contentType`. */
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<Response>;
  /** The response when it is a success; else an error naming the set-up step and HQ's answer. */
  expectOk(response: Response, step: string): Promise<Response>;
}

/** Signs in to HQ's API as `user`; `purpose` names the set-up in any error, e.g. "demo city". */
export async function hqSession(
  cloudUrl: string,
  user: { username: string; password: string },
  purpose: string,
): Promise<HqSession> {
  const expectOk = async (response: Response, step: string) => {
    if (response.ok) return response;
    throw new Error(`${purpose}: ${step} answered ${response.status}: ${await response.text()}`);
  };
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    fetch(`${cloudUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });

  const login = await expectOk(
    await send('POST', '/api/login', { 'content-type': 'application/json' }, JSON.stringify(user)),
    'login',
  );
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

  return {
    expectOk,
    call: (method, path, body, contentType) => {
      if (body === undefined) return send(method, path, { cookie });

      const raw = typeof body === 'string';
      return send(
        method,
        path,
        { cookie, 'content-type': contentType ?? 'application/json' },
        raw ? body : JSON.stringify(body),
      );
    },
  };
}
