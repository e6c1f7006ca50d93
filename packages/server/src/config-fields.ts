/**
 * The field helpers every configuration section (config-*.ts) builds its settings with, so that one bound
 * reads the same everywhere.
 */
import { z } from 'zod';

/** An integer setting between `min` and `max` inclusive, from a flag or an environment string. */
export const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The parsed settings of a section, from its field shape. */
export type SettingsOf<Shape extends z.ZodRawShape> = z.output<z.ZodObject<Shape>>;
