'use strict';
/** The fleet benchmark's smoke mode runs and hands back its rows in the shape the bench runner prints (no figures judged here). */
require('should');
const { run } = require('../bench/fleet');

describe('bench/fleet.js --quick', function () {
  this.timeout(60000);

  it('drives a small fleet through the library and through Node-RED and returns rows 5a–5f', async () => {
    const rows = await run({ quick: true });
    rows.map((r) => r.id).should.eql(['5a', '5b', '5c', '5d', '5e', '5f']);
    for (const row of rows) {
      row.should.have.properties('figure', 'value', 'unit', 'target', 'pass');
      row.figure.should.be.a.String();
      row.value.should.be.a.Number();
      Number.isFinite(row.value).should.be.true(`${row.id} value ${row.value}`);
      row.target.should.be.a.String();
      [true, false, null].should.containEql(row.pass);
      if (row.detail !== undefined) row.detail.should.be.a.String();
    }
    rows.map((r) => r.unit).should.eql(['count', 'ms', 'KiB', 'count', 'ms', 'KiB']);
  });
});
