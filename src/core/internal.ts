/**
 * What the pack's own layers (the Node-RED nodes, the command line) share with the library without it being the
 * library's API. package.json's exports leave it out, so no user of the package can import it.
 */
export { invalid, type InvalidInit } from './invalid';
export { clip, shownValue } from './shown';
export { loadSerialPort } from './transports/serial';
