/**
 * A message as a test reads it back: a decoded frame or a parsed JSON body. It is whatever the other side sent
 * (JSON.parse's `any`), so its shape is what the test's assertions check, not something the compiler can know.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Wire = any;
