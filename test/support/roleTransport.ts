// The role sources of @alicloud/credentials (OIDC via STS, the ECS metadata service, a RAM role
// assumed for a CLI profile) fetch keys over HTTP(S) from fixed hosts: https://sts.aliyuncs.com and
// http://100.100.100.200, which a unit test can neither bind nor serve with a trusted certificate
// (the integration suite's private network does; test/integration/credentialParity.test.ts). So the
// library's one HTTP function is answered in-process: its providers still build each request and
// read each answer themselves, and no request leaves the machine.
import libraryHttp = require('@alicloud/credentials/dist/src/providers/http');

export interface RoleRequest {
  method: string;
  /** The whole address asked for. */
  url: string;
  host: string;
  path: string;
  /** STS's `Action` query parameter; undefined for the metadata service. */
  action?: string;
}

export interface RoleAnswer {
  status: number;
  body: string;
}

type DoRequest = typeof libraryHttp.doRequest;

/** Answers every request the library makes with `answer`, until `restore()`. */
export function answerRoleRequests(answer: (request: RoleRequest) => RoleAnswer | Promise<RoleAnswer>): { requests: RoleRequest[]; restore: () => void } {
  const requests: RoleRequest[] = [];
  const writable = libraryHttp as { doRequest: DoRequest };
  const original = writable.doRequest;
  writable.doRequest = async (request) => {
    const seen: RoleRequest = { method: request.method, url: request.toRequestURL(), host: request.host, path: request.path, action: request.queries?.Action };
    requests.push(seen);
    const { status, body } = await answer(seen);
    return libraryHttp.Response.builder().withStatusCode(status).withBody(Buffer.from(body)).build();
  };
  return { requests, restore: () => void (writable.doRequest = original) };
}

const expiration = () => new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** STS's answer to AssumeRole / AssumeRoleWithOIDC, handing out `id`. */
export function stsKey(id: string): RoleAnswer {
  return { status: 200, body: JSON.stringify({ RequestId: 'r', Credentials: { AccessKeyId: id, AccessKeySecret: `${id}-secret`, SecurityToken: `${id}-token`, Expiration: expiration() } }) };
}

/** The ECS metadata service: an IMDSv2 token, then `roleName`'s key (`id`); anything else is 404. */
export function metadataService(roleName: string, id: string): (request: RoleRequest) => RoleAnswer {
  return (request) => {
    if (request.method === 'PUT' && request.path === '/latest/api/token') return { status: 200, body: 'metadata-token' };
    if (request.method === 'GET' && request.path === `/latest/meta-data/ram/security-credentials/${roleName}`) {
      return { status: 200, body: JSON.stringify({ Code: 'Success', AccessKeyId: id, AccessKeySecret: `${id}-secret`, SecurityToken: `${id}-token`, Expiration: expiration() }) };
    }
    return { status: 404, body: 'Not Found' };
  };
}

export const METADATA_HOST = '100.100.100.200';
export const notFound: RoleAnswer = { status: 404, body: 'Not Found' };
