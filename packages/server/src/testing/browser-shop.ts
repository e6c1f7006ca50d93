/** What shop pages in browser tests share: the `window.kin` a shop page gets from Kin's `/sdk.js`. */

/** A shop page's window once Kin's SDK loaded (the calls browser tests make). */
export interface ShopWindow {
  kin: {
    identify(userId: string, traits: Record<string, unknown>, options?: Record<string, unknown>): void;
    track(event: string, properties?: Record<string, unknown>): void;
    reset(): void;
    flush(): Promise<void>;
    user(): { anonymousId(): string };
  };
}
