/** A SWAS region as ListRegions describes it. */
export interface Region {
  regionId: string;
  localName: string;
  endpoint?: string;
  /** Being shut down: ListRegions still lists it, its name says so (docs/swas-api.md, "Regions"). */
  shuttingDown?: boolean;
}

/** How a Chinese ListRegions answer marks a region being shut down ("关停中", in the region's name). */
const SHUTTING_DOWN_MARK = '关停中';

export function isShuttingDown(localName: string): boolean {
  return localName.includes(SHUTTING_DOWN_MARK);
}

/**
 * Offered only when ListRegions cannot be reached (it is throttled hard and may be offline): the regions
 * of a current ListRegions answer, in its order (docs/swas-api.md, "Regions"). The names are the English
 * ones of the Endpoints page; ListRegions gives localised names when it answers.
 */
export const KNOWN_REGIONS: readonly Region[] = [
  { regionId: 'cn-qingdao', localName: 'China (Qingdao)' },
  { regionId: 'cn-beijing', localName: 'China (Beijing)' },
  { regionId: 'cn-zhangjiakou', localName: 'China (Zhangjiakou)' },
  { regionId: 'cn-huhehaote', localName: 'China (Hohhot)' },
  { regionId: 'cn-hangzhou', localName: 'China (Hangzhou)' },
  { regionId: 'cn-shanghai', localName: 'China (Shanghai)' },
  { regionId: 'cn-shenzhen', localName: 'China (Shenzhen)' },
  { regionId: 'cn-heyuan', localName: 'China (Heyuan)' },
  { regionId: 'cn-chengdu', localName: 'China (Chengdu)' },
  { regionId: 'cn-guangzhou', localName: 'China (Guangzhou)' },
  { regionId: 'cn-wulanchabu', localName: 'China (Ulanqab)' },
  { regionId: 'cn-nanjing', localName: 'China (Nanjing - Local Region)', shuttingDown: true },
  { regionId: 'cn-fuzhou', localName: 'China (Fuzhou - Local Region)', shuttingDown: true },
  { regionId: 'cn-wuhan-lr', localName: 'China (Wuhan - Local Region)' },
  { regionId: 'cn-hongkong', localName: 'China (Hong Kong)' },
  { regionId: 'ap-southeast-1', localName: 'Singapore' },
  { regionId: 'ap-southeast-3', localName: 'Malaysia (Kuala Lumpur)' },
  { regionId: 'ap-southeast-5', localName: 'Indonesia (Jakarta)' },
  { regionId: 'ap-northeast-1', localName: 'Japan (Tokyo)' },
  { regionId: 'us-west-1', localName: 'US (Silicon Valley)' },
  { regionId: 'us-east-1', localName: 'US (Virginia)' },
  { regionId: 'eu-central-1', localName: 'Germany (Frankfurt)' },
  { regionId: 'eu-west-1', localName: 'UK (London)' },
  { regionId: 'ap-southeast-6', localName: 'Philippines (Manila)' },
  { regionId: 'ap-southeast-7', localName: 'Thailand (Bangkok)' },
  { regionId: 'ap-northeast-2', localName: 'South Korea (Seoul)' },
];

/** Region ids are lower-case words joined by hyphens, e.g. `cn-hangzhou`, `ap-southeast-1`. */
export function isPlausibleRegionId(regionId: string): boolean {
  return /^[a-z]{2,}(-[a-z0-9]+){1,3}$/.test(regionId);
}
