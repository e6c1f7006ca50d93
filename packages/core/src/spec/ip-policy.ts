/**
 * What Kin keeps of a client IP address (`context.ip` of events, the address of a link click).
 * Why truncate by default: an IP address is personal data; its network part is enough for geography and
 * bot analysis. `truncate` zeroes the host part: the last octet of IPv4 (/24) and the last 80 bits of
 * IPv6 (/48), the same cut analytics tools make. `drop` keeps nothing; `keep` keeps the address as sent.
 * Anything that is not an IP address is dropped under `truncate` (never stored unparsed).
 */

/** The IP policy modes (configuration: `KIN_LINKS_IP`, policy `privacy.ip`). */
export type IpMode = 'drop' | 'truncate' | 'keep';

/** Every IP mode, for validation. */
export const IP_MODES: readonly IpMode[] = ['drop', 'truncate', 'keep'];

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function truncateV4(ip: string): string | undefined {
  const m = IPV4.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1, 4).map(Number);
  if (parts.some((p) => p > 255) || Number(m[4]) > 255) return undefined;
  return `${parts.join('.')}.0`;
}

function expandV6(ip: string): number[] | undefined {
  if (!/^[0-9a-f:]+$/i.test(ip) || ip.split('::').length > 2) return undefined;
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8 || groups.some((g) => g.length === 0 || g.length > 4)) return undefined;
  return groups.map((g) => parseInt(g, 16));
}

/** The truncated form of an address, or undefined when it is not an IP address. */
export function truncateIp(ip: string): string | undefined {
  const bare = ip.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return truncateV4(mapped[1]!);
  if (bare.includes('.')) return truncateV4(bare);
  const groups = expandV6(bare.replace(/^\[|\]$/g, '').split('%')[0]!);
  if (!groups) return undefined;
  return `${groups
    .slice(0, 3)
    .map((g) => g.toString(16))
    .join(':')}::`;
}

/** Applies a mode to an address: the value to store, or undefined to store none. */
export function applyIpPolicy(ip: string | undefined, mode: IpMode): string | undefined {
  if (ip === undefined || mode === 'drop') return undefined;
  if (mode === 'keep') return ip;
  return truncateIp(ip);
}
