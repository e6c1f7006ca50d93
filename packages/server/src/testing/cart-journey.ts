/**
 * The abandoned-cart journey of the journey tests and `bench:journeys` (docs/journeys.md): one instance per
 * cart and profile, an exit when that cart's order completes, a wait of an hour, then one reminder per cart
 * across every journey that shares its dedupe key.
 */
export function cartJourney(key: string, channels: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    key,
    trigger: { event: 'Product Added', instanceKey: 'properties.cart_id' },
    exit: [{ event: 'Order Completed', match: { 'properties.cart_id': '{{trigger.properties.cart_id}}' } }],
    steps: [{ wait: '1 hour' }, { send: { message: 'cart-reminder', dedupeKey: 'cart:{{trigger.properties.cart_id}}', channels } }],
    ...extra,
  };
}

/** The shoppers of that workload: a cart on the web and in the app each, the login that stitches them (with
 * consent to email and push), and the orders of the buyers (`i % 10 < 3`, 30 %). Sent in this order. */
export function cartShopperEvents(shoppers: number): {
  carts: Array<Record<string, unknown>>;
  logins: Array<Record<string, unknown>>;
  orders: Array<Record<string, unknown>>;
} {
  const ids = Array.from({ length: shoppers }, (_, i) => i);
  const consent = { consent: { categoryPreferences: { email: true, push: true } } };
  return {
    carts: ids.flatMap((i) =>
      ['web', 'app'].map((device) => ({
        type: 'track',
        anonymousId: `${device}-${i}`,
        event: 'Product Added',
        properties: { cart_id: `c${i}` },
      })),
    ),
    logins: ids.flatMap((i) => [
      {
        type: 'identify',
        userId: `u${i}`,
        anonymousId: `web-${i}`,
        traits: { email: `s${i}@shop.test`, pushToken: `tok-${i}` },
        context: consent,
      },
      { type: 'identify', userId: `u${i}`, anonymousId: `app-${i}` },
    ]),
    orders: ids
      .filter(isCartBuyer)
      .map((i) => ({ type: 'track', userId: `u${i}`, event: 'Order Completed', properties: { cart_id: `c${i}` } })),
  };
}

/** Whether shopper `i` of `cartShopperEvents` buys. */
export function isCartBuyer(i: number): boolean {
  return i % 10 < 3;
}
