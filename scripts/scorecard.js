'use strict';
/**
 * The flow library's scorecard: `node-red-dev validate`, the tool flows.nodered.org scores packages with, run on a
 * package folder (this one by default, after `npm run build`: it reads dist/nodes/*.html) with the offline
 * catalogue preload (scripts/offline-catalogue.js), so that every check but the catalogue lookups runs for real.
 *
 * `node scripts/scorecard.js [dir]` prints the tool's output and a summary; exits 1 unless every check passed.
 * The tool itself exits 0 whatever it finds, so the verdict is ours: every check in its scorecard file (--output)
 * passed, and its output holds nothing but passes (a ✅ line per check), its headings and `Complete`. Anything else
 * (a warning, "Unable to parse" for a node's HTML, "could not load" from the registry, an error) is a problem.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const PRELOAD = path.join(__dirname, 'offline-catalogue.js');
const TOOL = path.join(path.dirname(require.resolve('node-red-dev/package.json')), 'bin', 'run');

/** The checks node-red-dev 0.1.6 runs (P02 is disabled in the tool), in its order. */
const CHECKS = {
  P01: 'has a licence',
  P03: 'links a repository or a bug tracker',
  P04: 'uses a scoped name',
  P08: 'no similarly named package in the catalogue',
  P05: 'has the node-red keyword',
  P06: 'node-red.version is satisfied by a current Node-RED',
  P07: 'engines.node admits the Node.js the latest Node-RED needs',
  N01: 'no node type already in the catalogue',
  N02: 'every node (but config nodes) is used in an example',
  D01: 'at most six dependencies',
  D02: 'no known-bad package in the dependency tree',
  D03: 'dependencies at their latest versions',
};
/** Checks that only see the preload's empty catalogue: they pass without having looked at the real one. */
const OFFLINE = ['P08', 'N01'];

/** Output lines that are not problems: the tool's headings, its passes, the preload's notes and its last word. */
const FINE = [/^ {4}---Validating (Package|Nodes|Dependencies)---$/, /^ {3}\S+@\S+$/, /^✅ /, /^offline-catalogue: answered GET /, /^Complete$/];

/**
 * Runs the tool on dir; resolves { output, code, scorecard, failed, problems, answered }: the whole output
 * (stdout and stderr as they came), its exit code, its scorecard file (null when it wrote none), the checks
 * that did not pass (failed or missing), the output lines that are not passes, and how many catalogue downloads
 * the preload answered.
 */
async function scorecard(dir = ROOT) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-ecr-scorecard-'));
  const outFile = path.join(tmp, 'output.txt');
  const cardFile = path.join(tmp, 'scorecard.json');
  try {
    // One file for stdout and stderr keeps the tool's warnings where it printed them.
    const fd = fs.openSync(outFile, 'w');
    let code;
    try {
      code = await new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['-r', PRELOAD, TOOL, 'validate', '--path', path.resolve(dir), '--output', cardFile], {
          cwd: dir,
          stdio: ['ignore', fd, fd],
          env: { ...process.env, FORCE_COLOR: '0' },
        });
        child.on('error', reject);
        child.on('exit', (c, signal) => resolve(signal ? signal : c));
      });
    } finally {
      fs.closeSync(fd);
    }
    const output = fs.readFileSync(outFile, 'utf8');
    const card = fs.existsSync(cardFile) ? JSON.parse(fs.readFileSync(cardFile, 'utf8')) : null;
    const failed = Object.keys(CHECKS).filter((id) => !(card && card[id] && card[id].test === true));
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    const problems = lines.filter((line) => !FINE.some((re) => re.test(line)));
    if (code !== 0) problems.push(`node-red-dev exited with ${code}`);
    if (!lines.includes('Complete')) problems.push('node-red-dev did not complete');
    const answered = lines.filter((line) => FINE[3].test(line)).length;
    return { output, code, scorecard: card, failed, problems, answered };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

module.exports = { scorecard, CHECKS, OFFLINE, ROOT };

if (require.main === module) {
  scorecard(process.argv[2] || ROOT).then(
    (result) => {
      process.stdout.write(result.output);
      console.log('\nScorecard (catalogue.nodered.org answered offline with an empty catalogue, so %s pass without it):', OFFLINE.join(' and '));
      for (const [id, what] of Object.entries(CHECKS)) {
        console.log(`  ${result.failed.includes(id) ? 'FAIL' : 'pass'} ${id} ${what}${OFFLINE.includes(id) ? ' (offline)' : ''}`);
      }
      for (const line of result.problems) console.log(`  problem: ${line}`);
      process.exitCode = result.failed.length === 0 && result.problems.length === 0 ? 0 : 1;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
