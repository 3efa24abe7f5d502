export { Callback, type Logs, type FitParams } from './base';
export { EarlyStopping, type EarlyStoppingOptions } from './early-stopping';
export { LearningRateScheduler, type Schedule } from './lr-scheduler';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr';
export { TerminateOnNaN, type TerminateOnNaNOptions } from './terminate-on-nan';
export { CSVLogger, type CSVLoggerOptions } from './csv-logger';
export { LambdaCallback, type LambdaCallbackOptions } from './lambda';
export { DeadUnitMonitor, RELU_FAMILY, type DeadUnitMonitorOptions } from './dead-units';
export type { MonitorMode } from './monitor';
