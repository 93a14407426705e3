/**
 * Turns whatever the SDK or the network threw into one `CloudError` with a `kind` the UI can
 * explain. Minified bundles rename classes, so this matches on `code`/`name`/`statusCode`,
 * never on `constructor.name` (see docs/swas-api.md, "Errors").
 */
export type CloudErrorKind =
  | 'nameExists'
  | 'quotaExceeded'
  | 'keyPairInUse'
  | 'accessKeyNotFound'
  | 'accessKeyInactive'
  | 'signatureMismatch'
  | 'clockSkew'
  | 'tokenExpired'
  | 'forbidden'
  | 'throttled'
  | 'invalidParameter'
  | 'serverError'
  | 'timeout'
  | 'connectionRefused'
  | 'dnsFailure'
  | 'network'
  | 'badResponse'
  | 'unknown';

/** The RAM denial detail the service sends with `Forbidden.RAM`/`NoPermission`. */
export interface AccessDeniedDetail {
  AuthAction?: string;
  PolicyType?: string;
  NoPermissionType?: string;
  AuthPrincipalDisplayName?: string;
  EncodedDiagnosticMessage?: string;
  [key: string]: unknown;
}

export class CloudError extends Error {
  constructor(
    readonly kind: CloudErrorKind,
    /** The API action that failed, e.g. `CreateKeyPair`. */
    readonly action: string,
    message: string,
    readonly details: {
      code?: string;
      statusCode?: number;
      requestId?: string;
      serverMessage?: string;
      accessDeniedDetail?: AccessDeniedDetail;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message);
    this.name = 'CloudError';
  }

  /**
   * Worth retrying with the same ClientToken: the call may not have reached the server, or its
   * answer was lost or garbled on the way back (a proxy page, a cut-off body).
   */
  get transient(): boolean {
    return ['throttled', 'serverError', 'timeout', 'network', 'connectionRefused', 'badResponse'].includes(this.kind);
  }
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  statusCode?: number;
  requestId?: string;
  retryAfter?: number;
  data?: { Message?: string; AccessDeniedDetail?: AccessDeniedDetail; Recommend?: string };
  accessDeniedDetail?: AccessDeniedDetail;
  message?: string;
}

const NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** A code or message about key pairs: what makes an undocumented, generic code ours to explain. */
const ABOUT_KEY_PAIRS = /key ?pair|密钥对/i;

/**
 * Documented codes (docs/swas-api.md, "Errors", and the CreateKeyPair page it links) match by code alone. The
 * codes for "name taken", "quota" and "still attached" beyond KeyPairNameAlreadyExist are not
 * documented for SWAS and their words are generic (any resource can be "InUse" or over a quota):
 * they count only when the code or the message is about key pairs; otherwise the kind is
 * 'unknown' and the user reads the service's own message instead of a wrong explanation.
 */
function kindForServiceCode(code: string, statusCode: number | undefined, message: string): CloudErrorKind {
  const aboutKeyPairs = ABOUT_KEY_PAIRS.test(code) || ABOUT_KEY_PAIRS.test(message);
  if (code === 'KeyPairNameAlreadyExist' || (/AlreadyExist/i.test(code) && aboutKeyPairs)) return 'nameExists';
  if (/QuotaExceed|LimitExceed/i.test(code) && aboutKeyPairs) return 'quotaExceeded';
  if (/InUse|Attached/i.test(code) && aboutKeyPairs) return 'keyPairInUse';
  if (code === 'InvalidAccessKeyId.NotFound' || code === 'InvalidAccessKeyId') return 'accessKeyNotFound';
  if (code === 'InvalidAccessKeyId.Inactive') return 'accessKeyInactive';
  if (code === 'SignatureDoesNotMatch' || code === 'IncompleteSignature') return 'signatureMismatch';
  if (/^InvalidTimeStamp/.test(code)) return 'clockSkew';
  if (/SecurityToken/i.test(code)) return 'tokenExpired';
  if (/^Forbidden|NoPermission|NotAuthorized/i.test(code)) return 'forbidden';
  if (/Throttling/.test(code)) return 'throttled';
  if (/^(InvalidParameter|MissingParameter|InvalidRegionId|InvalidAction)/.test(code)) return 'invalidParameter';
  if (statusCode !== undefined && statusCode >= 500) return 'serverError';
  return 'unknown';
}

export function toCloudError(error: unknown, action: string): CloudError {
  if (error instanceof CloudError) {
    return error;
  }
  const e = (error ?? {}) as SdkErrorShape & { errno?: string; hostname?: string };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const details = {
    code,
    statusCode: typeof e.statusCode === 'number' ? e.statusCode : undefined,
    requestId: e.requestId && e.requestId !== 'undefined' ? e.requestId : undefined,
    serverMessage: e.data?.Message,
    accessDeniedDetail: e.data?.AccessDeniedDetail ?? (e.accessDeniedDetail && Object.keys(e.accessDeniedDetail).length ? e.accessDeniedDetail : undefined),
    retryAfterMs: typeof e.retryAfter === 'number' ? e.retryAfter : undefined,
    cause: error,
  };
  const summary = (kind: CloudErrorKind) => new CloudError(kind, action, `${action} failed: ${details.serverMessage ?? e.message ?? String(error)}`, details);

  if (details.statusCode !== undefined && code) {
    return summary(kindForServiceCode(code, details.statusCode, details.serverMessage ?? ''));
  }
  if (e.name === 'RequestTimeoutError' || /Timeout/i.test(e.name ?? '') || code === 'ETIMEDOUT') {
    return summary('timeout');
  }
  if (code === 'ECONNREFUSED') return summary('connectionRefused');
  // EAI_AGAIN is what an offline resolver answers: as much a lookup failure as ENOTFOUND.
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return summary('dnsFailure');
  if (code && NETWORK_CODES.has(code)) return summary('network');
  if (/socket hang up/i.test(e.message ?? '')) return summary('network');
  // A proxy or gateway error page is HTML; the SDK's JSON parse of it throws a bare SyntaxError.
  if (e.name === 'SyntaxError' || error instanceof SyntaxError) return summary('badResponse');
  return summary('unknown');
}
