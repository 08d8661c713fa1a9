// Address allow-lists (WEBHOOK_ALLOW_PRIVATE): parsed once by config.ts, used by the webhook
// target check (modules/notifications/webhook-target.ts).
import { BlockList, isIP } from 'node:net';

/** CIDRs such as "10.20.0.0/16" or "fd00::/8"; throws on anything else (config.ts reports it). */
export function parseAllowList(list: readonly string[]): BlockList {
  const allowed = new BlockList();
  for (const entry of list) {
    const [net, bits, extra] = entry.split('/');
    const family = net ? isIP(net) : 0;
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    const max = family === 6 ? 128 : 32;
    if (!net || !family || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max)
      throw new Error(`"${entry}" is not an address or CIDR such as 10.20.0.0/16 or fd00::/8`);
    allowed.addSubnet(net, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return allowed;
}
