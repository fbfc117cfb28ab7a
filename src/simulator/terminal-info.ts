/** GetTerminalInfo in the two shapes of §5.5.9. */
export type Platform = 'android' | 'linux';

const APP = (name: string, packageName: string, versionName: string) => ({
  name,
  packageName,
  versionName,
  firstInstallTime: 1638528975280,
  lastUpdateTime: 1714148997550,
  versionCode: 70000,
});

export function terminalInfo(platform: Platform, serial: string): Record<string, unknown> {
  if (platform === 'linux') {
    return {
      model: 'SP880',
      boot_version: '01.00_00_000019',
      devcfg_version: 'SP880.3652010.014',
      os_version: '9.0.3.0_20231017',
      napi_api_version: 'NAPI_API_V2.7.0',
      pci_fw_version: 'D_01.00_9000300',
      pos_sn: serial,
    };
  }
  const current = APP('SSI SmartPOS (simulator)', 'ua.ssi.smartpos.emv', '1.1.10');
  return {
    securityDriver: { name: 'ServiceVer', versionName: 'X990-V1.0.12(202111221449)' },
    terminalModel: 'Verifone X990 (simulated)',
    sdkVersion: 25,
    androidVersion: '7.1.2 (N_MR1)',
    serviceApps: [
      APP('VFSystemService', 'com.vfi.smartpos.system_service', '1.11.2'),
      APP('VFService', 'com.vfi.smartpos.deviceservice', '3.11.2.3'),
    ],
    currentApp: current,
    terminalSerialNumber: serial,
    thirdPartyApps: [APP('checkbox Verifone', 'ua.in.checkbox.verifone', '0.6.49')],
    rom: { name: 'ROM', versionName: 'V1.1.1.202111150949 INTLv7' },
    paymentApps: [current],
    externalRegisterApps: [],
  };
}
