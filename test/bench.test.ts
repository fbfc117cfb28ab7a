'use strict';
/**
 * The bench still runs: `node bench/run.js --quick` (tiny sizes) exits 0, prints its table and writes every row
 * well-formed. Its figures are not judged here: a benchmark is never a timed unit test.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import { execFile } from 'node:child_process';
import 'should';

const root = path.join(__dirname, '..');

describe('npm run bench -- --quick', function () {
  this.timeout(90_000);
  let dir;
  let out;
  let stdout;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-bench-test-'));
    out = path.join(dir, 'results.json');
    // Its own results file, so a full run's bench/results.json is left alone.
    stdout = await new Promise((resolve, reject) => {
      execFile(process.execPath, ['bench/run.js', '--quick', '--out', out], { cwd: root, maxBuffer: 8 * 1024 * 1024 }, (err, so, se) => {
        if (err) return reject(new Error(`bench/run.js --quick exited ${err.code}: ${se || err.message}`));
        resolve(so);
      });
    });
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the results with every row well-formed', function () {
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    report.should.have.properties('date', 'node', 'platform', 'cpus', 'rows');
    report.quick.should.equal(true);
    report.rows.length.should.be.above(0);
    const ids = new Set();
    for (const row of report.rows) {
      row.id.should.be.a.String();
      ids.has(row.id).should.equal(false, `row id ${row.id} appears twice`);
      ids.add(row.id);
      row.figure.should.be.a.String().and.not.be.empty();
      row.value.should.be.a.Number();
      Number.isFinite(row.value).should.equal(true, `${row.id}: value ${row.value}`);
      row.unit.should.be.a.String();
      row.target.should.be.a.String();
      [true, false, null].should.containEql(row.pass);
      if (row.detail !== undefined) row.detail.should.be.a.String();
    }
    // Every item of the issue reports a figure.
    [...ids].should.eql(['1a', '1b', '1c', '1d', '2', '3a', '3b', '4a', '4b', '5a', '5b', '5c', '5d', '5e', '5f', '6a', '6b', '6c', '7a', '7b']);
    report.rows
      .filter((r) => r.id.startsWith('5'))
      .map((r) => r.unit)
      .should.eql(['count', 'ms', 'KiB', 'count', 'ms', 'KiB']);
  });

  it('prints one table with each figure, its target and pass/FAIL', function () {
    stdout.should.match(/\| id +\| figure +\| measured +\| target +\| pass +\|/);
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    for (const row of report.rows) stdout.should.containEql(`| ${row.id.padEnd(2)} `);
    stdout.should.match(/\| (pass|FAIL) +\|/);
  });
});
