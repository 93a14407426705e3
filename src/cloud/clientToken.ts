import { randomUUID } from 'node:crypto';
import { CredentialsError } from './credentials';
import { toCloudError } from './errors';

/**
 * The ClientToken rule of every call that changes something (docs/swas-api.md, Idempotence): one token
 * per request. After a failure the service may have acted on (a timeout, a lost or garbled answer, a
 * 5xx, throttling), Retry sends the same token, so a request done once is not done twice. After a
 * refusal the user has fixed meanwhile (a RAM permission, a full quota), Retry is a new request with a
 * new token: the service may answer a reused token with its first answer, the refusal.
 */
export class ClientToken {
  private token = randomUUID();

  get value(): string {
    return this.token;
  }

  /** Before the user's Retry of a call that failed with `error`. */
  beforeRetryAfter(error: unknown): void {
    if (!mayHaveActed(error)) {
      this.renew();
    }
  }

  /** For a request that is new on purpose (the earlier one's outcome is known). */
  renew(): void {
    this.token = randomUUID();
  }
}

/** Whether the service may have done what a failed call asked (then only the same ClientToken is safe). */
export function mayHaveActed(error: unknown): boolean {
  return !(error instanceof CredentialsError) && toCloudError(error, 'request').transient;
}
