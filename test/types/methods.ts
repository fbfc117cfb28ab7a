/**
 * Methods, their params and their results, as a consumer writes them. Compiled only (never run): each
 * `@ts-expect-error` line is a misuse that must be a compile error.
 */
import {
  isMethodName,
  methodsIn,
  unchecked,
  type FinancialMethod,
  type MethodName,
  type ParamsOf,
  type ReportMethod,
  type RequestMethod,
  type ResultOf,
  type ServiceMethod,
  type AdditionalMethod,
  type Terminal,
  type TransactMethod,
} from '@ssi-ecr/node-red';
import { expectType, type Equal } from './assert';

declare const terminal: Terminal;

export async function rightUses(): Promise<void> {
  // Amounts in minor units as a number or a digit string; currency and merchant may be left to transact().
  const sale = await terminal.transact('Purchase', { transAmount: 2450, transCurrency: '980', merchantId: '000000060007176' });
  await terminal.transact('Purchase', { transAmount: '2450' }, { ref: 'order-17' });
  await terminal.transact('Refund', { transAmount: 2450, rrn: '987612344098' });
  await terminal.transact('Void', { invoiceNum: '000456' });
  await terminal.transact('XReport');
  await terminal.transact('ZReport', { isDetailReport: true });
  await terminal.request('GetStatus');
  await terminal.request('PrintXml', { receipt: '<receipt><text>Дякуємо!</text></receipt>' });
  await terminal.request('GetResultByUid', { transactionUid: 'abc-1' }, { timeout: 5000 });

  // Known result keys are typed; any other key the terminal sent is kept, as unknown.
  expectType<Equal<typeof sale.params.transactionResult, string | undefined>>();
  expectType<Equal<typeof sale.params.transAmount, string | undefined>>();
  expectType<Equal<typeof sale.params.pan, string | undefined>>();
  expectType<Equal<typeof sale.params.rrn, string | undefined>>();
  expectType<Equal<typeof sale.params.parEnabled, boolean | undefined>>();
  expectType<Equal<(typeof sale.params)['someLaterFirmwareKey'], unknown>>();
  const report = await terminal.transact('ZReport');
  expectType<Equal<typeof report.params.totalSaleCount, number | undefined>>();
  expectType<Equal<typeof report.params.totalSaleAmount, string | undefined>>();
  const merchants = await terminal.request('GetMerchantList');
  expectType<Equal<typeof merchants.params.merchantCount, number | undefined>>();
  expectType<Equal<ResultOf<'GetResultByUid'>, ResultOf<'GetLastResult'>>>();
  const status = await terminal.request('GetStatus');
  expectType<Equal<typeof status.status, string | undefined>>();

  // The escape hatch: keys the catalogue does not describe (later firmware), checked when the call runs.
  await terminal.transact('Purchase', unchecked({ transAmount: 2450, loyaltyId: 'L-77' }));

  // A method named at run time: narrowed by the catalogue's guard, then by group.
  const fromOutside: string = 'GetStatus';
  if (isMethodName(fromOutside)) expectType<Equal<typeof fromOutside, MethodName>>();
  const financial = methodsIn('financial');
  expectType<Equal<typeof financial, FinancialMethod[]>>();
  expectType<Equal<TransactMethod, FinancialMethod | ReportMethod>>();
  expectType<Equal<RequestMethod, ServiceMethod | AdditionalMethod>>();
  expectType<Equal<ReportMethod, 'XReport' | 'ZReport'>>();

  // A method chosen among several: the params of any of them.
  const which = 'Void' as 'Void' | 'VoidPreauth';
  await terminal.transact(which, { invoiceNum: '000456' });
}

export async function misuses(): Promise<void> {
  // @ts-expect-error: a misspelt method
  await terminal.transact('Purchse', { transAmount: 2450 });
  // @ts-expect-error: a misspelt key
  await terminal.transact('Purchase', { transAmmount: 2450 });
  // @ts-expect-error: a misspelt optional key
  await terminal.transact('Purchase', { transAmount: 2450, discountedAmmount: 2250 });
  // @ts-expect-error: a key Purchase does not take
  await terminal.transact('Purchase', { transAmount: 2450, rrn: '987612344098' });
  // @ts-expect-error: a mandatory key left out (transAmount)
  await terminal.transact('Purchase', { merchantId: '1' });
  // @ts-expect-error: Purchase has mandatory keys, so params are required
  await terminal.transact('Purchase');
  // @ts-expect-error: an amount is a number or a digit string, not a boolean
  await terminal.transact('Purchase', { transAmount: true });
  // @ts-expect-error: an rrn is a string
  await terminal.transact('Refund', { transAmount: 2450, rrn: 987612344098 });
  // @ts-expect-error: PingDevice is answered at once: request(), not transact()
  await terminal.transact('PingDevice');
  // @ts-expect-error: Purchase is polled to its outcome: transact(), not request()
  await terminal.request('Purchase', { transAmount: 2450 });
  // @ts-expect-error: GetStatus takes no keys
  await terminal.request('GetStatus', { verbose: true });
  // @ts-expect-error: PrintXml needs its receipt
  await terminal.request('PrintXml');
  // @ts-expect-error: a plain record is not params: unknown keys go through unchecked()
  await terminal.transact('Purchase', {} as Record<string, unknown>);

  const sale = await terminal.transact('Purchase', { transAmount: 2450 });
  // @ts-expect-error: transactionResult is text, not a number
  const code: number = sale.params.transactionResult;
  // @ts-expect-error: a result key may be missing, so it is not a plain string
  const pan: string = sale.params.pan;
  const count = (await terminal.request('GetMerchantList')).params.merchantCount;
  // @ts-expect-error: merchantCount is a number
  count?.toUpperCase();
  void code;
  void pan;

  // @ts-expect-error: Refund's params have no discountedAmount
  const refund: ParamsOf<'Refund'> = { transAmount: 1, rrn: '1', discountedAmount: 1 };
  void refund;
}
