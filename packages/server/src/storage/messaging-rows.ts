/**
 * The rows of the messaging tables as port values (instances, deliveries, destinations, journeys), and the
 * small helpers every messaging statement uses. Apart from messaging-sql.ts so the SQL files read as
 * statements; both stores share these (the SQL is written once, see messaging-sql.ts).
 */
import type { TrackingEvent } from '@kin/core';
import type { Delivery, Journey } from '@kin/core/api/index.ts';
import type { JourneyInstance, StoredDestination } from './messaging-store.ts';

/** One result row, by column name. */
export type Row = Record<string, unknown>;

export const json = (v: unknown): string => JSON.stringify(v);
export const parse = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
export const opt = <T>(v: unknown): T | undefined => (v === null || v === undefined ? undefined : (v as T));
export const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

export function toInstance(r: Row): JourneyInstance {
  return {
    id: r.id as string,
    journeyKey: r.journey_key as string,
    profileId: r.profile_id as string,
    instanceKey: r.instance_key as string,
    state: r.state as JourneyInstance['state'],
    stepIndex: Number(r.step_index),
    ...(r.due_at ? { dueAt: r.due_at as string } : {}),
    heldOut: Number(r.held_out) === 1,
    trigger: parse<TrackingEvent>(r.trigger),
    triggerSeq: Number(r.trigger_seq),
    enteredAt: r.entered_at as string,
    ...(r.ended_at ? { endedAt: r.ended_at as string } : {}),
    ...(r.end_reason ? { endReason: r.end_reason as string } : {}),
    ...(r.goal_at ? { goalAt: r.goal_at as string } : {}),
  };
}

export function toDelivery(r: Row): Delivery {
  return {
    id: r.id as string,
    destinationId: r.destination_id as string,
    ...(r.profile_key ? { profileId: r.profile_key as string } : {}),
    kind: r.kind as Delivery['kind'],
    status: r.status as Delivery['status'],
    attempts: Number(r.attempts),
    ...(r.status === 'pending' ? { nextAttemptAt: r.next_at as string } : {}),
    ...(opt(r.last_status) !== undefined ? { lastStatus: Number(r.last_status) } : {}),
    ...(opt<string>(r.last_error) !== undefined ? { lastError: r.last_error as string } : {}),
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

export function toDestination(r: Row): StoredDestination {
  return {
    id: r.id as string,
    type: r.type as StoredDestination['type'],
    ...(r.name ? { name: r.name as string } : {}),
    status: r.status as StoredDestination['status'],
    ...(r.disabled_reason ? { disabledReason: r.disabled_reason as string } : {}),
    config: parse<Record<string, unknown>>(r.config),
    createdAt: r.created_at as string,
  };
}

export function toJourney(r: Row): Journey {
  return {
    ...parse<Omit<Journey, 'status' | 'createdAt' | 'updatedAt'>>(r.body),
    status: r.status as Journey['status'],
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}
