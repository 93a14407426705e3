/**
 * Where API calls go. The SDK has no endpoint map and would call `swas-open.aliyuncs.com`, which
 * is not a documented endpoint, so the region's public endpoint is always set explicitly.
 * `swas.endpoint` overrides it for every region (VPC endpoints, proxies, the local emulator).
 */
export interface Endpoint {
  /** Host, with `:port` when not the default one: what the SDK's `endpoint` option takes. */
  host: string;
  protocol: 'https' | 'http';
}

export type EndpointSettingProblem = 'notUrl' | 'unsupportedProtocol' | 'hasPath';

export interface ParsedEndpointSetting {
  endpoint?: Endpoint;
  problem?: EndpointSettingProblem;
  /** Plain HTTP to a host other than loopback: signed requests would cross the network unencrypted. */
  insecure?: boolean;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/i;

export function parseEndpointSetting(value: string): ParsedEndpointSetting {
  const trimmed = value.trim();
  if (trimmed === '') {
    return {};
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { problem: 'notUrl' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { problem: 'unsupportedProtocol' };
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return { problem: 'hasPath' };
  }
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return {
    endpoint: { host: url.host, protocol },
    insecure: protocol === 'http' && !LOOPBACK.test(url.hostname),
  };
}

export function regionEndpoint(regionId: string): Endpoint {
  return { host: `swas.${regionId}.aliyuncs.com`, protocol: 'https' };
}

/** Only Alibaba Cloud names are taken from a ListRegions answer: signed requests go nowhere else. */
const ALIBABA_HOST = /^([a-z0-9-]+\.)+aliyuncs\.com$/i;

/**
 * The setting when set; else the `RegionEndpoint` ListRegions gave for the region (a region may be
 * served under another name than the pattern), else `swas.<regionId>.aliyuncs.com`.
 */
export function endpointFor(regionId: string, override: Endpoint | undefined, listed?: string): Endpoint {
  if (override) {
    return override;
  }
  return listed && ALIBABA_HOST.test(listed) ? { host: listed.toLowerCase(), protocol: 'https' } : regionEndpoint(regionId);
}
