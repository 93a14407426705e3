import { createHmac, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { endConnections, trackConnections } from './connections';

/**
 * The servers `@alicloud/credentials` fetches temporary keys from, so role sources run against real
 * sockets, not mocks of the library:
 * - STS (AssumeRole, AssumeRoleWithOIDC), RPC style, HMAC-SHA1 signature v1
 *   (https://help.aliyun.com/zh/ram/developer-reference/api-sts-2015-04-01-assumerole,
 *   https://help.aliyun.com/zh/ram/developer-reference/api-sts-2015-04-01-assumerolewithoidc,
 *   https://help.aliyun.com/zh/sdk/product-overview/rpc-mechanism);
 * - the ECS instance metadata service's RAM role credentials, IMDSv2 token first
 *   (https://help.aliyun.com/zh/ecs/user-guide/attach-an-instance-ram-role-to-an-ecs-instance);
 * - a credentials URI answering the JSON the library expects (its README, "Credentials URI").
 * Assumption (test simplification): each role always hands out the same temporary key, so the
 * extension and a separate `new Credential()` process can be compared key for key.
 */
export interface TemporaryKey {
  readonly id: string;
  readonly secret: string;
  readonly securityToken: string;
}

export interface SourceKey {
  readonly secret: string;
  readonly securityToken?: string;
}

interface StsRole {
  readonly issued: TemporaryKey;
  /** For AssumeRoleWithOIDC: the provider ARN and the token the file must hold. */
  readonly oidc?: { readonly providerArn: string; readonly token: string };
}

export interface RoleSourceCall {
  readonly server: 'sts' | 'metadata' | 'credentialsUri';
  readonly what: string;
  readonly status: number;
}

const expiration = () => new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** RFC 3986 encoding as the signature v1 spec asks (encodeURIComponent leaves !'()* alone). */
function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
  response.end(JSON.stringify(body));
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  endConnections(server);
  return closed;
}

/** STS over HTTPS, on whatever address the private hosts file gives `sts.aliyuncs.com` / `sts.<region>.aliyuncs.com`. */
export class StsEmulator {
  readonly calls: RoleSourceCall[] = [];
  private readonly roles = new Map<string, StsRole>();

  private constructor(
    private readonly server: Server,
    private readonly sourceKey: (id: string) => SourceKey | undefined,
  ) {
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.handle(request, response).catch(() => response.destroy());
    });
  }

  static async start(options: { tls: { key: string; cert: string }; host: string; port?: number; sourceKey: (id: string) => SourceKey | undefined }): Promise<StsEmulator> {
    const server = trackConnections(createHttpsServer({ key: options.tls.key, cert: options.tls.cert }));
    await listen(server, options.host, options.port ?? 443);
    return new StsEmulator(server, options.sourceKey);
  }

  addRole(roleArn: string, issued: TemporaryKey, oidc?: StsRole['oidc']): void {
    this.roles.set(roleArn, { issued, oidc });
  }

  stop(): Promise<void> {
    return close(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'https://sts');
    const form = new URLSearchParams(await readBody(request));
    const query = Object.fromEntries(url.searchParams);
    const action = query.Action ?? '';
    const fail = (status: number, code: string, message: string) => {
      this.calls.push({ server: 'sts', what: action, status });
      sendJson(response, status, { RequestId: randomUUID(), HostId: request.headers.host, Code: code, Message: message });
    };
    if (request.method !== 'POST' || query.Version !== '2015-04-01') {
      return fail(400, 'InvalidParameter', 'STS takes POST with Version=2015-04-01.');
    }
    const role = this.roles.get(form.get('RoleArn') ?? '');
    if (action === 'AssumeRole') {
      const source = this.sourceKey(query.AccessKeyId ?? '');
      if (!source) {
        return fail(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
      }
      const signed: Record<string, string> = { ...query, ...Object.fromEntries(form) };
      delete signed.Signature;
      const canonical = Object.keys(signed)
        .sort()
        .map((key) => `${percentEncode(key)}=${percentEncode(signed[key])}`)
        .join('&');
      const stringToSign = `POST&${percentEncode('/')}&${percentEncode(canonical)}`;
      const expected = createHmac('sha1', `${source.secret}&`).update(stringToSign).digest('base64');
      if (query.Signature !== expected) {
        return fail(400, 'SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`);
      }
      if (source.securityToken !== undefined && query.SecurityToken !== source.securityToken) {
        return fail(400, 'InvalidSecurityToken.Mismatch', 'The security token does not belong to the access key.');
      }
      if (!role || role.oidc) {
        return fail(404, 'EntityNotExist.Role', 'The role not exists.');
      }
    } else if (action === 'AssumeRoleWithOIDC') {
      if (!role?.oidc || role.oidc.providerArn !== form.get('OIDCProviderArn')) {
        return fail(404, 'EntityNotExist.Role', 'The role or OIDC provider not exists.');
      }
      if (role.oidc.token !== form.get('OIDCToken')) {
        return fail(400, 'AuthenticationFail.OIDCToken.Invalid', 'The OIDC token is invalid.');
      }
    } else {
      return fail(400, 'InvalidAction.NotFound', `Specified api "${action}" is not found.`);
    }
    this.calls.push({ server: 'sts', what: action, status: 200 });
    sendJson(response, 200, {
      RequestId: randomUUID(),
      Credentials: { AccessKeyId: role.issued.id, AccessKeySecret: role.issued.secret, SecurityToken: role.issued.securityToken, Expiration: expiration() },
      AssumedRoleUser: { Arn: `${form.get('RoleArn')}/${form.get('RoleSessionName') ?? ''}`, AssumedRoleId: `3${role.issued.id.slice(-10)}` },
    });
  }
}

/** The ECS metadata service at http://100.100.100.200 (bound inside the test host's private network). */
export class MetadataEmulator {
  static readonly ADDRESS = '100.100.100.200';
  readonly calls: RoleSourceCall[] = [];
  private role: { name: string; issued: TemporaryKey } | undefined;
  private readonly tokens = new Set<string>();

  private constructor(private readonly server: Server) {
    server.on('request', (request: IncomingMessage, response: ServerResponse) => this.handle(request, response));
  }

  static async start(): Promise<MetadataEmulator> {
    const server = trackConnections(createHttpServer());
    await listen(server, MetadataEmulator.ADDRESS, 80);
    return new MetadataEmulator(server);
  }

  /** The instance RAM role attached to "this machine"; undefined: none attached. */
  attachRole(role: { name: string; issued: TemporaryKey } | undefined): void {
    this.role = role;
  }

  stop(): Promise<void> {
    return close(this.server);
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url ?? '/';
    const answer = (status: number, body: string, type = 'text/plain') => {
      this.calls.push({ server: 'metadata', what: `${request.method} ${url}`, status });
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    if (request.method === 'PUT' && url === '/latest/api/token') {
      const token = randomUUID();
      this.tokens.add(token);
      return answer(200, token);
    }
    const token = request.headers['x-aliyun-ecs-metadata-token'];
    if (typeof token === 'string' && !this.tokens.has(token)) {
      return answer(401, 'invalid metadata token');
    }
    const prefix = '/latest/meta-data/ram/security-credentials/';
    if (request.method !== 'GET' || !url.startsWith(prefix) || !this.role) {
      return answer(404, 'Not Found');
    }
    const name = decodeURIComponent(url.slice(prefix.length));
    if (name === '') {
      return answer(200, this.role.name);
    }
    if (name !== this.role.name) {
      return answer(404, 'Not Found');
    }
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    answer(
      200,
      JSON.stringify({ AccessKeyId: this.role.issued.id, AccessKeySecret: this.role.issued.secret, SecurityToken: this.role.issued.securityToken, Expiration: expiration(), LastUpdated: now, Code: 'Success' }),
      'application/json',
    );
  }
}

/** A credentials URI (`ALIBABA_CLOUD_CREDENTIALS_URI`) on loopback. */
export class CredentialsUriServer {
  readonly calls: RoleSourceCall[] = [];
  issued: TemporaryKey | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const status = this.issued ? 200 : 500;
      this.calls.push({ server: 'credentialsUri', what: `${request.method} ${request.url}`, status });
      sendJson(
        response,
        status,
        this.issued
          ? { Code: 'Success', AccessKeyId: this.issued.id, AccessKeySecret: this.issued.secret, SecurityToken: this.issued.securityToken, Expiration: expiration() }
          : { Code: 'InternalError', Message: 'no credentials to hand out' },
      );
    });
  }

  static async start(): Promise<CredentialsUriServer> {
    const server = trackConnections(createHttpServer());
    const port = await listen(server, '127.0.0.1', 0);
    return new CredentialsUriServer(server, `http://127.0.0.1:${port}/credentials`);
  }

  stop(): Promise<void> {
    return close(this.server);
  }
}
