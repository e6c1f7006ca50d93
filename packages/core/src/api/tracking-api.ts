/** Response shape of the tracking routes (`/v1/track`, `/v1/identify`, …, `/v1/batch`, `/v1/import`). Type-only. */

/** One rejected item of a request: its index in the batch (0 for a single event), the code and the field. */
export interface ItemRejection {
  index: number;
  code: string;
  field: string;
  message: string;
}

/** The answer of every tracking route. */
export interface TrackingAnswer {
  success: true;
  accepted: number;
  duplicates: number;
  rejected: ItemRejection[];
  /** Events dropped because they belong to a deleted or suppressed person (never stored; docs/privacy.md). */
  suppressed: number;
}
