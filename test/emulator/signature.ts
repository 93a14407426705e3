import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const SIGNATURE_ALGORITHM = 'ACS3-HMAC-SHA256';
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface AccessKeyRecord {
  readonly id: string;
  readonly secret: string;
  active: boolean;
  /** Set for STS credentials: requests must carry this token, signed. */
  readonly securityToken?: string;
  securityTokenExpired: boolean;
}

export interface RequestToVerify {
  readonly method: string;
  readonly path: string;
  /** Decoded query parameters. */
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export type VerifyResult =
  | { readonly ok: true; readonly accessKeyId: string }
  | {
      readonly ok: false;
      readonly accessKeyId?: string;
      readonly status: number;
      readonly code: string;
      readonly message: string;
    };

/** RFC 3986 encoding as the Alibaba Cloud gateway applies it to query keys and values. */
export function rfc3986Encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function canonicalQueryString(query: Readonly<Record<string, string>>): string {
  return Object.keys(query)
    .sort()
    .map((key) => `${rfc3986Encode(key)}=${rfc3986Encode(query[key])}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : value ?? '').trim();
}

/** Headers that must be covered by the signature when present: the gateway refuses unsigned ones. */
function isSignableHeader(name: string): boolean {
  return name === 'host' || name === 'content-type' || name.startsWith('x-acs-');
}

export function canonicalRequest(
  request: Omit<RequestToVerify, 'body'>,
  signedHeaders: readonly string[],
  payloadHash: string,
): string {
  const headerLines = signedHeaders.map((name) => `${name}:${headerValue(request.headers, name)}\n`).join('');
  return [
    request.method.toUpperCase(),
    request.path,
    canonicalQueryString(request.query),
    headerLines,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export function computeSignature(secret: string, canonical: string): string {
  const stringToSign = `${SIGNATURE_ALGORITHM}\n${sha256Hex(canonical)}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

/**
 * Signs a request exactly as the SDK does (every host/content-type/x-acs-* header is signed) and
 * returns the Authorization header value. Lets tests send hand-made requests to the emulator.
 */
export function authorizationHeader(
  request: Omit<RequestToVerify, 'body'>,
  accessKeyId: string,
  secret: string,
  payloadHash: string,
): string {
  const signedHeaders = Object.keys(request.headers)
    .map((name) => name.toLowerCase())
    .filter(isSignableHeader)
    .sort();
  const signature = computeSignature(secret, canonicalRequest(request, signedHeaders, payloadHash));
  return `${SIGNATURE_ALGORITHM} Credential=${accessKeyId},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`;
}

interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly signedHeaders: string[];
  readonly signature: string;
}

function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const prefix = `${SIGNATURE_ALGORITHM} `;
  if (!value.startsWith(prefix)) {
    return undefined;
  }
  const fields = new Map<string, string>();
  for (const part of value.slice(prefix.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) {
    return undefined;
  }
  return { accessKeyId, signedHeaders: signedHeaders.split(';').map((h) => h.toLowerCase()), signature };
}

// The SDK formats x-acs-date as ISO 8601 UTC without milliseconds.
const ACS_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function failure(status: number, code: string, message: string, accessKeyId?: string): VerifyResult {
  return { ok: false, status, code, message, accessKeyId };
}

/**
 * Verifies ACS3-HMAC-SHA256 requests the way the SWAS gateway does. Checks run in the gateway's
 * order of cheapness; the nonce is remembered only once the signature is proven, so a forged
 * request cannot burn a legitimate client's nonce.
 */
export class RequestVerifier {
  private readonly usedNonces = new Map<string, number>();

  constructor(
    private readonly findAccessKey: (id: string) => AccessKeyRecord | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  verify(request: RequestToVerify): VerifyResult {
    const auth = parseAuthorization(headerValue(request.headers, 'authorization'));
    if (!auth) {
      return failure(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.');
    }
    const id = auth.accessKeyId;
    const key = this.findAccessKey(id);
    if (!key) {
      return failure(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.', id);
    }
    if (!key.active) {
      return failure(400, 'InvalidAccessKeyId.Inactive', 'Specified access key is disabled.', id);
    }

    const date = headerValue(request.headers, 'x-acs-date');
    if (!ACS_DATE.test(date)) {
      return failure(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.', id);
    }
    if (Math.abs(this.now() - Date.parse(date)) > MAX_CLOCK_SKEW_MS) {
      return failure(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.', id);
    }

    const bodyHash = sha256Hex(request.body);
    if (headerValue(request.headers, 'x-acs-content-sha256') !== bodyHash) {
      return failure(400, 'SignatureDoesNotMatch', 'The x-acs-content-sha256 header does not match the request body.', id);
    }

    const unsigned = [...new Set(['host', ...Object.keys(request.headers)])].filter(
      (name) => isSignableHeader(name) && !auth.signedHeaders.includes(name),
    );
    if (unsigned.length > 0) {
      return failure(400, 'IncompleteSignature', `These headers must be signed: ${unsigned.join(', ')}.`, id);
    }

    const expected = computeSignature(key.secret, canonicalRequest(request, auth.signedHeaders, bodyHash));
    const given = Buffer.from(auth.signature);
    if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
      return failure(400, 'SignatureDoesNotMatch', 'Specified signature does not match our calculation.', id);
    }

    const tokenFailure = this.checkSecurityToken(key, request.headers);
    if (tokenFailure) {
      return tokenFailure;
    }

    const nonce = headerValue(request.headers, 'x-acs-signature-nonce');
    if (!nonce) {
      return failure(400, 'MissingParameter.SignatureNonce', 'The x-acs-signature-nonce header is required.', id);
    }
    this.forgetOldNonces();
    if (this.usedNonces.has(nonce)) {
      return failure(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.', id);
    }
    this.usedNonces.set(nonce, this.now());
    return { ok: true, accessKeyId: id };
  }

  private checkSecurityToken(key: AccessKeyRecord, headers: IncomingHttpHeaders): VerifyResult | undefined {
    const token = headerValue(headers, 'x-acs-security-token');
    if (key.securityToken === undefined) {
      return token
        ? failure(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.', key.id)
        : undefined;
    }
    if (!token) {
      return failure(400, 'InvalidSecurityToken.Malformed', 'Specified SecurityToken is malformed or missing.', key.id);
    }
    if (token !== key.securityToken) {
      return failure(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.', key.id);
    }
    if (key.securityTokenExpired) {
      return failure(400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.', key.id);
    }
    return undefined;
  }

  // A nonce only needs remembering while its timestamp could still pass the skew check.
  private forgetOldNonces(): void {
    const cutoff = this.now() - 2 * MAX_CLOCK_SKEW_MS;
    for (const [nonce, seenAt] of this.usedNonces) {
      if (seenAt >= cutoff) {
        break;
      }
      this.usedNonces.delete(nonce);
    }
  }
}
