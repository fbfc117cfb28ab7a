/** How a message shows what it was given: cut short, so that a megabyte value or a whole receipt cannot drown it. */

/** `text` in at most `max` characters, "..." where it was cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/**
 * A value's JSON (a string quoted), a number as written (NaN, Infinity), or its kind when JSON cannot write it (a
 * BigInt, a cycle, nesting too deep).
 */
export function jsonText(value: unknown): string {
  if (typeof value === 'number') return String(value);
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text;
  } catch {
    // Shown by its kind below.
  }
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** A value given, as an error message shows it: its JSON in at most 100 characters (a string cut inside its quotes). */
export function shownValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(clip(value, 98)) : clip(jsonText(value), 100);
}
