/**
 * tsx compiles the tests keeping function names through a helper, __name, that the functions given to Playwright's
 * page.evaluate carry into the page: this script, added to a page before it loads, defines it there.
 */
export const KEEP_NAMES = 'globalThis.__name = (fn) => fn;';
