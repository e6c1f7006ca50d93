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
