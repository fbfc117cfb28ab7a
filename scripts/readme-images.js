'use strict';
/**
 * The npm page and the flow library show the README of the published tarball, where a relative image path leads
 * nowhere. So images are linked absolutely, to the copy shipped in that very version (`docs/*.png` is in "files"),
 * and `npm version` runs this to move the links to the new version. `--check` fails when a link is stale.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const README = path.join(ROOT, 'README.md');
const IMAGE = /!\[([^\]]*)\]\(([^)\s]+)\)/g;

function imageBase(version) {
  return `https://unpkg.com/@ssi-ecr/node-red@${version}/docs/`;
}

/** Every image of the README as [alt, url]. */
function images(text) {
  return [...text.matchAll(IMAGE)].map((m) => [m[1], m[2]]);
}

/** The README with every shipped image linked to `version`'s copy. */
function relink(text, version) {
  return text.replace(IMAGE, (all, alt, url) => {
    const file = /(?:^|\/)docs\/([\w.-]+\.png)$/.exec(url);
    return file ? `![${alt}](${imageBase(version)}${file[1]})` : all;
  });
}

if (require.main === module) {
  const { version } = require('../package.json');
  const text = fs.readFileSync(README, 'utf8');
  const want = relink(text, version);
  if (process.argv.includes('--check')) {
    if (want !== text) {
      console.error(`README.md: image links are not those of version ${version}; run node scripts/readme-images.js`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(README, want);
  }
}

module.exports = { images, relink, imageBase };
