'use strict';
import 'should';
import { helper, terminalConfig, simulator, load, next, statuses, withoutTime } from './support';

const MERCHANTS = { merchantCount: 2, merchantList: ['000000060007176', '000000060007177'] };
const LINUX = {
  model: 'SP880',
  boot_version: '01.00_00_000019',
  devcfg_version: 'SP880.3652010.014',
  os_version: '9.0.3.0_20231017',
  napi_api_version: 'NAPI_API_V2.7.0',
  pci_fw_version: 'D_01.00_9000300',
  pos_sn: 'SIM0000001',
  platform: 'linux',
};

describe('ssi-terminal-info node', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  function flow(info = {}) {
    return [
      terminalConfig(sim),
      { id: 'about', type: 'ssi-terminal-info', name: 'which terminal', terminal: 'term', what: 'info', wires: [['out']], ...info },
      { id: 'out', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['about'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  async function ask(msg = {}) {
    const got = next(helper.getNode('out'));
    helper.getNode('about').receive(msg);
    return got;
  }

  it('info on an Android terminal: GetTerminalInfo params plus platform android; the rest of msg kept', async () => {
    sim = await simulator({ serialNumber: 'X990-0042' });
    await load(flow());
    const seen = statuses(helper.getNode('about'));
    const msg = await ask({ payload: 'x', topic: 'inventory' });
    msg.payload.should.match({
      platform: 'android',
      terminalModel: 'Verifone X990 (simulated)',
      terminalSerialNumber: 'X990-0042',
      sdkVersion: 25,
      currentApp: { packageName: 'ua.ssi.smartpos.emv', versionName: '1.1.10' },
    });
    msg.payload.should.have.keys(
      'securityDriver',
      'terminalModel',
      'sdkVersion',
      'androidVersion',
      'serviceApps',
      'currentApp',
      'terminalSerialNumber',
      'thirdPartyApps',
      'rom',
      'paymentApps',
      'externalRegisterApps',
      'platform',
    );
    msg.ecr.should.match({ method: 'GetTerminalInfo', response: { method: 'GetTerminalInfo', error: false } });
    msg.topic.should.equal('inventory');
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'green', shape: 'dot', text: '✔ Verifone X990 (simulated)' });
  });

  it('info on a Linux terminal: platform linux', async () => {
    sim = await simulator({ platform: 'linux' });
    await load(flow());
    (await ask()).payload.should.eql(LINUX);
  });

  it('merchants: merchantCount and merchantList', async () => {
    sim = await simulator();
    await load(flow({ what: 'merchants' }));
    const seen = statuses(helper.getNode('about'));
    const msg = await ask();
    msg.payload.should.eql(MERCHANTS);
    msg.ecr.method.should.equal('GetMerchantList');
    sim.counts.should.eql({ GetMerchantList: 1 });
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'green', shape: 'dot', text: '✔ 2 merchants' });
  });

  it('both: { info, merchants }', async () => {
    sim = await simulator({ platform: 'linux', merchants: ['000000000000001'] });
    await load(flow({ what: 'both' }));
    const seen = statuses(helper.getNode('about'));
    const msg = await ask();
    msg.payload.should.eql({ info: LINUX, merchants: { merchantCount: 1, merchantList: ['000000000000001'] } });
    msg.ecr.info.method.should.equal('GetTerminalInfo');
    msg.ecr.merchants.method.should.equal('GetMerchantList');
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'green', shape: 'dot', text: '✔ SP880, 1 merchants' });
  });

  it('an unknown what goes to Catch as VALIDATION; nothing is sent', async () => {
    sim = await simulator();
    await load(flow({ what: 'everything' }));
    const caught = next(helper.getNode('caught'));
    helper.getNode('about').receive({ keep: 1 });
    const err = await caught;
    err.error.code.should.equal('VALIDATION');
    err.ecrError.should.match({ field: 'what', message: 'ssi-terminal-info: what must be one of info, merchants, both; got "everything"' });
    err.keep.should.equal(1);
    sim.requests.length.should.equal(0);
  });
});
