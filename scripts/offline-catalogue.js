'use strict';
/**
 * Preload for `node-red-dev validate` (node -r ./scripts/offline-catalogue.js) on a machine that cannot reach
 * catalogue.nodered.org. The tool downloads the flow library's catalogue twice, through its own axios: for P08
 * (no similarly named package) and N01 (no node type already taken by another package). This answers exactly that
 * URL with an empty catalogue, `{"modules":[]}`, so those two checks pass vacuously; every other request (the npm
 * registry, for P06, P07, D02 and D03) goes out for real, and fails for real when it cannot.
 *
 * Each answer is reported on stderr, so the output says which checks did not see the real catalogue.
 */
const path = require('node:path');

const CATALOGUE = 'https://catalogue.nodered.org/catalogue.json';

// The axios node-red-dev itself loads (its own copy, 0.21, under its node_modules), not whichever one we would get.
const toolDir = path.dirname(require.resolve('node-red-dev/package.json'));
const axios = require(require.resolve('axios', { paths: [toolDir] }));
const realAdapter = axios.defaults.adapter;
if (typeof realAdapter !== 'function') throw new Error("offline-catalogue: node-red-dev's axios has no default adapter to wrap");

axios.defaults.adapter = function offlineCatalogue(config) {
  if (String(config.method).toLowerCase() !== 'get' || config.url !== CATALOGUE) return realAdapter(config);
  process.stderr.write(`offline-catalogue: answered GET ${CATALOGUE} with {"modules":[]}\n`);
  // A string body, as the HTTP adapter would give it: axios's own transformResponse parses it.
  return Promise.resolve({
    data: JSON.stringify({ modules: [] }),
    status: 200,
    statusText: 'OK',
    headers: { 'content-type': 'application/json' },
    config,
    request: null,
  });
};
