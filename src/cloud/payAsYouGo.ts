/**
 * Which regions have pay-as-you-go (PostPaid) servers, per account. ListInstances lists subscription
 * (PrePaid) servers unless asked for another ChargeType, and the pages name no value that lists both
 * (docs/swas-api.md, "Pay-as-you-go servers"); each region is asked for PostPaid servers once, and again only
 * where it had some or after Refresh, so an account without any spends one call per region, not one per listing.
 */
export class PayAsYouGoRegions {
  /** `account\nregion` → whether the last PostPaid listing found servers. */
  private readonly found = new Map<string, boolean>();

  /** True until the region was asked and had none. */
  shouldAsk(account: string, regionId: string): boolean {
    return this.found.get(`${account}\n${regionId}`) !== false;
  }

  record(account: string, regionId: string, found: boolean): void {
    this.found.set(`${account}\n${regionId}`, found);
  }

  /** After Refresh (of one region, or all): the next listing asks again. */
  forget(regionId?: string): void {
    for (const key of [...this.found.keys()]) {
      if (regionId === undefined || key.endsWith(`\n${regionId}`)) {
        this.found.delete(key);
      }
    }
  }
}
