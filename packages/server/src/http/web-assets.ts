/** Static web assets served by `kin serve`: the browser SDK at /sdk.js and the dashboard at /. */
import type { KinApp } from './app.ts';

/** Mounts the SDK and dashboard routes (filled in as those packages land). */
export function mountWebAssets(app: KinApp): void {
  void app;
}
