export { Simulator, startSimulator, type SimulatorOptions, type Fault, type FaultAction, type RequestRecord } from './server';
export {
  TerminalEngine,
  HUMAN_PHASES,
  SECOND_STEP_TIMEOUT,
  UID_HISTORY_LIMIT,
  type EngineOptions,
  type PhaseDurations,
  type Merchant,
  type Firmware,
} from './engine';
export { TEST_AMOUNTS, APPROVED, type Outcome, type TransactionResult } from './scenarios';
