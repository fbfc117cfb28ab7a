export { Simulator, startSimulator, type SimulatorOptions, type Fault, type FaultAction, type RequestRecord } from './server';
export { TerminalEngine, HUMAN_PHASES, type EngineOptions, type PhaseDurations, type Merchant } from './engine';
export { TEST_AMOUNTS, APPROVED, type Outcome, type TransactionResult } from './scenarios';
