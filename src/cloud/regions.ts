/** A SWAS region as ListRegions describes it. */
export interface Region {
  regionId: string;
  localName: string;
  endpoint?: string;
}

/**
 * Offered only when ListRegions cannot be reached (it is throttled hard and may be offline):
 * the regions of the SWAS endpoint table. The names are the English ones; ListRegions gives
 * localised names when it answers.
 */
export const KNOWN_REGIONS: readonly Region[] = [
  { regionId: 'cn-qingdao', localName: 'China (Qingdao)' },
  { regionId: 'cn-beijing', localName: 'China (Beijing)' },
  { regionId: 'cn-zhangjiakou', localName: 'China (Zhangjiakou)' },
  { regionId: 'cn-huhehaote', localName: 'China (Hohhot)' },
  { regionId: 'cn-wulanchabu', localName: 'China (Ulanqab)' },
  { regionId: 'cn-hangzhou', localName: 'China (Hangzhou)' },
  { regionId: 'cn-shanghai', localName: 'China (Shanghai)' },
  { regionId: 'cn-nanjing', localName: 'China (Nanjing - Local Region)' },
  { regionId: 'cn-fuzhou', localName: 'China (Fuzhou - Local Region)' },
  { regionId: 'cn-shenzhen', localName: 'China (Shenzhen)' },
  { regionId: 'cn-heyuan', localName: 'China (Heyuan)' },
  { regionId: 'cn-guangzhou', localName: 'China (Guangzhou)' },
  { regionId: 'cn-wuhan-lr', localName: 'China (Wuhan - Local Region)' },
  { regionId: 'cn-chengdu', localName: 'China (Chengdu)' },
  { regionId: 'cn-hongkong', localName: 'China (Hong Kong)' },
  { regionId: 'ap-southeast-1', localName: 'Singapore' },
  { regionId: 'ap-southeast-3', localName: 'Malaysia (Kuala Lumpur)' },
  { regionId: 'ap-southeast-5', localName: 'Indonesia (Jakarta)' },
  { regionId: 'ap-southeast-6', localName: 'Philippines (Manila)' },
  { regionId: 'ap-southeast-7', localName: 'Thailand (Bangkok)' },
  { regionId: 'ap-northeast-1', localName: 'Japan (Tokyo)' },
  { regionId: 'ap-northeast-2', localName: 'South Korea (Seoul)' },
  { regionId: 'us-east-1', localName: 'US (Virginia)' },
  { regionId: 'us-west-1', localName: 'US (Silicon Valley)' },
  { regionId: 'eu-central-1', localName: 'Germany (Frankfurt)' },
  { regionId: 'eu-west-1', localName: 'UK (London)' },
  { regionId: 'me-east-1', localName: 'UAE (Dubai)' },
];

/** Region ids are lower-case words joined by hyphens, e.g. `cn-hangzhou`, `ap-southeast-1`. */
export function isPlausibleRegionId(regionId: string): boolean {
  return /^[a-z]{2,}(-[a-z0-9]+){1,3}$/.test(regionId);
}
