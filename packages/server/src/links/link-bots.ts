/**
 * Which link hits are machines: bots and link scanners on clicks, mail-privacy proxies on opens. They are
 * kept (flagged with a reason) but left out of stats and never attached to a profile.
 */
import { isbot } from 'isbot';

/** A flagged hit's reason, or `undefined` for a person. */
export type MachineReason = 'no_user_agent' | 'user_agent' | 'too_soon' | 'apple_mpp' | 'image_proxy' | undefined;

/**
 * Why seconds after delivery: security gateways (Defender Safe Links, Mimecast, Proofpoint) open every link of
 * a message as it arrives, often with a browser's user agent; a person does not click within seconds.
 */
function tooSoon(sinceTokenMs: number | undefined, scannerSeconds: number): boolean {
  return sinceTokenMs !== undefined && sinceTokenMs >= 0 && sinceTokenMs < scannerSeconds * 1000;
}

// Why a memo: user agents repeat (a few browser builds make most traffic), and the isbot pattern is long.
const botMemo = new Map<string, boolean>();
function isBotAgent(userAgent: string): boolean {
  let bot = botMemo.get(userAgent);
  if (bot === undefined) {
    bot = isbot(userAgent);
    if (botMemo.size >= 10_000) botMemo.clear();
    botMemo.set(userAgent, bot);
  }
  return bot;
}

/** A click's machine reason: a missing or bot user agent (the `isbot` list), or a click right after delivery. */
export function clickMachineReason(userAgent: string | undefined, sinceTokenMs: number | undefined, scannerSeconds: number): MachineReason {
  if (!userAgent) return 'no_user_agent';
  if (isBotAgent(userAgent)) return 'user_agent';
  return tooSoon(sinceTokenMs, scannerSeconds) ? 'too_soon' : undefined;
}

// Apple Mail Privacy Protection fetches every image through Apple's proxies with this bare user agent.
const APPLE_MPP = /^Mozilla\/5\.0$/;
// Gmail and Yahoo fetch images through their proxies once, whoever reads the mail later.
const IMAGE_PROXY = /GoogleImageProxy|ggpht\.com|YahooMailProxy/i;

/** An open's machine reason: a mail-privacy or image proxy, a bot user agent, or an open right after delivery. */
export function openMachineReason(userAgent: string | undefined, sinceTokenMs: number | undefined, scannerSeconds: number): MachineReason {
  if (!userAgent) return 'no_user_agent';
  if (APPLE_MPP.test(userAgent.trim())) return 'apple_mpp';
  if (IMAGE_PROXY.test(userAgent)) return 'image_proxy';
  if (isBotAgent(userAgent)) return 'user_agent';
  return tooSoon(sinceTokenMs, scannerSeconds) ? 'too_soon' : undefined;
}
