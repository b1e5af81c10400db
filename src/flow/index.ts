export { step, STEP_EXECUTORS } from './engine.js';
export type { EngineDeps, EngineInput, EngineEvent, StepResult, HandoffRequest } from './context.js';
export { flowSchema, stepSchema, VALIDATORS, type Flow, type Step, type Text } from './schema.js';
export { parseFlowYaml, checkGraph, type FlowError, type ParsedFlow } from './validate.js';
export { createFlowRegistry, seedFlows, FLOWS_DIR, type FlowRegistry } from './registry.js';
export { VALIDATOR_REGISTRY } from './validators.js';
export { matchOption } from './options.js';
